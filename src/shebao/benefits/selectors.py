"""Reads of benefits: retirees (district-scoped), payroll runs, failed transfers, arrears statements, the
work-injury awards with their monthly allowance and survivors' pensions (district-scoped)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from shebao.benefits.models import (
    AllowanceMonth,
    DisabilityAllowance,
    PayrollRun,
    PensionMonth,
    PensionTopUp,
    Retiree,
    SurvivorMonth,
    SurvivorPension,
    Transfer,
    WorkInjuryAward,
)
from shebao.core.scoping import user_may_see_district


def retirees_visible(user: Any) -> QuerySet[Retiree]:
    """Retirees the user may see: their district's, or the whole city for the center's staff."""
    qs = Retiree.objects.select_related("person", "entitlement", "district").order_by("-pk")
    if getattr(user, "sees_whole_city", False):
        return qs
    office_id = getattr(user, "office_id", None)
    return qs.filter(district_id=office_id) if office_id else qs.none()


def monthly_now_fen(retirees: Any, *, month: str, known_on: Any) -> dict[int, int]:
    """Retiree pk -> the monthly pension in fen payable for ``month`` (YYYY-MM) as a run made on
    business date ``known_on`` pays it: the amount at retirement (`Entitlement.monthly_fen`) raised by
    every yearly adjustment in force and issued by then (`rules.pension.monthly_amount_fen`, the call
    the payroll makes), so a list never shows last year's amount beside this month's payment
    (review-user5 F3). Pass retirees with ``entitlement`` selected."""
    from shebao.core.policy import current_policy
    from shebao.rules.pension import monthly_amount_fen

    policy = current_policy()
    return {r.pk: monthly_amount_fen(policy, initial_fen=r.entitlement.monthly_fen,
                                     retirement_month=r.retirement_month, month=month, known_on=known_on)
            for r in retirees}


def retiree_counts(user: Any) -> dict[str, int]:
    """The user's visible retirees by payment status: {"正常发放": n, ...} (every status, 0 included)."""
    rows = dict(retirees_visible(user).order_by().values_list("status").annotate(n=Count("pk")))
    return {label: rows.get(value, 0) for value, label in Retiree.Status.choices}


def retiree_visible(user: Any, pk: int) -> Retiree | None:
    r = Retiree.objects.select_related("person", "entitlement", "district").filter(pk=pk).first()
    if r is None or not user_may_see_district(user, r.district_id):
        return None
    return r


def runs_list(limit: int = 50) -> list[PayrollRun]:
    return list(PayrollRun.objects.select_related("retry_of").order_by("-pk")[:limit])


@dataclass(frozen=True)
class RunSummary:
    run: PayrollRun
    pending: int
    paid: int
    failed: int
    failed_not_retried: int
    paid_fen: int


def run_summary(run: PayrollRun) -> RunSummary:
    agg = run.transfers.aggregate(
        pending=Count("pk", filter=Q(status=Transfer.Status.PENDING)),
        paid=Count("pk", filter=Q(status=Transfer.Status.PAID)),
        failed=Count("pk", filter=Q(status=Transfer.Status.FAILED)),
        open_failed=Count("pk", filter=Q(status=Transfer.Status.FAILED, retried_by__isnull=True)),
        paid_fen=Sum("amount_fen", filter=Q(status=Transfer.Status.PAID)))
    return RunSummary(run, agg["pending"], agg["paid"], agg["failed"], agg["open_failed"], int(agg["paid_fen"] or 0))


def failed_transfers(*, run: PayrollRun | None = None) -> QuerySet[Transfer]:
    """Failed transfers not yet retried (of one run, or of every run), with the payee."""
    qs = Transfer.objects.filter(status=Transfer.Status.FAILED, retried_by__isnull=True)
    if run is not None:
        qs = qs.filter(run=run)
    return qs.select_related("person", "run").order_by("run_id", "pk")


@dataclass(frozen=True)
class Payee:
    """Who one transfer pays and what it pays (2.1, 9): the person the bank is asked to credit, not the
    person the benefit is booked on. A survivors' pension (供养亲属抚恤金, 工伤保险条例 第三十九条) is
    booked on the worker who died and paid to the dependant: ``name``/``id_number`` are the
    dependant's (the number in full: mask it before showing it), ``relation`` their relation to the
    deceased (配偶…), ``deceased`` the worker's name. ``benefit`` is the kind paid in Chinese
    (基本养老金, 伤残津贴, 供养亲属抚恤金, or the parts of an immediate work-injury payment).
    A death's immediate payment (丧葬补助金, 一次性工亡补助金) is likewise booked on the worker and paid
    to the relative named on the award (`WorkInjuryAward.payee_name`…): ``name``/``id_number``/
    ``relation`` are theirs, ``deceased`` the worker's name; an award made before the relative was
    kept says ``UNREGISTERED_PAYEE`` with no number (nothing is filled in from the worker's data).
    ``survivor`` is the SurvivorPension (None otherwise), ``award`` the death award whose relative is
    paid (None otherwise), ``person`` the registry person paid (None for a dependant or a relative),
    ``award_id`` the work-injury award the transfer pays (None for a pension). ``sent_as_deceased``: a
    death's payment whose file went out under the worker's name (no relative registered then), shown
    as 未登记领取人 even once the relative is registered (`transfer_payees` ``as_sent``)."""

    name: str
    id_number: str
    benefit: str
    relation: str = ""
    deceased: str = ""
    survivor: SurvivorPension | None = None
    person: Any = None
    award_id: int | None = None
    award: WorkInjuryAward | None = None
    sent_as_deceased: bool = False

    @property
    def id_number_masked(self) -> str:
        from shebao.core.masking import mask_id_number

        return mask_id_number(self.id_number)

    @property
    def note(self) -> str:
        """"因工死亡职工钱医生的配偶" for a dependant or a death's relative, "" otherwise."""
        if not self.deceased:
            return ""
        if self.sent_as_deceased:
            return f"因工死亡职工{self.deceased}的近亲属（领取人未登记，本笔以死者户名发送银行）"
        return f"因工死亡职工{self.deceased}的{self.relation or '近亲属（领取人未登记）'}"


UNREGISTERED_PAYEE = "未登记领取人"


# the parts of an immediate work-injury payment (WorkInjuryAward), in the order of the regulation
_AWARD_PARTS = (("disability_lump_sum_fen", "一次性伤残补助金"), ("funeral_grant_fen", "丧葬补助金"),
                ("death_lump_sum_fen", "一次性工亡补助金"), ("medical_costs_fen", "医疗费用"))


def _follow(start: set[int], step: Any) -> dict[int, int]:
    """Each pk of ``start`` -> the end of its chain, ``step(pks)`` giving {pk: next pk} for the pks that
    go on (one query a link, whatever the number of chains)."""
    link: dict[int, int] = {}
    frontier = set(start)
    while frontier:
        found = step(frontier)
        link.update(found)
        frontier = set(found.values()) - link.keys()

    def end(pk: int) -> int:
        while pk in link:
            pk = link[pk]
        return pk

    return {pk: end(pk) for pk in start}


def _holders(transfers: list[Transfer]) -> dict[int, int]:
    """transfer pk -> the pk of the transfer that holds its months now: a failed transfer's months move
    to its retry (payroll.payroll_retry_start), and a retry may fail and be retried in turn."""
    return _follow({t.pk for t in transfers}, lambda pks: dict(
        Transfer.objects.filter(pk__in=pks, retried_by__isnull=False).values_list("pk", "retried_by_id")))


def _award_of_runs(run_ids: set[int]) -> dict[int, WorkInjuryAward]:
    """run pk -> the award whose immediate payment it is (a retry run: the award of the run it retries)."""
    root = _follow(run_ids, lambda pks: dict(
        PayrollRun.objects.filter(pk__in=pks, retry_of__isnull=False).values_list("pk", "retry_of_id")))
    awards = {a.run_id: a for a in WorkInjuryAward.objects.filter(run_id__in=set(root.values()))}
    return {pk: awards[r] for pk, r in root.items() if r in awards}


def transfer_payees(transfers: list[Transfer], *, as_sent: bool = True) -> dict[int, Payee]:
    """Who each of ``transfers`` pays and what it pays, by transfer pk (see `Payee`): the one answer
    for every page, export and file that shows a payment row (the bank's payment file included,
    `benefits.payroll.payment_file_bytes`). A handful of queries whatever the number of transfers;
    pass them with ``person`` selected.

    ``as_sent`` (the default, for the pages, exports and the bank result's report): a transfer whose
    file sent another 户名 (`Transfer.payee_name`) than the records now give is shown under the name
    sent. A death's payment sent under the worker's name before the relative was registered is the
    worker's line (their number, ``relation`` empty: 领取人未登记), a name corrected on a resend stays
    the old one on the failed row; the retry shows the new payee. ``as_sent=False``: whom the records
    pay now, for the services that send a payment again (retry, correction, the payment file)."""
    holder = _holders(transfers)
    survivors = {m.transfer_id: m.pension for m in SurvivorMonth.objects.filter(transfer_id__in=set(holder.values()))
                 .select_related("pension__deceased").order_by("pk")}
    allowances = dict(AllowanceMonth.objects.filter(transfer_id__in=set(holder.values()))
                      .values_list("transfer_id", "allowance__award_id"))
    injury = [t for t in transfers if t.kind == Transfer.Kind.WORK_INJURY
              and holder[t.pk] not in survivors and holder[t.pk] not in allowances]
    awards = _award_of_runs({t.run_id for t in injury}) if injury else {}
    out: dict[int, Payee] = {}
    for t in transfers:
        pension = survivors.get(holder[t.pk])
        if pension is not None:
            out[t.pk] = Payee(pension.name, pension.id_number, SurvivorPension._meta.verbose_name,
                              relation=pension.get_relation_display(), deceased=pension.deceased.name,
                              survivor=pension, award_id=pension.award_id)
        elif holder[t.pk] in allowances:
            out[t.pk] = Payee(t.person.name, t.person.id_number, DisabilityAllowance._meta.verbose_name,
                              person=t.person, award_id=allowances[holder[t.pk]])
        elif t.kind == Transfer.Kind.WORK_INJURY and t.run_id in awards:
            award = awards[t.run_id]
            parts = "、".join(label for field, label in _AWARD_PARTS if getattr(award, field))
            benefit = f"工伤保险待遇（{parts}）" if parts else t.get_kind_display()
            if award.funeral_grant_fen or award.death_lump_sum_fen:  # a death: paid to the relative
                out[t.pk] = Payee(award.payee_name or UNREGISTERED_PAYEE, award.payee_id_number, benefit,
                                  relation=award.get_payee_relation_display(), deceased=t.person.name,
                                  award=award, award_id=award.pk)
            else:
                out[t.pk] = Payee(t.person.name, t.person.id_number, benefit, person=t.person, award_id=award.pk)
        else:
            out[t.pk] = Payee(t.person.name, t.person.id_number, t.get_kind_display(), person=t.person)
        sent = t.payee_name
        if as_sent and sent and sent != out[t.pk].name:
            p = out[t.pk]
            if p.award is not None and sent == t.person.name:
                # sent under the dead worker's own name, before the relative was registered: the row reads as
                # it did then (未登记领取人, never the dead worker as the payee: review-user6 F4)
                out[t.pk] = replace(p, name=UNREGISTERED_PAYEE, id_number="", relation="", sent_as_deceased=True)
            else:
                out[t.pk] = replace(p, name=sent)
    return out


def payment_rows(transfers: Any) -> list[tuple[Transfer, Payee]]:
    """``transfers`` (a queryset or list) each with its `Payee`, in their order."""
    items = list(transfers)
    payees = transfer_payees(items)
    return [(t, payees[t.pk]) for t in items]


@dataclass(frozen=True)
class StatementLine:
    """One month (or one month's top-up) paid to a retiree: ``month`` YYYY-MM, ``kind`` 当月 / 补发 /
    调整补发, ``amount_fen``, the ``run`` that paid it, ``status`` (the transfer's state in Chinese),
    ``paid_on`` (the bank's day, None until paid) and ``failure_reason`` (the bank's, when it failed)."""

    month: str
    kind: str
    amount_fen: int
    run: PayrollRun
    status: str
    paid_on: Any = None
    failure_reason: str = ""


def _line(month: str, kind: str, amount_fen: int, transfer: Transfer) -> StatementLine:
    return StatementLine(month, kind, amount_fen, transfer.run, transfer.get_status_display(), transfer.paid_on,
                         transfer.failure_reason if transfer.status == Transfer.Status.FAILED else "")


def _top_up_lines(retiree: Retiree) -> list[StatementLine]:
    """The retiree's yearly-adjustment top-ups (调整补发), one line per month and adjustment."""
    return [_line(u.month, "调整补发", u.amount_fen, u.transfer)
            for u in PensionTopUp.objects.filter(retiree=retiree).select_related("transfer__run")
            .order_by("month", "adjustment")]


def arrears_statement(retiree: Retiree) -> list[StatementLine]:
    """Each month paid as arrears (补发) to ``retiree``: the month, amount, the run that paid it and the
    transfer's state (2.1's statement listing each month); then each month's yearly-adjustment
    top-up (调整补发: the difference owed on a month paid before the adjustment's notice)."""
    months = (PensionMonth.objects.filter(retiree=retiree).select_related("transfer__run").order_by("month"))
    return [*(_line(m.month, m.get_kind_display(), m.amount_fen, m.transfer)
              for m in months if m.kind == PensionMonth.Kind.ARREARS), *_top_up_lines(retiree)]


# The kinds of line the arrears statement lists (`arrears_statement`).
ARREARS_KINDS = frozenset({PensionMonth.Kind.ARREARS.label, "调整补发"})


def payment_history(retiree: Retiree) -> list[StatementLine]:
    """Every month paid to ``retiree`` and every top-up, by month (a month's top-up after it)."""
    months = (PensionMonth.objects.filter(retiree=retiree).select_related("transfer__run").order_by("month"))
    lines = [_line(m.month, m.get_kind_display(), m.amount_fen, m.transfer) for m in months]
    return sorted([*lines, *_top_up_lines(retiree)], key=lambda s: (s.month, s.kind == "调整补发"))


@dataclass(frozen=True)
class PersonPension:
    """What an insured person reads of their own basic pension (issue 15 "what an insured person does";
    review-user10 F3: a retiree signed in to the portal saw no pension). ``retiree``; ``source_zh`` (how
    it was computed: the formula of 国发〔2005〕38号 or an amount of record); ``parts``: (name, fen a
    month) of the basic, personal-account and transitional pension at retirement, and ``monthly_fen``
    their sum; ``month`` (the current business month) and ``now_fen`` (what that month pays, yearly
    adjustments included, `rules.pension.monthly_amount_fen`); ``working``: the formula's working
    (`entitlement_working`); ``payments``: every month paid, newest first, each with its state;
    ``arrears``: the arrears statement (补发 and 调整补发 months, `arrears_statement`); ``suspensions``:
    (reason, from, to) of each stop of payment, newest first."""

    retiree: Retiree
    status_zh: str
    source_zh: str
    record_reference: str
    parts: list[tuple[str, int]]
    monthly_fen: int
    month: str
    now_fen: int
    working: list[tuple[str, str]]
    payments: list[StatementLine]
    arrears: list[StatementLine]
    suspensions: list[tuple[str, str, str]]
    bank_account_masked: str
    # The months of contribution the entitlement was computed on (含视同, deemed ones) and, read through
    # the rights record's own selector (`collection.selectors.rights_totals`), the pension months paid
    # on the person's record in this system: the one figure 我的权益记录 shows (review-user12 F2).
    contribution_months: int | None = None
    deemed_months: int = 0
    record_months: int = 0
    adjustments: list[str] = field(default_factory=list)  # the yearly adjustments in ``now_fen``, said

    @property
    def arrears_fen(self) -> int:
        return sum(s.amount_fen for s in self.arrears)

    @property
    def arrears_paid_fen(self) -> int:
        """Of `arrears_fen`, what the bank has paid (a line with its day paid)."""
        return sum(s.amount_fen for s in self.arrears if s.paid_on is not None)

    @property
    def arrears_failed_fen(self) -> int:
        """Of `arrears_fen`, what the bank returned (a failed transfer, to be paid again)."""
        return sum(s.amount_fen for s in self.arrears if s.failure_reason)

    @property
    def arrears_reasons(self) -> str:
        """Why the arrears were paid, from the kinds of the lines paid: a late declaration (补发) and/or
        a yearly adjustment issued after months were paid (调整补发) (review-user12 F2: "晚于退休时间或年度
        调整" left the person to guess)."""
        from shebao.rules.dates import month_add

        late = any(a.kind != "调整补发" for a in self.arrears)
        top_up = any(a.kind == "调整补发" for a in self.arrears)
        reasons = []
        if late:
            reasons.append(f"退休申报晚于退休时间，退休次月（{month_add(self.retiree.retirement_month, 1)}）"
                           "至首次按月发放前的各月养老金")
        if top_up:
            reasons.append("年度调整通知印发前已发放月份的调整差额")
        return "；".join(reasons)


def person_pension(person: Any, *, on: Any = None) -> PersonPension | None:
    """The basic pension of ``person`` (their own: the caller passes the signed-in person), or None when
    they draw none (no retiree record, or its entitlement not yet set). ``on``: the business day
    (default today), whose month the amount now is read for. A few queries, whatever the length of
    the record."""
    from shebao.core import clock
    from shebao.rules.dates import month_of_date

    retiree = (Retiree.objects.select_related("entitlement", "person").filter(person=person).first()
               if person is not None else None)
    if retiree is None or not hasattr(retiree, "entitlement"):
        return None
    on = on or clock.today()
    month = month_of_date(on)
    e = retiree.entitlement
    now = monthly_now_fen([retiree], month=month, known_on=on)[retiree.pk] if month > retiree.retirement_month else 0
    parts = [("基础养老金", e.basic_fen), ("个人账户养老金", e.account_fen), ("过渡性养老金", e.transitional_fen)]
    from shebao.collection.selectors import rights_totals
    from shebao.core.policy import current_policy
    from shebao.rules.pension import applied_adjustments

    said = ([f"{a.effective[:4]}年调整（自{a.effective[:7]}起提高{_rate_zh(a.rate_x100k)}）" for a in applied_adjustments(
        current_policy(), retirement_month=retiree.retirement_month, month=month, known_on=on)]
        if month > retiree.retirement_month else [])
    return PersonPension(
        retiree=retiree, status_zh=retiree.get_status_display(), source_zh=e.get_source_display(),
        record_reference=e.record_reference, parts=parts if e.source == "formula" else [],
        monthly_fen=e.monthly_fen, month=month, now_fen=now,
        working=entitlement_working(e, month=month, known_on=on),
        # each month once: a month paid as arrears is in 补发明细, not again in 每月发放记录 (review-user14 (12))
        payments=[p for p in reversed(payment_history(retiree)) if p.kind not in ARREARS_KINDS],
        arrears=arrears_statement(retiree),
        suspensions=[(s.get_reason_display(), s.from_month, s.to_month)
                     for s in retiree.suspensions.order_by("-from_month", "-pk")],
        bank_account_masked=retiree.bank_account_masked,
        contribution_months=e.contribution_months if e.source == "formula" else None,
        deemed_months=e.deemed_months or 0,
        record_months=rights_totals(person=retiree.person, as_of=on)["pension"]["months"], adjustments=said)


# --- Work-injury monthly benefits (9) --------------------------------------------------------------
def work_injury_awards_visible(user: Any) -> QuerySet[WorkInjuryAward]:
    """Work-injury awards the user may see (their district's, or the city's for the center), newest
    first, with the person, the assessment, the monthly allowance and the survivors' pensions."""
    qs = (WorkInjuryAward.objects.select_related("person__district", "assessment", "allowance", "case")
          .prefetch_related("survivor_pensions").order_by("-pk"))
    if getattr(user, "sees_whole_city", False):
        return qs
    office_id = getattr(user, "office_id", None)
    return qs.filter(person__district_id=office_id) if office_id else qs.none()


def fast_track_unpaid(user: Any) -> Any:
    """The fast-track work-injury claims (9) the user may see (their district's, the city's for the
    center) that have no award yet and were not rejected: the ones waiting for the immediate payment
    (`benefits.work_injury.fast_track_award_pay`), oldest first."""
    from shebao.benefits.work_injury import FAST_TRACK_BUSINESS
    from shebao.cases.models import Status
    from shebao.cases.selectors import case_list

    return (case_list(user=user, business=FAST_TRACK_BUSINESS).filter(work_injury_award__isnull=True)
            .exclude(status=Status.REJECTED).order_by("pk"))


def work_injury_award_visible(user: Any, pk: int) -> WorkInjuryAward | None:
    """One award, or None when it does not exist or lies in another district (a 404 to the caller)."""
    award = work_injury_awards_visible(user).filter(pk=pk).first()
    return award


@dataclass(frozen=True)
class MonthLine:
    month: str
    amount_fen: int
    pension_fen: int
    run: PayrollRun
    status: str


def allowance_months(allowance: DisabilityAllowance) -> list[MonthLine]:
    """Each month of a disability allowance paid: once retired, the pension it was set against."""
    return [MonthLine(m.month, m.amount_fen, m.pension_fen, m.transfer.run, m.transfer.get_status_display())
            for m in AllowanceMonth.objects.filter(allowance=allowance).select_related("transfer__run").order_by("month")]


def survivor_months(pension: SurvivorPension) -> list[MonthLine]:
    """Each month of one survivors' pension paid, with its run and the transfer's state."""
    return [MonthLine(m.month, m.amount_fen, 0, m.transfer.run, m.transfer.get_status_display())
            for m in SurvivorMonth.objects.filter(pension=pension).select_related("transfer__run").order_by("month")]


def survivor_monthly_fen(pensions: list[SurvivorPension], month: str) -> dict[int, tuple[str, int]]:
    """For each of ``pensions`` (of one death), (the month shown, its monthly amount in fen): the month
    ``month`` (YYYY-MM, the current one), or the pension's first month when it starts later, or its
    last when it has ended; the amount the payroll pays for that month (第三十九条第一款第（二）项:
    the shares of the wage among the dependants eligible that month, reduced to the cap together;
    `rules.work_injury.survivor_pensions_fen`, the same call `benefits.payroll` makes). A pension whose
    amount cannot be computed is left out (the payroll's own error names it)."""
    import datetime as dt

    from shebao.core.policy import current_policy
    from shebao.rules import InputError
    from shebao.rules.work_injury import Dependant, survivor_pensions_fen

    if not pensions:
        return {}
    family = list(SurvivorPension.objects.filter(award_id__in={p.award_id for p in pensions}).order_by("pk"))
    policy = current_policy()
    out: dict[int, tuple[str, int]] = {}
    for p in pensions:
        m = max(month, p.from_month)
        if p.last_month and m > p.last_month:
            m = p.last_month
        eligible = [q for q in family if q.award_id == p.award_id and q.from_month <= m
                    and (not q.last_month or m <= q.last_month)]
        try:
            fen, _ = survivor_pensions_fen(policy, wage_fen=p.wage_fen, on=dt.date.fromisoformat(f"{m}-01"),
                                           dependants=[Dependant(q.relation, q.lone) for q in eligible])
        except InputError:
            continue
        out[p.pk] = (m, dict(zip([q.pk for q in eligible], fen, strict=True)).get(p.pk, 0))
    return out


# --- The working of a pension (shown to staff and the retiree) --------------------------------------
def _years_zh(months: int) -> str:
    """A number of months said in years and months, the months named: 396 -> "33年（396个月）"."""
    years, rest = divmod(months, 12)
    return f"{years}年（{months}个月）" if rest == 0 else f"{years}年{rest}个月（{months}个月）"


def _rate_zh(rate_x100k: int) -> str:
    """A rate per 100 000 as a percentage without trailing zeros: 1000 -> "1%", 1250 -> "1.25%"."""
    whole, frac = divmod(rate_x100k, 1000)
    return f"{whole}%" if frac == 0 else f"{whole}.{f'{frac:03d}'.rstrip('0')}%"


def index_zh(index_x10k: int) -> str:
    """An index ×10 000 as read: 12345 -> '1.2345'."""
    return _index_zh(index_x10k)


def _index_zh(index_x10k: int) -> str:
    return f"{index_x10k // 10_000}.{index_x10k % 10_000:04d}"


def entitlement_working(entitlement: Any, *, month: str, known_on: Any) -> list[tuple[str, str]]:
    """The working of a formula pension as (term, sentence) pairs, every figure with its unit and
    period: amounts 元/月 or 元, years of contribution in years (the 1 % is a year's share, 国发〔2005〕
    38号 第六条: "缴费每满1年发给1%"), the divisor in months, each rate per year; then each yearly
    adjustment that raises the pension of ``month`` as known on ``known_on`` (the notice, its issue
    date and the month it is paid from) and the amount now. Empty for an amount of record."""
    from shebao.core.money import format_yuan
    from shebao.core.policy import current_policy
    from shebao.rules.pension import applied_adjustments, monthly_amount_fen

    e = entitlement
    if e.source != "formula":
        return []
    params = e.parameters or {}
    basic_rate = int((params.get("pension.basic_rate") or {}).get("value", 1000))
    trans_rate = int((params.get("pension.transitional_rate") or {}).get("value", 1000))
    wage = f"计发基数{format_yuan(e.average_wage_fen)}元/月"
    index = f"平均缴费指数{_index_zh(e.index_x10k or 0)}"
    lines = [
        ("基础养老金", f"{format_yuan(e.basic_fen)}元/月 =（{wage} + 指数化月平均缴费工资）÷ 2"
                  f" × 缴费年限{_years_zh(e.contribution_months or 0)} × 每缴费1年{_rate_zh(basic_rate)}"),
        ("指数化月平均缴费工资", f"{wage} × {index}"),  # said on its own line: no bracket in a bracket
        ("个人账户养老金", f"{format_yuan(e.account_fen)}元/月 = 个人账户储存额{format_yuan(e.account_balance_fen)}元"
                    f" ÷ 计发月数{e.divisor}个月"),
        # Where the stored amount comes from, beside the account page's principal-only balance (review-user14
        # (7): staff saw 103,040.00元 there and 168,000.00元 here with nothing to say why)
        ("个人账户储存额", "退休时核定，为历年个人缴费本金加记账利息（含本系统启用前的部分）；人员信息页的“账户余额”"
                     "只计本系统记录的缴费本金、不含利息，两者不同"),
        ("过渡性养老金", f"{format_yuan(e.transitional_fen)}元/月 = {wage} × {index}"
                   f" × 视同缴费年限{_years_zh(e.deemed_months or 0)} × 每视同缴费1年{_rate_zh(trans_rate)}"),
        ("退休时月养老金", f"{format_yuan(e.monthly_fen)}元/月（三项之和，各项分别四舍五入到分）"),
    ]
    retiree = e.retiree
    if month > retiree.retirement_month:
        policy = current_policy()
        for a in applied_adjustments(policy, retirement_month=retiree.retirement_month, month=month,
                                     known_on=known_on):
            amount = monthly_amount_fen(policy, initial_fen=e.monthly_fen, retirement_month=retiree.retirement_month,
                                        month=f"{a.effective[:7]}", known_on=a.issued)
            lines.append((f"{a.effective[:4]}年调整",
                          f"在上年12月养老金基础上提高{_rate_zh(a.rate_x100k)}（每年调整一次），自{a.effective[:7]}起"
                          f"为{format_yuan(amount)}元/月；依据{a.document}（{a.issued}印发，此前已发月份补发差额）"))
        now = monthly_amount_fen(policy, initial_fen=e.monthly_fen, retirement_month=retiree.retirement_month,
                                 month=month, known_on=known_on)
        lines.append((f"{month}养老金", f"{format_yuan(now)}元/月"))
    return lines


def contribution_index(person: Any, *, policy: Any = None, on: Any = None) -> Any:
    """The person's average contribution index (本人平均缴费工资指数, 2.1) computed from their contribution
    record in the registry by `rules.pension.average_index`: each paid month's pension base (summed over
    employers) over the average monthly wage the pack holds for it. Only months that count as
    contribution months on `on` (business date by default) are read, the same months the case's
    在京缴费月数 counts (`registry.selectors.paid_pension_contributions`): a declared month left unpaid
    is no contribution month and has no place in the average (review-user7 F1). Returns its
    `IndexWorking` (the years, bases and averages shown to the clerk, and what data is missing when it
    cannot be computed). `policy`: the policy in force by default."""
    from shebao.core import clock
    from shebao.registry.selectors import paid_pension_contributions
    from shebao.rules.pension import average_index

    if policy is None:
        from shebao.core.policy import current_policy

        policy = current_policy()
    paid = paid_pension_contributions(person=person, on=on or clock.today())
    bases = dict(paid.values("month").annotate(b=Sum("pension_base_fen")).values_list("month", "b"))
    return average_index(policy, {m: int(b) for m, b in bases.items()})


def relative_name_conflicts(*, id_number: str, name: str, award_pk: int | None = None,
                            survivor_pk: int | None = None) -> bool:
    """Whether the citizen ID number ``id_number`` (18 characters, normalised) is known under another name
    than ``name``: registered as a person (`registry.Person`), or recorded as the relative receiving a
    death's payment (`WorkInjuryAward.payee_*`) or as a survivor (`SurvivorPension`). One number is one
    person: a relative's number under a second name on another award is refused, as a registered number
    with another name already was (review-user7 F3: 110105196001010017 paid as 赵大山 and as 何父).

    ``award_pk``/``survivor_pk``: the record whose own name is being corrected (its present name is not
    another name). The award and survivor numbers are encrypted without a blind index; death cases are
    few (dozens a year), so their numbers are read and compared here."""
    from shebao.core.person_name import normalize_person_name as spelled
    from shebao.registry.models import Person

    # names compared as stored by the one rule (core.person_name): 张·三 and 张•三 are one name
    name = spelled(name)
    registered = Person.objects.filter(id_number=id_number).values_list("name", flat=True).first()
    if registered is not None:
        return spelled(registered) != name
    for other_name, other_number in WorkInjuryAward.objects.exclude(payee_name="").exclude(pk=award_pk).values_list(
            "payee_name", "payee_id_number").iterator():
        if other_number == id_number and spelled(other_name) != name:
            return True
    for other_name, other_number in SurvivorPension.objects.exclude(pk=survivor_pk).values_list(
            "name", "id_number").iterator():
        if other_number == id_number and spelled(other_name) != name:
            return True
    return False


def death_spouse_problem(*, deceased: Any, id_number: str, relation: str, male: bool, who: str = "领取人",
                         award_pk: int | None = None, survivor_pk: int | None = None) -> tuple[str, str] | None:
    """Why the relative with citizen ID number ``id_number`` (18 characters, normalised; ``male`` from its
    17th digit, GB 11643) cannot be recorded with ``relation`` ("spouse" or another relation value of
    `WorkInjuryAward.PayeeRelation` / `SurvivorPension.Relation`) of the dead worker ``deceased`` (a
    `registry.Person`), or None: ``(input, text)``, the input at fault ("id_number": the sex or a second
    spouse; "relation": the number recorded for this death with the other relation) and the refusal in
    Chinese naming the relative as ``who``.

    A marriage is between a man and a woman (民法典 第一千零四十一条、第一千零四十九条), and a person has one
    spouse (一夫一妻): a spouse is of the other sex than the worker, and every record of the same death
    (the award's payee, `WorkInjuryAward.payee_*`, and its survivors' pensions, `SurvivorPension`) names
    the same spouse by the same number. A number recorded for this death as the spouse is not another
    relation, and a number recorded as another relation is not the spouse (review-input8 F4: a 张丽（配偶）
    was registered as payee while the survivors' pension named 李秀梅（配偶）).

    ``award_pk``/``survivor_pk``: the record being written (its own present values are not another
    record's). The numbers are encrypted without a blind index; a death has few records, read here."""
    from shebao.core.masking import mask_id_number

    spouse = relation == "spouse"
    if spouse and deceased.gender in ("male", "female") and (deceased.gender == "male") == male:
        return "id_number", (f"{who}的证件号码第17位表示性别为{'男' if male else '女'}，与死者性别相同；配偶须为异性"
                "（民法典第一千零四十九条），请核对关系或证件号码")
    recorded: list[tuple[str, str, bool, str]] = []  # (name, number, is spouse, where)
    for name, number, rel in WorkInjuryAward.objects.filter(person=deceased).exclude(payee_name="").exclude(
            pk=award_pk).values_list("payee_name", "payee_id_number", "payee_relation"):
        recorded.append((name, number, rel == "spouse", "工伤待遇领取人"))
    for name, number, rel in SurvivorPension.objects.filter(deceased=deceased).exclude(pk=survivor_pk).values_list(
            "name", "id_number", "relation"):
        recorded.append((name, number, rel == "spouse", "供养亲属抚恤金"))
    for name, number, was_spouse, where in recorded:
        if spouse and was_spouse and number != id_number:
            return "id_number", (f"死者的配偶已在{where}中记载为{name}（证件号码{mask_id_number(number)}），一人只能有一位配偶；"
                    "请核对关系和证件号码")
        if number == id_number and was_spouse != spouse:
            return "relation", (f"该证件号码在{where}中记载为死者的{'配偶' if was_spouse else '其他亲属'}，"
                    f"与此处填写的关系不一致，请核对关系")
    return None
