"""The dashboard's charts keep their bars readable (review-user5 F6): a chart of long names (the 减免
chart's relief rules, 30 characters) draws each name on up to three lines so the plot keeps most of the
width (it was 90 px of 720 on a desktop, 25 px on a phone, with ticks running together as "0246810");
a chart of money has few ticks, each with thousands separators ("120000160000200000…" ran together);
a chart 按日 shows every day of the range, those with nothing too, so its bars are evenly spaced in time."""

from __future__ import annotations

import datetime as dt
import re

import pygal
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from shebao.backoffice.dashboard import _chart
from shebao.reports.charts import LABEL_LINE, period_starts, text_width, wrap_label
from shebao.rules.relief import load_relief_pack, relief_pack_names
from tests.reports.test_dashboard import Q, cases  # noqa: F401 (the fixture)

_TEXT = re.compile(r"<text[^>]*>(.*?)</text>", re.S)
_PLOT = re.compile(r'class="plot"><rect x="0" y="0" width="([0-9.]+)"')


def _relief_labels() -> list[str]:
    return [rule.label for name in relief_pack_names() for rule in load_relief_pack(name).reliefs]


def _plot_width(svg: str) -> float:
    svg = str(svg)
    found = _PLOT.search(svg)
    assert found, svg[:400]
    return float(found.group(1))


def test_long_names_leave_the_bars_most_of_the_width():
    labels = _relief_labels()
    assert max(len(label) for label in labels) >= 25  # the names the review saw
    svg = str(_chart(pygal.HorizontalBar, title="减免（按政策条目）（第0.3c条）", labels=labels,
                     series=[("笔数", list(range(1, len(labels) + 1)))], counts=True))
    assert _plot_width(svg) >= 720 * 0.5, _plot_width(svg)  # was about 90 of 720
    # every name is there whole, as the title of its label, and on lines no wider than LABEL_LINE
    for label in labels:
        assert f"<title>{label}</title>" in svg, label
    spans = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert spans and all(text_width(s) <= LABEL_LINE + 0.01 for s in spans), spans


def test_short_names_are_drawn_as_before():
    svg = str(_chart(pygal.HorizontalBar, title="t", labels=["朝阳区", "海淀区"], series=[("在办", [1, 2])],
                     counts=True))
    assert "<tspan" not in svg and ">朝阳区</text>" in svg


@given(st.text(alphabet="中小微企业免征三项社会保险单位缴费（2020年2月至6月）abc ", min_size=1, max_size=60))
def test_a_wrapped_name_reads_as_the_name(text):
    lines = wrap_label(text)
    assert 1 <= len(lines) <= 3 and all(text_width(line) <= LABEL_LINE for line in lines)
    joined = "".join(lines)
    assert joined == text or (joined.endswith("…") and text.startswith(joined[:-1]))


def test_money_ticks_have_thousands_separators_and_are_few():
    svg = str(_chart(pygal.HorizontalBar, title="各区应缴、已缴与欠缴（元）", labels=["朝阳区", "海淀区"],
                     series=[("应缴", [123_456.78, 320_000.0]), ("已缴", [100_000.0, 280_000.0])], money=True))
    ticks = [t for t in _TEXT.findall(svg) if re.fullmatch(r"[0-9][0-9,]*", t)]
    assert "100,000" in ticks and "0" in ticks, ticks
    assert 3 <= len(ticks) <= 5, ticks
    assert not [t for t in ticks if len(t) > 3 and "," not in t], ticks


def test_period_starts_cover_the_range_evenly():
    days = period_starts(dt.date(2020, 1, 22), dt.date(2020, 2, 20), "day")
    assert len(days) == 30 and days[0] == dt.date(2020, 1, 22) and days[-1] == dt.date(2020, 2, 20)
    weeks = period_starts(dt.date(2020, 1, 22), dt.date(2020, 2, 20), "week")
    assert weeks[0] == dt.date(2020, 1, 20) and all((b - a).days == 7 for a, b in zip(weeks, weeks[1:]))
    months = period_starts(dt.date(2019, 11, 22), dt.date(2020, 2, 20), "month")
    assert months == [dt.date(2019, 11, 1), dt.date(2019, 12, 1), dt.date(2020, 1, 1), dt.date(2020, 2, 1)]


def test_the_daily_chart_shows_every_day_of_the_range(client, leader, cases, settings):  # noqa: F811
    settings.SHEBAO_TODAY = "2020-03-01"
    client.force_login(leader)
    r = client.get(reverse("backoffice:dashboard"), Q)
    assert r.status_code == 200
    svg = str(r.context["charts"]["series"])
    # every bar names its day: 02-01 … 02-29 without a gap, the days without applications too
    days = re.findall(r'<desc class="x_label">([^<]*)</desc>', svg)
    assert sorted(set(days)) == [f"02-{d:02d}" for d in range(1, 30)], sorted(set(days))
