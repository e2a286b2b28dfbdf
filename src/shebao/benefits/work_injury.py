"""The work-injury fast track for medical staff (9): decisions received by data exchange, the fast-track
claim and the immediate payment of its benefits outside the monthly run.

- `exchange_file_import`: the file-based adapter of the data exchange (2.3) with the HR department
  (工伤认定决定) and the assessment committee (劳动能力鉴定结论). A file is JSON lines, one decision
  a line::

      {"kind": "recognition", "reference": "京人社工伤认〔2020〕0001号", "id_number": "…",
       "decided_on": "2020-02-08", "injured_on": "2020-01-27", "medical_staff": true}
      {"kind": "assessment", "reference": "京劳鉴〔2020〕0001号", "id_number": "…",
       "decided_on": "2020-02-12", "grade": 7}            # or "died_on": "YYYY-MM-DD"

  A file with a bad line is refused whole, every bad line named; a decision already received
  (same reference, same content) is skipped; the same reference with other content is refused.
- `fast_track_claim_submit`: the claim of clause 9, opened only on a recognition that marks the
  person as medical staff infected on duty: first in every queue (priority), due in the pack's
  fast-track days (3), handled on a commitment instead of certificates (the decisions are on
  file, 2.3).
- `fast_track_award_pay`: the benefits of the 工伤保险条例 computed from the decisions
  (rules/work_injury.py) and paid at once by an immediate run (`payroll.immediate_payment_start`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from shebao.benefits.models import DisabilityAllowance, ExchangeRecord, PayrollRun, WorkInjuryAward
from shebao.benefits.payroll import immediate_payment_start
from shebao.benefits.selectors import death_spouse_problem, relative_name_conflicts
from shebao.core import clock
from shebao.core.audit import audit_bulk_create, audit_create, audit_update, snapshot
from shebao.core.inputs import (
    bank_account_text,
    clean_text,
    happened_date_problem,
    person_name_checked,
    text_problem,
)
from shebao.core.json_once import JsonDuplicateKey, json_object_once
from shebao.core.masking import echo
from shebao.core.money import format_yuan
from shebao.core.permissions import actor_label, require
from shebao.core.policy import current_policy
from shebao.registry.checks import CodeError, parse_citizen_id
from shebao.registry.models import Person
from shebao.rules import InputError
from shebao.rules.dates import month_index, month_str
from shebao.rules.work_injury import death_benefits, disability_benefits, relative_age_problem

FAST_TRACK_BUSINESS = "work_injury_fast_track_claim"
_FIELDS = {"recognition": {"kind", "reference", "id_number", "decided_on", "injured_on", "medical_staff"},
           "assessment": {"kind", "reference", "id_number", "decided_on", "grade", "died_on"}}
_COMPARED = ("kind", "person_id", "decided_on", "injured_on", "medical_staff", "grade", "died_on")


@dataclass
class ExchangeImport:
    """What an exchange file did: refused (each bad line), or how many decisions were new or known."""

    filename: str
    refused: bool = False
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: list[ExchangeRecord] = field(default_factory=list)
    skipped: int = 0


def _day(value: Any, what: str) -> dt.date:
    """A date of a decision, within the plausible business dates (core.inputs): a decision dated
    9999-12-31 would start a disability allowance in month “10000-01” (bad-input review D16's class).
    Full-width digits read as digits (review-input12 F10); a day the calendar lacks said so (F16)."""
    from shebao.core.inputs import date_text_problem
    from shebao.core.normalize import normalize_date_text

    text = normalize_date_text(value) if isinstance(value, str) else ""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        if text and "不存在" in (why := date_text_problem(text, label=what)):
            raise ValueError(why) from None
        raise ValueError(f"{what}须为“年-月-日”，实为“{echo(value)}”") from None
    problem = happened_date_problem(day, today=clock.today())  # a decision not yet taken (review-input12 F4)
    if problem:
        raise ValueError(f"{what}{value}{problem}")
    return day


def _id_key(value: Any) -> str:
    """An ID number as the registry looks it up: NFKC (full-width digits and Ｘ), no separators, upper
    case (`core.normalize.normalize_code`): "１１０１０５…" found no one (review-input12 F10)."""
    from shebao.core.normalize import normalize_code

    return normalize_code(value) if isinstance(value, str) else ""


def _parse(line: str, persons: dict[str, Person]) -> ExchangeRecord:
    try:
        raw = json.loads(line, object_pairs_hook=json_object_once)
    except JsonDuplicateKey as e:
        raise ValueError(f"项目“{echo(e.key)}”出现了不止一次：每个项目只能填写一次") from None
    except json.JSONDecodeError:
        raise ValueError("不是有效的 JSON") from None
    if not isinstance(raw, dict):
        raise ValueError("须为 JSON 对象")
    kind = raw.get("kind")
    if kind not in _FIELDS:
        raise ValueError("kind 须为 recognition（工伤认定决定）或 assessment（劳动能力鉴定结论）")
    unknown = set(raw) - _FIELDS[kind]
    if unknown:
        raise ValueError(f"未知字段：{'、'.join(echo(k) for k in sorted(unknown)[:20])}")
    if not isinstance(raw.get("reference"), str | None):
        raise ValueError("文书编号 reference 须为文字")
    reference = (raw.get("reference") or "").strip()
    if not reference or len(reference) > 80:
        raise ValueError("缺少文书编号 reference（80字以内）")
    problem = text_problem(reference)  # the one guard of stored text: NUL, invisible characters (review-input11 F1)
    if problem:
        raise ValueError(f"文书编号{problem}")
    person = persons.get(_id_key(raw.get("id_number")))
    if person is None:
        # masked: the command prints its refusals, and a log keeps them (review-input12 F10)
        raise ValueError(f"证件号码“{echo(raw.get('id_number'))}”不是本市参保人员")
    rec = ExchangeRecord(kind=kind, reference=reference, person=person, decided_on=_day(raw.get("decided_on"), "决定日期"))
    if kind == "recognition":
        rec.injured_on = _day(raw["injured_on"], "受伤（感染）日期") if raw.get("injured_on") else None
        if not isinstance(raw.get("medical_staff", False), bool):
            raise ValueError("medical_staff 须为 true 或 false")
        rec.medical_staff = bool(raw.get("medical_staff", False))
        if rec.injured_on and rec.injured_on > rec.decided_on:
            raise ValueError("受伤（感染）日期不能晚于认定日期")
    else:
        grade, died = raw.get("grade"), raw.get("died_on")
        if (grade is None) == (died is None):
            raise ValueError("劳动能力鉴定结论须有伤残等级 grade（1至10）或死亡日期 died_on，二者择一")
        # An integer, never 5.0 (an integer never comes as a float: core.inputs; review-input11 F1).
        if grade is not None and (type(grade) is not int or grade not in range(1, 11)):
            raise ValueError("伤残等级 grade 须为1至10的整数")
        rec.grade = grade
        rec.died_on = _day(died, "死亡日期") if died is not None else None
    return rec


def exchange_file_import(*, data: bytes, filename: str, actor: Any) -> ExchangeImport:
    """Import one exchange file of recognition and assessment decisions (see the module doc)."""
    require(actor, "work_injury.import")
    report = ExchangeImport(filename=filename)
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        report.refused, report.errors = True, [(1, "文件须为 UTF-8 编码的 JSON 行")]
        return report
    ids = set()
    for line in lines:
        try:
            ids.add(_id_key(json.loads(line).get("id_number")))
        except (json.JSONDecodeError, AttributeError):
            continue
    from shebao.registry.selectors import people_by_number

    persons = people_by_number(ids)  # a merged record's number is the record kept's (registry.merge)
    parsed: list[tuple[int, ExchangeRecord]] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = _parse(line, persons)
            if rec.reference in seen:
                raise ValueError(f"文书编号“{echo(rec.reference)}”在文件中重复出现")
        except ValueError as e:
            report.errors.append((n, str(e)))
            continue
        seen.add(rec.reference)
        rec.source_file, rec.source_line, rec.imported_by_label = filename[:255], n, actor_label(actor)
        parsed.append((n, rec))
    known = {r.reference: r for r in ExchangeRecord.objects.filter(reference__in=seen)}
    for n, rec in parsed:
        old = known.get(rec.reference)
        if old is not None and any(getattr(old, f) != getattr(rec, f) for f in _COMPARED):
            report.errors.append((n, f"文书编号“{echo(rec.reference)}”已导入，内容不同：请由出具部门更正后重新交换"))
    if not parsed and not report.errors:
        report.errors.append((1, "文件没有数据行"))
    if report.errors:
        report.refused = True
        report.errors.sort()
        return report
    new = [rec for _, rec in parsed if rec.reference not in known]
    report.skipped = len(parsed) - len(new)
    with transaction.atomic():
        report.created = ExchangeRecord.objects.bulk_create(new)
        audit_bulk_create(actor=actor, model=ExchangeRecord, objs=report.created,
                          reason=f"导入工伤数据交换文件 {filename}"[:200])
    return report


def medical_recognition(person: Person) -> ExchangeRecord | None:
    """The person's latest recognition marking them medical staff infected on duty, if any."""
    return (ExchangeRecord.objects.filter(person=person, kind=ExchangeRecord.Kind.RECOGNITION, medical_staff=True)
            .order_by("-decided_on", "-pk").first())


def medical_assessment(person: Person, recognition: ExchangeRecord) -> ExchangeRecord | None:
    """The person's latest disability assessment (劳动能力鉴定结论, or the death it records) decided on
    or after ``recognition``: the one an award is computed from."""
    return (ExchangeRecord.objects.filter(person=person, kind=ExchangeRecord.Kind.ASSESSMENT,
                                          decided_on__gte=recognition.decided_on)
            .order_by("-decided_on", "-pk").first())


def fast_track_claim_submit(*, actor: Any, person: Person, details: dict[str, Any], channel: str = "counter",
                            applied_on: dt.date | None = None, idempotency_key: str | None = None) -> Any:
    """Open the fast-track work-injury claim of ``person`` (9) with its content ``details``: the
    definition's fields (rules/businesses/work_injury_fast_track_claim.yaml: ``diagnosed_on``
    YYYY-MM-DD, ``diagnosis``, ``workplace``). ValidationError unless a recognition received by
    data exchange marks them as medical staff infected on duty; `cases.services.DetailsRefused`
    naming every field at fault for content that is missing or invalid (as on every road: a claim
    without its content could otherwise be completed with nothing recorded, review-user7 F6)."""
    from shebao.cases.services import case_submit

    if medical_recognition(person) is None:
        raise ValidationError(f"未收到{person.name}的工伤认定决定（医护及相关工作人员履职感染），不能走快速通道；"
                              "请先导入数据交换记录或按一般工伤待遇申领办理")
    case, _ = case_submit(actor=actor, business=FAST_TRACK_BUSINESS, channel=channel, person=person,
                          applicant_kind="person", applied_on=applied_on, work_injury_medical=True,
                          idempotency_key=idempotency_key, details=details)
    return case


@dataclass(frozen=True)
class AwardPayee:
    """The close relative (近亲属) who receives a death's immediate payment (丧葬补助金, 一次性工亡补助金):
    their name, their relation to the worker who died (a `WorkInjuryAward.PayeeRelation` value) and
    their citizen ID number as typed (spaces and full-width digits allowed)."""

    name: str
    relation: str
    id_number: str


def fast_track_award_pay(*, actor: Any, case: Any, wage_fen: int, bank_account: str,
                         medical_costs_fen: int = 0, payee: AwardPayee | None = None) -> WorkInjuryAward:
    """Compute the benefits of a fast-track case from its decisions and pay them at once (9).

    Paid now: the one-off disability allowance (grade from the assessment), or on death the funeral
    grant and the one-off work-death benefit, plus the medical costs billed. The monthly disability
    allowance (grades 1-4) is computed, kept on the award, and becomes a `DisabilityAllowance`
    paid on the monthly payroll from the month after the assessment. On a death the payment goes to
    ``payee``, the relative who receives it (第三十九条: paid to the close relatives), kept on the
    award and named as the payee on every page, export and the bank's file; required then, and
    refused on a disability award (the worker is paid). Idempotent per case (a second call, or a twin
    submitted at once, returns the award already made; only a fresh one has ``paid_now`` set); a second
    call naming another payee, account or medical costs is a `core.errors.Conflict` (409) saying to whom
    the claim was paid (`_repeat_check`).

    ValidationError (Chinese): keyed by the input at fault (``wage_fen``, ``medical_costs_fen``,
    ``bank_account``, ``payee_name``, ``payee_relation``, ``payee_id_number``; several at once) for
    medical costs not a non-negative amount or above MEDICAL_COSTS_MAX_FEN, an assessed grade without
    the worker's wage, a bad account, a death without its relative, a relative's number that is no
    citizen ID number, the dead worker's own number, or a registered number under another name;
    unkeyed for a case of another business or rejected, a case without its recognition, a
    recognition already awarded on another case, no assessment yet, or nothing to pay. ActionRefused
    unless the actor may pay (the district's reviewer).
    """
    require(actor, "work_injury.pay", district_id=case.office_id)
    from django.db import IntegrityError, transaction

    from shebao.cases.models import Case

    try:
        with transaction.atomic():
            # Twins (a double click, two reviewers) wait here for the first to finish (PostgreSQL), and
            # then find its award; where the database takes no row lock (SQLite) the second insert
            # breaks the award's one-per-case constraint and is answered the same way (review-input6 F2).
            list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
            return _award_pay(actor=actor, case=case, wage_fen=wage_fen, bank_account=bank_account,
                              medical_costs_fen=medical_costs_fen, payee=payee)
    except IntegrityError:
        existing = WorkInjuryAward.objects.filter(case=case).first()
        if existing is None:
            raise
        _repeat_check(existing, bank_account=bank_account, medical_costs_fen=medical_costs_fen, payee=payee)
        return existing


def _repeat_check(award: WorkInjuryAward, *, bank_account: str, medical_costs_fen: int | None,
                  payee: AwardPayee | None) -> None:
    """A second payment call on an awarded claim: the same request is answered with the award (idempotent);
    one naming another payee, account or medical costs is refused as a Conflict (409) that says the claim
    was paid already and to whom (name and account masked), nothing paid or changed (review-input7 F13: a
    second call with another relative and account was answered 200 with the old payee, saying nothing).
    The wage is not compared: the award keeps it as capped by the law (第六十四条), not as typed."""
    from shebao.cards.selectors import mask_name
    from shebao.core.errors import Conflict
    from shebao.core.masking import mask_bank_account

    sent = award.run.transfers.order_by("pk").values_list("bank_account", flat=True).first() or ""
    differs: list[str] = []
    try:
        if bank_account_text(bank_account, label="收款账号") != sent:
            differs.append("bank_account")
    except ValueError:
        differs.append("bank_account")
    if (medical_costs_fen or 0) != award.medical_costs_fen:
        differs.append("medical_costs_fen")
    name = str(getattr(payee, "name", "") or "").strip()
    relation = str(getattr(payee, "relation", "") or "").strip()
    # the Chinese name the refusal lists is taken for its code (review-input8 F7: 配偶 was offered, then refused)
    relation = {zh: code for code, zh in WorkInjuryAward.PayeeRelation.choices}.get(relation, relation)
    number = str(getattr(payee, "id_number", "") or "")
    if name != award.payee_name:
        differs.append("payee_name")
    if relation != award.payee_relation:
        differs.append("payee_relation")
    if number.strip() or award.payee_id_number:
        try:
            same = parse_citizen_id(number, today=clock.today()).number == award.payee_id_number
        except CodeError:
            same = False
        if not same:
            differs.append("payee_id_number")
    if not differs:
        return
    whom = (f"{mask_name(award.payee_name)}（{award.get_payee_relation_display()}）" if award.payee_name
            else f"职工本人{mask_name(award.person.name)}" if not award.died else "未登记领取人（死者名下）")
    names = {"bank_account": "收款账号", "medical_costs_fen": "医疗费用", "payee_name": "领取人姓名",
             "payee_relation": "与死者关系", "payee_id_number": "领取人证件号码"}
    raise Conflict(
        f"申请#{award.case_id}已核定并支付工伤保险待遇{format_yuan(award.amount_fen)}元，"
        f"支付给{whom}，账号{mask_bank_account(sent)}；本次提交的{'、'.join(names[d] for d in differs)}与已支付的不同，"
        "未重复支付，也未作任何更改（核定后不能在此更正；支付失败的，可在发放批次中更正账号后重发）",
        f"claim {award.case_id} was already paid (award {award.pk}); this request differs in {', '.join(differs)}: "
        "nothing paid or changed", field=differs[0])


# An immediate payment of medical costs above this is refused as a typing error (review-input6 F1: 99,999,999,999,999
# yuan went into a payment file). The largest bills of patients treated for COVID-19 in intensive care were
# reported at about 1.5 million yuan; a real bill above 5 million goes through the ordinary work-injury medical
# reimbursement, with its audit, not the fast track's immediate payment (9).
MEDICAL_COSTS_MAX_FEN = 500_000_000
# A worker's own monthly wage (本人工资) outside these bounds is a typing error (review-input7 F2: 10²¹ yuan
# was capped at 300 % and paid; 0.01 yuan was floored at 60 %): the law's floor and cap (第六十四条) hold a
# real wage to the band, they are no reason to take an impossible one. Beijing's minimum monthly wage has
# been above 1,000 yuan since 2011; a million yuan a month is above any wage the fund insures.
WAGE_MIN_FEN = 10_000
WAGE_MAX_FEN = 100_000_000


def wage_problem(wage_fen: int, *, label: str = "本人工资") -> str | None:
    """Why a typed monthly wage (fen) cannot be taken, in Chinese, or None (WAGE_MIN_FEN..WAGE_MAX_FEN)."""
    if WAGE_MIN_FEN <= wage_fen <= WAGE_MAX_FEN:
        return None
    return (f"{label}{format_yuan(wage_fen)}元/月不在可能的范围（{format_yuan(WAGE_MIN_FEN)}元至"
            f"{format_yuan(WAGE_MAX_FEN)}元）内，请核对金额（按月填写，单位元）")


def _payee_problems(payee: AwardPayee | None, *, died: bool, deceased: Person, died_on: dt.date | None = None,
                    award_pk: int | None = None) -> tuple[dict[str, str], AwardPayee | None]:
    """The relative's inputs checked (the survivors' pensions' checks, benefits.survivors): the
    problems keyed by input, and the payee as stored (the number normalised). With ``died_on``, the
    relative's birth date (from the number) is held to the relation and the worker's
    (`rules.work_injury.relative_age_problem`, review-input7 F12), and a spouse to the sex and to the
    death's other records (`selectors.death_spouse_problem`, review-input8 F4; ``award_pk`` the award
    written)."""
    if not died:
        typed = payee is not None and any(str(v or "").strip() for v in (payee.name, payee.relation, payee.id_number))
        return ({"payee_name": "伤残待遇支付给职工本人，不填写领取人（领取人仅在因工死亡时填写）"} if typed else {}), None
    problems: dict[str, str] = {}
    name = str(getattr(payee, "name", "") or "").strip()
    relation = str(getattr(payee, "relation", "") or "").strip()
    # the Chinese name the refusal lists is taken for its code (review-input8 F7: 配偶 was offered, then refused)
    relation = {zh: code for code, zh in WorkInjuryAward.PayeeRelation.choices}.get(relation, relation)
    number = str(getattr(payee, "id_number", "") or "")
    if not name:
        problems["payee_name"] = "因工死亡的待遇支付给近亲属：请填写领取人姓名"
    else:
        try:
            clean_text(name, label="领取人姓名", max_length=50)
        except ValidationError as e:
            problems["payee_name"] = e.messages[0]
        else:
            name, why = person_name_checked(name, id_type="citizen_id")  # the 户名 on the citizen ID (review-input8 F5)
            if why:  # stored as core.person_name spells it (the 间隔号 as U+00B7: review-input9 F2)
                problems["payee_name"] = f"领取人姓名{why}"
    if relation not in WorkInjuryAward.PayeeRelation.values:
        problems["payee_relation"] = ("请选择领取人与死者的关系" if not relation else
                                      "领取人与死者的关系无效，可选：" + "、".join(
                                          f"{zh}（{code}）" for code, zh in WorkInjuryAward.PayeeRelation.choices))
    cid = None
    if not number.strip():
        problems["payee_id_number"] = "请填写领取人的公民身份号码"
    else:
        try:
            cid = parse_citizen_id(number, today=clock.today())
        except CodeError as e:
            problems["payee_id_number"] = f"领取人的{e}"
    if cid is not None:
        # The number is the relative's, not the worker's (as for survivors' pensions, review-input6 F5), and a
        # registered number carries its registered name.
        if cid.number == deceased.id_number:
            problems["payee_id_number"] = "领取人的证件号码是死者本人的号码，请填写领取人本人的号码"
        else:
            if name and "payee_name" not in problems and relative_name_conflicts(id_number=cid.number, name=name):
                problems["payee_name"] = ("领取人姓名与该证件号码登记的姓名不一致（含其他工伤待遇中为该号码记载的姓名），"
                                          "请核对姓名和证件号码")
            if died_on is not None and "payee_relation" not in problems and (why := relative_age_problem(
                    current_policy(), relation=relation, birth_date=cid.birth_date, male=cid.gender == "male",
                    worker_birth_date=deceased.birth_date, died_on=died_on)):
                problems["payee_id_number"] = why
            if "payee_relation" not in problems and "payee_id_number" not in problems and (
                    spouse := death_spouse_problem(deceased=deceased, id_number=cid.number, relation=relation,
                                                   male=cid.gender == "male", award_pk=award_pk)):
                problems[f"payee_{spouse[0]}"] = spouse[1]
    if problems:
        return problems, None
    assert cid is not None
    return {}, AwardPayee(name=name, relation=relation, id_number=cid.number)


def _input_problems(*, assessment: Any, case: Any, wage_fen: int | None, bank_account: str,
                    medical_costs_fen: int | None, payee: AwardPayee | None) -> tuple[dict[str, str], AwardPayee | None]:
    """Every input of an award payment checked, the problems keyed by the service's input names, and the
    payee as stored. An amount given as None was unreadable where it was typed: its input has its own
    refusal there, and the other inputs are still checked (review-user7 F2, review-input7 F6)."""
    problems: dict[str, str] = {}
    if medical_costs_fen is None:
        pass
    elif not isinstance(medical_costs_fen, int) or isinstance(medical_costs_fen, bool) or medical_costs_fen < 0:
        problems["medical_costs_fen"] = "医疗费用须为非负整数（分）"
    elif medical_costs_fen > MEDICAL_COSTS_MAX_FEN:
        problems["medical_costs_fen"] = (f"医疗费用{format_yuan(medical_costs_fen)}元超过即时支付的上限"
                                         f"{format_yuan(MEDICAL_COSTS_MAX_FEN)}元，请核对金额；确属实际发生的，"
                                         "按工伤医疗费用一般报销程序办理")
    if wage_fen is None:
        pass
    elif assessment.died_on is None and assessment.grade and (
            not isinstance(wage_fen, int) or isinstance(wage_fen, bool) or wage_fen <= 0):
        # 第六十四条: the disability benefits are months of the worker's own wage (floored at 60 % and
        # capped at 300 % of the average); an empty wage would pay the floor, for good (review-input6 F3)
        problems["wage_fen"] = (f"已有劳动能力鉴定结论（{assessment.grade}级伤残），请填写本人工资（元/月），"
                                "伤残待遇按本人工资核定")
    elif isinstance(wage_fen, int) and not isinstance(wage_fen, bool) and wage_fen > 0 and (
            why := wage_problem(wage_fen)):
        problems["wage_fen"] = why
    try:
        bank_account_text(bank_account, label="收款账号")
    except ValueError as e:
        problems["bank_account"] = str(e)
    payee_problems, payee = _payee_problems(payee, died=assessment.died_on is not None, deceased=case.person,
                                            died_on=assessment.died_on)
    problems.update(payee_problems)
    return problems, payee


def award_pay_input_problems(*, actor: Any, case: Any, wage_fen: int | None, bank_account: str,
                             medical_costs_fen: int | None, payee: AwardPayee | None) -> dict[str, str]:
    """The refusals of an award payment's inputs, keyed by input (``wage_fen``, ``medical_costs_fen``,
    ``bank_account``, ``payee_*``), without paying or writing anything: what a page says beside the
    amount it could not read (None), so one unreadable amount hides no other refusal. Empty when the
    claim has no assessment yet (the payment then says why it cannot be made). Only who may pay the claim
    asks (work_injury.pay of its district, ActionRefused otherwise): the answers say whether a number is
    registered under another name."""
    require(actor, "work_injury.pay", district_id=case.office_id)
    recognition = medical_recognition(case.person) if case.person_id else None
    assessment = medical_assessment(case.person, recognition) if recognition is not None else None
    if assessment is None:
        return {}
    return _input_problems(assessment=assessment, case=case, wage_fen=wage_fen, bank_account=bank_account,
                           medical_costs_fen=medical_costs_fen, payee=payee)[0]


def _award_pay(*, actor: Any, case: Any, wage_fen: int, bank_account: str, medical_costs_fen: int,
               payee: AwardPayee | None = None) -> WorkInjuryAward:
    existing = WorkInjuryAward.objects.filter(case=case).first()
    if existing is not None:
        _repeat_check(existing, bank_account=bank_account, medical_costs_fen=medical_costs_fen, payee=payee)
        return existing
    if case.business != FAST_TRACK_BUSINESS or case.person_id is None:
        raise ValidationError("只有医护人员工伤保险待遇快速申领可以即时支付")
    from shebao.cases.models import Status

    if case.status == Status.REJECTED:
        raise ValidationError(f"申请#{case.pk}已不予受理/驳回，不能支付工伤保险待遇")
    recognition = medical_recognition(case.person)
    if recognition is None:
        raise ValidationError("没有该人员的工伤认定决定（数据交换），不能支付")
    paid = WorkInjuryAward.objects.filter(recognition=recognition).exclude(case=case).order_by("pk").first()
    if paid is not None:
        # One recognition, one award, whichever case asks (review-input4 F2): never paid twice.
        raise ValidationError(f"该工伤认定决定（{recognition.decided_on:%Y-%m-%d}）已由申请编号{paid.case_id}核定并支付，"
                              "不能重复支付")
    assessment = medical_assessment(case.person, recognition)
    if assessment is None:
        # One recognition, one award: paying the medical costs alone now would close the claim before its
        # disability benefits are known (review-input6 F4), so the award waits for the assessment.
        raise ValidationError("尚无劳动能力鉴定结论（数据交换），暂不能核定支付：工伤待遇待鉴定结论到达后一次核定，"
                              "已发生的医疗费用随同支付")
    # The inputs, each refusal at its input, all of them at once.
    problems, payee = _input_problems(assessment=assessment, case=case, wage_fen=wage_fen, bank_account=bank_account,
                                      medical_costs_fen=medical_costs_fen, payee=payee)
    if problems:
        raise ValidationError(problems)
    policy = current_policy()
    award = WorkInjuryAward(case=case, person=case.person, recognition=recognition, assessment=assessment,
                            medical_costs_fen=medical_costs_fen)
    if payee is not None:
        award.payee_name, award.payee_relation, award.payee_id_number = payee.name, payee.relation, payee.id_number
    try:
        if assessment.died_on is not None:
            d = death_benefits(policy, died_on=assessment.died_on)
            award.funeral_grant_fen, award.death_lump_sum_fen, award.parameters = (
                d.funeral_grant_fen, d.death_lump_sum_fen, d.parameters)
        else:
            b = disability_benefits(policy, grade=assessment.grade, wage_fen=wage_fen, on=assessment.decided_on)
            award.wage_fen, award.disability_lump_sum_fen, award.disability_monthly_fen, award.parameters = (
                b.wage_fen, b.lump_sum_fen, b.monthly_fen, b.parameters)
    except InputError as e:
        raise ValidationError(e.zh if e.zh != "输入有误" else str(e)) from None
    award.amount_fen = (award.disability_lump_sum_fen + award.funeral_grant_fen + award.death_lump_sum_fen
                        + award.medical_costs_fen)
    if award.amount_fen <= 0:
        raise ValidationError("尚无劳动能力鉴定结论且无医疗费用，暂无可支付的工伤待遇")

    def record(run: PayrollRun) -> None:
        award.run = run
        award.save()
        audit_create(actor=actor, instance=award,
                     reason=f"工伤待遇快速核定并即时支付{format_yuan(award.amount_fen)}元（申请#{case.pk}）")
        if award.disability_monthly_fen > 0 and assessment is not None and assessment.grade:
            # grades 1-4: the monthly allowance from the month after the assessment, on the monthly
            # payroll (第三十五条; benefits.payroll._build_allowances), to the account paid now
            allowance = DisabilityAllowance.objects.create(
                award=award, person=award.person, grade=assessment.grade, monthly_fen=award.disability_monthly_fen,
                from_month=month_str(month_index(assessment.decided_on.isoformat()[:7]) + 1),
                bank_account=run.transfers.get().bank_account)
            audit_create(actor=actor, instance=allowance,
                         reason=f"伤残津贴{format_yuan(allowance.monthly_fen)}元/月，自{allowance.from_month}起按月发放")

    # booked on the worker (the expense is theirs); on a death paid to the relative named on the award
    to = f"，领取人{award.payee_name}（{award.get_payee_relation_display()}）" if award.payee_name else ""
    immediate_payment_start(actor=actor, person=case.person, bank_account=bank_account, amount_fen=award.amount_fen,
                            memo=f"申请#{case.pk} 工伤保险待遇（第9条快速通道）{to}", record=record,
                            payee_name=award.payee_name)
    award.paid_now = True  # type: ignore[attr-defined]  # the caller says "paid" only for this one
    return award


def award_payee_register(*, actor: Any, award: WorkInjuryAward, payee: AwardPayee) -> WorkInjuryAward:
    """Register the relative who receives a death's immediate payment on an award made before the
    relative was kept (it reads 未登记领取人; migration benefits/0009 left those fields empty): the
    same inputs and checks as at payment (`_payee_problems`: name, relation, the relative's own citizen
    ID number, never the dead worker's, one number one name, the relative's age against the relation).
    From then on every page, export and payment file names the relative, and a retry of the failed
    payment (`payroll.payroll_retry_start`, `payroll.failed_transfer_resend`) pays them.

    Only while the payment has not reached anyone: its latest transfer failed at the bank (waiting for
    its retry). A payment the bank paid, or one still at the bank, went out under the worker's name,
    and the record says so; registering the relative then would rename a payment after the fact.

    ValidationError (Chinese): keyed ``payee_name``, ``payee_relation``, ``payee_id_number`` (all at
    once); unkeyed for an award that is not a death's, a relative already registered, or a payment
    paid or at the bank. ActionRefused unless the actor may register it (the district's reviewer).
    """
    require(actor, "award_payee.register", district_id=award.person.district_id)
    from shebao.benefits.models import Transfer

    if not award.died:
        raise ValidationError("该工伤待遇不是因工死亡的待遇，支付给职工本人，不登记领取人")
    if not award.payee_missing:
        raise ValidationError(f"领取人已登记为{award.payee_name}（{award.get_payee_relation_display()}），"
                              "不能在此更改；账号或户名有误的，在支付失败后更正重发")
    problems, checked = _payee_problems(payee, died=True, deceased=award.person, died_on=award.assessment.died_on,
                                        award_pk=award.pk)
    if problems:
        raise ValidationError(problems)
    assert checked is not None
    with transaction.atomic():
        locked = WorkInjuryAward.objects.select_for_update().get(pk=award.pk)
        if locked.payee_name:
            raise ValidationError(f"领取人已由他人登记为{locked.payee_name}，请刷新页面")
        current = Transfer.objects.filter(run=locked.run).order_by("pk").first()
        while current is not None and current.retried_by_id is not None:
            current = Transfer.objects.get(pk=current.retried_by_id)
        if current is None or current.status != Transfer.Status.FAILED:
            state = "已支付成功" if current is not None and current.status == Transfer.Status.PAID else "尚待银行结果"
            raise ValidationError(f"该笔即时支付{state}，是以死者名义发送银行的；领取人只能在支付失败、重新发放之前登记")
        before = snapshot(locked)
        locked.payee_name, locked.payee_relation, locked.payee_id_number = checked.name, checked.relation, checked.id_number
        locked.save(update_fields=["payee_name", "payee_relation", "payee_id_number"])
        audit_update(actor=actor, instance=locked, before=before,
                     reason=f"登记领取人{checked.name}（{locked.get_payee_relation_display()}），重新发放时支付给领取人")
    award.refresh_from_db()
    return award
