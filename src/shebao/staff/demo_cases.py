"""A few dozen demo applications, submitted through the same service as the counter and the API."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# (business, applicant kind, facts, channel)
SAMPLES: list[tuple[str, str, dict[str, Any], str]] = [
    ("monthly_report_back_payment", "employer", {}, "online"),
    ("base_difference_back_payment", "employer", {}, "email"),
    ("individual_back_payment", "employer", {"period": {"from": "2019-11", "to": "2020-01"}}, "online"),
    ("individual_back_payment", "employer", {"period": {"from": "2018-01", "to": "2019-06"}}, "fax"),
    ("individual_back_payment", "employer", {"period": {"from": "2012-01", "to": "2016-12"}}, "post"),
    ("refund", "person", {"refund_kind": "base_difference"}, "counter"),
    ("refund", "employer", {"refund_kind": "overpayment"}, "online"),
    ("person_change", "person", {"fields": ["phone", "address"]}, "counter"),
    ("person_change", "employer", {"fields": ["phone", "ethnicity"]}, "email"),
    ("account_backfill", "employer", {}, "post"),
    ("insured_registration", "employer", {}, "fax"),
]


@dataclass
class DemoCases:
    """What `demo_cases_create` made: `made` cases of the `intended` samples, and each sample not
    made as ``(business in Chinese, why in Chinese)``: the registry's refusal of it (a generated
    person may not fit a business) or that the district has no one to apply for."""

    intended: int = 0
    made: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __iadd__(self, other: DemoCases) -> DemoCases:
        self.intended += other.intended
        self.made += other.made
        self.skipped += other.skipped
        return self

    def lines(self, applied_on: dt.date | None = None) -> list[str]:
        """The command's report in Chinese: how many were made of how many intended (on `applied_on`),
        and per business the samples not made, their count and the first one's reason (a long reason
        cut at REASON_SHOWN characters)."""
        day = f"，申请日期{applied_on:%Y-%m-%d}" if applied_on else ""
        out = [f"已生成示例申请{self.made}件（计划{self.intended}件{day}）"]
        if self.skipped:
            out.append(f"未生成的示例申请{len(self.skipped)}件（演示数据中的登记信息不支持，经办规则拒绝登记）：")
            first: dict[str, str] = {}
            for business, why in self.skipped:
                first.setdefault(business, why)
            counts = Counter(business for business, _ in self.skipped)
            for business, why in first.items():
                shown = why if len(why) <= REASON_SHOWN else f"{why[:REASON_SHOWN]}…"
                out.append(f"  {business}{counts[business]}件，如：{shown}")
        return out


REASON_SHOWN = 90  # characters of a refusal shown in the command's report (a list of 60 months is cut)


def demo_cases_create(*, actor: Any, district_code: str, count: int, applied_on: dt.date) -> DemoCases:
    """`count` sample applications of the district (SAMPLES in turn), each submitted through
    `case_submit` with content its definition and the registry's checks accept, read from the
    registry (`staff.demo_content.example_details`): a base difference names a month the person
    contributed in and its base, a registration a number no one holds, a refund a paid due of the
    employer with money left. A sample the registry still cannot support (a back-payment of months
    the person paid, or worked elsewhere) is not made; it is counted in `skipped` with the reason."""
    from shebao.cases.services import case_submit
    from shebao.core.errors import DomainError
    from shebao.registry.models import EmploymentSpell
    from shebao.rules.catalog import business as business_entry
    from shebao.staff.demo_content import example_details

    # People with a current employer of the district: an employer applies for its own employee, and
    # the content's registry checks (employment, months without contribution) read that spell.
    spells = list(EmploymentSpell.objects.filter(employer__district__code=district_code, to_month="",
                                                 person__district__code=district_code,
                                                 person__pension_account__isnull=False)
                  .select_related("person", "employer").order_by("pk")[: count])
    result = DemoCases(intended=count)
    for i in range(count):
        business, kind, facts, channel = SAMPLES[i % len(SAMPLES)]
        zh = business_entry(business).zh
        if not spells:
            result.skipped.append((zh, "本区没有在职的参保人员"))
            continue
        spell = spells[i % len(spells)]
        refunded = None
        if business == "refund":
            # One refund sample per paid due, none on a due another refund already names (review-user12
            # F6: every sample refunded the books' one paid due, so one person had 8 refunds in handling).
            found = _spell_with_paid_dues(district_code)
            if found is None:
                result.skipped.append((zh, "演示账务中的已缴费款都已有退费申请（每笔费款只生成一笔示例退费）"))
                continue
            spell, refunded = found
        person, employer = spell.person, spell.employer if kind == "employer" else None
        # Every case carries its content, as on every road (review-user7 F6: 63 demo cases without it
        # could be approved to 已办结 with nothing registered).
        details = example_details(business, person=person, employer=employer or spell.employer, facts=facts,
                                  applied_on=applied_on)
        if refunded is not None:
            details.update(refunded)
        if business == "insured_registration":
            details["insured_id_number"] = _unregistered_citizen_id(details["insured_id_number"], serial=i)
        try:
            case_submit(actor=actor, business=business, channel=channel, person=person, employer=employer,
                        applicant_kind=kind, applied_on=applied_on, details=details,
                        idempotency_key=f"demo-{district_code}-{i}",
                        work_injury_medical=(i % 17 == 0))
            result.made += 1
        except DomainError as e:
            result.skipped.append((zh, e.zh))  # a generated person may not fit a business
    return result


def _spell_with_paid_dues(district_code: str) -> tuple[Any, dict[str, Any]] | None:
    """A current employment spell of the district, of someone with no refund application, whose employer
    has a paid due with money left to refund that no refund application names yet, and the refund of it (``{"dues": [id], "amount_fen"}``,
    at most 100.00 yuan), or None: what a refund sample refunds, a due once."""
    from shebao.cases.models import Case
    from shebao.collection.models import Due
    from shebao.collection.refundable import refundable_each
    from shebao.registry.models import EmploymentSpell

    # the content is encrypted: read case by case (a demo has a handful of refunds)
    named = {int(pk) for case in Case.objects.filter(business="refund").only("details")
             for pk in ((case.details or {}).get("dues") or []) if str(pk).isdigit()}
    paid = [(pk, employer_id) for pk, employer_id in Due.objects.filter(
        employer__district__code=district_code, paid_on__isnull=False).order_by("pk").values_list("pk", "employer_id")
        if pk not in named]
    room = refundable_each([pk for pk, _ in paid])
    for pk, employer_id in paid:
        if room.get(pk, 0) > 0:
            # someone with no refund yet: one person's refunds are not the demo's pile of samples
            spell = (EmploymentSpell.objects.filter(employer_id=employer_id, to_month="",
                                                    person__pension_account__isnull=False)
                     .exclude(person__in=Case.objects.filter(business="refund").values("person"))
                     .select_related("person", "employer").order_by("pk").first())
            if spell is not None:
                return spell, {"dues": [pk], "amount_fen": min(room[pk], 10_000)}
    return None


def _unregistered_citizen_id(example: str, *, serial: int) -> str:
    """A citizen ID number like `example` (same place, birth date and sex) that no person is registered
    under and no open application gives: each registration sample names someone new (the example's
    one number was refused from the second sample on as already being registered)."""
    from shebao.cases.checks import pending_for_id_number
    from shebao.registry.checks import id_check_character
    from shebao.registry.models import Person

    head, sex_odd = example[:14], int(example[16]) % 2
    for n in range(serial, serial + 500):
        seq = f"{(n * 2 + sex_odd) % 1000:03d}"  # the 17th digit keeps the example's sex (GB 11643)
        number = head + seq + id_check_character(head + seq)
        if not Person.objects.filter(id_number=number).exists() and pending_for_id_number(number) is None:
            return number
    return example


def demo_books_create(*, actor: Any, district_code: str, applied_on: dt.date) -> str:
    """Something on the books to see the businesses act on: three paid dues and two open dues of one
    employer, and a refund case (with its amount, the dues it refunds and the payee's account) from
    one of its people, waiting to be accepted. Returns a line for the command's output ("" if the
    district has no employer with an employee)."""
    from shebao.cases.services import case_submit
    from shebao.collection import ledger
    from shebao.collection.models import Due, LedgerTransaction
    from shebao.collection.services import payment_receive
    from shebao.core.permissions import SystemActor
    from shebao.registry.models import EmploymentSpell
    from shebao.rules.dates import month_index

    spell = (EmploymentSpell.objects.filter(employer__district__code=district_code, to_month="",
                                            person__pension_account__isnull=False)
             .select_related("employer", "person").order_by("pk").first())
    if spell is None:
        return ""
    job = SystemActor.command("demo_setup")
    employer, person = spell.employer, spell.person
    dues = []
    # Each month's pension due is what the employer's people contributed that month (the person's rights
    # record reads those contributions): review-user14 (6): the bill said 2019-08 养老保险 900.00元 for one
    # person whose record said 2,653.00元 for the same month. A month without contributions keeps a
    # sample amount. 2019-08 is paid and left for the first refund sample of demo_cases_create.
    from django.db.models import Count, Sum

    from shebao.registry.models import Contribution

    months = ("2019-08", "2019-09", "2019-10", "2019-11", "2019-12")
    paid_in = {row["month"]: row for row in Contribution.objects.filter(employer=employer, month__in=months)
               .values("month").annotate(employer_fen=Sum("pension_employer_fen"),
                                         personal_fen=Sum("pension_personal_fen"), persons=Count("pk"))}
    for month, sample in zip(months, (90_000, 100_000, 120_000, 80_000, 95_000), strict=True):
        row = paid_in.get(month)
        employer_fen, personal_fen = (int(row["employer_fen"]), int(row["personal_fen"])) if row else (sample, 0)
        amount = employer_fen + personal_fen
        due = Due.objects.create(employer=employer, month=month, month_no=month_index(month), insurance="pension",
                                 employer_fen=employer_fen, personal_fen=personal_fen, amount_fen=amount,
                                 persons=row["persons"] if row else 1)
        ledger.ledger_post(kind=LedgerTransaction.Kind.DUES, occurred_on=applied_on, actor=job, memo=f"演示应缴：{month}",
                           lines=[ledger.Line(ledger.RECEIVABLE, employer.pk, amount),
                                  ledger.Line(ledger.income_account("pension"), None, -amount)])
        dues.append(due)
    payment_receive(employer=employer, amount_fen=sum(d.amount_fen for d in dues[:3]), received_on=dt.date(2019, 11, 15),
                    source="remittance", actor=job, memo="演示收款")  # pays 2019-08 to 2019-10; 2019-11 and 2019-12 stay open
    case, _ = case_submit(
        actor=actor, business="refund", channel="counter", person=person, applicant_kind="person",
        applied_on=applied_on, idempotency_key=f"demo-refund-{district_code}",
        details={"refund_kind": "overpayment", "amount_fen": 30_000, "dues": [dues[2].pk], "payee_name": person.name,
                 "bank_name": "中国工商银行北京分行", "bank_account": "6222020200112233445"})
    approved = _demo_refund_approved(clerk=actor, person=person, due=dues[1], district_code=district_code,
                                     applied_on=applied_on)
    # Each refund its own paid due (review-user12 F6: both refunded one due, beside the samples' own)
    return (f"{employer.name}：应缴5笔（3笔已缴、2笔未缴），退费申请#{case.pk}（300.00元）"
            + (f"，“已核准，待退款”的退费申请#{approved}（200.00元，见“征缴—退费支付”）" if approved else ""))


def _demo_refund_approved(*, clerk: Any, person: Any, due: Any, district_code: str, applied_on: dt.date) -> int | None:
    """A second refund of the paid due walked to approval (a confirmed call, accepted by the clerk,
    approved by the district's reviewer), so the center's refund payment desk has a payable to put
    in a bank file. Returns its case id, or None when the workflow asks for more than the demo has."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction

    from shebao.cases import services
    from shebao.cases.models import PhoneCheck
    from shebao.core.errors import DomainError
    from shebao.staff.models import Role, User

    reviewer = User.objects.filter(role=Role.DISTRICT_REVIEWER, office__code=district_code).order_by("pk").first()
    if reviewer is None:
        return None
    try:
        with transaction.atomic():  # all of the walk or none of it
            case, _ = services.case_submit(
                actor=clerk, business="refund", channel="counter", person=person, applicant_kind="person",
                applied_on=applied_on, idempotency_key=f"demo-refund-approved-{district_code}",
                details={"refund_kind": "overpayment", "amount_fen": 20_000, "dues": [due.pk],
                         "payee_name": person.name, "bank_name": "中国建设银行北京分行",
                         "bank_account": "6217000010001234567"})
            if "commitment_letter" in case.requires:
                services.commitment_letter_capture(case=case, actor=clerk, text="承诺所报信息真实。", signer=person.name)
            services.phone_check_record(case=case, actor=clerk, outcome=PhoneCheck.Outcome.CONFIRMED,
                                        note="本人确认（演示）")
            case = services.case_accept(case=case, actor=clerk, outcome="已按申请办理")
            if case.status != "completed":
                case = services.case_transition(case=case, actor=reviewer, action="approve")
            if case.status != "completed":
                raise ValidationError("演示退费未能办结")
    except (DomainError, PermissionDenied, ValidationError):
        return None
    return case.pk if case.status == "completed" else None
