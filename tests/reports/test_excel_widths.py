"""Every downloaded sheet is readable as opened (issue 20): each column as wide as its header and its
values as shown, Chinese counted double, within bounds; the header row frozen. Before, no sheet set a
width: every column opened at the spreadsheet's default, a company name cut off and a 2,345,678.90
amount shown as ####."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from shebao.reports.excel import (
    MAX_WIDTH,
    MIN_WIDTH,
    WIDTH_SAMPLE_ROWS,
    Yuan,
    column_widths,
    text_width,
    xlsx_write,
)


def test_text_width_counts_chinese_double():
    assert text_width("社会保险") == 8 and text_width("2020-02") == 7 and text_width("𠮷a") == 3


def test_a_written_sheet_has_widths_from_header_and_values_and_a_frozen_header(tmp_path):
    path = tmp_path / "w.xlsx"
    rows = [(1, "北京市朝阳区某某科技有限公司", Yuan(234_567_890), dt.date(2020, 2, 20), "x" * 500)]
    rows += [(i, "甲", Yuan(1), dt.date(2020, 2, 21), "y") for i in range(2, 300)]
    assert xlsx_write(str(path), title="清单", header=["序号", "单位名称", "金额（元）", "日期", "备注"], rows=rows) == 299
    ws = load_workbook(path).active
    widths = {c: ws.column_dimensions[c].width for c in "ABCDE"}
    assert widths["A"] == max(MIN_WIDTH, text_width("序号") + 2) == 6
    assert widths["B"] == text_width("北京市朝阳区某某科技有限公司") + 2 == 30
    assert widths["C"] == max(text_width("金额（元）"), text_width("2,345,678.90")) + 2 == 14
    assert widths["D"] == 12  # yyyy-mm-dd
    assert widths["E"] == MAX_WIDTH  # a long note is cut to the bound, its text kept whole
    assert ws.freeze_panes == "A2"
    # Every row is written, the sampled ones and the streamed ones, in order.
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == list(range(1, 300))
    assert ws.cell(row=2, column=5).value == "x" * 500


def test_only_the_first_rows_are_measured_so_the_sheet_still_streams(tmp_path):
    """The rows are an iterator read once: the widths come from the first WIDTH_SAMPLE_ROWS, and a long
    value after them is written whole without widening its column."""
    path = tmp_path / "s.xlsx"
    rows = iter([("甲",)] * WIDTH_SAMPLE_ROWS + [("很长很长很长很长很长很长很长很长",)])
    assert xlsx_write(str(path), title="s", header=["名"], rows=rows) == WIDTH_SAMPLE_ROWS + 1
    ws = load_workbook(path).active
    assert ws.column_dimensions["A"].width == MIN_WIDTH
    assert ws.cell(row=WIDTH_SAMPLE_ROWS + 2, column=1).value == "很长很长很长很长很长很长很长很长"


@given(st.lists(st.text(max_size=80), min_size=1, max_size=6),
       st.lists(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=80)), max_size=8), max_size=5))
def test_widths_are_one_per_header_column_and_within_bounds(header, rows):
    widths = column_widths(header, rows)
    assert len(widths) == len(header)
    assert all(MIN_WIDTH <= w <= MAX_WIDTH for w in widths)
    for i, h in enumerate(header):
        assert widths[i] >= min(MAX_WIDTH, text_width(h) + 2)


@pytest.mark.parametrize("value, shown", [(None, ""), (Yuan(100), "1.00"), (dt.datetime(2020, 1, 1, 8), "0000-00-00 00:00:00")])
def test_values_are_measured_as_shown(value, shown):
    assert column_widths([""], [(value,)]) == [max(MIN_WIDTH, text_width(shown) + 2)]
