"""The leaders' monthly report (领导月报) as a PDF, in Chinese, with its charts (issue 20).

One month of the dashboard on paper for the leaders' meeting: every figure with the clause it
answers, the applications by channel (the share of no-contact service, 0.4), each district's work
(open, overdue: 9; owed documents: 1.3) and money (dues, paid, arrears: 3, 0.3), each table with a
bar chart drawn by reportlab's charting (reports.pdfcharts), and when the figures were refreshed.
The figures are the dashboard's (reports.selectors over the tallies), never counted from the rows.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from reportlab.lib.units import mm

from shebao.core.money import format_yuan
from shebao.registry.offices import short_name
from shebao.reports import selectors
from shebao.reports.pdfcharts import bar_chart, chart_height
from shebao.reports.pdfpages import LEFT, RIGHT, Pages
from shebao.rules.wording import month_zh

FIG_HEADS = ["指标", "依据条款", "本月数值"]
WORK_HEADS = ["区", "申请量", "无接触占比", "在办", "逾期未办结", "容缺材料逾期"]
MONEY_HEADS = ["区", "应缴（元）", "已缴（元）", "欠缴（元）", "征缴率", "待遇已支付（元）"]



def show(value: int | None, unit: str) -> str:
    """A figure as printed: yuan with two decimals, a count with separators, a share in percent."""
    if value is None:
        return "—"
    if unit == "fen":
        return f"{format_yuan(value)}元"
    if unit == "permille":
        return f"{value / 10:.1f}%"
    return f"{value:,}"


def _chart(pages: Pages, *, title: str, labels: list[str], series: list[tuple[str, list[float]]],
           counts: bool = False) -> None:
    pages.y -= 3 * mm
    pages.need(chart_height(len(labels), len(series)))
    pages.y -= bar_chart(pages.c, x=LEFT, y=pages.y, width=RIGHT - LEFT, font=pages.font, title=title,
                         labels=labels, series=series, counts=counts)


def monthly_report_pdf(*, board: selectors.Dashboard, month: str, refreshed_at: dt.datetime | None,
                       printed_by: str) -> bytes:
    """The month's report of `board` (reports.selectors.dashboard_figures over the month) as PDF bytes.

    `month` is ``YYYY-MM``; `refreshed_at` when the tallies were last refreshed (printed on the
    report). Raises core.pdffonts' `PdfFontMissing` / `UnprintableText` rather than print a gap."""
    where = board.district.name if board.district else "全市"
    pages = Pages.open(title=f"领导月报：{month_zh(month)}（{where}）",
                       heading=f"社会保险经办领导月报（{month_zh(month)}）")
    pages.text(f"范围：{where}；统计期间：{board.start:%Y-%m-%d}至{board.end:%Y-%m-%d}", 10)
    fresh = (f"统计数据更新于{timezone.localtime(refreshed_at):%Y-%m-%d %H:%M}" if refreshed_at
             else "统计数据尚未生成")
    pages.text(f"{fresh}；{selectors.basis_text(board)}逾期按{board.today:%Y-%m-%d}计算。", 9)
    pages.y -= 2 * mm
    pages.heading("一、各项指标")
    pages.table(FIG_HEADS, [[f.zh, f"第{f.clause}条", show(board.value(f.code), f.unit)] for f in selectors.FIGURES],
                empty="没有指标。")
    channels = selectors.BREAKDOWN["channel"].names()
    applied = board.total.keys("applied")
    if applied:
        order = [k for k in channels if k in applied]
        _chart(pages, title="申请渠道（第0.4条，笔）", labels=[channels[k] for k in order],
               series=[("申请量", [applied[k][0] for k in order])], counts=True)
    districts = board.districts
    labels = [short_name(o.name) for o, _ in districts]
    pages.y -= 4 * mm
    pages.heading("二、各区办件（第9条、第1.3条）")
    fig = selectors.FIGURE
    pages.table(WORK_HEADS, [[o.name, show(fig["applications"].value(s), "n"),
                              show(fig["contactless_share"].value(s), "permille"), show(fig["open"].value(s), "n"),
                              show(fig["overdue"].value(s), "n"), show(fig["owed_overdue"].value(s), "n")]
                             for o, s in districts], empty="没有区的数据。")
    if districts:
        _chart(pages, title="各区在办与逾期（笔）", labels=labels,
               series=[("在办", [s.n("open") for _, s in districts]),
                       ("逾期未办结", [s.overdue["open"] for _, s in districts])], counts=True)
    pages.y -= 4 * mm
    pages.heading("三、各区征缴与待遇发放（第3条、第0.3条、第2.1条）")
    pages.table(MONEY_HEADS, [[o.name, format_yuan(s.fen("dues")), format_yuan(s.fen("paid")),
                               format_yuan(s.fen("arrears")), show(fig["collection_rate"].value(s), "permille"),
                               format_yuan(s.fen("payroll", "paid"))] for o, s in districts], empty="没有区的数据。")
    if districts:
        _chart(pages, title="各区应缴、已缴与欠缴（元）", labels=labels,
               series=[("应缴", [s.fen("dues") / 100 for _, s in districts]),
                       ("已缴", [s.fen("paid") / 100 for _, s in districts]),
                       ("欠缴", [s.fen("arrears") / 100 for _, s in districts])])
    return pages.finish(note="说明：各项依据北京市社会保险基金管理中心2020年1月31日通知所列条款；数字取自随办件更新的统计表，"
                             "与看板一致。", printed_by=printed_by)


def month_bounds(month: str, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of `month` and its last day (or today, for the month in progress)."""
    first = dt.date(int(month[:4]), int(month[5:7]), 1)
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, min(nxt - dt.timedelta(days=1), today)


__all__ = ["month_bounds", "monthly_report_pdf", "show"]
