"""Demo benefits (2.1, 9) so the pages have something to show: retirees of 朝阳区 (one declared late,
whose arrears the run pays month by month), the month's run with the bank's result (one payment
failed, to be retried), a nurse's fast-track work-injury case on decisions received by exchange, a death
on duty with survivors' pensions and a grade 2 monthly disability allowance."""

from __future__ import annotations

import datetime as dt
import json

from shebao.benefits.models import Retiree
from shebao.benefits.payroll import (
    RESULT_COLUMNS,
    RESULT_HEADERS_ZH,
    payroll_file_read,
    payroll_result_import,
    payroll_run_start,
)
from shebao.benefits.services import Basis, retiree_declare
from shebao.benefits.work_injury import exchange_file_import, fast_track_claim_submit
from shebao.collection.releases import payroll_file_release
from shebao.core import clock
from shebao.core.permissions import SystemActor
from shebao.registry.checks import id_check_character
from shebao.registry.models import Contribution, Employer, EmploymentSpell, Office, Person
from shebao.registry.services import person_register
from shebao.rules.dates import month_index, month_str
from shebao.staff.models import Role, User

DEMO = SystemActor("demo_setup", "演示数据准备")
# name, birth date, male, declared on, months of contribution, account balance (fen)
RETIREES = [
    ("刘建国", dt.date(1959, 8, 12), True, dt.date(2019, 8, 20), 432, 16_800_000),
    ("陈桂兰", dt.date(1969, 9, 3), False, dt.date(2019, 9, 10), 360, 9_750_000),
    ("王德明", dt.date(1959, 10, 15), True, dt.date(2020, 2, 18), 396, 13_900_000),  # declared late: arrears
]


# Beijing's enterprise workers paid their own pension contributions from October 1992; the working years
# before count as deemed contribution (视同缴费).
FIRST_MONTH = "1992-10"
FIRST_DAY = dt.date(1992, 10, 1)


def _demo_record(*, person: Person, employer: Employer, months: int, before: str) -> int:
    """The retiree's contribution record in this system: each month from October 1992 (or ``months`` back)
    to the month before ``before`` (the retirement month), paid by ``employer`` on the 20th, on time. Returns the number of months laid down, which the rights record counts (the rest of
    ``months`` is deemed)."""
    start = max(month_index(FIRST_MONTH), month_index(before) - months)
    base = 400_000  # 4 000.00 yuan a month
    rows = []
    for k in range(start, month_index(before)):
        month = month_str(k)
        paid_on = dt.date.fromisoformat(f"{month}-20")  # within the month's collection period (by the 25th)
        rows.append(Contribution(
            person=person, employer=employer, month=month, paid_on=paid_on,
            pension_base_fen=base, pension_employer_fen=base * 16 // 100, pension_personal_fen=base * 8 // 100,
            unemployment_base_fen=base, unemployment_employer_fen=base * 8 // 1000,
            unemployment_personal_fen=base * 2 // 1000, medical_base_fen=base, medical_employer_fen=base // 10,
            medical_personal_fen=base * 2 // 100, maternity_base_fen=base, maternity_employer_fen=base * 8 // 1000,
            work_injury_base_fen=base, work_injury_employer_fen=base * 4 // 1000))
    Contribution.objects.bulk_create(rows)
    if rows:
        # the employment the record was paid through: the person's page lists it as 参保经历 (review-user14 (7):
        # it said 暂无 beside 322 months paid through one employer)
        EmploymentSpell.objects.create(person=person, employer=employer, from_month=rows[0].month,
                                       to_month=rows[-1].month)
    return len(rows)


def _citizen_id(region: str, birth: dt.date, serial: int, *, male: bool) -> str:
    """A valid GB 11643 number (the 17th digit odd for men, even for women)."""
    first17 = f"{region}{birth:%Y%m%d}{(serial * 2 + (1 if male else 0)) % 1000:03d}"
    return first17 + id_check_character(first17)


def demo_benefits_create(*, clerk: object, month: str) -> int:
    """Idempotent: nothing when a retiree exists. Returns the number of retirees made."""
    if Retiree.objects.exists():
        return 0
    district = Office.objects.get(code="110105")
    # An employer whose bill the demo's books do not lay down (staff.demo_cases.demo_books_create): its
    # dues were booked before the retirees' records, which would then be missing from them (review-user14 (6))
    employer = (Employer.objects.filter(district=district).exclude(dues__isnull=False).order_by("pk").first()
                or Employer.objects.filter(district=district).order_by("pk").first())
    made = []
    for i, (name, birth, male, declared_on, months, balance) in enumerate(RETIREES):
        person = person_register(actor=DEMO, id_number=_citizen_id("110105", birth, 90 + i, male=male), name=name,
                                 district=district, account_type="general", account_opened_on=FIRST_DAY,
                                 phone=f"1391000{i:04d}")
        retiring = month_str(month_index(f"{birth:%Y-%m}") + (60 if male else 50) * 12)
        paid = _demo_record(person=person, employer=employer, months=months, before=retiring) if employer else 0
        # The entitlement's months are the record's paid months and the deemed months before it (review-user12
        # F2: it said 432 months while the rights record, which had none, said 0)
        made.append(retiree_declare(actor=DEMO, person=person, bank_account=f"62220200100000{i:05d}",
                                    basis=Basis(index_x10k=11_500 - 500 * i, contribution_months=months,
                                                deemed_months=months - paid, account_balance_fen=balance),
                                    declared_on=declared_on))
    run = payroll_run_start(actor=DEMO, month=month)
    # the bank answers only for a file a second person released and the desk sent (releases.bank_send_check),
    # on a day from the release to today
    checker = User.objects.filter(role__in=[Role.MUNICIPAL_ADMIN, Role.COLLECTION_CLERK], is_active=True).order_by("pk").first()
    if checker is None:
        return len(made)
    payroll_file_release(run=run, actor=checker)
    payroll_file_read(run=run, actor=DEMO)
    paid_on = clock.today().isoformat()
    lines = [",".join(RESULT_HEADERS_ZH[c][0] for c in RESULT_COLUMNS)]  # as the bank's clerk writes it
    for k, t in enumerate(run.transfers.order_by("pk")):
        amount = f"{t.amount_fen // 100}.{t.amount_fen % 100:02d}"
        lines.append(f"{t.pk},{amount},失败,账户已冻结,,{paid_on}" if k == 1
                     else f"{t.pk},{amount},成功,,DEMO{t.pk:06d},{paid_on}")
    report = payroll_result_import(data=("\n".join(lines) + "\n").encode(), filename=f"demo-result-{month}.csv",
                                   actor=DEMO)
    if report.refused:  # the demo's own file: a refusal is a fault of the demo, said loudly
        raise RuntimeError("；".join(ln.detail for ln in report.lines))
    nurse = person_register(actor=DEMO, id_number=_citizen_id("110105", dt.date(1988, 4, 6), 95, male=False),
                            name="赵护士", district=district, account_type="general",
                            account_opened_on=dt.date(2010, 7, 1), phone="13910009999")
    exchange_file_import(data=(json.dumps({
        "kind": "recognition", "reference": "京人社工伤认〔2020〕演示0001号", "id_number": nurse.id_number,
        "decided_on": _ago(12), "injured_on": _ago(24), "medical_staff": True}, ensure_ascii=False)
        + "\n").encode(), filename="demo-exchange.jsonl", actor=DEMO)
    # applied yesterday: in the queue with the fast track's deadline still ahead (9: 3 days)
    fast_track_claim_submit(actor=clerk, person=Person.objects.get(pk=nurse.pk),
                            applied_on=dt.date.fromisoformat(_ago(1)), details=_claim(_ago(23), "发热门诊护士"))
    _demo_monthly_work_injury(clerk=clerk, district=district)
    return len(made)


def _ago(days: int) -> str:
    """The business date `days` days before today (core.clock), ISO: the fast-track samples are dated from
    the demo's business date, so its queue shows them within their deadline (ux14 finding 4: applied on fixed
    days in early February, they were overdue on the demo's 2020-02-20)."""
    return (clock.today() - dt.timedelta(days=days)).isoformat()


def _claim(diagnosed_on: str, workplace: str) -> dict[str, str]:
    """The content of a demo fast-track claim (9): the day after the recognition's infection date it
    was diagnosed, the diagnosis and the post (the definition's fields)."""
    return {"diagnosed_on": diagnosed_on, "diagnosis": "新型冠状病毒肺炎（确诊病例）", "workplace": workplace}


def _demo_monthly_work_injury(*, clerk: object, district: Office) -> None:
    """A doctor who died of the infection (survivors' pensions for the spouse and a child, 第三十九条) and
    a nurse assessed at grade 2 (a monthly disability allowance, 第三十五条), both paid by 朝阳区's
    reviewer, so /office/benefits/work-injury/ has both kinds to show."""
    from shebao.benefits.survivors import DependantInput, survivor_pensions_grant
    from shebao.benefits.work_injury import AwardPayee, fast_track_award_pay
    from shebao.staff.models import User

    reviewer = User.objects.filter(username="chaoyang_review").first()
    if reviewer is None:
        return
    doctor = person_register(actor=DEMO, id_number=_citizen_id("110105", dt.date(1976, 5, 2), 96, male=True),
                             name="钱医生", district=district, account_type="general",
                             account_opened_on=dt.date(2001, 8, 1), phone="13910009998")
    injured = person_register(actor=DEMO, id_number=_citizen_id("110105", dt.date(1990, 11, 23), 97, male=False),
                              name="孙护士", district=district, account_type="general",
                              account_opened_on=dt.date(2012, 7, 1), phone="13910009997")
    lines = [
        {"kind": "recognition", "reference": "京人社工伤认〔2020〕演示0002号", "id_number": doctor.id_number,
         "decided_on": _ago(8), "injured_on": _ago(27), "medical_staff": True},
        {"kind": "assessment", "reference": "京劳鉴〔2020〕演示0002号", "id_number": doctor.id_number,
         "decided_on": _ago(6), "died_on": _ago(13)},
        {"kind": "recognition", "reference": "京人社工伤认〔2020〕演示0003号", "id_number": injured.id_number,
         "decided_on": _ago(10), "injured_on": _ago(25), "medical_staff": True},
        {"kind": "assessment", "reference": "京劳鉴〔2020〕演示0003号", "id_number": injured.id_number,
         "decided_on": _ago(2), "grade": 2}]
    exchange_file_import(data="\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode(),
                         filename="demo-exchange-2.jsonl", actor=DEMO)
    # Both applied within the fast track's 3 days of today and paid today: decided in time.
    death = fast_track_claim_submit(actor=clerk, person=Person.objects.get(pk=doctor.pk),
                                    applied_on=dt.date.fromisoformat(_ago(2)), details=_claim(_ago(26), "呼吸科医生"))
    award = fast_track_award_pay(actor=reviewer, case=death, wage_fen=1_250_000, bank_account="6222020010000000098",
                                 payee=AwardPayee("李秀梅", "spouse", _citizen_id("110105", dt.date(1978, 3, 9), 98,
                                                                                 male=False)))
    survivor_pensions_grant(actor=reviewer, award=award, wage_fen=1_250_000, dependants=[
        DependantInput("李秀梅", _citizen_id("110105", dt.date(1978, 3, 9), 98, male=False), "spouse",
                       "6222020010000000098"),
        DependantInput("钱小宇", _citizen_id("110105", dt.date(2011, 9, 1), 99, male=True), "child",
                       "6222020010000000099")])
    grade2 = fast_track_claim_submit(actor=clerk, person=Person.objects.get(pk=injured.pk),
                                     applied_on=dt.date.fromisoformat(_ago(1)), details=_claim(_ago(24), "隔离病区护士"))
    fast_track_award_pay(actor=reviewer, case=grade2, wage_fen=980_000, bank_account="6222020010000000097")
