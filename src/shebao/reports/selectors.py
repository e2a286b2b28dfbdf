"""Reading the leaders' figures from the tallies (`reports.models.Tally`), never from the rows.

`dashboard_figures` answers one question: for the districts a user may see, between two days,
what is each figure (in total, per district and per day/week/month)? Each figure names the clause of
tests/data/notice.md it answers. Amounts are integer fen; shares are per mille (‰) integers, or
None where the base is zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from shebao.core import clock
from shebao.core.scoping import user_sees_all
from shebao.reports.models import Tally

GRAINS = {"day": "按日", "week": "按周", "month": "按月"}


class Sums:
    """The summed tallies of one group: n and fen per measure and key, and the overdue counts."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        self.overdue: dict[str, int] = defaultdict(int)

    def add(self, measure: str, key: str, n: int, fen: int) -> None:
        cell = self.cells[measure][key]
        cell[0] += n
        cell[1] += fen

    def n(self, measure: str, key: str | None = None) -> int:
        keys = self.cells.get(measure, {})
        if key is None:
            return sum(v[0] for v in keys.values())
        return keys[key][0] if key in keys else 0

    def fen(self, measure: str, key: str | None = None) -> int:
        keys = self.cells.get(measure, {})
        if key is None:
            return sum(v[1] for v in keys.values())
        return keys[key][1] if key in keys else 0

    def keys(self, measure: str) -> dict[str, tuple[int, int]]:
        return {k: (v[0], v[1]) for k, v in self.cells.get(measure, {}).items()}


def _permille(part: int, whole: int) -> int | None:
    return None if whole == 0 else round(part * 1000 / whole)


@dataclass(frozen=True)
class Figure:
    """One figure of the dashboard: its code, Chinese name, clause, unit and how it is read from the sums.

    `unit` is ``n`` (a count), ``fen`` (an amount in fen) or ``permille`` (a share, ‰). `drill` names
    the case list behind the number (`reports.selectors.drill_cases`), or "" when there is none.
    """

    code: str
    zh: str
    clause: str
    unit: str
    value: Callable[[Sums], int | None]
    drill: str = ""


FIGURES: tuple[Figure, ...] = (
    Figure("applications", "申请量", "0.4", "n", lambda s: s.n("applied"), "applied"),
    Figure("contactless_share", "无接触办理占比", "0.4", "permille",
           lambda s: _permille(s.n("applied") - s.n("applied", "counter"), s.n("applied"))),
    Figure("counter", "窗口办理量", "0.4", "n", lambda s: s.n("applied", "counter"), "counter"),
    Figure("open", "在办申请", "9", "n", lambda s: s.n("open"), "open"),
    Figure("overdue", "逾期未办结", "9", "n", lambda s: s.overdue["open"], "overdue"),
    Figure("in_time_share", "按时办结率", "9", "permille",
           lambda s: _permille(s.n("completed", "in_time"), s.n("completed", "in_time") + s.n("completed", "late"))),
    Figure("completed_late", "超期办结", "9", "n", lambda s: s.n("completed", "late"), "late"),
    Figure("fast_track_open", "优先办理在办（医务人员工伤等）", "9", "n", lambda s: s.n("fast_track", "open"),
           "fast_track"),
    Figure("owed_outstanding", "容缺待补材料", "1.3", "n", lambda s: s.n("owed"), "owed"),
    Figure("owed_overdue", "容缺材料逾期未补", "1.3", "n", lambda s: s.overdue["owed"], "owed_overdue"),
    Figure("flags_open", "7.4标记待复核/清理", "7.4", "n",
           lambda s: s.n("flags") - s.n("flags", "audited") - s.n("flags", "settled")),
    Figure("dues_fen", "应缴金额", "3", "fen", lambda s: s.fen("dues")),
    Figure("paid_fen", "已缴金额", "3", "fen", lambda s: s.fen("paid")),
    Figure("collection_rate", "征缴率", "3", "permille", lambda s: _permille(s.fen("paid"), s.fen("dues"))),
    Figure("arrears_fen", "欠缴金额", "0.3", "fen", lambda s: s.fen("arrears")),
    Figure("relief_fen", "减免单位缴费", "0.3c", "fen", lambda s: s.fen("relief")),
    Figure("payments_fen", "到账收款", "3", "fen", lambda s: s.fen("payments")),
    Figure("deductions_ok", "银行扣款成功", "3.1", "n", lambda s: s.n("deductions", "succeeded")),
    Figure("deductions_failed", "银行扣款失败", "3.1", "n", lambda s: s.n("deductions", "failed")),
    Figure("remittances_unmatched", "汇款待匹配", "3.2", "n", lambda s: s.n("remittances", "unmatched")),
    Figure("payroll_paid_fen", "待遇已支付", "2.1", "fen", lambda s: s.fen("payroll", "paid")),
    Figure("payroll_unpaid_fen", "养老金未到账（支付失败或待银行结果）", "2.1", "fen",
           lambda s: s.fen("payroll_unpaid", "pension:failed") + s.fen("payroll_unpaid", "pension:pending")),
    Figure("work_injury_unpaid_fen", "工伤待遇未到账（支付失败或待银行结果）", "9", "fen",
           lambda s: s.fen("payroll_unpaid", "work_injury:failed") + s.fen("payroll_unpaid", "work_injury:pending")),
    Figure("payroll_back_pay_fen", "待遇补发（含年度调整补发）", "2.1", "fen", lambda s: s.fen("back_pay")),
    Figure("audit_cases_open", "稽核案件在办", "7", "n",
           lambda s: s.n("audit_cases") - s.n("audit_cases", "closed")),
    Figure("incidents", "大厅疫情事件", "8", "n", lambda s: s.n("incidents")),
)
FIGURE = {f.code: f for f in FIGURES}


def _choices(model_label: str, field: str) -> dict[str, str]:
    from django.apps import apps

    return dict(apps.get_model(model_label)._meta.get_field(field).choices or [])


BACK_PAY_NAMES = (("arrears", "补发月份（迟报或恢复发放的退休人员）"),
                  ("adjustment", "年度调整补发（调整通知印发前已发月份的差额）"),
                  ("work_injury", "工伤待遇补发（伤残津贴、供养亲属抚恤金以前月份）"))


def _unpaid_names() -> dict[str, str]:
    """``<benefit>:<status>`` keys of the payroll_unpaid measure -> 基本养老金·支付失败 and so on."""
    kinds, statuses = _choices("benefits.Transfer", "kind"), _choices("benefits.Transfer", "status")
    return {f"{k}:{s}": f"{kz}·{sz}" for k, kz in kinds.items() for s, sz in statuses.items() if s != "paid"}


def _relief_rule_names() -> dict[str, str]:
    """A relief due's rule key (``<pack>/<rule id>``, `collection.Due.relief_rule`) -> the rule's Chinese
    label, for every relief pack there is (published or not)."""
    from shebao.rules.relief import load_relief_pack, relief_pack_names

    return {rule.key: rule.label for name in relief_pack_names() for rule in load_relief_pack(name).reliefs}


@dataclass(frozen=True)
class Breakdown:
    """A figure split by its key (channel, handling mode, stage…): measure, names of keys, clause."""

    code: str
    zh: str
    clause: str
    measure: str
    unit: str
    names: Callable[[], dict[str, str]]


BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown("channel", "申请渠道", "0.4", "applied", "n", lambda: _choices("cases.Case", "channel")),
    Breakdown("mode", "办理方式", "0.4", "mode", "n", lambda: _choices("cases.Case", "mode")),
    Breakdown("flags", "7.4标记（按阶段）", "7.4", "flags", "n", lambda: _choices("cases.Flag", "stage")),
    Breakdown("owed", "容缺待补材料（按类别）", "1.3", "owed", "n", lambda: _choices("cases.OwedDocument", "kind")),
    Breakdown("relief", "减免（按政策条目）", "0.3c", "relief", "fen", _relief_rule_names),
    Breakdown("deductions", "银行扣款（按结果）", "3.1", "deductions", "n",
              lambda: _choices("collection.DeductionItem", "status")),
    Breakdown("remittances", "汇款（按状态）", "3.2", "remittances", "n",
              lambda: _choices("collection.RemittanceLine", "status")),
    Breakdown("payroll", "待遇支付（按结果）", "2.1", "payroll", "fen",
              lambda: _choices("benefits.Transfer", "status")),
    Breakdown("payroll_unpaid", "待遇未到账（按待遇类型和结果）", "2.1", "payroll_unpaid", "fen", lambda: _unpaid_names()),
    Breakdown("back_pay", "待遇补发（按类别）", "2.1", "back_pay", "fen", lambda: dict(BACK_PAY_NAMES)),
    Breakdown("audit_cases", "稽核案件（按状态）", "7", "audit_cases", "n",
              lambda: _choices("operations.AuditCase", "state")),
    Breakdown("incidents", "疫情事件（按类别）", "8", "incidents", "n",
              lambda: _choices("operations.Incident", "kind")),
)
BREAKDOWN = {b.code: b for b in BREAKDOWNS}


def districts_visible(user: Any) -> QuerySet:
    """The district centers whose figures `user` may read: all for the center, else their own."""
    from shebao.registry.models import Office

    qs = Office.objects.filter(kind=Office.Kind.DISTRICT_CENTER).order_by("code")
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user_sees_all(user):
        return qs
    district = getattr(user, "district", None)
    return qs.filter(pk=district.pk) if district is not None else qs.none()


def _scoped(user: Any, district_id: int | None) -> QuerySet:
    qs = Tally.objects.all()
    if user_sees_all(user) and district_id is None:
        return qs  # the whole city, the center's own rows (no district) included
    ids = list(districts_visible(user).values_list("pk", flat=True))
    if district_id is not None:
        ids = [i for i in ids if i == district_id]
    return qs.filter(district_id__in=ids)


def _collect(qs: QuerySet, group: str | None, today: dt.date) -> dict[Any, Sums]:
    out: dict[Any, Sums] = defaultdict(Sums)
    fields = ["measure", "key"] + ([group] if group else [])
    for row in qs.values(*fields).annotate(sn=Sum("n"), sf=Sum("fen")).order_by():
        out[row[group] if group else None].add(row["measure"], row["key"], row["sn"] or 0, row["sf"] or 0)
    over = qs.filter(measure__in=["open", "owed"], ref_day__lt=today)
    for row in over.values(*(["measure"] + ([group] if group else []))).annotate(sn=Sum("n")).order_by():
        out[row[group] if group else None].overdue[row["measure"]] += row["sn"] or 0
    return out


def _period(day: dt.date | dt.datetime, grain: str) -> dt.date:
    if isinstance(day, dt.datetime):
        day = day.date()
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


@dataclass
class Dashboard:
    """The dashboard's figures: `total` (Sums), `districts` [(Office, Sums)], `series` [(day, Sums)]."""

    start: dt.date
    end: dt.date
    grain: str
    district: Any
    total: Sums
    districts: list[tuple[Any, Sums]]
    series: list[tuple[dt.date, Sums]]
    today: dt.date

    def value(self, code: str, sums: Sums | None = None) -> int | None:
        return FIGURE[code].value(sums if sums is not None else self.total)


def monthly_sources() -> tuple[str, ...]:
    """The tally sources counted by a month rather than a day (reports.tallies: ``month_day``): dues by
    their contribution month (应缴、已缴、欠缴、减免) and payroll by its run's month (待遇支付、未到账、补发).
    Their tallies sit on the month's first day."""
    from shebao.reports.tallies import SOURCES

    return tuple(s.name for s in SOURCES if s.month_day)


def months_of(start: dt.date, end: dt.date) -> tuple[str, str]:
    """The first and last month ('YYYY-MM') a range touches: the months the monthly figures cover."""
    return f"{start:%Y-%m}", f"{end:%Y-%m}"


def basis_text(board: Dashboard) -> str:
    """Which day each figure of `board` counts by, the months its monthly money covers, as one Chinese
    sentence for the page, each download's title row and the monthly PDF (review-user8 F4: the page
    named only 申请, 应缴 and 收款, so a leader read 待遇已支付 0.00 for a range holding the payroll day)."""
    first, last = months_of(board.start, board.end)
    months = first if first == last else f"{first}至{last}"
    return (f"申请按申请日期、收款按到账日期统计；应缴、已缴、欠缴和减免按费款所属月份，待遇支付、未到账和补发按发放月份，"
            f"均按所选期间涉及的整月计入（{months}）；失败后重发的待遇只按重发后的结果计一次。")


def _in_range(start: dt.date, end: dt.date) -> Q:
    """The tallies a range from `start` to `end` counts: a daily source's on the days in it, a monthly
    source's on every month the range touches (its tally sits on the month's first day).

    Review-user8 F4: the range filtered every tally by its day, so a monthly figure counted only when
    the range held the 1st: the default 30 days (02-10..03-10) showed 待遇已支付 0.00 though February's
    run paid 46,816.72 元 on 02-20, and 02-15..02-25 (the payroll day itself) showed 0.00 too."""
    return (Q(day__gte=start, day__lte=end)
            | Q(source__in=monthly_sources(), day__gte=start.replace(day=1), day__lte=end))


def dashboard_figures(*, user: Any, start: dt.date, end: dt.date, grain: str = "day",
                      district_id: int | None = None) -> Dashboard:
    """The figures of the districts `user` may see (or of one, `district_id`) from `start` to `end`
    (inclusive, by each source's day: application date, payment date…; the money of dues and of
    payroll by whole months, every month the range touches: `monthly_sources`, `_in_range`).

    In the series a monthly figure is drawn in the range's first period when its month began before
    the range (its 1st lies outside the chart)."""
    from shebao.registry.models import Office

    if grain not in GRAINS:
        grain = "day"
    today = clock.today()
    qs = _scoped(user, district_id).filter(_in_range(start, end))
    total = _collect(qs, None, today).get(None) or Sums()
    per = _collect(qs, "district_id", today)
    offices = {o.pk: o for o in districts_visible(user)}
    districts = [(o, per.get(pk) or Sums()) for pk, o in offices.items()
                 if district_id is None or pk == district_id]
    if grain == "day":
        series_raw = _collect(qs, "day", today)
    else:
        trunc = TruncWeek("day") if grain == "week" else TruncMonth("day")
        series_raw = _collect(qs.annotate(period=trunc), "period", today)
    series: dict[dt.date, Sums] = {}
    first = _period(start, grain)
    for day, sums in series_raw.items():
        key = max(_period(day, grain), first)
        if key in series:  # a month begun before the range, drawn in its first period
            for measure, keys in sums.cells.items():
                for k, (n, fen) in keys.items():
                    series[key].add(measure, k, n, fen)
            for measure, n in sums.overdue.items():
                series[key].overdue[measure] += n
        else:
            series[key] = sums
    district = Office.objects.filter(pk=district_id).first() if district_id is not None else None
    return Dashboard(start=start, end=end, grain=grain, district=district, total=total, districts=districts,
                     series=sorted(series.items()), today=today)


def late_fees_by_district(*, user: Any, district_id: int | None = None) -> list[dict[str, Any]]:
    """The late fees and the relief of the latest assessment run (0.3c), per visible district: an
    aggregate the run already keeps (collection.AssessmentDistrict), read as it is."""
    from shebao.collection.models import AssessmentDistrict, AssessmentRun

    run = AssessmentRun.objects.order_by("-pk").first()
    if run is None:
        return []
    ids = list(districts_visible(user).values_list("pk", flat=True))
    if district_id is not None:
        ids = [i for i in ids if i == district_id]
    rows = AssessmentDistrict.objects.filter(run=run, district_id__in=ids).select_related("district")
    return [{"district": r.district, "late_fee_fen": r.late_fee_fen, "waived_fen": r.waived_fen,
             "arrears_fen": r.arrears_fen, "as_of": run.as_of, "run": run} for r in rows.order_by("district__code")]


# --- The cases behind a number ------------------------------------------------------------------------
DRILLS = {
    "applied": "申请", "counter": "窗口办理的申请", "open": "在办申请", "overdue": "逾期未办结的申请",
    "late": "超期办结的申请", "fast_track": "优先办理的在办申请", "owed": "有容缺待补材料的申请",
    "owed_overdue": "容缺材料逾期未补的申请",
}


def drill_keys(drill: str) -> dict[str, str]:
    """The keys (code → Chinese name) a drill-down may be narrowed by: the channels of ``applied``;
    none for the others."""
    return _choices("cases.Case", "channel") if drill == "applied" else {}


def records_from() -> dt.date | None:
    """The first day the tallies count anything on (a case's application day, a due's month, a
    payment's day), or None before the first refresh: a report of a period ending earlier would be
    empty (core.periods, review E14: a monthly report for 1990-01)."""
    return Tally.objects.aggregate(first=Min("day"))["first"]


def district_exists(district_id: int) -> bool:
    """Whether `district_id` is a district center of the city (visible or not)."""
    from shebao.registry.models import Office

    return Office.objects.filter(pk=district_id, kind=Office.Kind.DISTRICT_CENTER).exists()


def drill_cases(*, user: Any, drill: str, start: dt.date, end: dt.date, district_id: int | None = None,
                key: str = "") -> QuerySet:
    """The cases behind a case figure (`Figure.drill`): the rows the tally counted, as a queryset
    scoped to the user's districts, in the queue's order. `key` narrows `applied` to one channel."""
    from shebao.cases.models import Case, OwedDocument

    districts = list(districts_visible(user).values_list("pk", flat=True))
    if district_id is not None:
        districts = [d for d in districts if d == district_id]
    today = clock.today()
    qs = Case.objects.filter(applied_on__gte=start, applied_on__lte=end)
    in_district = Q(office_id__in=districts) | Q(office__parent_id__in=districts, office__kind="agent_office")
    if user_sees_all(user) and district_id is None:
        pass
    else:
        qs = qs.filter(in_district)
    open_q = ~Q(status__in=["completed", "rejected"])
    if drill == "applied":
        if key:
            qs = qs.filter(channel=key)
    elif drill == "counter":
        qs = qs.filter(channel="counter")
    elif drill == "open":
        qs = qs.filter(open_q)
    elif drill == "overdue":
        qs = qs.filter(open_q, deadline__lt=today)
    elif drill == "late":
        qs = qs.filter(status="completed").filter(pk__in=[
            pk for pk, done, deadline in qs.filter(status="completed", deadline__isnull=False)
            .values_list("pk", "completed_at", "deadline") if done and _local(done) > deadline])
    elif drill == "fast_track":
        qs = qs.filter(open_q, priority__gt=0)
    elif drill == "owed":
        qs = qs.filter(pk__in=OwedDocument.objects.filter(state="owed").values("case_id"))
    elif drill == "owed_overdue":
        qs = qs.filter(pk__in=OwedDocument.objects.filter(state="owed", due_on__lt=today).values("case_id"))
    else:
        return qs.none()
    return qs.select_related("office").order_by("-priority", "deadline", "pk")


def _local(value: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(value).date()


__all__ = ["BREAKDOWNS", "DRILLS", "district_exists", "drill_keys", "FIGURES", "GRAINS", "Dashboard", "dashboard_figures", "drill_cases",
           "districts_visible", "late_fees_by_district", "monthly_sources", "months_of"]
