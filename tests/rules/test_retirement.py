"""Statutory retirement ages by birth cohort: every boundary of the 2024 schedule, worked out by hand
from the NPC Standing Committee's decision of 2024-09-13 (annex tables 1-3), and the 4.2 decisions."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules import PackError, add_months, decide, load_policy
from shebao.rules.cli import main
from shebao.rules.dates import SCALAR, day_number, month_index, month_str, numpy_ops
from shebao.rules.policy import PACKS_DIR
from shebao.rules.retirement import retirement_for, schedule

BASE = load_policy("base")

# (birth month, gender, cadre, age years, age months, retirement month): the last cohort before each
# rise, the first and last cohort of the first and second steps, the first of the third, the first
# and last cohort of the last step before the cap, the first and last cohorts of the first year at
# the cap and one after it.
BOUNDARIES = [
    # men: 60, from 1965-01 one month per 4 months of birth, up to 63
    ("1964-12", "male", None, 60, 0, "2024-12"),
    ("1965-01", "male", None, 60, 1, "2025-02"),
    ("1965-04", "male", None, 60, 1, "2025-05"),
    ("1965-05", "male", None, 60, 2, "2025-07"),
    ("1965-08", "male", None, 60, 2, "2025-10"),
    ("1965-09", "male", None, 60, 3, "2025-12"),
    ("1976-05", "male", None, 62, 11, "2039-04"),
    ("1976-08", "male", None, 62, 11, "2039-07"),
    ("1976-09", "male", None, 63, 0, "2039-09"),
    ("1976-12", "male", None, 63, 0, "2039-12"),
    ("1977-01", "male", None, 63, 0, "2040-01"),
    ("1990-06", "male", None, 63, 0, "2053-06"),
    # women cadres: 55, from 1970-01 one month per 4 months, up to 58
    ("1969-12", "female", True, 55, 0, "2024-12"),
    ("1970-01", "female", True, 55, 1, "2025-02"),
    ("1970-04", "female", True, 55, 1, "2025-05"),
    ("1970-05", "female", True, 55, 2, "2025-07"),
    ("1970-08", "female", True, 55, 2, "2025-10"),
    ("1970-09", "female", True, 55, 3, "2025-12"),
    ("1981-05", "female", True, 57, 11, "2039-04"),
    ("1981-08", "female", True, 57, 11, "2039-07"),
    ("1981-09", "female", True, 58, 0, "2039-09"),
    ("1981-12", "female", True, 58, 0, "2039-12"),
    ("1982-01", "female", True, 58, 0, "2040-01"),
    # women workers: 50, from 1975-01 one month per 2 months, up to 55
    ("1974-12", "female", False, 50, 0, "2024-12"),
    ("1975-01", "female", False, 50, 1, "2025-02"),
    ("1975-02", "female", False, 50, 1, "2025-03"),
    ("1975-03", "female", False, 50, 2, "2025-05"),
    ("1975-04", "female", False, 50, 2, "2025-06"),
    ("1975-05", "female", False, 50, 3, "2025-08"),
    ("1984-09", "female", False, 54, 11, "2039-08"),
    ("1984-10", "female", False, 54, 11, "2039-09"),
    ("1984-11", "female", False, 55, 0, "2039-11"),
    ("1984-12", "female", False, 55, 0, "2039-12"),
    ("1985-01", "female", False, 55, 0, "2040-01"),
    # before the reform: the 1978 ages
    ("1960-04", "male", None, 60, 0, "2020-04"),
    ("1965-04", "female", True, 55, 0, "2020-04"),
    ("1970-04", "female", False, 50, 0, "2020-04"),
]


@pytest.mark.parametrize(("month", "gender", "cadre", "years", "months", "reached"), BOUNDARIES,
                         ids=[f"{g}-{'cadre' if c else 'worker' if c is False else ''}-{m}"
                              for m, g, c, *_ in BOUNDARIES])
def test_each_boundary_cohort_gets_the_age_and_month_of_the_schedule(
    month: str, gender: str, cadre: bool | None, years: int, months: int, reached: str,
) -> None:
    for day in (1, 15, 28):  # any day of the birth month: the age depends on the month only
        r = retirement_for(BASE, birth_date=date.fromisoformat(f"{month}-{day:02d}"), gender=gender, cadre=cadre)
        assert (r.age_years, r.age_months, r.month) == (years, months, reached)


def test_the_age_is_reached_on_the_birthday_the_civil_code_way() -> None:
    r = retirement_for(BASE, birth_date=date(1965, 1, 31), gender="male")
    assert (r.month, r.day) == ("2025-02", date(2025, 2, 28))
    r = retirement_for(BASE, birth_date=date(1975, 3, 31), gender="female", cadre=False)
    assert (r.age_months, r.day) == (2, date(2025, 5, 31))


def test_a_womans_category_is_required_and_never_guessed() -> None:
    from shebao.rules import InputError

    with pytest.raises(InputError, match="category"):
        retirement_for(BASE, birth_date=date(1975, 1, 1), gender="female")


def test_the_epidemic_pack_inherits_the_schedule_of_the_base_pack() -> None:
    r = retirement_for(load_policy(), birth_date=date(1976, 9, 1), gender="male")
    assert (r.age_years, r.age_months) == (63, 0)


def _oracle(birth_month: int, gender: str, cadre: bool | None) -> int:
    """The decision's text read literally: age in months, counted by hand for each cohort."""
    base, start, every, target = {
        "male": (60, "1965-01", 4, 63), True: (55, "1970-01", 4, 58), False: (50, "1975-01", 2, 55),
    }[gender if gender == "male" else bool(cadre)]
    months_after = birth_month - month_index(start)
    if months_after < 0:
        return 12 * base
    rise = months_after // every + 1  # cohorts 0..every-1 after the start rise by 1
    return 12 * base + min(rise, 12 * (target - base))


PEOPLE = st.tuples(st.dates(date(1940, 1, 1), date(2010, 12, 31)),
                   st.sampled_from([("male", None), ("female", True), ("female", False)]))


@settings(max_examples=300, deadline=None)
@given(PEOPLE)
def test_every_cohort_gets_the_age_the_decision_gives_it(person: Any) -> None:
    born, (gender, cadre) = person
    r = retirement_for(BASE, birth_date=born, gender=gender, cadre=cadre)
    m = month_index(born.isoformat()[:7])
    assert r.total_months == _oracle(m, gender, cadre)
    assert r.month == month_str(m + r.total_months)
    assert r.day == add_months(born, r.total_months)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([("male", None), ("female", True), ("female", False)]),
       st.dates(date(1940, 1, 1), date(2010, 11, 30)))
def test_a_later_cohort_never_retires_earlier_nor_more_than_a_month_older(kind: Any, born: date) -> None:
    gender, cadre = kind
    a = retirement_for(BASE, birth_date=born.replace(day=1), gender=gender, cadre=cadre)
    b = retirement_for(BASE, birth_date=add_months(born.replace(day=1), 1), gender=gender, cadre=cadre)
    assert b.total_months - a.total_months in (0, 1)
    assert month_index(b.month) - month_index(a.month) in (1, 2)


@settings(max_examples=50, deadline=None)
@given(st.lists(PEOPLE, min_size=1, max_size=40))
def test_a_column_of_people_gets_the_same_ages_as_one_at_a_time(people: Any) -> None:
    sched = schedule(BASE)
    days = np.array([day_number(b) for b, _ in people], dtype="int64")
    cats = np.array([0 if g == "male" else 1 if c else 2 for _, (g, c) in people], dtype="int64")
    column = np.asarray(sched.age_months(days, cats, numpy_ops())).tolist()
    assert column == [sched.age_months(int(d), int(c), SCALAR) for d, c in zip(days, cats)]


def test_a_reform_that_would_change_an_age_already_reached_is_refused(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    f = packs / "base" / "parameters" / "retirement.yaml"
    f.write_text(f.read_text().replace('male: "1965-01"', 'male: "1960-01"'))
    with pytest.raises(PackError, match="male born in 1960-01, who reached it before 2025-01-01"):
        schedule(load_policy("base", packs_dir=packs))


# 4.2 near retirement with the schedule (Reading 4.2: application day + 3 months after the day the
# person reaches the age).
def _backfill(applied_on: str, birth: str, gender: str = "male", **person: Any) -> tuple[str, str]:
    d = decide({"business": "account_backfill", "applied_on": applied_on,
                "person": {"gender": gender, "birth_date": birth, **person}})
    return d.mode, d.explanation_zh


def test_a_man_of_the_first_cohort_is_near_three_months_before_sixty_and_one_month() -> None:
    # born 1965-03-10: 60 years 1 month, reached 2025-04-10 (60 alone would be 2025-03-10)
    assert _backfill("2024-12-20", "1965-03-10")[0] == "postponed"
    assert _backfill("2025-01-10", "1965-03-10")[0] == "postponed"  # + 3 months = 2025-04-10: not after
    mode, text = _backfill("2025-01-11", "1965-03-10")
    assert mode == "commitment"
    assert "2025-04-10达到法定退休年龄60岁1个月" in text


def test_a_woman_worker_of_the_second_step_retires_at_fifty_and_two_months() -> None:
    # born 1975-04-10: 50 years 2 months, reached 2025-06-10
    assert _backfill("2025-03-10", "1975-04-10", "female", cadre=False)[0] == "postponed"
    mode, text = _backfill("2025-03-11", "1975-04-10", "female", cadre=False)
    assert mode == "commitment" and "50岁2个月" in text


def test_a_man_at_the_cap_retires_at_sixty_three() -> None:
    assert _backfill("2039-06-01", "1976-09-01")[0] == "postponed"  # + 3 months = 2039-09-01: not after
    mode, text = _backfill("2039-06-02", "1976-09-01")
    assert mode == "commitment" and "2039-09-01达到法定退休年龄63周岁" in text


def test_a_decision_cites_the_schedule_it_used() -> None:
    d = decide({"business": "account_backfill", "applied_on": "2025-01-11",
                "person": {"gender": "male", "birth_date": "1965-03-10"}})
    assert d.parameters["retirement.target_age"]["value"]["male"] == 63
    assert d.parameters["retirement.rise_every_birth_months"]["value"] == {
        "male": 4, "female_cadre": 4, "female_worker": 2}
    assert "2024-09-13" in d.parameters["retirement.rise_from_birth_month"]["document"]


def run(text: str) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    rc = main(["retirement"], stdin=io.StringIO(text), stdout=out)
    return rc, [json.loads(x) for x in out.getvalue().splitlines()]


def test_the_retirement_command_answers_each_line_in_order() -> None:
    lines = [
        {"id": "m", "birth_date": "1965-01-15", "gender": "male"},
        {"id": "m-cat", "birth_date": "1965-01-15", "gender": "male", "category": "worker"},
        {"id": "c", "birth_date": "1981-09-30", "gender": "female", "category": "cadre"},
        {"id": "w", "birth_date": "1975-03-01", "gender": "female", "category": "worker"},
    ]
    rc, got = run("\n".join(json.dumps(x) for x in lines) + "\n")
    assert rc == 0
    assert got == [
        {"id": "m", "age_years": 60, "age_months": 1, "retirement_month": "2025-02"},
        # a man's category does not count, and the answer says so (review-input12 F12: ignored silently)
        {"id": "m-cat", "age_years": 60, "age_months": 1, "retirement_month": "2025-02",
         "note": "男性的法定退休年龄不分干部与工人，所填身份类别 category 不影响结果 / category applies to women only"},
        {"id": "c", "age_years": 58, "age_months": 0, "retirement_month": "2039-09"},
        {"id": "w", "age_years": 50, "age_months": 2, "retirement_month": "2025-05"},
    ]


@pytest.mark.parametrize(("line", "error"), [
    ('{"id": 1, "birth_date": "1975-01-01", "gender": "female"}', "女性须注明身份类别"),
    ('{"id": 1, "birth_date": "1975-01-01", "gender": "female", "category": "boss"}', "category 须为"),
    ('{"id": 1, "birth_date": "1975-02-30", "gender": "male"}', "birth_date：须为日期"),
    ('{"id": 1, "birth_date": 19750101, "gender": "male"}', "birth_date：须为日期"),
    ('{"id": 1, "gender": "male"}', "缺少字段 birth_date"),
    ('{"id": 1, "birth_date": "1975-01-01"}', "缺少字段 gender"),
    ('{"id": 1, "birth_date": "1975-01-01", "gender": "M"}', "gender 须为 male 或 female"),
    ('{"id": 1, "birth_date": "1975-01-01", "gender": "male", "sex": "m"}', "未知字段"),
    ("not json", "不是有效的 JSON"),
    ("[1]", "须为 JSON 对象"),
    ('{"id": 1, "birth_date": "1975-01-01", "gender": "male", "gender": "female"}', "项目“gender”出现了不止一次"),
    # review-input12 F12: a birth date of 9999-12-31 answered the month 10062-12
    ('{"id": 1, "birth_date": "9999-12-31", "gender": "male"}', "出生日期须在1900-01-01至2100-12-31之间"),
    ('{"id": 1, "birth_date": "1899-12-31", "gender": "female", "category": "worker"}', "出生日期须在1900-01-01至"),
    ('{"id": 1, "birth_date": "2101-01-01", "gender": "female", "category": "cadre"}', "出生日期须在1900-01-01至"),
])
def test_a_bad_line_gets_a_chinese_error_and_the_next_line_is_still_answered(line: str, error: str) -> None:
    rc, got = run(line + '\n{"id": 2, "birth_date": "1960-04-10", "gender": "male"}\n')
    assert rc == 1
    assert error in got[0]["error"] and set(got[0]) == {"id", "error"}
    assert got[1] == {"id": 2, "age_years": 60, "age_months": 0, "retirement_month": "2020-04"}


def test_the_retirement_command_runs_as_a_subprocess_without_django() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "shebao", "retirement"], check=False, capture_output=True,
                          text=True, timeout=60, input='{"id": "a", "birth_date": "1984-11-30", '
                          '"gender": "female", "category": "worker"}\n')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"id": "a", "age_years": 55, "age_months": 0, "retirement_month": "2039-11"}
    assert "django" not in proc.stderr.lower()


@given(st.dates(date(1, 1, 1), date(9999, 12, 31)), st.sampled_from([("male", None), ("female", True),
                                                                     ("female", False)]))
def test_a_birth_date_out_of_range_is_refused_and_one_in_range_answers_a_month_of_four_digits(born, person):
    """review-input12 F12: every birth date in the range gives a retirement month the calendar has
    (YYYY-MM); every one outside it is refused in Chinese (InputError), by the library and the command."""
    from shebao.rules.dates import BIRTH_DATE_FROM, BIRTH_DATE_TO, InputError

    gender, cadre = person
    if BIRTH_DATE_FROM <= born <= BIRTH_DATE_TO:
        r = retirement_for(BASE, birth_date=born, gender=gender, cadre=cadre)
        assert len(r.month) == 7 and r.month[4] == "-" and r.day > born
    else:
        with pytest.raises(InputError) as refused:
            retirement_for(BASE, birth_date=born, gender=gender, cadre=cadre)
        assert "不在1900-01-01至2100-12-31之间" in refused.value.zh
