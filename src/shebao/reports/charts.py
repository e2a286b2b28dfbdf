"""Axis ticks of the charts of counts (issue 20): a count is whole, so its axis reads 0, 1, 2, 3,
never 0.5 (a leader read "0.5 cases overdue" off the dashboard's axis for small counts).

One rule for the dashboard's SVG charts (pygal, backoffice.dashboard) and the reports' PDF charts
(reportlab, reports.pdfcharts)."""

from __future__ import annotations

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
