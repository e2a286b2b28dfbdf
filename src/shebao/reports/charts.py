"""Axis ticks of the charts of counts (issue 20): a count is whole, so its axis reads 0, 1, 2, 3,
never 0.5 (a leader read "0.5 cases overdue" off the dashboard's axis for small counts).

One rule for the dashboard's SVG charts (pygal, backoffice.dashboard) and the reports' PDF charts
(reportlab, reports.pdfcharts)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

STEPS = (1, 2, 5)


def count_ticks(top: float, *, most: int = 8) -> list[int]:
    """Whole-number ticks from 0 up to at least `top` (the largest bar, ≥ 0), evenly spaced by 1, 2, 5,
    10, 20, 50, … — the smallest step that needs no more than `most` intervals. An empty or all-zero
    chart gets [0, 1]."""
    top = max(1, math.ceil(top))
    scale = 1
    while True:
        for m in STEPS:
            step = scale * m
            intervals = math.ceil(top / step)
            if intervals <= most:
                return [i * step for i in range(intervals + 1)]
        scale *= 10


def count_top(series: Sequence[Sequence[float | None]], *, stacked: bool = False) -> float:
    """The largest bar of `series` (one list of values per series, aligned by label): the largest
    value, or, for stacked bars, the largest sum of a label's values. None counts as 0."""
    if not series:
        return 0
    if stacked:
        width = max((len(values) for values in series), default=0)
        return max((sum((values[i] or 0) for values in series if i < len(values)) for i in range(width)), default=0)
    return max((v or 0 for values in series for v in values), default=0)


# --- Category labels and the time axis (review-user5 F6) -------------------------------------------------
LABEL_LINE = 11  # full-width characters on one line of a bar's name on a horizontal chart
LABEL_LINES = 3


def _width(ch: str) -> float:
    import unicodedata

    return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55


def text_width(text: str) -> float:
    """The width of `text` in ems: a Chinese (wide or full-width) character one em, any other about half."""
    return sum(_width(ch) for ch in text)


def wrap_label(text: str, width: float = LABEL_LINE, lines: int = LABEL_LINES) -> list[str]:
    """A bar's name cut into lines of at most `width` ems, at most `lines` of them (the last one ends
    with … when the name is longer). A line breaks before an opening bracket when one is near, so
    "（2020年2月至6月）" stays whole. The 减免 chart's names (30 characters) took the left margin
    and left the bars 90 px on a desktop and 25 px on a phone (review-user5 F6).

    >>> wrap_label("大型企业三项社会保险单位缴费减半征收（2020年2月至4月）")
    ['大型企业三项社会保险单', '位缴费减半征收', '（2020年2月至4月）']
    >>> wrap_label("朝阳区")
    ['朝阳区']
    """
    out: list[str] = []
    rest = text
    while rest and len(out) < lines:
        used, cut = 0.0, len(rest)
        for i, ch in enumerate(rest):
            if used + _width(ch) > width:
                cut = i
                break
            used += _width(ch)
        if cut < len(rest):
            bracket = rest.rfind("（", 0, cut + 1)
            if bracket > 0 and bracket >= cut // 3:
                cut = bracket
        out.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        last = out[-1]
        while last and text_width(last) + 1 > width:
            last = last[:-1]
        out[-1] = last + "…"
    return out


def period_starts(start: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    """Every period from the one holding `start` to the one holding `end`, by its first day: each day
    (grain "day"), each Monday ("week"), each first of a month ("month"). A chart "按日" shows every
    day of the range, those with nothing too, so its bars are evenly spaced in time (review-user5 F6:
    02-01, 02-07, 02-09 … for a range from 01-22)."""
    if grain == "week":
        day, step = start - dt.timedelta(days=start.weekday()), 7
    elif grain == "month":
        day, step = start.replace(day=1), 0
    else:
        day, step = start, 1
    out = []
    while day <= end:
        out.append(day)
        if step:
            day += dt.timedelta(days=step)
        else:
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out
