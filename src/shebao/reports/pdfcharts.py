"""Bar charts drawn into the reports' PDFs by reportlab's own charting (reportlab.graphics): the
monthly report and the assessment report carry the same pictures a leader reads on the dashboard,
in the project's font (core.pdffonts), each beside the table it draws."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from shebao.reports.charts import count_ticks, count_top

PALETTE = (colors.HexColor("#1f5fa8"), colors.HexColor("#d9822b"), colors.HexColor("#2e8b57"),
           colors.HexColor("#b03a48"))


def chart_height(categories: int, series: int) -> float:
    """Points a horizontal bar chart of `categories` × `series` bars needs (each category named)."""
    return 40 + max(1, categories) * (8 * max(1, series) + 6) + (18 if series > 1 else 0)


def bar_chart(canvas: object, *, x: float, y: float, width: float, font: str, title: str,
              labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], counts: bool = False) -> float:
    """Draw a horizontal bar chart with its top-left corner at (`x`, `y`) on `canvas`; returns its
    height in points. `series` are (name, values) with one value per label (e.g. yuan, counts); a
    chart of `counts` reads whole numbers on its value axis (reports.charts: no 0.5 of a case)."""
    height = chart_height(len(labels), len(series))
    d = Drawing(width, height)
    d.add(String(0, height - 12, title, fontName=font, fontSize=10))
    chart = HorizontalBarChart()
    label_width = 90
    legend = 18 if len(series) > 1 else 0
    chart.x, chart.y = label_width, 14 + legend
    chart.width, chart.height = width - label_width - 10, height - 34 - legend
    # reportlab draws the first category at the bottom: reversed, the chart reads top-down like its table.
    chart.data = [list(reversed([float(v) for v in values])) or [0.0] for _, values in series]
    chart.categoryAxis.categoryNames = list(reversed(list(labels))) or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    if counts:
        ticks = count_ticks(count_top([values for _, values in series]))
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = ticks[-1], ticks[1] - ticks[0]
        chart.valueAxis.labelTextFormat = "%d"
    chart.barSpacing = 1
    for i in range(len(series)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    d.add(chart)
    if len(series) > 1:
        key = Legend()
        key.x, key.y = label_width, 8
        key.fontName, key.fontSize = font, 7
        key.alignment = "right"
        key.columnMaximum = 1
        key.deltax = 90
        key.colorNamePairs = [(PALETTE[i % len(PALETTE)], name) for i, (name, _) in enumerate(series)]
        d.add(key)
    renderPDF.draw(d, canvas, x, y - height)
    return height
