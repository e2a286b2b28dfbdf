"""A date of 2020-02-30 was called a format error (格式错误) when the day does not exist (review-input12
F16): `core.inputs.date_text_problem` says which, on every page, command and the API's date fields.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.core.inputs import date_text_problem, iso_date


@given(st.integers(1000, 9999), st.integers(0, 19), st.integers(0, 39))
def test_a_date_of_the_right_shape_is_a_day_or_said_not_to_exist(year, month, day):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    problem = date_text_problem(text, label="日期")
    try:
        real = dt.date(year, month, day)
    except ValueError:
        real = None
    if real is not None:
        assert problem == "" and iso_date(text) == real
        return
    assert problem.startswith(f"日期“{text}”不存在：") and "格式错误" not in problem
    if 1 <= month <= 12 and day >= 1:
        assert problem.endswith(f"{year}年{month}月只有{calendar.monthrange(year, month)[1]}天")
    with pytest.raises(ValueError, match="不存在"):
        iso_date(text)


@pytest.mark.parametrize("text", ["2020/02/20", "20-02-20", "abc", "２０２０年", "2020-02-20x",
                                  # review-input13 F6: real days in other shapes were said not to exist, or
                                  # (the basic form) taken as dates
                                  "２０２０-０２-１９", "2020-2-19", "2020-02-1", "20200219"])
def test_a_date_of_another_shape_is_a_format_error(text):
    assert "格式错误，应为年-月-日" in date_text_problem(text)
    assert "不存在" not in date_text_problem(text)
    with pytest.raises(ValueError, match="格式错误"):
        iso_date(text)
