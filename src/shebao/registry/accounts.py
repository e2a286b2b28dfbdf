"""The pension individual account's book (个人账户记录): transfers in and out (4.1) and account
backfill (4.2). Each service is one transaction with its audit rows, checks the permission table
and the district line first, and is idempotent per case (a second run for the same case writes
nothing and returns what the first wrote).

The book is `AccountMonth`: one row per month on the account, with its base and the amount
credited. An account's months and balance (`account_summary`) are its rows not moved out, plus the
months of Beijing contributions that were paid and are not on the book yet (the personal pension
share of each); a transfer out puts such a month on the book and marks it moved in one step.
Interest is not computed here.

Input rows are ``{"month": "YYYY-MM", "amount_fen": int, "base_fen": int (optional)}``; a refusal
is ``ValidationError({field: Chinese message})`` whose field is ``region``, ``person`` or
``<lines field>.<row, from 1>.<item>`` (e.g. ``lines.2.month``), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from shebao.core import clock
from shebao.core.audit import audit_bulk_create, audit_update, snapshot
from shebao.core.money import amount_cap_problem, format_yuan
from shebao.core.normalize import normalize_month, normalize_text
from shebao.core.permissions import require
from shebao.registry.models import AccountMonth, PensionAccount, Person
from shebao.rules.dates import month_index, month_of_date


def fen_zh(fen: int) -> str:
    """>>> fen_zh(123456)
    '1,234.56元'
    """
    return f"{format_yuan(fen)}元"


@dataclass(frozen=True)
class AccountLine:
    """One month of an application: the month, the amount to credit (fen) and its base (fen)."""

    month: str
    amount_fen: int
    base_fen: int = 0


@dataclass(frozen=True)
class AccountSummary:
    """An account's months on the book (and Beijing's paid months not yet on it) and its balance."""

    months: int
    balance_fen: int
    booked: tuple[AccountMonth, ...]
    contribution_months: dict[str, int]  # month -> personal pension share (fen), not yet on the book


def _contribution_months(person: Person, exclude: Iterable[str] = ()) -> dict[str, int]:
    """Beijing's paid pension months of `person` up to today with the personal share credited (fen), by
    month: paid and counted as the rights record counts them (`collection.selectors.paid_contributions`,
    `insurance_counted`), so the account's months and the rights record's agree (review-user13 (8))."""
    from shebao.collection.selectors import insurance_counted, paid_contributions
    from shebao.core import clock

    skip = set(exclude)
    out: dict[str, int] = {}
    for row in paid_contributions(person=person, as_of=clock.today()):
        if row.month not in skip and insurance_counted("pension", row.amounts.__getitem__):
            out[row.month] = out.get(row.month, 0) + row.amounts["pension_personal_fen"]
    return out


def account_summary(account: PensionAccount) -> AccountSummary:
    """The account's months and balance (fen): rows not moved out, plus Beijing's paid contribution
    months that have no row (moved-out rows included: a month that left does not count again)."""
    rows = list(AccountMonth.objects.filter(account=account).select_related("case", "moved_out_case")
                .order_by("month", "pk"))
    active = tuple(r for r in rows if r.moved_out_at is None)
    contributions = _contribution_months(account.person, exclude={r.month for r in rows})
    return AccountSummary(months=len(active) + len(contributions),
                          balance_fen=sum(r.amount_fen for r in active) + sum(contributions.values()),
                          booked=active, contribution_months=contributions)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def parse_lines(raw: Any, *, field: str = "lines", need_amount: bool = True) -> list[AccountLine]:
    """Rows of months and amounts as the services take them, checked: a month ``YYYY-MM`` each
    once, amounts and bases whole fen not below zero. ValidationError names every bad row."""
    errors: dict[str, str] = {}
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValidationError({field: "请至少填写一个月份"})
    out: list[AccountLine] = []
    seen: set[str] = set()
    for i, row in enumerate(raw, 1):
        where = f"第{i}行"
        if not isinstance(row, dict):
            errors[f"{field}.{i}"] = f"{where}格式有误"
            continue
        month = normalize_month(row.get("month"))
        try:
            month_index(month)
        except ValueError:
            errors[f"{field}.{i}.month"] = f"{where}月份应为年-月（如2019-05）"
            continue
        if month in seen:
            errors[f"{field}.{i}.month"] = f"{where}月份{month}重复"
            continue
        seen.add(month)
        amount = _int(row.get("amount_fen", 0 if not need_amount else None))
        base = _int(row.get("base_fen", 0))
        if amount is None or amount < 0:
            errors[f"{field}.{i}.amount_fen"] = f"{where}（{month}）记账金额应为不小于0的整数（分）"
            continue
        if base is None or base < 0:
            errors[f"{field}.{i}.base_fen"] = f"{where}（{month}）缴费基数应为不小于0的整数（分）"
            continue
        # more than the project's cap is a typing error, not an account's month (review-input14 1)
        if problem := amount_cap_problem(amount, label=f"{where}（{month}）记账金额"):
            errors[f"{field}.{i}.amount_fen"] = problem
            continue
        if problem := amount_cap_problem(base, label=f"{where}（{month}）缴费基数"):
            errors[f"{field}.{i}.base_fen"] = problem
            continue
        out.append(AccountLine(month, amount, base))
    if errors:
        raise ValidationError(errors)
    return sorted(out, key=lambda line: line.month)


def _account(person: Person, *, lock: bool = True) -> PensionAccount:
    if refusal := person.merged_refusal():  # its account's months now belong to the record kept
        raise ValidationError({"person": refusal})
    qs = PensionAccount.objects.filter(person=person)
    account = (qs.select_for_update() if lock else qs).first()
    if account is None:
        raise ValidationError({"person": f"{person.name}尚无基本养老保险账户，请先办理参保登记"})
    return account


def _region(value: Any, *, what: str) -> str:
    region = normalize_text(value)
    if not region:
        raise ValidationError({"region": f"请填写{what}（省、市）"})
    if region.startswith("北京"):
        raise ValidationError({"region": f"{what}不能是北京市：本市内的账户不需要转移"})
    if len(region) > 100:
        raise ValidationError({"region": f"{what}不能超过100个字"})
    return region


def _row_of(lines: list[AccountLine], month: str, field: str, raw_order: list[str]) -> str:
    return f"{field}.{raw_order.index(month) + 1}"


def _refuse_taken(account: PensionAccount, lines: list[AccountLine], raw: Any, field: str, *,
                  before_month: str) -> None:
    """Refuse months already on the book, paid in Beijing, or not yet over (ValidationError per row)."""
    order = [normalize_month(r.get("month")) for r in raw]
    months = [line.month for line in lines]
    booked = set(AccountMonth.objects.filter(account=account, month__in=months, moved_out_at__isnull=True)
                 .values_list("month", flat=True))
    paid = set(_contribution_months(account.person)) & set(months)
    errors: dict[str, str] = {}
    for line in lines:
        key = f"{_row_of(lines, line.month, field, order)}.month"
        n = key.split(".")[1]
        if line.month >= before_month:
            errors[key] = f"第{n}行{line.month}尚未结束，只能记入{before_month}之前的月份"
        elif line.month in booked:
            errors[key] = f"第{n}行{line.month}已记入个人账户，不能重复记账"
        elif line.month in paid:
            errors[key] = f"第{n}行{line.month}在本市已有缴费记录，不能再记入其他来源"
    if errors:
        raise ValidationError(errors)


def _record(actor: Any, account: PensionAccount, case: Any, lines: list[AccountLine], source: str,
            region: str, reason: str) -> list[AccountMonth]:
    now = clock.now()
    rows = AccountMonth.objects.bulk_create([
        AccountMonth(account=account, month=line.month, base_fen=line.base_fen, amount_fen=line.amount_fen,
                     source=source, region=region, case=case, created_at=now) for line in lines])
    if not all(r.pk for r in rows):  # SQLite before 3.35 and some backends return no keys
        rows = list(AccountMonth.objects.filter(account=account, case=case, source=source).order_by("month"))
    audit_bulk_create(actor=actor, model=AccountMonth, objs=rows, district_code=account.audit_district_code,
                      reason=reason)
    return rows


def _transfer_in_plan(person: Person, region: Any, lines: Any, field: str, *,
                      lock: bool) -> tuple[str, list[AccountLine], PensionAccount]:
    region = _region(region, what="转出地")
    parsed = parse_lines(lines, field=field)
    account = _account(person, lock=lock)
    _refuse_taken(account, parsed, lines, field, before_month=month_of_date(clock.today()))
    return region, parsed, account


def _backfill_plan(person: Person, lines: Any, field: str, *, lock: bool) -> tuple[list[AccountLine], PensionAccount]:
    parsed = parse_lines(lines, field=field)
    account = _account(person, lock=lock)
    _refuse_taken(account, parsed, lines, field, before_month=month_of_date(clock.today()))
    return parsed, account


def _transfer_out_plan(person: Person, region: Any, lines: Any, field: str, *,
                       lock: bool) -> tuple[str, list[AccountLine], PensionAccount, dict[str, AccountMonth]]:
    region = _region(region, what="转入地")
    parsed = parse_lines(lines, field=field)
    account = _account(person, lock=lock)
    order = [normalize_month(r.get("month")) for r in lines]
    months = [line.month for line in parsed]
    booked = {r.month: r for r in (AccountMonth.objects.select_for_update() if lock else AccountMonth.objects).filter(
        account=account, month__in=months, moved_out_at__isnull=True)}
    moved_before = set(AccountMonth.objects.filter(account=account, month__in=months,
                                                   moved_out_at__isnull=False).values_list("month", flat=True))
    paid = {m: v for m, v in _contribution_months(person).items() if m in months and m not in moved_before}
    errors: dict[str, str] = {}
    for line in parsed:
        row = _row_of(parsed, line.month, field, order)
        n = row.split(".")[1]
        held = booked[line.month].amount_fen if line.month in booked else paid.get(line.month)
        if held is None:
            errors[f"{row}.month"] = f"第{n}行{line.month}不在个人账户中，不能转出"
        elif held != line.amount_fen:
            errors[f"{row}.amount_fen"] = f"第{n}行{line.month}账户记账金额为{fen_zh(held)}，与申请的{fen_zh(line.amount_fen)}不一致"
    if not errors:
        missing = _months_left_behind(account, months)
        if missing:
            errors[field] = _whole_account_refusal(account, missing)
    if refusal := still_insured_here(person):
        errors["person"] = refusal
    if errors:
        raise ValidationError(errors)
    return region, parsed, account, booked


def transfer_out_lines(account: PensionAccount) -> list[AccountLine]:
    """What a transfer out moves (4.1): every month of the account with its amount (fen), oldest first,
    i.e. the rows on the book not moved out plus Beijing's paid months not on it yet. The forms show
    (and prefill) these, and `account_transfer_out` refuses anything less."""
    summary = account_summary(account)
    out = [AccountLine(r.month, r.amount_fen) for r in summary.booked]
    out += [AccountLine(m, fen) for m, fen in summary.contribution_months.items()]
    return sorted(out, key=lambda line: line.month)


@dataclass(frozen=True)
class TransferOutShown:
    """What every transfer-out form shows beside its rows (the person's portal form, the employer's,
    the front desk's): ``lines`` (every month of the account with its amount, `transfer_out_lines`),
    ``total_fen``, ``blocked`` (why the person cannot transfer yet, `still_insured_here`, or "") and
    ``typed`` (the rows as the form's ``lines`` box reads them: ``2016-03,240.00`` per line)."""

    lines: tuple[AccountLine, ...]
    total_fen: int
    blocked: str
    typed: str


def transfer_out_shown(person: Person) -> TransferOutShown:
    """What a transfer out of `person`'s pension account would move, for a form to show (review-user8
    F3: the rows "须与账户记录一致" were asked for without showing them). Reads only; no account yet
    is an empty table."""
    account = PensionAccount.objects.filter(person=person).first()
    lines = tuple(transfer_out_lines(account)) if account is not None else ()
    typed = "\n".join(f"{x.month},{x.amount_fen // 100}.{x.amount_fen % 100:02d}" for x in lines)
    return TransferOutShown(lines=lines, total_fen=sum(x.amount_fen for x in lines),
                            blocked=still_insured_here(person), typed=typed)


def _months_left_behind(account: PensionAccount, months: list[str]) -> list[AccountLine]:
    named = set(months)
    return [line for line in transfer_out_lines(account) if line.month not in named]


def _whole_account_refusal(account: PensionAccount, missing: list[AccountLine]) -> str:
    whole = transfer_out_lines(account)
    shown = "、".join(f"{line.month}（{fen_zh(line.amount_fen)}）" for line in missing[:12])
    more = f"等{len(missing)}个月" if len(missing) > 12 else ""
    return (f"基本养老保险关系转出须转移个人账户的全部{len(whole)}个月、余额{fen_zh(sum(x.amount_fen for x in whole))}，"
            f"不能只转部分月份；还须填写：{shown}{more}")


def still_insured_here(person: Person) -> str:
    """Why `person` cannot transfer the pension relation out yet, or "": an employment spell still open
    (参保经历至今), i.e. they still contribute in Beijing. 4.1 and 《城镇企业职工基本养老保险关系转移接续
    暂行办法》(国办发〔2009〕66号): the relation is transferred when the insured leaves to insure
    elsewhere, after the employer has stopped their insurance (减员/停保) here."""
    from shebao.registry.models import EmploymentSpell

    spell = (EmploymentSpell.objects.filter(person=person, to_month="").select_related("employer")
             .order_by("from_month", "pk").first())
    if spell is None:
        return ""
    return (f"{person.name}在{spell.employer.name}的参保经历尚未终止（{spell.from_month}至今），仍在本市参保缴费，"
            "不能转出基本养老保险关系；须先由单位办理减员（停保）后再申请转出")


def _refusals(plan: Any) -> dict[str, str]:
    try:
        plan()
    except ValidationError as e:
        return {k: "；".join(v) for k, v in e.message_dict.items()}
    return {}


def transfer_in_refusals(*, person: Person, region: Any, lines: Any, field: str = "lines") -> dict[str, str]:
    """What `account_transfer_in` would refuse, field -> Chinese reason, without writing or locking:
    the registry check a submission runs (cases.checks)."""
    return _refusals(lambda: _transfer_in_plan(person, region, lines, field, lock=False))


def transfer_out_refusals(*, person: Person, region: Any, lines: Any, field: str = "lines") -> dict[str, str]:
    """What `account_transfer_out` would refuse, without writing or locking (the submission's check)."""
    return _refusals(lambda: _transfer_out_plan(person, region, lines, field, lock=False))


def backfill_refusals(*, person: Person, lines: Any, field: str = "lines") -> dict[str, str]:
    """What `account_backfill` would refuse, without writing or locking (the submission's check)."""
    return _refusals(lambda: _backfill_plan(person, lines, field, lock=False))


def _done_before(of: Any, **filters: Any) -> list[AccountMonth] | None:
    """The rows a case already wrote (its effect run before), or None: nothing yet, or no case."""
    if of is None:
        return None
    rows = list(AccountMonth.objects.filter(**filters).order_by("month"))
    return rows or None


@transaction.atomic
def account_transfer_in(*, actor: Any, person: Person, region: Any, lines: Any, case: Any = None,
                        field: str = "lines") -> list[AccountMonth]:
    """4.1 转入: the months and amounts of another region credited to `person`'s account.

    Each month must be over (before the current month), not on the account already and not paid
    in Beijing (a month is contributed in one place). Returns the new rows; for a case already
    transferred in, the rows it made (nothing new). Raises ActionRefused, ValidationError.
    """
    require(actor, "account.transfer_in", district_id=person.district_id)
    done = _done_before(case, case=case, source=AccountMonth.Source.TRANSFER_IN)
    if done is not None:
        return done
    region, parsed, account = _transfer_in_plan(person, region, lines, field, lock=True)
    total = sum(line.amount_fen for line in parsed)
    return _record(actor, account, case, parsed, AccountMonth.Source.TRANSFER_IN, region,
                   f"基本养老保险关系转入（自{region}，{len(parsed)}个月，{fen_zh(total)}）"
                   + (f"：申请#{case.pk}" if case is not None else ""))


@transaction.atomic
def account_backfill(*, actor: Any, person: Person, lines: Any, case: Any = None,
                     field: str = "lines") -> list[AccountMonth]:
    """4.2 账户补填: months missing from the account filled from the original records (base and
    amount of each). Each month must be over, not on the account and not paid in Beijing already.
    Returns the new rows (for a case already filled: its rows). Raises ActionRefused, ValidationError.
    """
    require(actor, "account.backfill", district_id=person.district_id)
    done = _done_before(case, case=case, source=AccountMonth.Source.BACKFILL)
    if done is not None:
        return done
    parsed, account = _backfill_plan(person, lines, field, lock=True)
    total = sum(line.amount_fen for line in parsed)
    return _record(actor, account, case, parsed, AccountMonth.Source.BACKFILL, "",
                   f"账户补填（{len(parsed)}个月，{fen_zh(total)}）" + (f"：申请#{case.pk}" if case is not None else ""))


@transaction.atomic
def account_transfer_out(*, actor: Any, person: Person, region: Any, lines: Any, case: Any = None,
                         field: str = "lines") -> list[AccountMonth]:
    """4.1 转出: the whole account leaves `person`'s account for `region`, every month with its amount.

    The person must have left Beijing's insurance (no open employment spell, `still_insured_here`),
    and the lines must name every month of the account (`transfer_out_lines`): the relation moves
    whole, never split between two regions (国办发〔2009〕66号). Each month must be on the account (a
    row not moved out, or a paid Beijing contribution month, which is put on the book as it leaves)
    and its stated amount must equal the book's: the
    application cannot move more, or less, than the account holds. The rows are kept and marked
    moved out (case, region, time); the account's months and balance fall by what left. Returns the
    moved rows (for a case already transferred: its rows). Raises ActionRefused, ValidationError.
    """
    require(actor, "account.transfer_out", district_id=person.district_id)
    done = _done_before(case, moved_out_case=case)
    if done is not None:
        return done
    region, parsed, account, booked = _transfer_out_plan(person, region, lines, field, lock=True)
    now = clock.now()
    new = [AccountMonth(account=account, month=line.month, amount_fen=line.amount_fen,
                        source=AccountMonth.Source.CONTRIBUTION, case=case, created_at=now)
           for line in parsed if line.month not in booked]
    if new:
        new = _record(actor, account, case, [AccountLine(r.month, r.amount_fen) for r in new],
                      AccountMonth.Source.CONTRIBUTION, "", "本市缴费月份记入个人账户（随转出）")
    moved = [*booked.values(), *new]
    for row in moved:
        before = snapshot(row)
        row.moved_out_case, row.moved_out_region, row.moved_out_at = case, region, now
        row.save(update_fields=["moved_out_case", "moved_out_region", "moved_out_at"])
        audit_update(actor=actor, instance=row, before=before,
                     reason=f"基本养老保险关系转出至{region}" + (f"：申请#{case.pk}" if case is not None else ""))
    return sorted(moved, key=lambda r: r.month)
