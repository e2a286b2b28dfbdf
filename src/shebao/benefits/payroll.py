"""The monthly pension payroll (2.1): runs, their bank payment files, the bank's result files, retries.

- `payroll_run_start(month=...)`: the month's regular run. It pays every active retiree every month
  owed through the run's month and not yet paid: the month itself, and the arrears (补发) of a
  retiree declared late or resumed after a verification stop. It is built in chunks, each in its
  own transaction; a run killed half-way is completed by calling it again (the run is found by
  its month), and the unique key (retiree, month) of `PensionMonth` makes a month impossible to
  pay twice, whatever is re-run. When built, the expense is accrued in the ledger (expense /
  payable) and the payment file is written.
- `payroll_supplementary_start`: the same for the months owed now, between two regular runs (a
  retiree declared after the month's run is paid their arrears without waiting a month).
- Yearly adjustments (调整): a run pays a month with the adjustments whose notice was issued by the
  run's business date (`rules.pension.monthly_amount_fen` ``known_on``), and records that date on
  the month (`PensionMonth.known_on`). Once a later notice is out, every month paid without it is
  owed the difference (调整补发, `PensionTopUp`, unique per retiree, month and adjustment), paid by the
  next run, regular or supplementary, in the retiree's one transfer of that run.
- The payment file carries each payee's full account number; like collection's deduction files it is
  written owner-only under `SHEBAO_BANK_FILE_DIR` with a `.sha256` beside it, read only through
  `payroll_file_read` (each download recorded), and purged once every transfer has its result or
  the retention period has ended.
- `payroll_result_import`: the bank's result file; paid transfers are posted (payable / bank) in one
  balanced entry per file, failed ones keep the bank's reason; `payroll_retry_start` sends the
  failed transfers of a run again in a retry run (the months move to the new transfer).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, Sum, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from shebao.benefits.models import (
    AllowanceMonth,
    DisabilityAllowance,
    Entitlement,
    PayrollFile,
    PayrollFileDownload,
    PayrollRun,
    PensionMonth,
    PensionTopUp,
    ResultFile,
    Retiree,
    SurvivorMonth,
    SurvivorPension,
    Suspension,
    Transfer,
    WorkInjuryAward,
)
from shebao.benefits.services import BANK, EXPENSE, PAYABLE
from shebao.collection import importers
from shebao.collection.bankfiles import (
    FileDownload,
    ImportReport,
    ReportLine,
    _write_private,
    bank_file_dir,
    protected_files_purge,
)
from shebao.collection.ledger import Line, ledger_post
from shebao.collection.models import LedgerTransaction, PaymentFileRelease
from shebao.collection.releases import bank_send_check, is_released
from shebao.core import clock, crypto
from shebao.core.audit import audit_bulk_create, audit_bulk_range, audit_create, audit_update, snapshot
from shebao.core.inputs import bank_account_text, business_date_range, id_text
from shebao.core.masking import echo, mask_id_number
from shebao.core.money import format_yuan
from shebao.core.permissions import SystemActor, actor_label, actor_user, require
from shebao.core.policy import current_policy
from shebao.registry.models import Person
from shebao.rules import InputError
from shebao.rules.dates import month_index, month_str
from shebao.rules.pension import (
    RATE_SCALE,
    adjustments,
    applied_adjustments,
    monthly_amount_fen,
    payable_months,
    top_up_fen,
)
from shebao.rules.work_injury import (
    Dependant,
    allowance_top_up_fen,
    disability_allowance_fen,
    survivor_pensions_fen,
)

PAYMENT_COLUMNS = ["transfer_id", "id_number_masked", "name", "bank_account", "amount"]
# the payment file's header line as the bank's clerk reads it (review-user10 F8), one per PAYMENT_COLUMNS
# column in its order; the format is described in docs/bank_files.md
PAYMENT_HEADERS_ZH = ["支付明细编号", "证件号码（遮蔽）", "户名", "银行账号", "金额（元）"]
RESULT_COLUMNS = ["transfer_id", "amount", "result", "reason", "bank_reference", "date"]
# the same columns under Chinese headers, as a bank or a clerk writes them (importers.read_table)
RESULT_HEADERS_ZH = {"transfer_id": ["支付明细编号", "明细编号"], "amount": ["金额", "金额（元）", "金额(元)"],
                     "result": ["支付结果", "结果"], "reason": ["失败原因", "原因"],
                     "bank_reference": ["银行流水号", "流水号"], "date": ["支付日期", "日期"]}
CHUNK = 2000
SET_BATCH = 100_000  # retiree keys per set-based batch (one transaction each)
FILE_CHUNK = 50_000  # payment file lines read and their accounts opened at a time
WORK_INJURY_EXPENSE = "benefit_expense:work_injury"
_PURGER = SystemActor("purge_payroll_files", "待遇支付文件保存期限")


def _month(value: str) -> str:
    """``value`` if it is a month a run may pay: well-formed, not before the plausible business dates
    (core.inputs.business_date_range: 1990) and not after the current business month (a pension is
    paid for the month that has begun, never ahead). 9999-12 wrote every month from now to then,
    287,274 pension months and a payment file of ¥1.48 billion (review finding D2).
    ValidationError otherwise, in Chinese, keyed ``month``."""
    try:
        month_index(value, "month")
    except InputError as exc:
        raise ValidationError({"month": f"发放月份应为“年-月”，如2020-03，填写的是“{echo(value)}”"}) from exc
    first, _ = business_date_range(clock.today())
    current = clock.today().isoformat()[:7]
    if value < first.strftime("%Y-%m"):
        raise ValidationError({"month": f"发放月份“{value}”早于{first:%Y-%m}，不是可办理的月份，请核对"})
    if value > current:
        raise ValidationError({"month": f"发放月份“{value}”晚于本月（{current}），不能发放未到期的待遇"})
    return value


def _anything_owed(month: str) -> bool:
    """Whether a run of ``month`` has anything to pay: an active retiree retired before ``month`` whose
    month is not paid (nor paid by the old system: ``paid_through``) and not a month of a closed
    re-employment stop, or a monthly work-injury benefit (disability allowance, survivors'
    pension) whose month is due and unpaid. A run that would pay nothing is refused before anything
    is written: a run of 2019-01, before any retiree, was stored as an empty closed run (review
    finding D15), and it stood in the run list as if that month had been paid."""
    reemployed = Suspension.objects.filter(retiree=OuterRef("pk"), reason=Suspension.Reason.REEMPLOYMENT,
                                           from_month__lte=month, to_month__gte=month).exclude(to_month="")
    pension = (Retiree.objects.filter(status=Retiree.Status.ACTIVE, retirement_month__lt=month)
               .filter(paid_through__lt=month)
               .filter(~Exists(PensionMonth.objects.filter(retiree=OuterRef("pk"), month=month)))
               .filter(~Exists(reemployed)))
    if pension.exists() or _top_up_candidates(clock.today()).exists():
        return True
    # the monthly work-injury benefits are few: what their build would pay, computed and not written
    policy = current_policy()
    return bool(_allowance_plans(month, policy)) or bool(_survivor_plans(month, policy))


# --- Building a run ------------------------------------------------------------------------------
def payroll_run_start(*, actor: Any, month: str, chunk_size: int = CHUNK,
                      after_chunk: Callable[[int], None] | None = None) -> PayrollRun:
    """The regular run of ``month`` (YYYY-MM), built or completed, with its payment file (2.1).

    Calling it again for a month whose run is built returns that run unchanged; for a run left
    half-built (the process was killed) it builds the rest. ``after_chunk`` is called with the
    number of transfers made after each chunk's commit (progress; tests kill a run there).
    Refused unless the actor may create payroll runs; ValidationError (keyed ``month``) for a malformed
    month, a month after the current one, or a month with nothing to pay (`_anything_owed`; nothing
    is written then). The run answered carries ``already_built``: True when it was built before this
    call and is returned unchanged (the page says "already exists", never "generated": review-input5 F7).
    """
    require(actor, "payroll_run.create")
    _month(month)
    run = PayrollRun.objects.filter(month=month, kind=PayrollRun.Kind.REGULAR).first()
    already_built = run is not None and run.status != PayrollRun.Status.BUILDING
    if run is None and not _anything_owed(month):
        raise ValidationError({"month": f"{month}没有应发放的待遇（该月之前退休且尚未发放该月的人员为0），"
                                        "未生成发放批次"})
    if run is None:
        try:
            with transaction.atomic():
                run = PayrollRun.objects.create(month=month, kind=PayrollRun.Kind.REGULAR,
                                                created_by_label=actor_label(actor))
                audit_create(actor=actor, instance=run, reason=f"生成{month}养老金发放批次")
        except IntegrityError:  # another clerk started the same month at the same moment
            run = PayrollRun.objects.get(month=month, kind=PayrollRun.Kind.REGULAR)
    if run.status == PayrollRun.Status.BUILDING:
        _build(run, actor=actor, chunk_size=chunk_size, after_chunk=after_chunk)
        _finish(run, actor=actor)
    run.refresh_from_db()
    run.already_built = already_built  # type: ignore[attr-defined]
    return run


def payroll_supplementary_start(*, actor: Any, month: str) -> PayrollRun:
    """A supplementary run (补发批次) paying every month owed through ``month`` not yet paid, for a
    retiree declared (or resumed) after the month's regular run was built. ValidationError when the
    month's regular run is not built yet (then that run pays them) or nothing is owed."""
    require(actor, "payroll_run.create")
    _month(month)
    regular = PayrollRun.objects.filter(month=month, kind=PayrollRun.Kind.REGULAR).first()
    if regular is None or regular.status == PayrollRun.Status.BUILDING:
        raise ValidationError(f"{month}的月度发放批次尚未生成完毕，补发月份将随该批次发放")
    with transaction.atomic():
        run = PayrollRun.objects.create(month=month, kind=PayrollRun.Kind.SUPPLEMENTARY,
                                        created_by_label=actor_label(actor))
        audit_create(actor=actor, instance=run, reason=f"生成{month}补发批次")
        made = _build(run, actor=actor, chunk_size=CHUNK, after_chunk=None, atomic=False)
        if not made:
            raise ValidationError("没有需要补发的退休人员，未生成补发批次")
    _finish(run, actor=actor)
    run.refresh_from_db()
    return run


def _build(run: PayrollRun, *, actor: Any, chunk_size: int, after_chunk: Callable[[int], None] | None,
           atomic: bool = True, set_based: bool = True, batch_size: int = SET_BATCH) -> int:
    """Transfers for every active retiree owed months through the run's month; returns how many.

    Two paths that give the same transfers and months (tests/benefits/test_payroll_set_based.py holds
    them equal): the set-based one (`_build_set_based`) pays the month to every retiree for whom it is
    the only month owed, in SQL; every other retiree (arrears, a suspension in their history) goes
    through the per-row path below, which computes each month owed in Python. ``set_based=False``
    sends everyone through the per-row path (the reference the set-based path is tested against).
    """
    policy = current_policy()
    known_on = clock.today()
    made = 0
    retirees = (Retiree.objects.filter(status=Retiree.Status.ACTIVE, retirement_month__lt=run.month)
                .order_by("pk"))
    if set_based:
        top_ups = _top_up_due(policy, known_on)
        made = _build_set_based(run, actor=actor, policy=policy, batch_size=batch_size, after_chunk=after_chunk,
                                atomic=atomic, known_on=known_on, top_ups=top_ups)
        retirees = retirees.filter(_not_simple(run.month) | _top_up_q(top_ups))
    made += _build_allowances(run, actor=actor, policy=policy, atomic=atomic)
    made += _build_survivors(run, actor=actor, policy=policy, atomic=atomic)
    # the keys first, in one query (a query per chunk would read the months paid again each time)
    keys = list(retirees.values_list("pk", flat=True))
    for i in range(0, len(keys), chunk_size):
        chunk = list(Retiree.objects.filter(pk__in=keys[i:i + chunk_size]).select_related("entitlement").order_by("pk"))
        if atomic:
            with transaction.atomic():
                n = _build_chunk(run, chunk, actor=actor, policy=policy, known_on=known_on)
        else:
            n = _build_chunk(run, chunk, actor=actor, policy=policy, known_on=known_on)
        made += n
        if after_chunk is not None:
            after_chunk(made)
    return made


def _names(person_ids: set[int]) -> dict[int, str]:
    """person pk -> the registered name, as a payment row keeps it (`Transfer.payee_name`, 100 characters)."""
    return {pk: name[:100] for pk, name in Person.objects.filter(pk__in=person_ids).values_list("pk", "name")}


def _build_allowances(run: PayrollRun, *, actor: Any, policy: Any, atomic: bool) -> int:
    """Transfers of the monthly disability allowances (伤残津贴, grades 1-4, 工伤保险条例 第三十五条) on
    the month's run: each active allowance pays every month from its first month through the run's
    month not yet paid, at the award's amount or the month's minimum wage when higher; one transfer
    per allowance, its months in `AllowanceMonth` (unique per allowance and month: never paid twice).
    Few rows (thousands at most), so per row."""
    plans = _allowance_plans(run.month, policy)
    if not plans:
        return 0
    names = _names({a.person_id for a, *_ in plans})
    with transaction.atomic() if atomic else nullcontext():
        transfers = Transfer.objects.bulk_create([
            Transfer(run=run, kind=Transfer.Kind.WORK_INJURY, person_id=a.person_id, bank_account=a.bank_account,
                     payee_name=names[a.person_id], amount_fen=sum(amounts)) for a, _, amounts, _ in plans])
        AllowanceMonth.objects.bulk_create([
            AllowanceMonth(allowance=a, month=m, amount_fen=x, pension_fen=p, transfer=t)
            for t, (a, months, amounts, pensions) in zip(transfers, plans, strict=True)
            for m, x, p in zip(months, amounts, pensions, strict=True)])
        audit_bulk_create(actor=actor, model=Transfer, objs=transfers, reason=f"{run}：伤残津贴支付明细（第三十五条）")
    return len(transfers)


def _allowance_plans(through: str, policy: Any) -> list[tuple[DisabilityAllowance, list[str], list[int], list[int]]]:
    """What `_build_allowances` pays through month ``through``, written nowhere: for each allowance
    owed anything, (allowance, months, amounts, the pension each month's amount was set against)."""
    allowances = list(DisabilityAllowance.objects.filter(status=DisabilityAllowance.Status.ACTIVE,
                                                         from_month__lte=through).order_by("pk"))
    if not allowances:
        return []
    paid: dict[int, set[str]] = defaultdict(set)
    for aid, m in AllowanceMonth.objects.filter(allowance__in=allowances).values_list("allowance_id", "month"):
        paid[aid].add(m)
    # once retired the allowance stops and only tops a lower pension up (第三十五条第二款)
    retirees = {r.person_id: r for r in Retiree.objects.filter(person_id__in=[a.person_id for a in allowances])
                .select_related("entitlement")}
    plans = []
    for a in allowances:
        months, amounts, pensions = [], [], []
        retiree = retirees.get(a.person_id)
        for i in range(month_index(a.from_month), month_index(through) + 1):
            m = month_str(i)
            if m in paid[a.pk]:
                continue
            if retiree is not None and retiree.died_on is not None and m > retiree.died_on.isoformat()[:7]:
                break  # nothing is owed after the death
            try:
                full = disability_allowance_fen(policy, monthly_fen=a.monthly_fen, month=m)[0]
                pension = (monthly_amount_fen(policy, initial_fen=retiree.entitlement.monthly_fen,
                                              retirement_month=retiree.retirement_month, month=m,
                                              known_on=clock.today())
                           if retiree is not None and m > retiree.retirement_month else 0)
            except InputError as exc:
                raise ValidationError(f"伤残津贴#{a.pk}：{exc.zh}") from None
            amount = allowance_top_up_fen(allowance_fen=full, pension_fen=pension) if pension else full
            if amount > 0:  # a month the pension covers whole is owed nothing, and not recorded
                months.append(m)
                amounts.append(amount)
                pensions.append(pension)
        if months:
            plans.append((a, months, amounts, pensions))
    return plans


def _build_survivors(run: PayrollRun, *, actor: Any, policy: Any, atomic: bool) -> int:
    """Transfers of the survivors' pensions (供养亲属抚恤金, 工伤保险条例 第三十九条第一款第（二）项) on the
    month's run: each active pension pays every month from its first month through the run's month
    (and through its last month) not yet paid, one transfer per dependant, its months in
    `SurvivorMonth` (unique per pension and month). A month's amount is computed for the dependants
    of the same death eligible in that month together (rules/work_injury.survivor_pensions_fen: the
    sum is at most the deceased's wage). Few rows, so per row."""
    plans = _survivor_plans(run.month, policy)
    if not plans:
        return 0
    with transaction.atomic() if atomic else nullcontext():
        transfers = Transfer.objects.bulk_create([
            Transfer(run=run, kind=Transfer.Kind.WORK_INJURY, person_id=p.deceased_id, bank_account=p.bank_account,
                     payee_name=p.name[:100], amount_fen=sum(x for _, x in kept)) for p, kept in plans])
        SurvivorMonth.objects.bulk_create([
            SurvivorMonth(pension=p, month=m, amount_fen=x, transfer=t)
            for t, (p, kept) in zip(transfers, plans, strict=True) for m, x in kept])
        audit_bulk_create(actor=actor, model=Transfer, objs=transfers,
                          reason=f"{run}：供养亲属抚恤金支付明细（第三十九条）")
    return len(transfers)


def _survivor_plans(through: str, policy: Any) -> list[tuple[SurvivorPension, list[tuple[str, int]]]]:
    """What `_build_survivors` pays through month ``through``, written nowhere: for each pension owed
    anything, (pension, [(month, fen), ...])."""
    # ended ones too: a month up to the last one may still be unpaid
    due = list(SurvivorPension.objects.filter(from_month__lte=through)
               .filter(Q(last_month="") | Q(last_month__gte=F("from_month"))).order_by("pk"))
    if not due:
        return []
    award_ids = {p.award_id for p in due}
    family: dict[int, list[SurvivorPension]] = defaultdict(list)  # every dependant of each death, ended too
    for p in SurvivorPension.objects.filter(award_id__in=award_ids).order_by("pk"):
        family[p.award_id].append(p)
    paid: dict[int, set[str]] = defaultdict(set)
    for pid, m in SurvivorMonth.objects.filter(pension__in=due).values_list("pension_id", "month"):
        paid[pid].add(m)
    shares: dict[tuple[int, str], dict[int, int]] = {}

    def share(p: SurvivorPension, m: str) -> int:
        key = (p.award_id, m)
        if key not in shares:
            eligible = [q for q in family[p.award_id] if q.from_month <= m and (not q.last_month or m <= q.last_month)]
            try:
                fen, _ = survivor_pensions_fen(policy, wage_fen=p.wage_fen, on=dt.date.fromisoformat(f"{m}-01"),
                                               dependants=[Dependant(q.relation, q.lone) for q in eligible])
            except InputError as exc:
                raise ValidationError(f"供养亲属抚恤金#{p.pk}：{exc.zh}") from None
            shares[key] = {q.pk: x for q, x in zip(eligible, fen, strict=True)}
        return shares[key].get(p.pk, 0)

    plans = []
    for p in due:
        last = min(through, p.last_month) if p.last_month else through
        months = [month_str(i) for i in range(month_index(p.from_month), month_index(last) + 1)
                  if month_str(i) not in paid[p.pk]]
        amounts = [share(p, m) for m in months]
        kept = [(m, x) for m, x in zip(months, amounts, strict=True) if x > 0]
        if kept:
            plans.append((p, kept))
    return plans


# --- The set-based path ----------------------------------------------------------------------------
# A run pays every month owed through its month at once (the per-row path below), and only a
# suspension takes months out of that sequence (re-employment months are never owed; verification
# months are owed again on resumption). So for a retiree with no suspension in their history whose
# previous month is paid (or who retired in the previous month), the run's month is the one month
# owed, unless it is paid already. These are nearly all retirees of any month; they are paid here by
# two INSERT ... SELECT statements a batch of retiree keys at a time, each batch in its own
# transaction (a run killed half-way is completed by calling it again: the batches done hold their
# month, which the unique key (retiree, month) and the NOT EXISTS below both keep from a second
# payment). Everyone else goes through the per-row path, which is the reference.
def _simple(month: str) -> Q:
    prev = month_str(month_index(month) - 1)
    return (~Exists(Suspension.objects.filter(retiree=OuterRef("pk"))) & Q(paid_through__lt=month)
            & (Q(retirement_month=prev) | Q(paid_through=prev)
               | Exists(PensionMonth.objects.filter(retiree=OuterRef("pk"), month=prev))))


def _not_simple(month: str) -> Q:
    """Active retirees the set-based path leaves to the per-row path: a suspension in their history,
    or their previous month neither paid, nor the retirement month, nor the last month the old system
    paid (a late declaration's arrears). Those whom the old system paid past ``month`` owe nothing;
    the per-row path finds that and pays nothing."""
    prev = month_str(month_index(month) - 1)
    return (Exists(Suspension.objects.filter(retiree=OuterRef("pk")))
            | (Q(retirement_month__lt=prev) & Q(paid_through__lt=prev)
               & ~Exists(PensionMonth.objects.filter(retiree=OuterRef("pk"), month=prev))))


def _monthly_amount_sql(policy: Any, *, month: str, initial: str, retirement_month: str,
                        known_on: dt.date | None = None) -> str:
    """SQL for `rules.pension.monthly_amount_fen` of ``month`` as known on ``known_on``, over the
    columns ``initial`` (fen at retirement) and ``retirement_month`` (YYYY-MM): the same yearly
    adjustments (those issued by ``known_on``), the same rounding.

    One adjustment at rate r (per S = RATE_SCALE) is a + round_half_up(a·r/S) = floor(((2S+2r)·a + S)
    / (2S)), whose numerator is positive for any r > -S, so integer division (truncating, in SQLite
    and PostgreSQL) is the floor. An adjustment applies to those retired before 1 January of its
    year, so the adjustments one retiree gets are a tail of those in force: one CASE on the
    retirement month picks the tail, each tail written as nested integer expressions.
    """
    first_day = f"{month}-01"
    steps = [(a.year_start, a.rate_x100k) for a in adjustments(policy, known_on) if a.effective <= first_day]
    if any(rate <= -RATE_SCALE for _, rate in steps):
        raise ValueError("调整比例不能低于-100%")
    for cutoff, _ in steps:
        if len(cutoff) != 7 or not cutoff[:4].isdigit():
            raise ValueError(f"调整生效日期无效：{cutoff}")

    def chain(tail: list[tuple[str, int]]) -> str:
        expr = initial
        for _, rate in tail:
            # BIGINT: a 32-bit column times 2·10⁵ would overflow in PostgreSQL
            expr = f"((CAST({2 * RATE_SCALE + 2 * rate} AS BIGINT) * {expr} + {RATE_SCALE}) / {2 * RATE_SCALE})"
        return expr

    if not steps:
        return initial
    whens = [f"WHEN {retirement_month} < '{cutoff}' THEN {chain(steps[i:])}" for i, (cutoff, _) in enumerate(steps)]
    return f"(CASE {' '.join(whens)} ELSE {initial} END)"


def _top_up_due(policy: Any, known_on: dt.date) -> list[Any]:
    """The yearly adjustments known on ``known_on`` that some month may have been paid without: a
    pension run of a month from the adjustment's effective month was made before its notice was
    issued. Read from the runs (a small table); usually none, and then nobody is looked at."""
    due = []
    for a in adjustments(policy, known_on):
        if PayrollRun.objects.filter(month__gte=a.effective[:7], created_at__date__lt=a.issued).exists():
            due.append(a)
    return due


def _top_up_q(top_ups: list[Any]) -> Q:
    """Retirees with a month paid without one of ``top_ups`` (its notice was not out when the month
    was computed: `PensionMonth.known_on` before the issue date) and not yet brought up to it."""
    q = Q(pk__in=[])
    for a in top_ups:
        later = PensionTopUp.objects.filter(retiree=OuterRef("retiree"), month=OuterRef("month"),
                                            known_on__gte=a.issued)
        months = PensionMonth.objects.filter(retiree=OuterRef("pk"), month__gte=a.effective[:7],
                                             known_on__lt=a.issued).filter(~Exists(later))
        q |= Q(retirement_month__lt=a.year_start) & Exists(months)
    return q


def _top_up_candidates(known_on: dt.date) -> Any:
    """Active retirees owed a yearly adjustment's difference on some month paid (`_top_up_q`)."""
    top_ups = _top_up_due(current_policy(), known_on)
    return Retiree.objects.filter(status=Retiree.Status.ACTIVE).filter(_top_up_q(top_ups)) if top_ups \
        else Retiree.objects.none()


def _top_up_sql(top_ups: list[Any], *, m_t: str, u_t: str) -> str:
    """`_top_up_q` in SQL over the retiree alias ``r`` (dates and months come from the parsed pack)."""
    parts = []
    for a in top_ups:
        dt.date.fromisoformat(a.issued)
        month_index(a.effective[:7])
        parts.append(f"""(r.retirement_month < '{a.year_start}' AND EXISTS (
            SELECT 1 FROM {m_t} p WHERE p.retiree_id = r.id AND p.month >= '{a.effective[:7]}'
              AND p.known_on < '{a.issued}'
              AND NOT EXISTS (SELECT 1 FROM {u_t} u WHERE u.retiree_id = r.id AND u.month = p.month
                                AND u.known_on >= '{a.issued}')))""")
    return " OR ".join(parts) if parts else "1 = 0"


def _build_set_based(run: PayrollRun, *, actor: Any, policy: Any, batch_size: int,
                     after_chunk: Callable[[int], None] | None, atomic: bool,
                     known_on: dt.date | None = None, top_ups: list[Any] | None = None) -> int:
    """The month of every simple retiree (see above), as known on ``known_on``; a retiree owed a
    top-up (`_top_up_q` of ``top_ups``) is left to the per-row path, which pays both in one transfer."""
    known_on = known_on or clock.today()
    month, prev = run.month, month_str(month_index(run.month) - 1)
    r_t, e_t, s_t = Retiree._meta.db_table, Entitlement._meta.db_table, Suspension._meta.db_table
    t_t, m_t, n_t = Transfer._meta.db_table, PensionMonth._meta.db_table, Person._meta.db_table
    # The entitlement too is read by a correlated probe of its unique key, not joined: with the row
    # estimate of the retiree filter at 1, PostgreSQL joined every retiree to a full scan of the
    # entitlements (found at 200,000 retirees: minutes for one batch).
    # It is read once a retiree, in the inner query below (``initial``); the amount is computed from it in
    # the one above. On PostgreSQL the inner query is fenced (OFFSET 0): flattened, the amount's CASE was
    # both the column and the ``amount > 0`` filter, and each read the entitlement again (two probes a
    # retiree instead of one: EXPLAIN ANALYZE at 100,000 retirees).
    amount = _monthly_amount_sql(policy, month=month, initial="r.initial", retirement_month="r.retirement_month",
                                 known_on=known_on)
    postgres = connection.vendor == "postgresql"
    owed_top_up = _top_up_sql(top_ups or [], m_t=m_t, u_t=PensionTopUp._meta.db_table)
    now = clock.now()
    # Each test of a retiree's months is a correlated count on the unique index (retiree, month), one
    # probe per retiree, never a join the planner may turn into a scan: the statistics of a month
    # not yet paid say "no rows", and once the first batch has committed its 100,000 months a
    # planned anti-join over a materialised scan compares every pair (found at 200,000 retirees on
    # PostgreSQL: the second batch ran for 20 minutes instead of seconds).
    def months(month_param: str) -> str:
        return f"(SELECT COUNT(*) FROM {m_t} p WHERE p.retiree_id = r.id AND p.month = {month_param})"

    insert_transfers = f"""
        INSERT INTO {t_t} (run_id, kind, person_id, retiree_id, bank_account, payee_name, amount_fen, status,
                           failure_reason, bank_reference, created_at)
        SELECT %s, %s, a.person_id, a.id, a.bank_account,
               (SELECT SUBSTR(n.name, 1, 100) FROM {n_t} n WHERE n.id = a.person_id), a.amount, %s, '', '', %s
        FROM (SELECT r.id AS id, r.person_id AS person_id, r.bank_account AS bank_account, {amount} AS amount
              FROM (SELECT r.id, r.person_id, r.bank_account, r.retirement_month,
                           (SELECT e.monthly_fen FROM {e_t} e WHERE e.retiree_id = r.id) AS initial
                    FROM {r_t} r
                    WHERE r.id > %s AND r.id <= %s AND r.status = %s AND r.retirement_month < %s
                      AND (SELECT COUNT(*) FROM {s_t} s WHERE s.retiree_id = r.id) = 0
                      AND r.paid_through < %s
                      AND {months("%s")} = 0
                      AND (r.retirement_month = %s OR r.paid_through = %s OR {months("%s")} > 0)
                      AND NOT ({owed_top_up}){" OFFSET 0" if postgres else ""}) r) a
        WHERE a.amount > 0
        ORDER BY a.id"""
    insert_months = f"""
        INSERT INTO {m_t} (retiree_id, month, amount_fen, kind, transfer_id, known_on)
        SELECT t.retiree_id, %s, t.amount_fen, %s, t.id, %s FROM {t_t} t
        WHERE t.run_id = %s AND t.retiree_id > %s AND t.retiree_id <= %s
          AND (SELECT COUNT(*) FROM {m_t} p WHERE p.transfer_id = t.id) = 0"""
    bounds = Retiree.objects.filter(status=Retiree.Status.ACTIVE).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return 0
    made = 0
    lo = bounds["lo"] - 1
    # On PostgreSQL one statement writes both: the transfers, and from what they return their months and
    # the span the audit names (no second pass over the batch's transfers, no probe per transfer).
    both = f"""
        WITH t AS ({insert_transfers} RETURNING id, retiree_id, amount_fen),
             m AS (INSERT INTO {m_t} (retiree_id, month, amount_fen, kind, transfer_id, known_on)
                   SELECT t.retiree_id, %s, t.amount_fen, %s, t.id, %s FROM t)
        SELECT COUNT(*), MIN(t.id), MAX(t.id) FROM t"""
    while lo < bounds["hi"]:
        hi = lo + batch_size
        params = [run.pk, Transfer.Kind.PENSION, Transfer.Status.PENDING, now, lo, hi, Retiree.Status.ACTIVE, month,
                  month, month, prev, prev, prev]
        with transaction.atomic() if atomic else nullcontext(), connection.cursor() as cursor:
            if postgres:
                unchecked = _row_checks_off(cursor)
                # No JIT compilation for the batch: its cost estimate (a correlated probe a retiree) is far
                # over jit_above_cost, and compiling took 1 to 2 s of every batch (EXPLAIN ANALYZE at
                # 100,000 retirees: "JIT ... Total 2164 ms" of 14 s) for a plan of index probes JIT speeds
                # up nothing of. Set for this statement only, the value before it put back.
                cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
                jit = cursor.fetchone()[0]
                cursor.execute(both, [*params, month, PensionMonth.Kind.REGULAR, known_on])
                n, first, last = cursor.fetchone()
                cursor.execute("SELECT set_config('jit', %s, true)", [jit])
                if unchecked:
                    cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                cursor.execute(insert_transfers, params)
                cursor.execute(insert_months, [month, PensionMonth.Kind.REGULAR, known_on, run.pk, lo, hi])
                n = cursor.rowcount
                span = (Transfer.objects.filter(run=run, retiree_id__gt=lo, retiree_id__lte=hi)
                        .aggregate(first=Min("pk"), last=Max("pk"))) if n else {}
                first, last = span.get("first"), span.get("last")
            if n:
                audit_bulk_range(
                    actor=actor, model=Transfer, first_pk=first, last_pk=last, count=n,
                    reason=f"{run}：生成支付明细（退休人员编号{lo + 1}至{hi}，当月待遇，集合计算）"[:200])
        made += n
        lo = hi
        if n and after_chunk is not None:
            after_chunk(made)
    return made


def _row_checks_off(cursor: Any) -> bool:
    """Turn PostgreSQL's row-by-row foreign-key checks off for the set-based batch about to be written,
    in the batch's transaction only (``SET LOCAL session_replication_role = replica``, which stops the
    triggers that check them; the caller turns them back on after the statement). Returns whether they
    are off: a role not allowed to set it (not a superuser, no ``GRANT SET ON PARAMETER``) keeps them.

    Why it is safe here, and only here: each reference the batch writes is read, by the same statement,
    from the row it references: the run (made, and never deleted: PROTECT), the person and the
    retiree (the retiree row selected; neither is ever deleted: on_delete PROTECT on every reference
    and no service deletes one), the transfer of each month (the row the statement has just inserted,
    from its RETURNING). A check could only find what the statement has just read. What it did on
    top, a KEY SHARE lock on every person and retiree row, wrote 3,000,000 person and retiree rows'
    lock bits (pages dirtied, WAL with full-page images on a durable server) for a guard against a
    concurrent DELETE that nothing issues. Every other write (the per-row path, retries, the ledger,
    the audit trail) keeps its checks (docs/scale.md, the payroll)."""
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the batch's transaction usable
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _unpaid_months(retiree: Retiree, through: str, paid: set[str], stopped: list[tuple[int, int]]) -> list[str]:
    """The months owed through ``through``: from the month after retirement, less those paid here,
    those the old system paid (up to ``paid_through``) and those of closed re-employment stops."""
    months = payable_months(retirement_month=max(retiree.retirement_month, retiree.paid_through), through=through)
    return [m for m in months if m not in paid and not any(a <= month_index(m) <= b for a, b in stopped)]


def _build_chunk(run: PayrollRun, chunk: list[Retiree], *, actor: Any, policy: Any,
                 known_on: dt.date | None = None) -> int:
    """One transfer per retiree of ``chunk`` owed anything: the months unpaid (as known on
    ``known_on``) and the top-ups (调整补发) of months paid before a yearly adjustment's notice."""
    known_on = known_on or clock.today()
    ids = [r.pk for r in chunk]
    paid: dict[int, set[str]] = defaultdict(set)
    paid_fen: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    computed: dict[int, set[str]] = defaultdict(set)  # months whose amount was computed here (known_on kept)
    for rid, m, fen, on, status in PensionMonth.objects.filter(retiree_id__in=ids).values_list(
            "retiree_id", "month", "amount_fen", "known_on", "transfer__status"):
        paid[rid].add(m)
        paid_fen[rid][m] += fen
        # A month whose pension failed at the bank and waits for its retry is not topped up: the
        # difference follows the month itself, owed by the first run after the retry has sent it
        # (review-user5 F4: a top-up paid on a month the retiree had not received).
        if on is not None and status != Transfer.Status.FAILED:
            computed[rid].add(m)
    for rid, m, fen in PensionTopUp.objects.filter(retiree_id__in=ids).values_list("retiree_id", "month", "amount_fen"):
        paid_fen[rid][m] += fen
    # Months never owed: re-employment (closed stops; an open one keeps the retiree suspended).
    stopped: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for rid, a, b in (Suspension.objects.filter(retiree_id__in=ids, reason=Suspension.Reason.REEMPLOYMENT)
                      .exclude(to_month="").values_list("retiree_id", "from_month", "to_month")):
        stopped[rid].append((month_index(a), month_index(b)))
    plans = []
    for r in chunk:
        months = _unpaid_months(r, run.month, paid[r.pk], stopped[r.pk])
        amounts = [monthly_amount_fen(policy, initial_fen=r.entitlement.monthly_fen,
                                      retirement_month=r.retirement_month, month=m, known_on=known_on) for m in months]
        top_ups = []
        for m in sorted(computed[r.pk]):
            applied = applied_adjustments(policy, retirement_month=r.retirement_month, month=m, known_on=known_on)
            if not applied:
                continue
            owed = monthly_amount_fen(policy, initial_fen=r.entitlement.monthly_fen,
                                      retirement_month=r.retirement_month, month=m, known_on=known_on)
            fen = top_up_fen(owed_fen=owed, paid_fen=paid_fen[r.pk][m])
            if fen > 0:
                top_ups.append((m, applied[-1], fen))
        if sum(amounts) + sum(x for _, _, x in top_ups) <= 0:
            continue
        plans.append((r, months, amounts, top_ups))
    if not plans:
        return 0
    names = _names({r.person_id for r, *_ in plans})
    transfers = Transfer.objects.bulk_create([
        Transfer(run=run, kind=Transfer.Kind.PENSION, person_id=r.person_id, retiree=r, bank_account=r.bank_account,
                 payee_name=names[r.person_id], amount_fen=sum(amounts) + sum(x for _, _, x in top_ups))
        for r, _, amounts, top_ups in plans])
    PensionMonth.objects.bulk_create([
        PensionMonth(retiree=r, month=m, amount_fen=a, transfer=t, known_on=known_on,
                     kind=PensionMonth.Kind.REGULAR if m == run.month else PensionMonth.Kind.ARREARS)
        for t, (r, months, amounts, _) in zip(transfers, plans, strict=True)
        for m, a in zip(months, amounts, strict=True)])
    PensionTopUp.objects.bulk_create([
        PensionTopUp(retiree=r, month=m, adjustment=a.effective, document=a.document[:200], amount_fen=x,
                     known_on=known_on, transfer=t)
        for t, (r, _, _, top_ups) in zip(transfers, plans, strict=True) for m, a, x in top_ups])
    audit_bulk_create(actor=actor, model=Transfer, objs=transfers, reason=f"{run}：生成支付明细")
    return len(transfers)


def _finish(run: PayrollRun, *, actor: Any) -> None:
    """Totals, the accrual (regular and supplementary runs) and the payment file; the run is READY."""
    now = clock.now()
    path: Path | None = None
    try:
        with transaction.atomic():
            locked = PayrollRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != PayrollRun.Status.BUILDING:
                return
            before = snapshot(locked)
            totals = locked.transfers.aggregate(n=Count("pk"), fen=Sum("amount_fen"))
            locked.transfers_count, locked.amount_fen = totals["n"], int(totals["fen"] or 0)
            if not totals["n"]:
                locked.status = PayrollRun.Status.CLOSED
            else:
                if locked.kind == PayrollRun.Kind.RETRY:
                    # what the failed transfers were accrued for stands; only the differences a retry adds
                    # (调整补发 held while its months had failed: `_retry_top_ups`) are new expense
                    resent = Transfer.objects.filter(retried_by__run=locked).aggregate(fen=Sum("amount_fen"))["fen"]
                    added = locked.amount_fen - int(resent or 0)
                    if added > 0:
                        locked.accrual = ledger_post(
                            kind=LedgerTransaction.Kind.BENEFIT_ACCRUAL, occurred_on=clock.today(), actor=actor,
                            lines=[Line(EXPENSE, None, added), Line(PAYABLE, None, -added)],
                            memo=f"{locked}：重发中补发调整差额")
                else:
                    # each kind of benefit to its own expense: pensions, work-injury benefits (the
                    # immediate run's, and the monthly disability allowances on a monthly run)
                    by_kind = dict(locked.transfers.values_list("kind").annotate(fen=Sum("amount_fen")))
                    lines = [Line(WORK_INJURY_EXPENSE if k == Transfer.Kind.WORK_INJURY else EXPENSE, None, int(fen))
                             for k, fen in sorted(by_kind.items()) if fen]
                    locked.accrual = ledger_post(
                        kind=LedgerTransaction.Kind.BENEFIT_ACCRUAL, occurred_on=clock.today(), actor=actor,
                        lines=[*lines, Line(PAYABLE, None, -locked.amount_fen)],
                        memo=f"{locked}：{locked.transfers_count}笔待遇核定")
                file, path = _payment_file_write(locked, now=now)
                audit_create(actor=actor, instance=file, reason=f"生成待遇支付文件（{file.lines}笔，含完整账号）")
                locked.status = PayrollRun.Status.READY
            locked.save(update_fields=["transfers_count", "amount_fen", "status", "accrual"])
            audit_update(actor=actor, instance=locked, before=before, reason="批次生成完毕")
    except BaseException:
        if path is not None:
            for p in (path, path.with_name(path.name + ".sha256")):
                p.unlink(missing_ok=True)
        raise


def _masked_id(region: str, last4: str, token: str) -> str:
    """A registered person's ID number as the payment file carries it, masked (`core.masking.mask_id_number`):
    from the columns kept in clear beside the encrypted number (the region of a long number, the last
    four), so that no line decrypts it; a short document (no region kept, rare) is decrypted to mask it."""
    if region:
        return f"{region}{'*' * 8}{last4}"
    return mask_id_number(crypto.decrypt(token)) if token else ""


def payment_file_bytes(run: PayrollRun, *, sent: dict[int, str] | None = None) -> tuple[bytes, int, int]:
    """The payment file of ``run``: UTF-8 CSV, columns PAYMENT_COLUMNS under the Chinese header
    PAYMENT_HEADERS_ZH (docs/bank_files.md), full account, amount in yuan.
    Returns (bytes, lines, total fen).

    Each line sends what its transfer records (`Transfer.payee_name`, ``bank_account``, ``amount_fen``:
    written when the transfer is made), so the row says what the bank was sent whatever is changed
    afterwards. A row without its 户名 (made before benefits/0011 and not filled by it) sends the name
    the records give now (`_payee_now`'s rule); ``sent``, when given, is filled with those rows' pk ->
    the name written, for `_payment_file_write` to keep.

    What the bank needs to credit an account is the account, the 户名 it checks against it and the
    amount; the payee's ID number goes MASKED (``id_number_masked``: the region and the last four, as
    every page shows it), for the desk's and the bank's reconciliation of a returned payment, never in
    full (issue 17: the file is data leaving the agency, and the full number was the one column that
    made a 3,000,000-line file decrypt 3,000,000 ID numbers one by one, about 100 s). The accounts are
    opened FILE_CHUNK lines at a time (`core.crypto.decrypt_many`: Fernet, one call a token), a long
    file's on every core (`core.crypto.Workers`, started once for the file)."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(PAYMENT_HEADERS_ZH)
    lines = total = 0
    # a survivors' pension is paid to the dependant, not to the deceased the transfer is booked on
    payees = {t: (mask_id_number(p.id_number), p.name) for t, p in
              ((m.transfer_id, m.pension) for m in SurvivorMonth.objects.filter(transfer__run=run).select_related("pension"))}
    if run.kind in (PayrollRun.Kind.IMMEDIATE, PayrollRun.Kind.RETRY):
        # and a death's immediate payment to the relative who receives it (benefits.selectors.transfer_payees,
        # the pages' answer). Only these small runs can hold an award's transfer: a monthly run of millions
        # is not read twice. A death award made before its relative was kept has no number to send: its
        # line keeps the worker it is booked on, as the file sent then did.
        from shebao.benefits.selectors import transfer_payees

        injury = list(run.transfers.filter(kind=Transfer.Kind.WORK_INJURY).select_related("person"))
        payees.update({pk: (mask_id_number(p.id_number), p.name)
                       for pk, p in transfer_payees(injury, as_sent=False).items() if p.id_number})
    # the tokens as stored (a Cast to text skips the field's decryption): the accounts are opened a chunk
    # at a time, the ID number only for a short document
    rows = (run.transfers.order_by("pk")
            .annotate(account_token=Cast("bank_account", TextField()),
                      id_token=Case(When(person__id_region="", then=Cast("person__id_number", TextField())),
                                    default=Value(""), output_field=TextField()))
            .values_list("pk", "person__id_region", "person__id_last4", "id_token", "person__name", "payee_name",
                         "account_token", "amount_fen").iterator(chunk_size=FILE_CHUNK))
    with ExitStack() as stack:
        workers = None
        while chunk := list(islice(rows, FILE_CHUNK)):
            if workers is None and len(chunk) == FILE_CHUNK:  # a long file: its accounts opened on every core
                workers = stack.enter_context(crypto.Workers())
            accounts = crypto.decrypt_many([row[6] for row in chunk], workers=workers)
            for (pk, region, last4, id_token, name, kept, _, fen), account in zip(chunk, accounts, strict=True):
                id_masked, name = payees.get(pk) or (_masked_id(region, last4, id_token), name)
                if kept:
                    name = kept
                elif sent is not None:
                    sent[pk] = name[:100]
                w.writerow([pk, id_masked, name, account, f"{fen // 100}.{fen % 100:02d}"])
                lines += 1
                total += fen
    return out.getvalue().encode("utf-8"), lines, total


def _paths(file: PayrollFile) -> tuple[Path, Path]:
    base = bank_file_dir() / file.filename
    return base, base.with_name(base.name + ".sha256")


def _payment_file_write(run: PayrollRun, *, now: dt.datetime) -> tuple[PayrollFile, Path]:
    sent: dict[int, str] = {}
    data, lines, amount = payment_file_bytes(run, sent=sent)
    # a line whose transfer did not keep its 户名 yet keeps the one sent now: the record of what the bank
    # was sent, whatever is registered or corrected afterwards
    Transfer.objects.bulk_update([Transfer(pk=pk, payee_name=name[:100]) for pk, name in sent.items()],
                                 ["payee_name"], batch_size=1000)
    digest = hashlib.sha256(data).hexdigest()
    file = PayrollFile(run=run, filename=f"payroll-run-{run.pk}.csv", sha256=digest, size=len(data), lines=lines,
                       amount_fen=amount, written_at=now,
                       keep_until=now + dt.timedelta(days=settings.SHEBAO_BANK_FILE_RETENTION_DAYS))
    path, sum_path = _paths(file)
    _write_private(path, data)
    _write_private(sum_path, f"{digest}  {file.filename}\n".encode())
    file.save()
    return file, path


def payroll_file_read(*, run: PayrollRun, actor: Any, what: str = "file") -> FileDownload:
    """The payment file of ``run`` (what="file") or its checksum line (what="sha256"), each download
    recorded with its audit event. ValidationError when the file was purged or no longer matches."""
    require(actor, "payroll_file.download")
    if what not in ("file", "sha256"):
        raise ValidationError("下载内容只能是支付文件或校验文件")
    file = PayrollFile.objects.filter(run=run).first()
    if file is None:
        raise ValidationError("该批次没有支付文件")
    now = clock.now()
    if file.purged_at is None and file.keep_until <= now:
        payroll_files_purge(actor=_PURGER, now=now)
        file.refresh_from_db()
    if file.purged_at is not None:
        raise ValidationError(f"支付文件已于{timezone.localtime(file.purged_at):%Y-%m-%d %H:%M}删除（{file.purge_reason}）")
    path, sum_path = _paths(file)
    try:
        data = (path if what == "file" else sum_path).read_bytes()
    except FileNotFoundError:
        raise ValidationError("支付文件不在服务器上，请联系系统管理员") from None
    if what == "file" and not is_released(PaymentFileRelease.Kind.PAYROLL, file.pk):
        # Money out: a second person releases the file before it goes to the bank (collection.releases).
        raise ValidationError("支付文件尚未由第二人复核放行，不能下载发送银行：请另一名工作人员复核放行后再下载")
    if what == "file" and hashlib.sha256(data).hexdigest() != file.sha256:
        raise ValidationError("支付文件与生成时的校验值不符，已拒绝下载，请联系系统管理员")
    with transaction.atomic():
        download = PayrollFileDownload.objects.create(file=file, what=what, actor=actor_user(actor),
                                                      actor_label=actor_label(actor))
        audit_create(actor=actor, instance=download,
                     reason=f"下载{'待遇支付文件' if what == 'file' else '校验文件'}（批次#{run.pk}）")
    name = file.filename if what == "file" else sum_path.name
    return FileDownload(name, data, file.sha256, "text/csv; charset=utf-8" if what == "file" else "text/plain")


def payroll_files_purge(*, actor: Any, now: dt.datetime | None = None) -> list[PayrollFile]:
    """Delete the payment files no longer needed: every transfer has its result, or the retention
    period ended. Each keeps its row with ``purged_at`` and the reason."""
    require(actor, "payroll_file.purge")
    return protected_files_purge(
        PayrollFile.objects.filter(purged_at__isnull=True).select_related("run"), actor=actor,
        now=now or clock.now(),
        settled=lambda f: not f.run.transfers.filter(status=Transfer.Status.PENDING).exists(),
        settled_reason="支付结果已全部导入", what="待遇支付文件")


# --- The bank's results ------------------------------------------------------------------------
def payroll_result_import(*, data: bytes, filename: str, actor: Any, encoding: str | None = None) -> ImportReport:
    """Import the bank's result of payroll transfers (columns RESULT_COLUMNS, or the Chinese headers
    RESULT_HEADERS_ZH; result 成功/失败 or success/failed: importers.bank_result_outcome).

    A malformed file is refused whole with every bad line (nothing applied); the same file twice
    changes nothing; a transfer already settled is skipped. Also refused whole: a line of a transfer
    whose payment file was not released by a second person and then downloaded (it cannot be at the
    bank: releases.bank_send_check, review E1), and a date before that release or after today
    (importers.payment_date_problem, review E2). Paid transfers are posted in one balanced ledger
    entry (payable / bank); failed ones keep the bank's reason and can be retried.
    """
    require(actor, "payroll_result.import")
    report = ImportReport(kind="payroll_result", filename=filename)
    if not data:
        from shebao.core.inputs import empty_upload_problem

        raise ValidationError(empty_upload_problem(data, filename))
    if len(data) > settings.SHEBAO_BANK_FILE_MAX_BYTES:
        raise ValidationError(f"文件超过{settings.SHEBAO_BANK_FILE_MAX_BYTES // (1024 * 1024)}MB，请分批导入")
    digest = hashlib.sha256(data).hexdigest()
    known = ResultFile.objects.filter(sha256=digest).first()
    if known is not None:
        report.already_imported = True
        report.notes = [importers.already_imported_note(known.imported_at)]
        return report
    rows, errors = importers.read_table(data, RESULT_COLUMNS, encoding=encoding, headers=RESULT_HEADERS_ZH)
    ids = [n for n in (id_text(r["transfer_id"]) for _, r in rows) if n is not None]
    transfers = {t.pk: t for t in Transfer.objects.filter(pk__in=ids).select_related("person")}
    files = dict(PayrollFile.objects.filter(run__in={t.run_id for t in transfers.values()}).values_list("run_id", "pk"))
    sent: dict[int, tuple[str, dt.date | None]] = {}  # run -> (why its file cannot be at the bank, release day)
    parsed, seen = [], set()
    for line_no, r in rows:
        problems = []
        t = transfers.get(id_text(r["transfer_id"]))
        release_day = None
        if t is None:
            problems.append(f"支付明细编号“{importers.cut(r['transfer_id'])}”不存在")
        elif t.pk in seen:
            problems.append(f"支付明细{t.pk}在文件中重复出现")
        else:
            if t.run_id not in sent:
                sent[t.run_id] = (bank_send_check(PaymentFileRelease.Kind.PAYROLL, files[t.run_id])
                                  if t.run_id in files else ("所在的发放批次没有支付文件，不应已送银行", None))
            why, release_day = sent[t.run_id]
            if why:
                problems.append(f"支付明细{t.pk}（发放批次#{t.run_id}）{why}")
        amount = None
        try:
            amount = importers.parse_amount_fen(r["amount"])
        except ValueError as e:
            problems.append(str(e))
        if t is not None and amount is not None and amount != t.amount_fen:
            problems.append(f"金额与支付明细不符（应为{format_yuan(t.amount_fen)}元）")
        outcome = importers.bank_result_outcome(r["result"])
        if outcome is None:
            problems.append(f"支付结果“{importers.cut(r['result'])}”无效（应为{importers.RESULT_VALUES_ZH}）")
        if outcome is False and not r["reason"]:
            problems.append("支付失败必须注明原因")
        if outcome is True and not r["bank_reference"]:
            problems.append("支付成功必须有银行流水号")
        day = None
        try:
            day = importers._parse_date(r["date"])
        except ValueError as e:
            problems.append(str(e))
        if day is not None and release_day is not None:
            problem = importers.payment_date_problem(day, not_before=release_day,
                                                     not_before_what="支付文件复核放行日期")
            if problem:
                problems.append(problem)
        if problems:
            errors += [(line_no, p) for p in problems]
            continue
        assert t is not None
        seen.add(t.pk)
        parsed.append((line_no, t, outcome is True, r["reason"], r["bank_reference"], day))
    if errors:
        report.refused = True
        report.lines = [ReportLine(n, "", "错误", reason, ok=False) for n, reason in sorted(errors)]
        return report
    # the payee the bank was asked to credit, as the run's page names them (review-user7 F8: a death's
    # relative's failed payment was reported under the dead worker's name)
    from shebao.benefits.selectors import transfer_payees

    payees = transfer_payees([t for _, t, *_ in parsed])

    def whom(t: Transfer) -> str:
        p = payees[t.pk]
        return f"{p.name}（{p.note}）" if p.note else p.name

    with importers.import_transaction():
        # The file's record first, in a savepoint: the same file imported at the same moment is answered
        # as a file imported before, not a 500 on the unique SHA-256 (review-input12 F5).
        if not importers.file_claimed(lambda: ResultFile.objects.create(
                sha256=digest, filename=filename[:255], lines=len(parsed), imported_by_label=actor_label(actor))):
            report.already_imported = True
            report.notes = [importers.already_imported_note(ResultFile.objects.get(sha256=digest).imported_at)]
            return report
        paid: list[Transfer] = []
        runs = set()
        for line_no, t0, ok, reason, ref, day in parsed:
            t = Transfer.objects.select_for_update().get(pk=t0.pk)
            if t.status != Transfer.Status.PENDING:
                report.lines.append(ReportLine(line_no, f"明细{t.pk}", "已处理过", "此前已导入该笔结果，未重复处理"))
                continue
            before = snapshot(t)
            if ok:
                t.status, t.bank_reference, t.paid_on = Transfer.Status.PAID, ref[:60], day
                paid.append(t)
                report.lines.append(ReportLine(line_no, f"明细{t.pk}", "支付成功",
                                               f"{whom(t0)}：{format_yuan(t.amount_fen)}元"))
            else:
                t.status, t.failure_reason = Transfer.Status.FAILED, reason[:200]
                report.lines.append(ReportLine(line_no, f"明细{t.pk}", "支付失败",
                                               f"{whom(t0)}：{reason}（可重新发放）", ok=False))
            t.save(update_fields=["status", "bank_reference", "paid_on", "failure_reason"])
            audit_update(actor=actor, instance=t, before=before, reason=f"导入支付结果 {filename}"[:200])
            runs.add(t.run_id)
        if paid:
            total = sum(t.amount_fen for t in paid)
            entry = ledger_post(kind=LedgerTransaction.Kind.BENEFIT_PAYMENT, occurred_on=max(t.paid_on for t in paid),
                                actor=actor, lines=[Line(PAYABLE, None, total), Line(BANK, None, -total)],
                                memo=f"待遇支付{len(paid)}笔（结果文件 {filename[:60]}）")
            Transfer.objects.filter(pk__in=[t.pk for t in paid]).update(payment=entry)
        for run in PayrollRun.objects.filter(pk__in=runs, status=PayrollRun.Status.READY):
            if not run.transfers.filter(status=Transfer.Status.PENDING).exists():
                before = snapshot(run)
                run.status = PayrollRun.Status.CLOSED
                run.save(update_fields=["status"])
                audit_update(actor=actor, instance=run, before=before, reason="支付结果已全部导入")
    payroll_files_purge(actor=SystemActor("purge_payroll_files", "支付结果已导入后删除支付文件"))
    return report


def payroll_retry_start(*, run: PayrollRun, actor: Any) -> PayrollRun:
    """A retry run for the failed transfers of ``run`` not yet retried: the same payees and amounts,
    to each retiree's account of record now; the months move to the new transfers. A death's immediate
    payment whose relative is not registered (an award made before they were kept) is held, not sent
    again under the dead worker's name: its relative is registered first
    (`work_injury.award_payee_register`); the run answered carries ``held``, how many were held.
    ValidationError when nothing failed, or everything that failed is held."""
    require(actor, "payroll_run.retry")
    policy, known_on = current_policy(), clock.today()
    with transaction.atomic():
        failed = list(Transfer.objects.select_for_update(of=("self",)).filter(
            run=run, status=Transfer.Status.FAILED, retried_by__isnull=True).select_related("retiree", "person"))
        if not failed:
            raise ValidationError("该批次没有待重发的失败明细")
        injury = [t for t in failed if t.kind == Transfer.Kind.WORK_INJURY]
        if injury:
            from shebao.benefits.selectors import transfer_payees

            payees = transfer_payees(injury, as_sent=False)
            held = {pk for pk, p in payees.items() if p.award is not None and p.award.payee_missing}
            failed = [t for t in failed if t.pk not in held]
            if not failed:
                raise ValidationError("该批次支付失败的是领取人未登记的因工死亡待遇：请先在待遇核定页登记领取人，"
                                      "再重新发放（不再以死者名义发送银行）")
        else:
            held = set()
        retry = PayrollRun.objects.create(month=run.month, kind=PayrollRun.Kind.RETRY, retry_of=run,
                                          created_by_label=actor_label(actor))
        audit_create(actor=actor, instance=retry, reason=f"对批次#{run.pk}的{len(failed)}笔失败明细重新发放")
        for old in failed:
            _resend(old, retry, account=old.retiree.bank_account if old.retiree else old.bank_account, actor=actor,
                    policy=policy, known_on=known_on)
        audit_bulk_create(actor=actor, model=Transfer, objs=list(retry.transfers.all()), reason=f"{retry}：重发明细")
    _finish(retry, actor=actor)
    retry.refresh_from_db()
    retry.held = len(held)  # type: ignore[attr-defined]
    return retry


def _resend(old: Transfer, retry: PayrollRun, *, account: str, actor: Any, policy: Any, known_on: dt.date,
            why: str = "") -> Transfer:
    """The failed transfer ``old`` sent again in ``retry`` to ``account``: its months and top-ups move to
    the new transfer, a retiree's held 调整补发 are added (`_retry_top_ups`), ``old.retried_by`` is set."""
    new = Transfer.objects.create(run=retry, kind=old.kind, person_id=old.person_id, retiree=old.retiree,
                                  bank_account=account, amount_fen=old.amount_fen)
    PensionMonth.objects.filter(transfer=old).update(transfer=new)
    PensionTopUp.objects.filter(transfer=old).update(transfer=new)
    AllowanceMonth.objects.filter(transfer=old).update(transfer=new)
    SurvivorMonth.objects.filter(transfer=old).update(transfer=new)
    if old.retiree is not None:
        _retry_top_ups(new, old.retiree, policy=policy, known_on=known_on)
    # the 户名 the retry sends: whom the records pay now (a relative registered since, a name corrected)
    new.payee_name = _payee_now(new)
    Transfer.objects.filter(pk=new.pk).update(payee_name=new.payee_name)
    before = snapshot(old)
    old.retried_by = new
    old.save(update_fields=["retried_by"])
    audit_update(actor=actor, instance=old, before=before, reason=f"重新发放：明细{new.pk}{why}"[:200])
    return new


def _payee_now(t: Transfer) -> str:
    """The 户名 a payment file sends for ``t`` as the records give it now (`selectors.transfer_payees`,
    ``as_sent=False``): a dependant's or a death's relative's name, else the registered person's. A
    death award whose relative was never registered keeps the worker's name, as its first file did."""
    from shebao.benefits.selectors import transfer_payees

    payee = transfer_payees([t], as_sent=False)[t.pk]
    return (payee.name if payee.id_number else t.person.name)[:100]


def failed_transfer_resend(*, actor: Any, transfer: Transfer, bank_account: str, payee_name: str = "",
                           reason: str = "") -> PayrollRun:
    """Correct the account (and, for a payee who is not a registered person, the name) of one failed
    transfer not yet retried, and send it again at once in a retry run of its own (2.1, review-user7 F4:
    a payment refused for 户名不符 or a frozen account could only be resent to the same account).

    ``bank_account``: the payee's account now (8 to 32 digits). ``payee_name``: empty or the name as
    now given by the payee, taken only where the benefits keep the payee's name themselves: a death
    award's relative (`WorkInjuryAward.payee_name`) and a survivors' pension's dependant
    (`SurvivorPension.name`); a retiree or an injured worker is paid under the registry's name, which
    only a change of personal data corrects. ``reason``: what the correction rests on (the payee's own
    statement, a copy of the card…), kept in the audit trail.

    The account of record follows, so the next monthly run pays it too: the retiree's
    (`Retiree.bank_account`), the disability allowance's, the survivors' pension's. The new transfer's
    run is a RETRY of the transfer's run; its payment file carries the corrected account and name
    (`payment_file_bytes`), and like every payment file goes to the bank only once a second person has
    released it (collection.releases). The name is held to the same rule as when it was first given
    (`selectors.relative_name_conflicts`: one number, one name).

    ValidationError (Chinese): keyed ``bank_account`` (not an account; the same account and name as the
    failed payment, which the run's retry already sends), ``payee_name`` (a registered person's name,
    empty or too long, another name recorded for the number), ``reason`` (empty or too long), every
    input at once; unkeyed for a transfer that did not fail or was already resent. ActionRefused unless
    the actor may correct and resend failed payments (the center's payroll desk).
    """
    require(actor, "payroll_transfer.resend")
    from shebao.benefits.selectors import relative_name_conflicts, transfer_payees
    from shebao.core.inputs import clean_text, normalize_person_name, person_name_checked

    problems: dict[str, str] = {}
    account = ""
    try:
        account = bank_account_text(bank_account, label="更正后的收款账号")
    except ValueError as e:
        problems["bank_account"] = str(e)
    note = str(reason or "").strip()
    if not note:
        problems["reason"] = "请填写更正依据（如领取人本人提供的账户信息、银行卡复印件）"
    else:
        try:
            note = clean_text(note, label="更正依据", max_length=100)
        except ValidationError as e:
            problems["reason"] = e.messages[0]
    t0 = Transfer.objects.select_related("person__district").get(pk=transfer.pk)
    payee = transfer_payees([t0], as_sent=False)[t0.pk]  # who the resend pays
    name = str(payee_name or "").strip()
    # the same name however its 间隔号 was typed is no renaming (core.person_name, review-input9 F2)
    renamed = bool(name) and normalize_person_name(name) != normalize_person_name(payee.name)
    if payee.award is not None and payee.award.payee_missing:
        # an award made before its relative was kept would go to the bank under the dead worker's name
        problems["payee_name"] = ("该因工死亡待遇未登记领取人：请先在待遇核定页登记领取人（姓名、关系、证件号码），"
                                  "再更正账号重发")
    elif renamed:
        if payee.survivor is None and payee.award is None:
            problems["payee_name"] = (f"收款人{payee.name}是在册参保人员，按登记的姓名支付；姓名有误的请先办理"
                                      "个人信息变更，这里只能更正账号")
        else:
            try:
                name = clean_text(name, label="领取人姓名", max_length=50)
            except ValidationError as e:
                problems["payee_name"] = e.messages[0]
            else:
                name, why = person_name_checked(name, id_type="citizen_id")  # the 户名, as on the citizen ID (review-input8 F5)
                if why:  # stored as core.person_name spells it (the 间隔号 as U+00B7: review-input9 F2)
                    problems["payee_name"] = f"领取人姓名{why}"
                elif payee.id_number and relative_name_conflicts(
                        id_number=payee.id_number, name=name, award_pk=getattr(payee.award, "pk", None),
                        survivor_pk=getattr(payee.survivor, "pk", None)):
                    problems["payee_name"] = ("该证件号码已在其他工伤待遇或在册人员中记载为另一姓名，"
                                              "请核对姓名和证件号码")
    if account and account == t0.bank_account and not renamed and "bank_account" not in problems:
        problems["bank_account"] = ("更正后的账号与支付失败的账号相同，户名也未更正：原样重发请在发放批次页"
                                    "点“重新发放”")
    if problems:
        raise ValidationError(problems)
    policy, known_on = current_policy(), clock.today()
    with transaction.atomic():
        old = Transfer.objects.select_for_update(of=("self",)).select_related("retiree").get(pk=t0.pk)
        if old.status != Transfer.Status.FAILED:
            raise ValidationError(f"支付明细{old.pk}{old.get_status_display()}，只有支付失败的明细可以更正后重发")
        if old.retried_by_id is not None:
            raise ValidationError(f"支付明细{old.pk}已重发（明细{old.retried_by_id}），请在重发的明细上办理")
        why = f"（{old.failure_reason}；更正账号{'和户名' if renamed else ''}，依据：{note}）"
        retry = PayrollRun.objects.create(month=old.run.month, kind=PayrollRun.Kind.RETRY, retry_of_id=old.run_id,
                                          created_by_label=actor_label(actor))
        audit_create(actor=actor, instance=retry, reason=f"更正后重新发放支付明细{old.pk}{why}"[:200])
        # the account of record, which the next monthly run pays
        records: list[Any] = []
        if old.retiree is not None:
            records.append(old.retiree)
        if payee.survivor is not None:
            records.append(SurvivorPension.objects.select_for_update().get(pk=payee.survivor.pk))
        if payee.award_id is not None and payee.survivor is None:
            # a monthly disability allowance, or the immediate payment of the award whose allowance took its account
            records.extend(DisabilityAllowance.objects.select_for_update().filter(award_id=payee.award_id))
        for record in records:
            if record.bank_account != old.bank_account:
                continue  # the record already names another account: it was not the one that failed
            before = snapshot(record)
            record.bank_account = account
            if renamed and isinstance(record, SurvivorPension):
                record.name = name
            record.save()
            audit_update(actor=actor, instance=record, before=before, reason=f"支付失败后更正{why}"[:200])
        if renamed and payee.award is not None:
            award = WorkInjuryAward.objects.select_for_update().get(pk=payee.award.pk)
            before = snapshot(award)
            award.payee_name = name
            award.save(update_fields=["payee_name"])
            audit_update(actor=actor, instance=award, before=before, reason=f"支付失败后更正领取人姓名{why}"[:200])
        new = _resend(old, retry, account=account, actor=actor, policy=policy, known_on=known_on, why=why)
        audit_create(actor=actor, instance=new, reason=f"{retry}：更正后重发明细{old.pk}"[:200])
    _finish(retry, actor=actor)
    retry.refresh_from_db()
    return retry


def _retry_top_ups(new: Transfer, retiree: Retiree, *, policy: Any, known_on: dt.date) -> int:
    """The yearly adjustments' differences (调整补发) held back while the months now moved to ``new`` had
    failed at the bank (`_build_chunk` tops up no month whose transfer failed), paid with the months by
    the retry itself instead of waiting for the next run: for each month of ``new`` computed before a
    notice now issued (`rules.pension.top_up_fen` of what it is owed as known on ``known_on`` and what it
    and its top-ups paid), a `PensionTopUp` on ``new``, whose amount grows by them. The notices set the
    amount owed for every month from the adjustment's effective month (补发 once issued) and say
    nothing of waiting for a monthly run. Only an active retiree, as a run pays (a suspended or ended
    one is settled by its own decision). Returns the fen added (0: nothing owed)."""
    if retiree.status != Retiree.Status.ACTIVE:
        return 0
    initial = Entitlement.objects.filter(retiree=retiree).values_list("monthly_fen", flat=True).first()
    if initial is None:
        return 0
    months = dict(PensionMonth.objects.filter(transfer=new, known_on__isnull=False).values_list("month", "amount_fen"))
    topped: dict[str, int] = defaultdict(int)
    for m, fen in PensionTopUp.objects.filter(retiree=retiree, month__in=months).values_list("month", "amount_fen"):
        topped[m] += fen
    rows = []
    for m in sorted(months):
        applied = applied_adjustments(policy, retirement_month=retiree.retirement_month, month=m, known_on=known_on)
        if not applied:
            continue
        owed = monthly_amount_fen(policy, initial_fen=initial, retirement_month=retiree.retirement_month, month=m,
                                  known_on=known_on)
        fen = top_up_fen(owed_fen=owed, paid_fen=months[m] + topped[m])
        if fen > 0:
            rows.append(PensionTopUp(retiree=retiree, month=m, adjustment=applied[-1].effective,
                                     document=applied[-1].document[:200], amount_fen=fen, known_on=known_on,
                                     transfer=new))
    if not rows:
        return 0
    PensionTopUp.objects.bulk_create(rows)
    added = sum(r.amount_fen for r in rows)
    Transfer.objects.filter(pk=new.pk).update(amount_fen=F("amount_fen") + added)
    new.amount_fen += added
    return added


def immediate_payment_start(*, actor: Any, person: Any, bank_account: str, amount_fen: int, memo: str,
                            record: Callable[[PayrollRun], None] | None = None, payee_name: str = "") -> PayrollRun:
    """An immediate run of one work-injury transfer outside the monthly run (9's fast payment route):
    accrued (work-injury expense / payable) and its payment file written at once. ``record`` is
    called with the run inside the transaction that creates it (the award that the run pays).
    ``payee_name``: the 户名 sent when it is not ``person``'s (a death's relative), kept on the row."""
    require(actor, "work_injury.pay", district_id=person.district_id)
    if refusal := person.merged_refusal():  # registered twice and merged: pay on the kept record
        raise ValidationError({"person": refusal})
    try:
        account = bank_account_text(bank_account, label="收款账号")
    except ValueError as e:
        raise ValidationError({"bank_account": str(e)}) from None
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError("支付金额须为正数（分）")
    with transaction.atomic():
        run = PayrollRun.objects.create(month=month_str(month_index(clock.today().isoformat()[:7])),
                                        kind=PayrollRun.Kind.IMMEDIATE, created_by_label=actor_label(actor))
        t = Transfer.objects.create(run=run, kind=Transfer.Kind.WORK_INJURY, person=person, bank_account=account,
                                    payee_name=(payee_name or person.name)[:100], amount_fen=amount_fen)
        audit_create(actor=actor, instance=run, reason=f"工伤待遇即时支付：{memo}"[:200])
        audit_create(actor=actor, instance=t, reason=memo[:200])
        if record is not None:
            record(run)
    _finish(run, actor=actor)
    run.refresh_from_db()
    return run
