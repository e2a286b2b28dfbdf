"""Reads of the collection app: an employer's account, the matching queue, rights records, coverage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Min, Q, QuerySet, Sum

from shebao.collection import ledger
from shebao.collection.models import (
    AssessmentDistrict,
    AssessmentRun,
    DeductionItem,
    Due,
    Payment,
    Refund,
    RefundItem,
    RemittanceLine,
)
from shebao.core.normalize import normalize_code, normalize_text
from shebao.core.scoping import scope_queryset, user_may_see_district, user_sees_all
from shebao.registry.models import Contribution, Employer, Office, Person
from shebao.rules import Policy, due_date, late_fee_for_due
from shebao.rules.wording import due_clause_text

# A nominal amount used to ask the rule whether a late payment would be charged a fee at all.
NOMINAL_FEN = 100_000_000


def employer_list(*, user: Any) -> QuerySet[Employer]:
    return scope_queryset(Employer.objects.select_related("district"), user=user)


def _month_start(month: str | None) -> dt.date | None:
    return dt.date(int(month[:4]), int(month[5:7]), 1) if month else None


def employer_records_from(employer: Employer) -> dt.date | None:
    """The first day of the employer's books: the first day of its earliest due's month or its first
    payment, whichever is earlier; None when it has neither. A statement as of an earlier day has
    nothing to show (core.periods, review E14)."""
    month = Due.objects.filter(employer=employer).aggregate(m=Min("month"))["m"]
    paid = Payment.objects.filter(employer=employer).aggregate(d=Min("received_on"))["d"]
    days = [d for d in (_month_start(month), paid) if d is not None]
    return min(days) if days else None


def person_records_from(person: Person) -> dt.date | None:
    """The first day of the person's earliest contribution month, or None when there is none: a
    rights statement as of an earlier day has nothing to show (core.periods, review E14)."""
    return _month_start(Contribution.objects.filter(person=person).aggregate(m=Min("month"))["m"])


@dataclass
class DueRow:
    due: Due
    due_on: dt.date
    overdue_days: int
    late_fee_fen: int
    waived_fen: int
    clauses: list[str]
    relief: str = ""  # the relief pack's rule, document and clause that relieved the employer share
    deferral: str = ""  # the granted deferral, with its pack's rule, document and clause
    refunded_fen: int = 0  # refunds paid on this due by the bank (1.2c)
    refunding_fen: int = 0  # refunds approved on this due, not yet paid (review-user12 F14)
    paid: bool = False  # the due was paid on or before the account's day

    @property
    def deferral_short(self) -> str:
        """What a page's row says of its deferral, the citation left to the account's list of deferrals
        (`EmployerAccount.deferrals`), said there once however many months it moved (review-user10 F6:
        the rule, document and clause were repeated on every month's row). ``""`` when not deferred."""
        if not self.deferral or self.due.deferred_to is None:
            return ""
        return f"缓缴至{self.due.deferred_to:%Y-%m-%d}，缓缴期间免收滞纳金（依据见缓缴申请）"

    @property
    def fee_state_zh(self) -> str:
        """Where this due's late fee stands (review U11), in Chinese: ``""`` when there is none."""
        if self.late_fee_fen:
            return "未缴，费款已缴清，金额已确定" if self.paid else "未缴，按日累计至缴清费款之日"
        if self.waived_fen:
            return "免收，无需缴纳"
        return ""

    @property
    def fee_state_short(self) -> str:
        """`fee_state_zh` for a narrow column: 未缴（累计中）, 未缴（已定额）, 免收, or ``""``."""
        if self.late_fee_fen:
            return "未缴（已定额）" if self.paid else "未缴（累计中）"
        return "免收" if self.waived_fen else ""


@dataclass
class EmployerAccount:
    employer: Employer
    as_of: dt.date
    dues: list[DueRow]
    payments: list[Payment]
    arrears_fen: int = 0
    open_fen: int = 0
    late_fee_fen: int = 0
    waived_fen: int = 0
    credit_fen: int = 0
    receivable_fen: int = 0
    deductions: list[DeductionItem] = field(default_factory=list)
    relief_fen: int = 0  # employer shares relieved by relief packs (reduced or credited)
    deferrals: list[tuple[Any, str]] = field(default_factory=list)  # (Deferral, its basis in Chinese)
    # Refunds approved (1.2c): each with the dues it refunds; what is approved and not yet paid.
    refunds: list[Any] = field(default_factory=list)
    refund_payable_fen: int = 0
    refunded_by_due: dict[int, int] = field(default_factory=dict)  # due id -> fen refunded (paid by the bank)
    refunding_by_due: dict[int, int] = field(default_factory=dict)  # due id -> fen approved, not yet paid
    # The late fee split by where it stands (review U11): on dues still open it grows each day until
    # they are paid; on dues paid late it is fixed. The books never collect a late fee with the dues
    # (collection.ledger has no late-fee account): every fen of either is unpaid.
    late_fee_accruing_fen: int = 0
    late_fee_fixed_fen: int = 0

    @property
    def late_fee_status(self) -> str:
        """The late fee's status and how to pay it, in one Chinese paragraph (review U11: 滞纳金74.48元
        beside 未缴金额0.00元 said neither whether it was owed nor how to pay it)."""
        from shebao.core.contact import helpline

        waived = f"依第0.3条免收{_yuan(self.waived_fen)}元，无需缴纳。" if self.waived_fen else ""
        if not self.late_fee_fen:
            return f"没有应缴的滞纳金。{waived}"
        parts = []
        if self.late_fee_fixed_fen:
            parts.append(f"费款已缴清、金额已确定的{_yuan(self.late_fee_fixed_fen)}元")
        if self.late_fee_accruing_fen:
            parts.append(f"随欠费按日累计的{_yuan(self.late_fee_accruing_fen)}元（缴清欠费之日停止累计）")
        return (f"滞纳金{_yuan(self.late_fee_fen)}元尚未缴纳：其中{'；'.join(parts)}。{waived}"
                f"滞纳金不从费款、预缴余额或银行扣款中抵扣，须另行缴纳：请联系{self.employer.district.name}"
                f"开具缴款通知，咨询电话{helpline()}。")


def _yuan(fen: int) -> str:
    from shebao.core.money import format_yuan

    return format_yuan(fen)


def employer_account(*, employer: Employer, as_of: dt.date, policy: Policy, limit: int = 240) -> EmployerAccount:
    """Dues with their fee, relief and clause (single-due rule), payments, arrears and credit.

    Each due names the relief pack rule that relieved its employer share and the deferral that moved
    its due date (with document and clause); the fee is the rules core's, deferral included.
    """
    from shebao.collection.relief import deferral_basis, deferral_text, relief_text

    account = EmployerAccount(employer, as_of, [], list(employer.payments.order_by("-received_on", "-pk")[:100]))
    texts: dict[str, str] = {}
    deferrals = {d.pk: d for d in employer.deferrals.order_by("-pk")}
    account.deferrals = [(d, deferral_basis(d)) for d in deferrals.values()]
    shown = Due.objects.filter(Q(amount_fen__gt=0) | Q(relief_fen__gt=0), employer=employer)
    for due in shown.order_by("-month_no", "insurance", "pk")[:limit]:
        paid = due.paid_on is not None and due.paid_on <= as_of
        fee = late_fee_for_due(due.month, due.amount_fen, paid_on=due.paid_on if paid else None,
                               as_of=None if paid else as_of, policy=policy, deferred_to=due.deferred_to)
        relief = ""
        if due.relief_rule:
            if due.relief_rule not in texts:
                texts[due.relief_rule] = relief_text(due.relief_rule)
            relief = texts[due.relief_rule] + ("，已退至预缴余额" if due.relief_credited else "")
            account.relief_fen += due.relief_fen
        deferral = deferral_text(deferrals[due.deferral_id]) if due.deferral_id in deferrals else ""
        account.dues.append(DueRow(due, fee.due_on, fee.overdue_days, fee.late_fee_fen, fee.waived_fen,
                                   [due_clause_text(policy, c, due.month) for c in fee.clauses], relief, deferral,
                                   paid=paid))
        if paid:
            account.late_fee_fixed_fen += fee.late_fee_fen
        else:
            account.late_fee_accruing_fen += fee.late_fee_fen
        if not paid:
            account.open_fen += due.amount_fen
            if fee.due_on < as_of and due.amount_fen > 0:
                account.arrears_fen += due.amount_fen
        account.late_fee_fen += fee.late_fee_fen
        account.waived_fen += fee.waived_fen
    # The running balances (one indexed read), not sums over every monthly partition of the ledger.
    balances = ledger.employer_balances(employer_id=employer.pk,
                                        accounts=[ledger.EMPLOYER_CREDIT, ledger.RECEIVABLE, "refund_payable"])
    account.credit_fen = -balances[ledger.EMPLOYER_CREDIT]
    account.receivable_fen = balances[ledger.RECEIVABLE]
    account.deductions = list(DeductionItem.objects.filter(employer=employer).order_by("-pk")[:20])
    account.refunds = list(Refund.objects.filter(employer=employer).prefetch_related("items__due")
                           .select_related("case").order_by("-pk")[:50])
    for f in account.refunds:
        # Whose application the refund is: the employer opens its own on its portal; a person's own refund
        # of the employer's due is not the employer's to open, so the bill names no number for it
        # (review-user13 (5): the bill named a case that answered 404).
        f.employer_applied = (f.case.applicant_kind == "employer" and f.case.employer_id == employer.pk)
        f.applicant_zh = "本单位申请" if f.employer_applied else (
            "个人申请" if f.case.applicant_kind == "person" else "其他单位申请")
    account.refund_payable_fen = -balances["refund_payable"]
    # 已退费 is money the bank paid back; an approved refund not yet paid is said apart (review-user12 F14:
    # the column counted unpaid refunds as refunded)
    for due_id, status, amount in (RefundItem.objects.filter(due__employer=employer, refund__employer=employer)
                                   .exclude(refund__status=Refund.Status.CANCELLED)
                                   .values("due_id", "refund__status").annotate(s=Sum("amount_fen"))
                                   .values_list("due_id", "refund__status", "s")):
        into = account.refunded_by_due if status == Refund.Status.PAID else account.refunding_by_due
        into[due_id] = into.get(due_id, 0) + int(amount)
    for row in account.dues:
        row.refunded_fen = account.refunded_by_due.get(row.due.pk, 0)
        row.refunding_fen = account.refunding_by_due.get(row.due.pk, 0)
    return account


def remittance_queue(*, user: Any) -> QuerySet[RemittanceLine]:
    """Unmatched remittances wait for staff; every office sees the queue, each matches only to its
    own district's employers (enforced by the matching service)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return RemittanceLine.objects.none()
    # Probable duplicates (issue 12) wait here too, for staff to confirm or release.
    return RemittanceLine.objects.filter(
        status__in=[RemittanceLine.Status.UNMATCHED, RemittanceLine.Status.DUPLICATE]
    ).select_related("duplicate_of").order_by("value_date", "pk")


def remittance_candidates(*, user: Any, line: RemittanceLine, query: str = "") -> QuerySet[Employer]:
    qs = employer_list(user=user)
    text = normalize_text(query or line.payer_name)
    if not text:
        return qs.none()
    return qs.filter(Q(name__icontains=text) | Q(credit_code=normalize_code(text)))[:20]


def assessment_runs(*, user: Any) -> QuerySet[AssessmentRun]:
    return AssessmentRun.objects.all()[:50] if getattr(user, "is_authenticated", False) else AssessmentRun.objects.none()


def assessment_lines(*, user: Any, run: AssessmentRun, limit: int = 200, district_id: int | None = None
                     ) -> list[dict[str, Any]]:
    """The employers of a run the user may see, most arrears first (from the run's stored array)."""
    import numpy as np

    table = run.employer_figures()
    if district_id is not None:
        table = table[table[:, 1] == district_id]
    if not user_sees_all(user):
        district = getattr(user, "district", None)
        table = table[table[:, 1] == district.pk] if district is not None else table[:0]
    order = np.lexsort((-table[:, 4], -table[:, 2]))[:limit]
    rows = table[order]
    names = dict(Employer.objects.filter(pk__in=rows[:, 0].tolist()).values_list("pk", "name"))
    districts = dict(Office.objects.values_list("pk", "name"))
    cols = AssessmentRun.FIGURE_COLUMNS
    out = []
    for row in rows.tolist():
        item = dict(zip(cols, row, strict=True))
        item["employer_name"] = names.get(item["employer_id"], "")
        item["district_name"] = districts.get(item["district_id"], "")
        out.append(item)
    return out


def assessment_district_totals(*, user: Any, run: AssessmentRun) -> QuerySet[AssessmentDistrict]:
    qs = run.districts.select_related("district").order_by("district__code")
    return scope_queryset(qs, user=user)


# --- Rights record (0.3) and coverage (0.2) -----------------------------------------------------
@dataclass
class RightsMonth:
    month: str
    employer: Employer
    due_on: dt.date
    paid_on: dt.date | None
    status: str  # on_time | made_up (counts as on time, 0.3) | late | not_yet_due | unpaid
    counts_as_on_time: bool
    clauses: list[str]
    contribution: Contribution | None = None  # the month's bases and amounts by insurance type

    @property
    def status_text(self) -> str:
        return {"on_time": "按时缴费", "made_up": "疫情期间补缴，视同按时（0.3）", "late": "逾期缴费",
                "not_yet_due": "未到缴费期限", "unpaid": "欠缴"}[self.status]


def _books_paid_days(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[bool, dt.date | None]]:
    """What the employer's books say of each (employer id, 'YYYY-MM') that has dues: (any due still
    open, the day its last due was settled or None). An employer-month without dues is absent.

    One query on the dues' (employer, month_no) index, whatever the number of pairs."""
    if not pairs:
        return {}
    from shebao.rules.dates import month_index

    employers = {e for e, _ in pairs}
    month_nos = {month_index(m) for _, m in pairs}
    out: dict[tuple[int, str], tuple[bool, dt.date | None]] = {}
    rows = (Due.objects.filter(employer_id__in=employers, month_no__in=month_nos).values("employer_id", "month")
            .annotate(last=Max("paid_on"), open=Sum("amount_fen", filter=Q(paid_on__isnull=True))))
    for r in rows:
        if (r["employer_id"], r["month"]) in pairs:
            out[(r["employer_id"], r["month"])] = (bool(r["open"]), r["last"])
    return out


def _paid_day(books: dict[tuple[int, str], tuple[bool, dt.date | None]], employer_id: int, month: str,
              recorded: dt.date | None) -> dt.date | None:
    """The day a person's contribution month was paid, or None while it is not (review F3).

    The employer's dues decide when the month has any (they are what payments settle and reversals
    reopen, and what the employer's bill shows): paid on the day the last of them was settled, unpaid
    while any is open. The contribution's own recorded day (`Contribution.paid_on`, history loaded
    before the books) decides only for a month without dues. A month whose dues are all settled at
    zero (relieved whole) keeps the recorded day."""
    book = books.get((employer_id, month))
    if book is None:
        return recorded
    still_open, last = book
    if still_open:
        return None
    return last or recorded


def rights_record(*, person: Person, as_of: dt.date, policy: Policy, months: tuple[str, str] | None = None,
                  books: dict[tuple[int, str], tuple[bool, dt.date | None]] | None = None) -> list[RightsMonth]:
    """Each month of the person's contributions; months made up within the make-up window count as
    contributed on time (0.3: "no effect on the person's rights record"). `months` ('YYYY-MM', 'YYYY-MM'):
    those months alone, first and last included (read so that PostgreSQL plans their monthly
    partitions alone). A month is paid as the employer's dues say when it has any (`_paid_day`, review
    F3); `books`: `_books_paid_days` already read for these months (one query fewer)."""
    qs = Contribution.objects.filter(person=person)
    if months is not None:
        qs = qs.filter(month__gte=months[0], month__lte=months[1])
    contributions = list(qs.select_related("employer").order_by("month"))
    if books is None:
        books = _books_paid_days({(c.employer_id, c.month) for c in contributions})
    out = []
    for c in contributions:
        paid_on = _paid_day(books, c.employer_id, c.month, c.paid_on)
        if paid_on is not None and paid_on > as_of:
            paid_on = None
        # The rule decides: a late payment that the notice frees of any fee (0.3) is made up in time.
        fee = late_fee_for_due(c.month, NOMINAL_FEN, paid_on=paid_on, as_of=None if paid_on else as_of, policy=policy)
        if paid_on is not None:
            if fee.overdue_days == 0:
                status = "on_time"
            elif fee.late_fee_fen == 0 and "0.3" in fee.clauses:
                status = "made_up"
            else:
                status = "late"
        else:
            status = "not_yet_due" if fee.overdue_days == 0 else "unpaid"
        out.append(RightsMonth(c.month, c.employer, fee.due_on, paid_on, status,
                               status in ("on_time", "made_up"), [due_clause_text(policy, x, c.month) for x in fee.clauses],
                               c))
    return out


# The insurance types of a rights statement, with the Contribution fields of each: (code, name,
# base, employer share, personal share or None). Maternity and work injury have no personal share.
STATEMENT_INSURANCES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("pension", "养老保险", "pension_base_fen", "pension_employer_fen", "pension_personal_fen"),
    ("unemployment", "失业保险", "unemployment_base_fen", "unemployment_employer_fen", "unemployment_personal_fen"),
    ("medical", "医疗保险", "medical_base_fen", "medical_employer_fen", "medical_personal_fen"),
    ("maternity", "生育保险", "maternity_base_fen", "maternity_employer_fen", None),
    ("work_injury", "工伤保险", "work_injury_base_fen", "work_injury_employer_fen", None),
)


def _totals_new() -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    totals: dict[str, dict[str, Any]] = {
        code: {"zh": zh, "months": 0, "employer_fen": 0, "personal_fen": 0 if personal else None}
        for code, zh, _base, _employer, personal in STATEMENT_INSURANCES}
    return totals, {code: set() for code in totals}


def insurance_counted(code: str, value: Any) -> bool:
    """Whether a paid contribution row counts as a month of insurance `code` (STATEMENT_INSURANCES): the
    employer's share of it was contributed (review-user7 F1: a month is counted "with an employer's
    pension contribution"; relief is booked on the dues, never on these rows). `value(field)` reads
    the row's amounts (fen)."""
    employer = next(i[3] for i in STATEMENT_INSURANCES if i[0] == code)
    return int(value(employer)) > 0


def _totals_add(totals: dict[str, dict[str, Any]], paid_months: dict[str, set[str]], month: str,
                value: Any) -> None:
    """Count one paid contribution month in the totals; `value(field)` reads its amounts (fen)."""
    for code, _zh, _base, employer, personal in STATEMENT_INSURANCES:
        employer_fen = int(value(employer))  # counted by `insurance_counted`: rows of the other insurances add 0
        personal_fen = int(value(personal)) if personal else None
        if insurance_counted(code, value):
            paid_months[code].add(month)
            totals[code]["employer_fen"] += employer_fen
            if personal:
                totals[code]["personal_fen"] += personal_fen


def _totals_done(totals: dict[str, dict[str, Any]], paid_months: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
    for code, months in paid_months.items():
        totals[code]["months"] = len(months)
    return totals


def rights_statement_content(*, person: Person, as_of: dt.date, policy: Policy,
                             months: tuple[str, str] | None = None,
                             books: dict[tuple[int, str], tuple[bool, dt.date | None]] | None = None
                             ) -> dict[str, Any]:
    """The rights record (4.1) of `person` up to `as_of`'s month, as a statement prints it (JSON-able).

    ``{"as_of": "YYYY-MM-DD", "lines": [{"month", "employer", "status", "status_text", "on_time": bool,
    "clauses": [...], "insurances": {code: {"base_fen", "employer_fen", "personal_fen" | None}}}],
    "totals": {code: {"zh", "months", "employer_fen", "personal_fen" | None}}}``, oldest month first.
    Statuses are `rights_record`'s: a month made up within the window counts as on time (0.3:
    "不影响参保人员个人权益记录"). Totals count the months actually paid (on time, made up or late);
    an unpaid or not yet due month is listed but not counted. Amounts are integer fen. `months`
    ('YYYY-MM', 'YYYY-MM'): those months alone, lines and totals (`rights_record`, as is `books`).
    """
    last = f"{as_of:%Y-%m}"
    lines: list[dict[str, Any]] = []
    totals, paid_months = _totals_new()
    for m in rights_record(person=person, as_of=as_of, policy=policy, months=months, books=books):
        if m.month > last or m.contribution is None:
            continue
        c = m.contribution
        insurances: dict[str, dict[str, int | None]] = {}
        for code, _zh, base, employer, personal in STATEMENT_INSURANCES:
            insurances[code] = {"base_fen": int(getattr(c, base)), "employer_fen": int(getattr(c, employer)),
                                "personal_fen": int(getattr(c, personal)) if personal else None}
        if m.paid_on is not None:
            _totals_add(totals, paid_months, m.month, lambda f, c=c: getattr(c, f))
        lines.append({"month": m.month, "employer": m.employer.name, "status": m.status,
                      "status_text": m.status_text, "on_time": m.counts_as_on_time,
                      "paid_on": m.paid_on.isoformat() if m.paid_on else None,
                      "clauses": m.clauses, "insurances": insurances})
    return {"as_of": as_of.isoformat(), "lines": lines, "totals": _totals_done(totals, paid_months)}


def rights_page(*, person: Person, as_of: dt.date, policy: Policy, year: str = "") -> dict[str, Any]:
    """The portal's rights page (4.1): the whole record's totals, the years it covers and one year's months.

    ``{"as_of", "totals" (as `rights_statement_content`'s, of the whole record up to `as_of`'s month),
    "years": ["YYYY", ...] newest first, "year": the year shown (`year` when the record has it, else the
    latest; "" for an empty record), "lines": that year's months as `rights_statement_content`'s lines}``.

    Reads the whole record once, its months, employers, payment days and amounts only (the totals and
    the years need every month: on PostgreSQL that read plans every monthly partition of the record's
    span, the one read here that does), then the year's months in full through `rights_record` with the
    year's range, so that their statuses (the rules core's, per month) are worked out for 12 months, not
    240, and PostgreSQL plans that year's partitions alone (bench/bench_portal.py, issue 15). A fixed
    number of queries whatever the record's length (the employer's dues read once, for every month: they
    decide which months are paid, `_paid_day`). Totals equal `rights_statement_content(...)["totals"]`.
    """
    last = f"{as_of:%Y-%m}"
    totals, rows, books = _rights_totals_read(person=person, as_of=as_of)
    years = sorted({r[1][:4] for r in rows}, reverse=True)
    year = year if year in years else (years[0] if years else "")
    lines = (rights_statement_content(person=person, as_of=as_of, policy=policy,
                                      months=(f"{year}-01", min(f"{year}-12", last)), books=books)["lines"]
             if year else [])
    return {"as_of": as_of.isoformat(), "totals": totals, "years": years, "year": year, "lines": lines}


def rights_totals(*, person: Person, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """The rights record's totals (4.1) of `person` up to `as_of`'s month, by insurance type: the months
    actually paid and the amounts, as the rights page and the statement print them. The one reading of
    "months on the person's record" for every page that states it: 我的养老金 states the pension months
    of this record beside the entitlement's (review-user12 F2: the pension page said 432 months while the
    rights record said 0)."""
    return _rights_totals_read(person=person, as_of=as_of)[0]


_AMOUNTS = tuple(f for _c, _zh, base, employer, personal in STATEMENT_INSURANCES for f in (base, employer, personal) if f)


@dataclass(frozen=True)
class PaidRow:
    """One contribution row paid by a given day: its key, month and amounts by Contribution field (fen)."""

    pk: int
    month: str
    amounts: dict[str, int]


def _record_read(*, person: Person, as_of: dt.date) -> tuple[list[tuple[Any, ...]],
                                                            dict[tuple[int, str], tuple[bool, dt.date | None]],
                                                            list[PaidRow]]:
    """(the record's rows up to `as_of`'s month (employer id, month, paid_on, amounts..., pk), the
    employer's books read for them, the rows paid by `as_of`)."""
    last = f"{as_of:%Y-%m}"
    rows = list(Contribution.objects.filter(person=person, month__lte=last)
                .values_list("employer_id", "month", "paid_on", *_AMOUNTS, "pk"))
    books = _books_paid_days({(r[0], r[1]) for r in rows})
    paid = []
    for r in rows:
        paid_on = _paid_day(books, r[0], r[1], r[2])
        if paid_on is not None and paid_on <= as_of:
            paid.append(PaidRow(r[-1], r[1], dict(zip(_AMOUNTS, (int(v) for v in r[3:-1]), strict=True))))
    return rows, books, paid


def paid_contributions(*, person: Person, as_of: dt.date) -> list[PaidRow]:
    """The contribution rows of `person` paid by `as_of`, of the months up to its month: a month is paid
    as the employer's books say (`_paid_day`: its dues settled; the row's own day only for a month
    without dues), on or before `as_of`.

    The one reading of "a paid month" for every surface that counts a person's months: the rights
    record's totals (staff and portal), 我的养老金, the pension account's Beijing months
    (`registry.accounts.account_summary`), and 在京缴费月数 with the average contribution index
    (`registry.selectors.paid_pension_contributions`) — with `insurance_counted` for which insurance a
    row counts for (review-user13 (8): for one person the case page counted 7 months from the rows'
    own payment days, before the business month, and the portal 6, as the employer's dues stood, two
    of them reopened)."""
    return _record_read(person=person, as_of=as_of)[2]


def _rights_totals_read(*, person: Person, as_of: dt.date) -> tuple[dict[str, dict[str, Any]], list[tuple[Any, ...]],
                                                                   dict[tuple[int, str], tuple[bool, dt.date | None]]]:
    """(totals, the record's rows (employer id, month, paid_on, amounts...), the employer's books read)."""
    rows, books, paid = _record_read(person=person, as_of=as_of)
    totals, paid_months = _totals_new()
    for row in paid:
        _totals_add(totals, paid_months, row.month, row.amounts.__getitem__)
    return _totals_done(totals, paid_months), rows, books


@dataclass(frozen=True)
class RightsStatementCheck:
    """What the public check of a rights statement's code shows: masked data and the figures only."""

    name_masked: str
    id_number_masked: str
    as_of: dt.date
    issued_on: dt.date
    first_month: str
    last_month: str
    months: list[tuple[str, int]]  # (insurance name, months paid), as printed
    lines: int
    content_sha256: str


def rights_statement_check(code: str) -> RightsStatementCheck | None:
    """The statement behind a verification code as typed, or None when no statement has it (a forged
    or mistyped code). Public: no sign-in; the holder of the paper compares the figures shown here."""
    from shebao.cards.selectors import mask_name
    from shebao.collection.models import RightsStatement
    from shebao.core.codes import is_verification_code, normalize_verification_code
    from shebao.core.masking import mask_id_number

    compact = normalize_verification_code(code)
    if not is_verification_code(compact):
        return None
    st = RightsStatement.objects.select_related("person").filter(code=compact).first()
    if st is None:
        return None
    from django.utils import timezone

    totals = st.content.get("totals", {})
    return RightsStatementCheck(
        name_masked=mask_name(st.person.name), id_number_masked=mask_id_number(st.person.id_number),
        as_of=st.as_of, issued_on=timezone.localtime(st.issued_at).date(),
        first_month=st.first_month, last_month=st.last_month,
        months=[(t["zh"], int(t["months"])) for t in totals.values()],
        lines=len(st.content.get("lines", [])), content_sha256=st.content_sha256)


@dataclass
class Coverage:
    covered: bool
    reason: str
    clause: str = ""


def medical_coverage(*, person: Person, on: dt.date, policy: Policy) -> Coverage:
    """Is this person covered for medical insurance on this day?

    The month of `on` must be contributed, or still within its (possibly extended) due date:
    during an extension every benefit continues as normal (0.2).
    """
    month = f"{on:%Y-%m}"
    contributions = list(Contribution.objects.filter(person=person, month=month, medical_employer_fen__gt=0))
    if not contributions:
        return Coverage(False, f"{month}无医疗保险参保缴费记录")
    books = _books_paid_days({(c.employer_id, c.month) for c in contributions})
    for c in contributions:
        if _paid_day(books, c.employer_id, c.month, c.paid_on) is not None:
            return Coverage(True, f"{month}医疗保险已缴费")
    due_on = due_date(month, policy)
    if on <= due_on:
        normal = late_fee_for_due(month, 0, as_of=on, policy=policy)
        clause = "0.2" if "0.2" in normal.clauses else ""
        why = f"{month}费款缴费期限为{due_on:%Y-%m-%d}，期限内待遇照常" + ("（0.2 征收期延长）" if clause else "")
        return Coverage(True, why, clause)
    return Coverage(False, f"{month}医疗保险欠缴，缴费期限{due_on:%Y-%m-%d}已过")


def user_may_see_employer(*, user: Any, employer: Employer) -> bool:
    return user_may_see_district(user, employer.district_id)


def deduction_runs(*, user: Any) -> list[dict[str, Any]]:
    """Runs with their counts by status, counting only the employers the user may see."""
    from django.db.models import Count

    items = scope_queryset(DeductionItem.objects.all(), user=user, district_path="employer__district")
    counts: dict[int, dict[str, int]] = {}
    for row in items.values("run_id", "status").annotate(n=Count("pk"), total=Sum("amount_fen")):
        c = counts.setdefault(row["run_id"], {"pending": 0, "succeeded": 0, "failed": 0, "retried": 0, "fen": 0})
        c[row["status"]] += row["n"]
        c["fen"] += int(row["total"] or 0)
    from shebao.collection.models import DeductionRun

    runs = DeductionRun.objects.filter(pk__in=list(counts)).order_by("-pk")[:50]
    return [{"run": r, **counts[r.pk]} for r in runs]


def deduction_items(*, user: Any, run: Any) -> QuerySet[DeductionItem]:
    qs = run.items.select_related("employer", "employer__district").order_by("status", "pk")
    return scope_queryset(qs, user=user, district_path="employer__district")


def deduction_failures(*, user: Any) -> QuerySet[DeductionItem]:
    """Failed deductions not yet retried, of the employers the user may see (3.1: failures shown)."""
    qs = DeductionItem.objects.filter(status=DeductionItem.Status.FAILED).select_related("employer", "run")
    return scope_queryset(qs, user=user, district_path="employer__district").order_by("-run_id", "pk")


def relief_by_rule(*, as_of: dt.date, employer_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Relief of the employer share by relief pack rule, for the months up to `as_of`'s month:
    ``[{"rule": "<pack>/<id>", "text": label, document and clause, "dues": n, "relief_fen": fen}]``."""
    from django.db.models import Count

    from shebao.collection.relief import relief_text
    from shebao.rules.dates import month_index

    qs = Due.objects.filter(relief_fen__gt=0, month_no__lte=month_index(f"{as_of:%Y-%m}"))
    if employer_ids is not None:
        qs = qs.filter(employer_id__in=employer_ids)
    rows = qs.values("relief_rule").annotate(n=Count("pk"), s=Sum("relief_fen")).order_by("relief_rule")
    return [{"rule": r["relief_rule"], "text": relief_text(r["relief_rule"]), "dues": r["n"], "relief_fen": int(r["s"])}
            for r in rows]


def declaration_list(*, user: Any) -> QuerySet[Any]:
    """The monthly declarations the user's district may see (the center: all), newest first."""
    from shebao.collection.models import Declaration

    return scope_queryset(Declaration.objects.select_related("employer"), user=user, district_path="employer__district")


def refund_desk(*, user: Any) -> dict[str, Any]:
    """What the center's refund payment desk shows (1.2c), city-wide: the refunds waiting to be put
    in a bank file (payable, failed), the payment files (newest first, each with its release and
    downloads) and the refunds of those files, and the refund result files imported. Shapes:
    ``{"waiting": [Refund], "waiting_fen": int, "files": [{"file", "release", "downloads",
    "refunds", "paid", "failed", "in_file"}], "results": [BankFile]}``; money in fen. The caller
    checks `refund_file.view` first (the page admits only the center's desk)."""
    from django.db.models import Count

    from shebao.collection.models import BankFile, PaymentFileRelease, Refund, RefundPaymentFile

    waiting = list(Refund.objects.filter(status__in=[Refund.Status.PAYABLE, Refund.Status.FAILED])
                   .select_related("employer", "case").order_by("pk")[:500])
    files = list(RefundPaymentFile.objects.annotate(n_downloads=Count("downloads")).order_by("-pk")[:30])
    releases = {r.file_pk: r for r in PaymentFileRelease.objects.filter(
        kind=PaymentFileRelease.Kind.REFUND, file_pk__in=[str(f.pk) for f in files])}
    by_file: dict[int, list[Refund]] = {}
    for r in (Refund.objects.filter(payment_file__in=files).select_related("employer", "case", "settlement")
              .order_by("pk")):
        by_file.setdefault(r.payment_file_id, []).append(r)
    rows = []
    for f in files:
        refunds = by_file.get(f.pk, [])
        rows.append({"file": f, "release": releases.get(str(f.pk)), "downloads": f.n_downloads, "refunds": refunds,
                     "paid": sum(1 for r in refunds if r.status == Refund.Status.PAID),
                     "failed": sum(1 for r in refunds if r.status == Refund.Status.FAILED),
                     "in_file": sum(1 for r in refunds if r.status == Refund.Status.IN_FILE)})
    return {"waiting": waiting, "waiting_fen": sum(r.amount_fen for r in waiting), "files": rows,
            "results": list(BankFile.objects.filter(kind=BankFile.Kind.REFUND_RESULT).order_by("-pk")[:20])}


@dataclass(frozen=True)
class RefundableDue:
    """A due of an employer with money paid for it that a refund may still take (1.2c)."""

    due: Due
    paid_fen: int  # the net amount its payments allocated to it
    refundable_fen: int  # paid less refunds not cancelled, relief credited and refunds in handling

    @property
    def label(self) -> str:
        """How a form lists it: its number (编号), month, insurance and the amounts, in yuan; the relief
        credited to the prepaid balance for it, when any, is named since it is not refundable again."""
        from shebao.core.money import format_yuan

        credited = self.due.relief_fen if self.due.relief_credited else 0
        relief = f"减免已退至预缴余额{format_yuan(credited)}元，" if credited else ""
        return (f"编号{self.due.pk}：{self.due.month} {self.due.get_insurance_display()}，已缴{format_yuan(self.paid_fen)}元，"
                f"{relief}可退{format_yuan(self.refundable_fen)}元")


def refundable_dues(*, employer: Employer, limit: int = 120) -> list[RefundableDue]:
    """The employer's dues that a refund may name (1.2c): paid for (their allocations net of
    reversals above zero) with something left after the refunds not cancelled and the relief credited
    to the prepaid balance and every refund application in handling (`collection.refundable`), newest
    month first.
    What the portal's refund form offers to pick: the employer sees only its own dues."""
    from shebao.collection.models import Allocation
    from shebao.collection.refundable import refundable_each

    paid = dict(Allocation.objects.filter(due__employer=employer).values("due_id").annotate(s=Sum("amount_fen"))
                .filter(s__gt=0).values_list("due_id", "s"))
    if not paid:
        return []
    room = refundable_each(list(paid))
    dues = Due.objects.filter(pk__in=[d for d, r in room.items() if r > 0]).order_by("-month_no", "insurance", "pk")
    return [RefundableDue(d, int(paid[d.pk]), room[d.pk]) for d in dues[:limit]]


def due_descriptions(ids: Any) -> dict[int, str]:
    """What each due of ``ids`` is, as a page names it instead of its bare number (review-user10 F4: a
    refund case read 所退费款 12): ``{pk: "2019-12 企业职工基本养老保险 应缴1,000.00元（编号12）"}``, the
    employer's name added when the dues are not all one employer's. A number with no due is left out
    (the caller shows it as typed). One query. The caller has already checked who may read the case."""
    from shebao.core.money import format_yuan

    pks = []
    for v in ids or ():
        try:
            pks.append(int(v))
        except (TypeError, ValueError):
            continue
    dues = list(Due.objects.filter(pk__in=pks).select_related("employer"))
    several = len({d.employer_id for d in dues}) > 1
    return {d.pk: (f"{d.employer.name} " if several else "")
            + f"{d.month} {d.get_insurance_display()} 应缴{format_yuan(d.amount_fen + d.relief_fen)}元（编号{d.pk}）"
            for d in dues}


def refund_dues_offered(*, employer: Employer | None = None, person: Person | None = None,
                        chosen: Any = ()) -> list[tuple[str, str]]:
    """The dues a refund's form offers to tick (1.2c), as ``(pk as text, label)``: the paid dues with
    money left to refund (`refundable_dues`) of ``employer``, or of every employer ``person`` has a
    spell with, newest first; then each number already ``chosen`` that is not among them (a due since
    refunded in full stays listed, ticked, so a correction shows what the application names and the
    content's check says why it no longer fits). What the front desk's correction form and the
    portal offer instead of numbers typed by hand (review-user10 F4)."""
    from shebao.registry.models import EmploymentSpell

    employers = [employer] if employer is not None else (
        list(Employer.objects.filter(pk__in=EmploymentSpell.objects.filter(person=person).values("employer_id"))
             .order_by("pk")) if person is not None else [])
    out = [(str(r.due.pk), (f"{e.name} " if len(employers) > 1 else "") + r.label)
           for e in employers for r in refundable_dues(employer=e)]
    offered = {k for k, _ in out}
    rest = [str(c).strip() for c in chosen or () if str(c).strip() and str(c).strip() not in offered]
    described = due_descriptions(rest)
    for c in rest:
        out.append((c, (described.get(int(c)) if c.isdigit() and int(c) in described else f"编号{c}")
                    + "（已无可退金额或不属于本申请人）"))
    return out
