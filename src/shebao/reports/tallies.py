"""Keeping the leaders' tallies (`reports.models.Tally`) up to date from the audit trail.

Every write of the system leaves an `AuditEvent` in its own transaction (core.audit: one row per
object, or one per batch with its key range). The refresh reads the events after the watermark,
finds the buckets — (source, district, day) — that the changed rows count in, and rewrites the
tallies of just those buckets from their rows. A view therefore reads a few hundred tally rows and
never counts every case or due; the cost of a refresh is the size of what changed since the last.

Which day a row counts on is fixed per source and never changes with the row's state (the
application date and office of a case, the contribution month and employer of a due, the day a
payment came in…: no service changes them), so a changed row is recounted in the bucket it was
counted in before.

Concurrency: an event of a transaction that commits after a refresh read past its id would be
missed; each refresh therefore reads again the last ``OVERLAP`` events before the watermark
(recounting a bucket twice is harmless: it is rewritten from its rows). Rows written without an
audit event (a bulk load by `shebao generate`) are counted by a full rebuild
(`shebao reports_refresh --full`).

Sources and measures (clause of tests/data/notice.md each answers):

* cases (day = application date, `Case.applied_on`): ``applied``/channel and ``mode``/handling mode
  (0.4, no-contact share = not ``counter``); ``open`` with ``ref_day`` = deadline, overdue = ref_day
  before today (9); ``closed``/status; ``completed`` key ``in_time``/``late``/``no_deadline`` (9);
  ``fast_track`` key ``open``/``closed`` (priority cases, 9); ``owed``/document kind with ``ref_day``
  = due date, outstanding documents (1.3).
* flags (day = raised): ``flags``/stage (7.4).
* dues (day = first day of the contribution month; the dashboard counts a monthly source's tallies
  for every month its range touches, reports.selectors._in_range): ``dues``/insurance with fen = amount owed,
  ``paid`` fen, ``arrears`` fen (unpaid), ``relief``/rule fen = relief granted (0.3c).
* payments (day = received): ``payments``/source.
* deductions (day = the run's day): ``deductions``/status (3.1).
* remittances (day = value date): ``remittances``/status (3.2).
* payroll (day = first day of the run's month, district = the payee's; a failed transfer sent again
  counts only as its resend, by the resend's state): ``payroll``/transfer status
  with fen = amount (paid, failed, pending); ``payroll_kind``/run kind with fen;
  ``payroll_unpaid``/``<benefit>:<status>`` (pension or work_injury, failed or pending) with fen, so a
  frozen pension is not read with a work-injury payment awaiting the bank's result; ``back_pay``/kind
  with fen = the months a transfer pays for before its run's month (补发, 2.1), in whatever run: a
  late-declared or resumed retiree's months (``arrears``), the yearly-adjustment differences of months
  paid before the notice (``adjustment``, 调整补发), a monthly work-injury benefit's earlier months
  (``work_injury``). A supplementary run is not all back pay, nor is back pay only in supplementary runs.
* audit cases (day = registered): ``audit_cases``/state (7).
* incidents (day = occurred): ``incidents``/kind (8).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from shebao.core import clock
from shebao.core.models import AuditEvent
from shebao.reports.models import Tally, TallyWatermark

OVERLAP = 5000  # audit events read again on every refresh (see the module docstring)
CHUNK = 2000

Bucket = tuple[int | None, dt.date]  # (district id or None, day)
Count = tuple[str, str, dt.date | None, int, int]  # (measure, key, ref_day, n, fen)


def _local_day(value: dt.datetime | dt.date | None) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def office_districts() -> dict[int, int | None]:
    """Office id → its district's id (an agent office counts in its parent district; the municipal
    center in none, None)."""
    from shebao.registry.models import Office

    out: dict[int, int | None] = {}
    for pk, kind, parent in Office.objects.values_list("pk", "kind", "parent_id"):
        if kind == Office.Kind.DISTRICT_CENTER:
            out[pk] = pk
        elif kind == Office.Kind.AGENT_OFFICE:
            out[pk] = parent
        else:
            out[pk] = None
    return out


def _offices_of(districts: dict[int, int | None], district: int | None) -> list[int]:
    return [o for o, d in districts.items() if d == district]


@dataclass
class Source:
    """One kind of row counted into tallies.

    `rows(districts, buckets)` yields the rows of the given buckets (or of all buckets when
    `buckets` is None) as dicts holding at least ``_district`` and ``_day``; `count(row)` gives its
    counts. `watch` maps an audit event's model label to the lookup from this source's model to
    that model's key: which rows an event about that object touches.
    """

    name: str
    model: Callable[[], type[models.Model]]
    fields: tuple[str, ...]
    day: str  # the field giving the row's day (a date, or a date-time counted on its Beijing date)
    office: str  # the path to the office or district the row counts in
    count: Callable[[dict[str, Any]], Iterable[Count]]
    watch: dict[str, str] = field(default_factory=dict)
    day_is_datetime: bool = False
    month_day: bool = False  # `day` is a YYYY-MM month; the row counts on its first day
    extra: Callable[[set[Bucket] | None, dict[int, int | None]], Iterable[tuple[Bucket, Count]]] | None = None

    def _bucket_of(self, row: dict[str, Any], districts: dict[int, int | None]) -> Bucket:
        office = row["_office"]
        day = row["_day"]
        if self.month_day:
            day = dt.date(int(day[:4]), int(day[5:7]), 1)
        else:
            day = _local_day(day)
        return (districts.get(office) if office is not None else None, day)

    def _filter(self, buckets: set[Bucket], districts: dict[int, int | None]) -> Q:
        by_district: dict[int | None, set[dt.date]] = defaultdict(set)
        for d, day in buckets:
            by_district[d].add(day)
        q = Q(pk__in=[])
        for d, days in by_district.items():
            offices = _offices_of(districts, d)
            office_q = Q(**{f"{self.office}__in": offices})
            if d is None:
                office_q |= Q(**{f"{self.office}__isnull": True})
            if self.month_day:
                day_q = Q(**{f"{self.day}__in": [f"{x:%Y-%m}" for x in days]})
            elif self.day_is_datetime:
                day_q = Q(**{f"{self.day}__date__in": sorted(days)})
            else:
                day_q = Q(**{f"{self.day}__in": sorted(days)})
            q |= office_q & day_q
        return q

    def rows(self, buckets: set[Bucket] | None, districts: dict[int, int | None]) -> Iterable[dict[str, Any]]:
        qs = self.model().objects.all()
        if buckets is not None:
            qs = qs.filter(self._filter(buckets, districts))
        values = qs.values(*self.fields, _office=models.F(self.office), _day=models.F(self.day))
        for row in values.order_by().iterator(chunk_size=CHUNK):
            row["_bucket"] = self._bucket_of(row, districts)
            yield row

    def buckets_touched(self, label: str, pks: set[int], ranges: list[tuple[int, int]],
                        districts: dict[int, int | None]) -> set[Bucket]:
        path = self.watch.get(label)
        if path is None:
            return set()
        q = Q(pk__in=[])
        if pks:
            q |= Q(**{f"{path}__in": sorted(pks)})
        for lo, hi in ranges:
            q |= Q(**{f"{path}__gte": lo, f"{path}__lte": hi})
        qs = self.model().objects.filter(q).values(_office=models.F(self.office), _day=models.F(self.day))
        return {self._bucket_of(row, districts) for row in qs.order_by().distinct().iterator(chunk_size=CHUNK)}


# --- What each source counts ---------------------------------------------------------------------
CLOSED = ("completed", "rejected")


def _case_counts(row: dict[str, Any]) -> Iterable[Count]:
    yield ("applied", row["channel"], None, 1, 0)
    yield ("mode", row["mode"], None, 1, 0)
    is_open = row["status"] not in CLOSED
    if is_open:
        yield ("open", "", row["deadline"], 1, 0)
    else:
        yield ("closed", row["status"], None, 1, 0)
    if row["status"] == "completed":
        done = _local_day(row["completed_at"])
        if row["deadline"] is None or done is None:
            key = "no_deadline"
        else:
            key = "in_time" if done <= row["deadline"] else "late"
        yield ("completed", key, None, 1, 0)
    if row["priority"] > 0:
        yield ("fast_track", "open" if is_open else "closed", None, 1, 0)


def _owed_counts(buckets: set[Bucket] | None, districts: dict[int, int | None]) -> Iterable[tuple[Bucket, Count]]:
    from shebao.cases.models import OwedDocument

    qs = OwedDocument.objects.filter(state=OwedDocument.State.OWED)
    if buckets is not None:
        qs = qs.filter(case__in=CASES.model().objects.filter(CASES._filter(buckets, districts)).values("pk"))
    for row in qs.values("kind", "due_on", "case__office_id", "case__applied_on").order_by().iterator(
            chunk_size=CHUNK):
        bucket = (districts.get(row["case__office_id"]), row["case__applied_on"])
        yield bucket, ("owed", row["kind"], row["due_on"], 1, 0)


def _model(label: str) -> Callable[[], type[models.Model]]:
    def get() -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(label)
    return get


CASES = Source(
    name="cases", model=_model("cases.Case"),
    fields=("channel", "mode", "status", "deadline", "priority", "completed_at"),
    day="applied_on", office="office_id", count=_case_counts,
    watch={"cases.Case": "pk", "cases.OwedDocument": "owed_documents"}, extra=_owed_counts,
)
FLAGS = Source(
    name="flags", model=_model("cases.Flag"), fields=("stage",), day="raised_at", day_is_datetime=True,
    office="office_id", count=lambda r: [("flags", r["stage"], None, 1, 0)], watch={"cases.Flag": "pk"},
)


def _due_counts(row: dict[str, Any]) -> Iterable[Count]:
    amount = row["amount_fen"]
    yield ("dues", row["insurance"], None, 1, amount)
    if row["paid_on"] is not None:
        yield ("paid", row["insurance"], None, 1, amount)
    else:
        yield ("arrears", row["insurance"], None, 1, amount)
    if row["relief_fen"]:
        yield ("relief", row["relief_rule"], None, 1, row["relief_fen"])


DUES = Source(
    name="dues", model=_model("collection.Due"), fields=("insurance", "amount_fen", "paid_on", "relief_fen",
                                                         "relief_rule"),
    day="month", month_day=True, office="employer__district_id", count=_due_counts,
    watch={"collection.Due": "pk"},
)
PAYMENTS = Source(
    name="payments", model=_model("collection.Payment"), fields=("source", "amount_fen"), day="received_on",
    office="employer__district_id", count=lambda r: [("payments", r["source"], None, 1, r["amount_fen"])],
    watch={"collection.Payment": "pk"},
)
DEDUCTIONS = Source(
    name="deductions", model=_model("collection.DeductionItem"), fields=("status", "amount_fen"),
    day="run__created_at", day_is_datetime=True, office="employer__district_id",
    count=lambda r: [("deductions", r["status"], None, 1, r["amount_fen"])],
    watch={"collection.DeductionItem": "pk", "collection.DeductionRun": "run"},
)
REMITTANCES = Source(
    name="remittances", model=_model("collection.RemittanceLine"), fields=("status", "amount_fen"),
    day="value_date", office="employer__district_id",
    count=lambda r: [("remittances", r["status"], None, 1, r["amount_fen"])],
    watch={"collection.RemittanceLine": "pk"},
)
def _payroll_counts(row: dict[str, Any]) -> Iterable[Count]:
    """A transfer's counts, a resent one's by its latest state only: a failed transfer sent again
    (``retried_by``) is the same money as its resend, which carries it on (its months move there, and
    its retry run has the same month, so the same bucket). Counting both doubled 养老金未到账 after a
    correction (review-user8 F4: 32,868.10 = 2 × 16,434.05)."""
    if row["retried_by"] is not None:
        return
    yield ("payroll", row["status"], None, 1, row["amount_fen"])
    yield ("payroll_kind", row["run__kind"], None, 1, row["amount_fen"])
    if row["status"] != "paid":
        yield ("payroll_unpaid", f"{row['kind']}:{row['status']}", None, 1, row["amount_fen"])


def _back_pay_counts(buckets: set[Bucket] | None, districts: dict[int, int | None]) -> Iterable[tuple[Bucket, Count]]:
    """The back pay (补发) inside the transfers of ``buckets``: each month paid before its run's month,
    counted on its transfer's bucket (see the module docstring)."""
    from django.apps import apps
    from django.db.models import F

    transfers = PAYROLL.model().objects.all()
    if buckets is not None:
        transfers = transfers.filter(PAYROLL._filter(buckets, districts))
    keys = transfers.values("pk")
    rows = [
        ("arrears", apps.get_model("benefits.PensionMonth").objects.filter(kind="arrears")),
        ("adjustment", apps.get_model("benefits.PensionTopUp").objects.all()),
        ("work_injury", apps.get_model("benefits.AllowanceMonth").objects.filter(month__lt=F("transfer__run__month"))),
        ("work_injury", apps.get_model("benefits.SurvivorMonth").objects.filter(month__lt=F("transfer__run__month"))),
    ]
    for key, qs in rows:
        for row in (qs.filter(transfer__in=keys).values("amount_fen", "transfer__person__district_id", "transfer__run__month")
                    .order_by().iterator(chunk_size=CHUNK)):
            month = row["transfer__run__month"]
            office = row["transfer__person__district_id"]
            bucket = (districts.get(office) if office is not None else None, dt.date(int(month[:4]), int(month[5:7]), 1))
            yield bucket, ("back_pay", key, None, 1, row["amount_fen"])


PAYROLL = Source(
    name="payroll", model=_model("benefits.Transfer"), fields=("status", "amount_fen", "run__kind", "kind", "retried_by"),
    day="run__month", month_day=True, office="person__district_id", count=_payroll_counts,
    watch={"benefits.Transfer": "pk", "benefits.PayrollRun": "run"}, extra=_back_pay_counts,
)
AUDIT_CASES = Source(
    name="audit_cases", model=_model("operations.AuditCase"), fields=("state",), day="registered_on",
    office="district_id", count=lambda r: [("audit_cases", r["state"], None, 1, 0)],
    watch={"operations.AuditCase": "pk"},
)
INCIDENTS = Source(
    name="incidents", model=_model("operations.Incident"), fields=("kind",), day="occurred_at",
    day_is_datetime=True, office="district_id", count=lambda r: [("incidents", r["kind"], None, 1, 0)],
    watch={"operations.Incident": "pk"},
)

SOURCES: tuple[Source, ...] = (CASES, FLAGS, DUES, PAYMENTS, DEDUCTIONS, REMITTANCES, PAYROLL, AUDIT_CASES,
                               INCIDENTS)


# --- Recounting ---------------------------------------------------------------------------------
def _recount(source: Source, buckets: set[Bucket] | None, districts: dict[int, int | None]) -> int:
    """Rewrite the tallies of `source` in `buckets` (all of them when None) from its rows."""
    sums: dict[tuple[Bucket, str, str, dt.date | None], list[int]] = defaultdict(lambda: [0, 0])
    for row in source.rows(buckets, districts):
        for measure, key, ref_day, n, fen in source.count(row):
            s = sums[(row["_bucket"], measure, key, ref_day)]
            s[0] += n
            s[1] += fen
    if source.extra is not None:
        for bucket, (measure, key, ref_day, n, fen) in source.extra(buckets, districts):
            s = sums[(bucket, measure, key, ref_day)]
            s[0] += n
            s[1] += fen
    old = Tally.objects.filter(source=source.name)
    if buckets is not None:
        by_district: dict[int | None, set[dt.date]] = defaultdict(set)
        for d, day in buckets:
            by_district[d].add(day)
        q = Q(pk__in=[])
        for d, days in by_district.items():
            q |= Q(district_id=d, day__in=sorted(days)) if d is not None else Q(district__isnull=True,
                                                                                 day__in=sorted(days))
        old = old.filter(q)
    old.delete()
    Tally.objects.bulk_create(
        [Tally(source=source.name, district_id=b[0], day=b[1], measure=m, key=k[:100], ref_day=r, n=s[0], fen=s[1])
         for (b, m, k, r), s in sums.items() if b[1] is not None],
        batch_size=CHUNK,
    )
    return len(sums)


@dataclass
class RefreshResult:
    """What a refresh did: events read, buckets recounted per source, whether it was a full rebuild."""

    events: int = 0
    buckets: dict[str, int] = field(default_factory=dict)
    full: bool = False


def _watermark() -> TallyWatermark:
    TallyWatermark.objects.get_or_create(pk=1)
    return TallyWatermark.objects.select_for_update().get(pk=1)


def tallies_refresh(*, full: bool = False) -> RefreshResult:
    """Bring the tallies up to date with the audit trail (or rebuild every tally with `full`).

    Returns a `RefreshResult`. One transaction: the view reads either the old or the new tallies.
    Two refreshes at once are ordered by the watermark row's lock.
    """
    result = RefreshResult(full=full)
    with transaction.atomic():
        mark = _watermark()
        districts = office_districts()
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if full or mark.rebuilt_at is None:
            result.full = True
            for source in SOURCES:
                result.buckets[source.name] = _recount(source, None, districts)
            mark.rebuilt_at = clock.now()
        else:
            labels = {label for s in SOURCES for label in s.watch}
            pks: dict[str, set[int]] = defaultdict(set)
            ranges: dict[str, list[tuple[int, int]]] = defaultdict(list)
            events = (AuditEvent.objects.filter(pk__gt=max(0, mark.last_event_id - OVERLAP), pk__lte=last,
                                                model__in=sorted(labels))
                      .values_list("model", "object_pk", "object_pk_last").order_by())
            for label, first, final in events.iterator(chunk_size=CHUNK):
                result.events += 1
                try:
                    lo = int(first)
                except (TypeError, ValueError):
                    continue
                if final:
                    ranges[label].append((lo, int(final)))
                else:
                    pks[label].add(lo)
            for source in SOURCES:
                buckets: set[Bucket] = set()
                for label in source.watch:
                    if pks.get(label) or ranges.get(label):
                        buckets |= source.buckets_touched(label, pks.get(label, set()), ranges.get(label, []),
                                                          districts)
                if buckets:
                    _recount(source, buckets, districts)
                    result.buckets[source.name] = len(buckets)
        mark.last_event_id = last
        mark.refreshed_at = clock.now()
        mark.save()
    return result
