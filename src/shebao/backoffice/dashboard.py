"""The leaders' dashboard (领导看板, issue 20): the emergency at a glance, by district and over time.

Every figure is read from the tallies (reports.selectors), each with the clause it answers; charts
are drawn on the server as SVG by pygal (no script, nothing from outside the app); each chart has its
table beside it and an Excel download of the same rows; a district's name drills down to that
district, a case figure to the list of the cases behind it. The center's staff (leaders, the
municipal administrators) see the whole city; a district's staff see their district.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import pygal
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from pygal.style import Style

from shebao.core import clock
from shebao.core.inputs import id_text, read_date
from shebao.core.money import format_yuan
from shebao.core.periods import check_period, report_month
from shebao.registry.offices import short_name
from shebao.reports import selectors
from shebao.reports.charts import count_ticks, count_top, period_starts, text_width, wrap_label
from shebao.reports.excel import Count, Share, Yuan, xlsx_response
from shebao.reports.refresher import tallies_freshness

CHART_STYLE = Style(
    font_family="'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif",
    background="transparent", plot_background="transparent",
    colors=("#1f5fa8", "#d9822b", "#2e8b57", "#b03a48", "#6b4fa1", "#3c8dbc", "#8c6d31"),
    label_font_size=17, major_label_font_size=17, legend_font_size=17, title_font_size=20,
    value_font_size=15, tooltip_font_size=15,
)


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _wide_chars(text: str) -> int:
    """How many characters of `text` take a full em (East Asian wide or full-width: 区, （, ：)."""
    return sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def _label_lines(svg: str, wrapped: dict[str, list[str]]) -> str:
    """Each long category label drawn on its lines (pygal draws a label on one line), its full name kept
    as the label's title (what a screen reader and a hover read)."""
    for label, lines in wrapped.items():
        first = f"{-0.6 * (len(lines) - 1):.1f}em"
        spans = "".join(f'<tspan x="-5" dy="{first if i == 0 else "1.2em"}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        svg = svg.replace(f">{escape(label)}</text>", f"><title>{escape(label)}</title>{spans}</text>")
    return svg


def _chart(kind: type, *, title: str, labels: list[str], series: list[tuple[str, list[Any]]],
           stacked: bool = False, counts: bool = False, money: bool = False) -> str:
    """An inline SVG chart: no script (js=[]), sized by its container (viewBox), readable at 390 px.

    A chart of `counts` (cases, flags) reads whole numbers on its value axis (reports.charts): pygal's
    own ticks for a largest bar of 2 were 0, 0.2, 0.4 … (a leader read "0.5 cases").

    A chart of categories (districts: HorizontalBar) names every bar on its own row, the chart growing
    with their number: 17 districts on a vertical bar chart showed every other name, so a leader read
    海淀's bar against 石景山's label (review finding). A time series may thin its labels.

    A long category name (a relief rule's, 30 characters) is drawn on up to three lines of LABEL_LINE
    characters (reports.charts.wrap_label), so the bars keep most of the width (review-user5 F6: the 减免
    chart's plot was 90 px wide on a desktop, 25 px on a phone, its ticks ran together as "0246810"). A
    chart of `money` (yuan) has few ticks, each with thousands separators ("120000160000200000…")."""
    horizontal = issubclass(kind, pygal.HorizontalBar)
    wrapped = {str(label): wrap_label(str(label)) for label in labels} if horizontal else {}
    wrapped = {label: lines for label, lines in wrapped.items() if len(lines) > 1}
    rows = max((len(lines) for lines in wrapped.values()), default=1)
    height = (max(360, 90 + len(labels) * max(34 * max(1, len(series)) // 2, 24 * rows)) if horizontal
              else 360)
    # pygal sizes a label's box as 0.6 em a character; a Chinese character is a full em, so the labels
    # of a horizontal chart (its categories, drawn left of the bars) were cut at the chart's left edge
    # (review U6: 待银行结果). The margin gives back what the estimate misses. A label on several lines
    # needs the width of its longest line: pygal's estimate (the whole label on one line) is taken back.
    wide, extra = 0, 0.0
    for label in labels if horizontal else []:
        lines = wrapped.get(str(label))
        wide = max(wide, round(max(text_width(line) for line in lines)) if lines else _wide_chars(str(label)))
        if lines:
            extra = max(extra, 0.6 * (len(str(label)) - max(len(line) for line in lines)))
    chart = kind(style=CHART_STYLE, js=[], disable_xml_declaration=True, title=title, width=720, height=height,
                 legend_at_bottom=True, legend_at_bottom_columns=3, truncate_legend=-1,
                 margin_left=20 + round(0.45 * CHART_STYLE.label_font_size * wide)
                 - round(CHART_STYLE.label_font_size * extra),
                 # pygal's legend rows are lower than it reserves: the third row (窗口（前台接收）) fell
                 # below the chart's bottom edge; each row gets the room back.
                 margin_bottom=20 + 8 * -(-len(series) // 3),
                 x_label_rotation=30 if len(labels) > 8 and not horizontal else 0,
                 show_minor_x_labels=horizontal or len(labels) <= 16, truncate_label=-1, print_values=False,
                 stack_from_top=stacked, no_data_text="此范围内没有数据")
    chart.x_labels = labels
    if len(labels) > 16 and not horizontal:
        chart.x_labels_major = labels[:: max(1, len(labels) // 8)]
    if counts:
        chart.y_labels = count_ticks(count_top([values for _, values in series], stacked=stacked))
    if money:
        chart.y_labels = count_ticks(count_top([values for _, values in series], stacked=stacked), most=4)
        chart.value_formatter = lambda v: f"{v:,.0f}"
    for name, values in series:
        chart.add(name, values)
    # pygal writes its tooltip configuration as an inline script even with js=[]: the page's CSP
    # refuses inline scripts, and the chart needs none (tooltips are the table view's job).
    svg = _label_lines(_SCRIPT.sub("", chart.render(is_unicode=True)), wrapped)
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1))


def _date(raw: str | None, default: dt.date, label: str) -> dt.date:
    """A date of the address, read as every staff page reads one (`core.inputs.read_date`: 全角 digits
    read, 2020-02-30 said not to exist, within the plausible business dates: end=0001-01-01 answered
    500 when the start was computed a month before it, review finding D3)."""
    try:
        day = read_date(raw, label=label)
    except ValueError as e:
        raise BadParameter(str(e)) from None
    return default if day is None else day


class BadParameter(Exception):
    pass


def _params(user: Any, query: Mapping[str, str]) -> dict[str, Any]:
    """The period, grain and district of the address, each checked against its set (bad-input
    review D14: a period or a parameter outside what the dashboard knows is refused with 400 and a
    Chinese reason, never answered with empty figures). PermissionDenied for another's district."""
    today = clock.today()
    end = _date(query.get("end"), today, "截止日期")
    start = _date(query.get("start"), end - dt.timedelta(days=29), "起始日期")
    if start > end:
        raise BadParameter("起始日期不能晚于截止日期")
    if start > today:
        raise BadParameter(f"起始日期“{start.isoformat()}”晚于今天（{today:%Y-%m-%d}），尚无统计")
    if (end - start).days > 3660:
        raise BadParameter("时间范围不能超过十年")
    grain = query.get("grain") or ("day" if (end - start).days <= 45 else "week")
    if grain not in selectors.GRAINS:
        raise BadParameter("统计周期只能是按日、按周或按月")
    if grain == "day" and (end - start).days > 400:
        raise BadParameter("按日统计的时间范围不能超过400天，请按周或按月查看")
    try:  # a period that ends before anything was counted (E14)
        check_period(start, end, label="统计期间", today=today, first=selectors.records_from(),
                     first_what="最早的统计数据")
    except ValidationError as e:
        raise BadParameter(e.messages[0]) from None
    return {"start": start, "end": end, "grain": grain, "district_id": _district_param(user, query)}


def _district_param(user: Any, query: Mapping[str, str]) -> int | None:
    """``?district=``: a district center the user may see, or None (all they may see)."""
    district_id = None
    raw = query.get("district")
    if raw:
        district_id = id_text(raw)
        if district_id is None or not selectors.district_exists(district_id):
            raise BadParameter(f"区参数“{raw[:20]}”不是本市的区县经办机构")
        if not selectors.districts_visible(user).filter(pk=district_id).exists():
            raise PermissionDenied("只能查看本区的统计")
    if not selectors.districts_visible(user).exists():
        raise PermissionDenied("没有可查看的区县统计")
    return district_id


def _show(value: int | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "fen":
        return format_yuan(value)
    if unit == "permille":
        return f"{value / 10:.1f}%"
    return f"{value:,}"


def _typed(value: int | None, unit: str) -> Any:
    """A figure's value as a typed cell (reports.excel): printed as `_show` prints it on the page,
    stored as a number in a download."""
    if unit == "fen":
        return Yuan(value or 0) if value is not None else None
    if unit == "permille":
        return Share(value)
    return Count(value or 0) if value is not None else None


def _period_label(day: dt.date, grain: str) -> str:
    if grain == "month":
        return f"{day:%Y-%m}"
    if grain == "week":
        return f"{day:%m-%d}起"
    return f"{day:%m-%d}"


def _district_label(office: Any) -> str:
    """A district center as a row of a table or a bar of a chart names it: 朝阳区, not 朝阳区社会保险基金
    管理中心, 北京经济技术开发区 (review U6: thirteen characters squeezed the column to one character a line)."""
    return short_name(office.name)


def sheet_caption(board: selectors.Dashboard, title: str) -> str:
    """The title row of a dashboard download: what the table is, whose figures, which period, the unit,
    and when it was made, so a forwarded sheet reads alone (review-user8 F4)."""
    where = board.district.name if board.district else "全市"
    return (f"{title}｜{where}｜统计期间{board.start:%Y-%m-%d}至{board.end:%Y-%m-%d}｜金额单位：元｜"
            f"生成时间{clock.now():%Y-%m-%d %H:%M}｜{selectors.basis_text(board)}")


def _tables(board: selectors.Dashboard) -> dict[str, dict[str, Any]]:
    """Every table of the page (its title, header and rows as shown), the one source of the charts'
    table views and of their Excel downloads."""
    figures = {
        "title": "各项指标", "header": ["指标", "依据条款", "数值"], "money": True,
        "rows": [[f.zh, f.clause, _typed(board.value(f.code), f.unit)] for f in selectors.FIGURES],
    }
    case_figs = [f for f in selectors.FIGURES if f.code in (
        "applications", "contactless_share", "open", "overdue", "in_time_share", "fast_track_open",
        "owed_overdue", "flags_open", "incidents")]
    money_figs = [f for f in selectors.FIGURES if f.code in (
        "dues_fen", "paid_fen", "collection_rate", "arrears_fen", "relief_fen", "deductions_failed",
        "remittances_unmatched", "payroll_paid_fen", "payroll_unpaid_fen", "audit_cases_open")]
    # A district with no case figure in the period (layout review C: 15 of 17 rows of zeros): its row is
    # hidden until the leader asks for every district; the download keeps every row.
    idle = [not any(f.value(s) for f in case_figs) for _, s in board.districts]
    districts = {
        "idle": idle,
        "title": "各区办件情况", "header": ["区"] + [f"{f.zh}（{f.clause}）" for f in case_figs],
        "rows": [[_district_label(o)] + [_typed(f.value(s), f.unit) for f in case_figs] for o, s in board.districts],
    }
    money = {
        "title": "各区征缴情况", "header": ["区"] + [f"{f.zh}（{f.clause}）" for f in money_figs], "money": True,
        "rows": [[_district_label(o)] + [_typed(f.value(s), f.unit) for f in money_figs] for o, s in board.districts],
    }
    channel_names = selectors.BREAKDOWN["channel"].names()
    series = {
        "title": f"申请量（{selectors.GRAINS[board.grain]}，第0.4条）",
        "header": ["时间"] + list(channel_names.values()) + ["合计", "无接触占比"],
        "rows": [[_period_label(day, board.grain)] + [Count(s.n("applied", c)) for c in channel_names]
                 + [Count(s.n("applied")), Share(selectors.FIGURE["contactless_share"].value(s))]
                 for day, s in board.series],
    }
    tables = {"figures": figures, "districts": districts, "money": money, "series": series}
    for b in selectors.BREAKDOWNS:
        names = b.names()
        keys = board.total.keys(b.measure)
        order = [k for k in names if k in keys] + sorted(k for k in keys if k not in names)
        tables[b.code] = {
            "title": f"{b.zh}（第{b.clause}条）", "header": ["分项", "笔数", "金额（元）" if b.unit == "fen" else "占比"],
            "rows": [[names.get(k, k or "—"), Count(keys[k][0]),
                      Yuan(keys[k][1]) if b.unit == "fen" else _share(keys[k][0], keys)] for k in order],
        }
    return tables


def _share(n: int, keys: dict[str, tuple[int, int]]) -> Share:
    whole = sum(v[0] for v in keys.values())
    return Share(None if whole == 0 else round(n * 1000 / whole))


def _board(request: HttpRequest) -> tuple[dict[str, Any], selectors.Dashboard]:
    params = _params(request.user, request.GET)
    # Read only: the tallies are refreshed after the writes that change them and by
    # `shebao reports_refresh` (reports.refresher), never by a page's read.
    board = selectors.dashboard_figures(user=request.user, **params)
    return params, board


CHART_DISTRICTS = 8


def _district_bars(board: selectors.Dashboard, measures: list[tuple[str, Any]]) -> dict[str, Any]:
    """A district chart's bars (layout review C: both charts drew all 17 districts, 2 with data, and the page
    was 9,700 px tall): only the districts with a figure, the CHART_DISTRICTS largest by the first measure,
    the rest summed into one bar "其余N个区". The table under the chart still lists every district."""
    rows = [(o, [fn(s) for _, fn in measures]) for o, s in board.districts]
    rows = [(o, values) for o, values in rows if any(values)]
    rows.sort(key=lambda r: -r[1][0])
    shown, rest = rows[:CHART_DISTRICTS], rows[CHART_DISTRICTS:]
    labels = [_district_label(o) for o, _ in shown]
    columns = [[values[i] for _, values in shown] for i in range(len(measures))]
    if rest:
        labels.append(f"其余{len(rest)}个区")
        for i, column in enumerate(columns):
            column.append(sum(values[i] for _, values in rest))
    # a horizontal chart draws its first bar at the bottom: the largest district reads first, at the top
    return {"labels": labels[::-1],
            "series": [(name, column[::-1]) for (name, _), column in zip(measures, columns, strict=True)]}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        params, board = _board(request)
    except BadParameter as e:
        return TemplateResponse(request, "backoffice/dashboard.html", {"error": str(e), "grains": selectors.GRAINS},
                                status=400)
    tables = _tables(board)
    channel_names = selectors.BREAKDOWN["channel"].names()
    # Every period of the range, those with nothing too: the bars are evenly spaced in time (review-user5 F6).
    by_period = dict(board.series)
    periods = [(day, by_period.get(day) or selectors.Sums())
               for day in period_starts(board.start, board.end, board.grain)]
    labels = [_period_label(day, board.grain) for day, _ in periods]
    charts = {
        "series": _chart(pygal.StackedBar, title=tables["series"]["title"], labels=labels, stacked=True, counts=True,
                         series=[(name, [s.n("applied", code) for _, s in periods])
                                 for code, name in channel_names.items()]),
        "districts": _chart(pygal.HorizontalBar, title="各区在办与逾期（第9条）",
                            **_district_bars(board, [("在办", lambda s: s.n("open")),
                                                     ("逾期未办结", lambda s: s.overdue["open"]),
                                                     ("容缺材料逾期", lambda s: s.overdue["owed"])]),
                            counts=True),
        "money": _chart(pygal.HorizontalBar, title="各区应缴、已缴与欠缴（元）",
                        **_district_bars(board, [("应缴", lambda s: s.fen("dues") / 100),
                                                 ("已缴", lambda s: s.fen("paid") / 100),
                                                 ("欠缴", lambda s: s.fen("arrears") / 100)]), money=True),
    }
    breakdown_charts = []
    for b in selectors.BREAKDOWNS:
        t = tables[b.code]
        if not t["rows"]:
            continue
        breakdown_charts.append({
            "code": b.code, "table": t,
            "svg": _chart(pygal.HorizontalBar, title=t["title"], labels=[r[0] for r in t["rows"]],
                          series=[("笔数", [r[1].n for r in t["rows"]])], counts=True),
        })
    # An amount's tile says its unit (office16 walk, finding 3: 应缴金额 read 0.00, of what?): the page prints
    # ``fen`` through the yuan filter followed by 元, as every amount on the staff pages is written.
    values = {f.code: board.value(f.code) for f in selectors.FIGURES}
    figures = [{"f": f, "shown": _show(values[f.code], f.unit), "fen": values[f.code] if f.unit == "fen" else None}
               for f in selectors.FIGURES]
    query = {"start": params["start"].isoformat(), "end": params["end"].isoformat(), "grain": params["grain"]}
    qs_city = urlencode(query)
    qs = qs_city + (f"&district={params['district_id']}" if params["district_id"] else "")
    return TemplateResponse(request, "backoffice/dashboard.html", {
        "freshness": tallies_freshness(),
        "board": board, "figures": figures, "tables": tables, "charts": charts,
        "breakdown_charts": breakdown_charts, "grains": selectors.GRAINS, "query": query,
        "qs": qs, "qs_city": qs_city, "district_ids": [o.pk for o, _ in board.districts],
        "district_rows": list(zip([o for o, _ in board.districts], tables["districts"]["rows"],
                                  tables["districts"]["idle"], strict=True)),
        "idle_districts": sum(tables["districts"]["idle"]),
        "late_fees": selectors.late_fees_by_district(user=request.user, district_id=params["district_id"]),
        "drills": selectors.DRILLS, "basis": selectors.basis_text(board),
        # no district with a figure: no empty chart ("此范围内没有数据" drawn 700 px tall), a line says so
        "district_bars": any(s.n("open") or s.overdue["open"] or s.overdue["owed"] for _, s in board.districts),
        "money_bars": any(s.fen("dues") or s.fen("paid") or s.fen("arrears") for _, s in board.districts),
    })


@login_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """One table of the dashboard (``?table=``) as .xlsx: the same rows the page shows under the chart."""
    table = request.GET.get("table", "")
    try:
        params, board = _board(request)
    except BadParameter as e:
        return HttpResponse(str(e), status=400, content_type="text/plain; charset=utf-8")
    tables = _tables(board)
    if table not in tables:
        return HttpResponse(f"没有这张统计表（“{table[:20]}”）", status=400, content_type="text/plain; charset=utf-8")
    t = tables[table]
    where = board.district.name if board.district else "全市"
    return xlsx_response(f"{t['title']}_{where}_{params['start']:%Y%m%d}-{params['end']:%Y%m%d}",
                         title=t["title"], header=t["header"], rows=t["rows"], caption=sheet_caption(board, t["title"]))


def _drill(user: Any, query: Mapping[str, str]) -> tuple[dict[str, Any], str, Any]:
    params = _params(user, query)
    drill = query.get("figure", "")
    if drill not in selectors.DRILLS:
        raise BadParameter(f"没有这个指标的明细（“{drill[:20]}”）")
    key = query.get("key", "")
    keys = selectors.drill_keys(drill)
    if key and key not in keys:  # D14: key= took any text (5,000 characters) and answered an empty list
        allowed = "、".join(keys.values()) if keys else "无分项"
        raise BadParameter(f"分项“{key[:20]}”不属于这个指标（可选：{allowed}）")
    qs = selectors.drill_cases(user=user, drill=drill, start=params["start"], end=params["end"],
                               district_id=params["district_id"], key=key)
    return params, drill, qs


CASE_HEADER = ["申请编号", "业务", "渠道", "办理方式", "状态", "申请日期", "办理时限", "经办机构"]


def _case_row(c: Any) -> list[Any]:
    return [c.pk, c.business_zh, c.get_channel_display(), c.get_mode_display(), c.get_status_display(),
            c.applied_on, c.deadline, c.office.name]


@login_required
def dashboard_cases(request: HttpRequest) -> HttpResponse:
    """The cases behind a number of the dashboard (the same filter as the tally: its drill-down)."""
    try:
        params, drill, qs = _drill(request.user, request.GET)
    except BadParameter as e:
        return TemplateResponse(request, "backoffice/dashboard.html", {"error": str(e), "grains": selectors.GRAINS},
                                status=400)
    total = qs.count()
    return TemplateResponse(request, "backoffice/dashboard_cases.html", {
        "rows": list(qs[:500]), "total": total, "title": selectors.DRILLS[drill], "params": params,
        "query": request.GET.urlencode(),
    })


def dashboard_cases_spec(user: Any, params: Mapping[str, str]) -> Any:
    """The cases behind a number of the dashboard as a list to export (backoffice.exports.ExportSpec):
    the drill-down's filter (``figure``, ``key``, ``start``, ``end``, ``grain``, ``district``),
    checked as on the page (ValidationError for a bad one, PermissionDenied for another's district),
    every case of it in the page's order. No personal numbers: nothing is recorded as read."""
    from shebao.backoffice.exports import EXPORT_LIMIT, ExportSpec, _Reads

    try:
        params_, drill, qs = _drill(user, params)
    except BadParameter as e:
        raise ValidationError(str(e)) from None
    qs = qs.select_related("office")

    def rows() -> Iterator[list[Any]]:
        for c in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield _case_row(c)

    return ExportSpec(filename=f"{selectors.DRILLS[drill]}_{params_['start']:%Y%m%d}-{params_['end']:%Y%m%d}",
                      title="明细", header=CASE_HEADER, rows=rows, total=min(qs.count(), EXPORT_LIMIT),
                      reads=_Reads(user, "看板明细导出"))


@login_required
def dashboard_cases_export(request: HttpRequest) -> HttpResponse:
    """The cases behind a number of the dashboard as .xlsx (in the background when long)."""
    from shebao.backoffice.exports import _spec_download

    return _spec_download(request, "dashboard_cases", request.GET)


@login_required
def dashboard_monthly(request: HttpRequest) -> HttpResponse:
    """The leaders' monthly report of one month (``?month=YYYY-MM``, default this month) as a PDF
    with its charts (reports.monthly_pdf), for the districts the user may see (``?district=``)."""
    from urllib.parse import quote

    from shebao.core.pdffonts import PdfFontMissing, UnprintableText
    from shebao.reports.monthly_pdf import month_bounds, monthly_report_pdf

    today = clock.today()
    try:  # 1990-01 printed a report thirty years before any data (E14)
        raw = report_month(request.GET.get("month"), label="月份", today=today, default=f"{today:%Y-%m}",
                           first=selectors.records_from(), first_what="最早的统计数据")
    except ValidationError as e:
        return _bad(e.messages[0])
    try:
        district_id = _district_param(request.user, request.GET)
    except BadParameter as e:
        return _bad(str(e))
    start, end = month_bounds(raw, today=today)
    board = selectors.dashboard_figures(user=request.user, start=start, end=end, grain="week",
                                        district_id=district_id)
    try:
        pdf = monthly_report_pdf(board=board, month=raw, refreshed_at=tallies_freshness().refreshed_at,
                                 printed_by=str(request.user))
    except (PdfFontMissing, UnprintableText) as e:
        return HttpResponse(f"无法生成月报：{e}", status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    where = board.district.name if board.district else "全市"
    name = f"领导月报_{raw}_{where}.pdf"
    response["Content-Disposition"] = f"inline; filename=\"monthly-{raw}.pdf\"; filename*=UTF-8''{quote(name)}"
    return response


def _bad(text: str) -> HttpResponse:
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
