"""A chart of counts reads whole numbers on its value axis (issue 20): 0, 1, 2, never 0.5 of a case,
on the dashboard's SVG charts (pygal) and on the reports' PDF charts (reportlab)."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfgen import canvas as pdfcanvas

from shebao.reports.charts import count_ticks, count_top
from shebao.reports.pdfcharts import bar_chart
from tests.reports.test_dashboard import Q, cases  # noqa: F401 (the fixture)

_NUMBER = re.compile(r"<text[^>]*>\s*([0-9][0-9,.]*)\s*</text>")


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), st.integers(min_value=1, max_value=20))
def test_count_ticks_are_whole_evenly_spaced_from_zero_and_cover_the_largest_bar(top, most):
    ticks = count_ticks(top, most=most)
    assert all(isinstance(t, int) for t in ticks) and ticks[0] == 0
    assert ticks[-1] >= top and ticks[-1] >= 1
    assert 2 <= len(ticks) <= most + 1
    step = ticks[1] - ticks[0]
    assert all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
    assert ticks[-1] - step < max(top, 1)  # no tick wasted above the largest bar


def test_count_top_reads_the_largest_bar_or_stack():
    assert count_top([[1, 2], [0, 3]]) == 3
    assert count_top([[1, 2], [0, 3]], stacked=True) == 5
    assert count_top([[None, 2]], stacked=True) == 2 and count_top([]) == 0


def test_the_dashboards_charts_of_counts_read_whole_numbers(client, leader, cases, settings):  # noqa: F811
    settings.SHEBAO_TODAY = "2020-03-01"
    client.force_login(leader)
    r = client.get(reverse("backoffice:dashboard"), Q)
    assert r.status_code == 200
    svgs = [r.context["charts"]["series"], r.context["charts"]["districts"]]
    svgs += [c["svg"] for c in r.context["breakdown_charts"]]
    assert len(svgs) >= 3
    for svg in svgs:
        labels = _NUMBER.findall(str(svg))
        assert "1" in labels, labels  # the axis is labelled ...
        assert not [t for t in labels if "." in t], labels  # ... in whole numbers only (3 cases: was 0.5, 1.5)


def _pdf_numbers(counts: bool) -> set[str]:
    out = io.BytesIO()
    c = pdfcanvas.Canvas(out)
    bar_chart(c, x=40, y=800, width=500, font="Helvetica", title="T", labels=["A", "B"],
              series=[("n", [1, 3])], counts=counts)
    c.save()
    text = PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def test_the_pdf_charts_of_counts_read_whole_numbers():
    numbers = _pdf_numbers(counts=True)
    assert {"0", "1", "2", "3"} <= numbers and not [n for n in numbers if "." in n], numbers
    assert [n for n in _pdf_numbers(counts=False) if "." in n]  # reportlab's own ticks: 0.5 of a case
