"""Late fees in every documented input form, the make-up deadline, and refusals (Readings 0.2-0.3c).

Every figure below is worked by hand from the notice's rate (0.05 % a day, Reading 0.3b: amount x
rate x days, rounded half-up to the fen) and the due dates of Reading 0.2.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from shebao.rules import (
    InputError,
    LateFee,
    due_date,
    late_fee_for_due,
    late_fees,
    load_policy,
    makeup_deadline,
)
from shebao.rules.dates import day_number, month_index
from shebao.rules.late_fee import fee_params

DEFAULT = load_policy()
LIFTED = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})
BASE = load_policy("base")
OTHER = load_policy(overrides={"epidemic_lifted_on": "2020-04-30",
                               "exemption_lost_reading": "only_days_after_makeup_deadline"})


# 2. The make-up deadline (Reading 0.3b): lifted date + 3 calendar months, Civil Code way.


def test_the_make_up_deadline_is_unknown_while_the_lifted_date_is() -> None:
    assert makeup_deadline(DEFAULT) is None
    assert makeup_deadline(BASE) is None  # a pack without the notice has no lifted date at all


@pytest.mark.parametrize("lifted,deadline", [
    ("2020-04-30", date(2020, 7, 30)), ("2020-11-30", date(2021, 2, 28)), ("2019-11-30", date(2020, 2, 29)),
    ("2020-12-31", date(2021, 3, 31)), ("2020-05-31", date(2020, 8, 31)), ("2020-03-01", date(2020, 6, 1)),
])
def test_the_make_up_deadline_is_three_calendar_months_after_the_lifted_date(lifted: str, deadline: date) -> None:
    assert makeup_deadline(load_policy(overrides={"epidemic_lifted_on": lifted})) == deadline


def test_the_make_up_deadline_follows_an_announced_number_of_months() -> None:
    p = LIFTED.with_announcement({"epidemic.makeup_months": 1}, effective="2020-05-01")
    assert makeup_deadline(p) == date(2020, 5, 30)
    p = load_policy(overrides={"epidemic_lifted_on": "2020-01-31"}).with_announcement(
        {"epidemic.makeup_months": 1}, effective="2020-02-01")
    assert makeup_deadline(p) == date(2020, 2, 29)


def test_a_window_due_paid_on_the_make_up_deadline_has_no_fee_and_one_day_later_the_whole_fee() -> None:
    deadline = makeup_deadline(LIFTED)
    assert deadline == date(2020, 7, 30)
    on = late_fee_for_due("2020-02", 1_000_000, paid_on=deadline, policy=LIFTED)
    after = late_fee_for_due("2020-02", 1_000_000, paid_on=deadline + timedelta(days=1), policy=LIFTED)
    # Due 2020-03-31 (0.2); 2020-07-31 is 122 days later: 1,000,000 x 0.0005 x 122 = 61,000 fen.
    assert (on.late_fee_fen, on.overdue_days, on.waived_fen) == (0, 121, 78_000)
    assert (after.late_fee_fen, after.overdue_days, after.waived_fen) == (61_000, 122, 17_500)
    # Relief given cites 0.3; relief lost does not (what remains waived is the move of 0.2).
    assert (on.clauses, after.clauses) == (("0.2", "0.3"), ("0.2",))


# Worked figures of one due.


@pytest.mark.parametrize("amount,days,fee", [
    (100, 1, 0), (999, 1, 0), (1000, 1, 1), (2999, 1, 1), (3000, 1, 2), (1000, 2, 1), (1000, 3, 2),
    (1_000_000, 16, 8_000), (0, 400, 0), (123_457, 7, 432),
])
def test_the_fee_is_rounded_half_up_to_the_fen(amount: int, days: int, fee: int) -> None:
    # Base pack: month 2019-06 is due 2019-06-25; paid `days` days later.
    paid = date(2019, 6, 25) + timedelta(days=days)
    lf = late_fee_for_due("2019-06", amount, paid_on=paid, policy=BASE)
    assert (lf.late_fee_fen, lf.overdue_days, lf.waived_fen, lf.clauses, lf.due_on) == (
        fee, days, 0, (), date(2019, 6, 25))


def test_a_due_paid_on_or_before_its_due_date_has_no_fee() -> None:
    for paid in ("2019-06-01", "2019-06-24", "2019-06-25"):
        lf = late_fee_for_due("2019-06", 1_000_000, paid_on=paid, policy=BASE)
        assert (lf.late_fee_fen, lf.overdue_days) == (0, 0)


def test_a_due_before_the_window_is_charged_and_a_window_due_is_relieved_while_the_lifted_date_is_unknown() -> None:
    dec = late_fee_for_due("2019-12", 1_000_000, as_of="2020-06-10", policy=DEFAULT)
    # Due 2019-12-25, 168 days to 2020-06-10: 84,000 fen, no relief (before the window, 0.3a).
    assert (dec.due_on, dec.overdue_days, dec.late_fee_fen, dec.waived_fen, dec.clauses) == (
        date(2019, 12, 25), 168, 84_000, 0, ())
    feb = late_fee_for_due("2020-02", 1_000_000, as_of="2020-06-10", policy=DEFAULT)
    # Due moved to 2020-03-31 (0.2): 71 days; normal due 2020-02-25: 106 days = 53,000 fen waived.
    assert (feb.due_on, feb.overdue_days, feb.late_fee_fen, feb.waived_fen, feb.clauses) == (
        date(2020, 3, 31), 71, 0, 53_000, ("0.2", "0.3"))
    # A window month whose due date did not move: relief under 0.3 only.
    jun = late_fee_for_due("2020-06", 1_000_000, as_of="2020-07-05", policy=DEFAULT)
    assert (jun.due_on, jun.overdue_days, jun.late_fee_fen, jun.waived_fen, jun.clauses) == (
        date(2020, 6, 25), 10, 0, 5_000, ("0.3",))


def test_while_the_lifted_date_is_unknown_no_window_due_ever_accrues_a_fee() -> None:
    # Reading 0.3b: whatever the day of assessment, and for every month from the window's first.
    far = late_fee_for_due("2020-02", 1_000_000, as_of="9999-12-31", policy=DEFAULT)
    assert (far.late_fee_fen, far.clauses) == (0, ("0.2", "0.3"))
    assert far.overdue_days == (date(9999, 12, 31) - date(2020, 3, 31)).days
    last = late_fee_for_due("9999-11", 1_000, as_of="9999-12-31", policy=DEFAULT)
    assert (last.late_fee_fen, last.waived_fen, last.clauses) == (0, 18, ("0.3",))
    cols = late_fees(["2020-02", "9999-11"], [1_000_000, 1_000], np.asarray(["9999-12-31"] * 2, dtype="M8[D]"),
                     DEFAULT)
    assert cols.late_fee_fen.tolist() == [0, 0] and cols.clause_0_3.tolist() == [True, True]


def test_a_moved_due_paid_before_the_new_date_shows_only_the_move() -> None:
    lf = late_fee_for_due("2020-01", 1_000_000, paid_on="2020-03-31", policy=DEFAULT)
    # Normal due 2020-01-25, paid 66 days later: the 33,000 fen the move saves are relief of 0.2.
    assert (lf.due_on, lf.overdue_days, lf.late_fee_fen, lf.waived_fen, lf.clauses) == (
        date(2020, 3, 31), 0, 0, 33_000, ("0.2",))


def test_the_month_after_the_lifted_month_is_charged_in_full() -> None:
    may = late_fee_for_due("2020-05", 100_000, paid_on="2020-06-10", policy=LIFTED)
    assert (may.late_fee_fen, may.waived_fen, may.clauses) == (800, 0, ())
    apr = late_fee_for_due("2020-04", 100_000, paid_on="2020-08-10", policy=LIFTED)
    # In the window, paid after the deadline: the fee from the due date 2020-04-25, 107 days.
    assert (apr.late_fee_fen, apr.waived_fen, apr.clauses) == (5_350, 0, ())
    # Paid on the deadline 2020-07-30: the 96 days' fee (4,800 fen) is waived.
    assert late_fee_for_due("2020-04", 100_000, paid_on="2020-07-30", policy=LIFTED).waived_fen == 4_800


def test_the_other_reading_charges_days_after_the_later_of_due_date_and_deadline() -> None:
    lf = late_fee_for_due("2020-02", 1_000_000, paid_on="2020-08-09", policy=OTHER)
    # 10 days after the deadline 2020-07-30: 5,000 fen; the normal fee (166 days, 83,000) less it waived.
    assert (lf.late_fee_fen, lf.waived_fen, lf.overdue_days, lf.clauses) == (5_000, 78_000, 131, ("0.2", "0.3"))
    assert late_fee_for_due("2020-02", 1_000_000, paid_on="2020-07-30", policy=OTHER).late_fee_fen == 0
    # Outside the window both readings agree.
    assert late_fee_for_due("2019-12", 1_000_000, paid_on="2020-01-10", policy=OTHER).late_fee_fen == 8_000


def test_as_of_and_paid_on_count_to_the_same_day_and_dates_equal_strings() -> None:
    a = late_fee_for_due("2019-12", 10_000, as_of="2020-01-10", policy=DEFAULT)
    b = late_fee_for_due("2019-12", 10_000, paid_on=date(2020, 1, 10), policy=DEFAULT)
    c = late_fee_for_due("2019-12", 10_000, as_of=date(2020, 1, 10), policy=DEFAULT)
    assert a == b == c == LateFee(date(2019, 12, 25), 16, 80, 0, ())


def test_the_default_policy_is_the_notice() -> None:
    assert late_fee_for_due("2020-02", 1_000_000, as_of="2020-06-10") == late_fee_for_due(
        "2020-02", 1_000_000, as_of="2020-06-10", policy=DEFAULT)
    assert due_date("2020-02") == date(2020, 3, 31) and due_date("2020-02", BASE) == date(2020, 2, 25)


def test_a_late_fee_as_json() -> None:
    lf = late_fee_for_due("2020-02", 1_000_000, as_of="2020-06-10", policy=DEFAULT)
    assert lf.as_json() == {"due_on": "2020-03-31", "overdue_days": 71, "late_fee_fen": 0, "waived_fen": 53_000,
                            "clauses": ["0.2", "0.3"]}


# 4. Refusals at the boundary.


@pytest.mark.parametrize("amount", [-1, 1.5, True, False, "100", None, 10.0])
def test_an_amount_that_is_not_whole_fen_at_least_zero_is_refused(amount: object) -> None:
    with pytest.raises(InputError, match="amount_fen"):
        late_fee_for_due("2019-12", amount, paid_on="2020-01-10", policy=DEFAULT)  # type: ignore[arg-type]


def test_zero_fen_is_a_due_without_fee() -> None:
    assert late_fee_for_due("2019-12", 0, paid_on="2020-06-10", policy=DEFAULT).late_fee_fen == 0


def test_exactly_one_of_paid_on_and_as_of() -> None:
    with pytest.raises(InputError, match="paid_on"):
        late_fee_for_due("2019-12", 100, policy=DEFAULT)
    with pytest.raises(InputError, match="paid_on"):
        late_fee_for_due("2019-12", 100, paid_on="2020-01-10", as_of="2020-01-10", policy=DEFAULT)


@pytest.mark.parametrize("month", ["2019-1", "2019/12", "2019-+1", "1899-12", "2019-13", 201912])
def test_a_malformed_month_is_refused(month: object) -> None:
    with pytest.raises(InputError, match="month"):
        late_fee_for_due(month, 100, paid_on="2020-01-10", policy=DEFAULT)  # type: ignore[arg-type]


@pytest.mark.parametrize("day", ["2020-02-30", "2020-1-10", "20200110", 20200110])
def test_a_malformed_payment_day_is_refused_naming_the_field(day: object) -> None:
    with pytest.raises(InputError, match="paid_on"):
        late_fee_for_due("2019-12", 100, paid_on=day, policy=DEFAULT)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="as_of"):
        late_fee_for_due("2019-12", 100, as_of=day, policy=DEFAULT)  # type: ignore[arg-type]


# 4. Columns: every documented form gives the same figures as one due at a time.

_DUES = [("2019-06", 1_000, "2019-06-26"), ("2019-12", 1_000_000, "2020-01-10"), ("2020-01", 1_000_000, "2020-04-10"),
         ("2020-02", 1_000_000, "2020-06-10"), ("2020-02", 1_000_000, "2020-07-31"), ("2020-04", 100_000, "2020-07-30"),
         ("2020-05", 100_000, "2020-06-10"), ("2020-06", 500, "2020-06-20"), ("1900-01", 77_777, "1900-03-01"),
         ("2020-02", 0, "2021-01-01")]


def _rows(policy: object) -> list[tuple[int, int, int, int, tuple[str, ...]]]:
    out = []
    for m, a, d in _DUES:
        lf = late_fee_for_due(m, a, paid_on=d, policy=policy)  # type: ignore[arg-type]
        out.append((day_number(lf.due_on), lf.overdue_days, lf.late_fee_fen, lf.waived_fen, lf.clauses))
    return out


def _columns(cols: object) -> list[tuple[int, int, int, int, tuple[str, ...]]]:
    c = cols
    return [(int(c.due_on.view("int64")[i]), int(c.overdue_days[i]), int(c.late_fee_fen[i]),  # type: ignore[attr-defined]
             int(c.waived_fen[i]), c.clauses(i)) for i in range(len(_DUES))]  # type: ignore[attr-defined]


@pytest.mark.parametrize("policy", [DEFAULT, LIFTED, OTHER, BASE], ids=["default", "lifted", "other", "base"])
def test_columns_in_every_documented_form_give_the_scalar_figures(policy: object) -> None:
    expected = _rows(policy)
    months = [m for m, _, _ in _DUES]
    amounts = np.asarray([a for _, a, _ in _DUES])
    days = [d for _, _, d in _DUES]
    month_forms = [np.asarray(months), np.asarray(months, dtype=object), months,
                   np.asarray(months, dtype="datetime64[M]"), np.asarray([month_index(m) for m in months]),
                   np.asarray([m + "-17" for m in months], dtype="datetime64[D]")]
    day_forms = [np.asarray(days, dtype="datetime64[D]"), np.asarray([day_number(date.fromisoformat(d)) for d in days]),
                 np.asarray(days, dtype="datetime64[D]").astype("datetime64[s]")]
    for mf in month_forms:
        for df in day_forms:
            cols = late_fees(mf, amounts, df, policy)  # type: ignore[arg-type]
            assert _columns(cols) == expected
            assert cols.due_on.dtype == np.dtype("datetime64[D]")


def test_the_figures_of_the_worked_columns() -> None:
    cols = late_fees(np.asarray([m for m, _, _ in _DUES]), [a for _, a, _ in _DUES],
                     np.asarray([d for _, _, d in _DUES], dtype="datetime64[D]"), LIFTED)
    # 1900-01: due 1900-01-25, 35 days to 1900-03-01 (1900 is no leap year): 77,777 x 35 / 2,000 = 1,361.1.
    assert cols.late_fee_fen.tolist() == [1, 8_000, 0, 0, 61_000, 0, 800, 0, 1_361, 0]
    # 2020-01 paid 2020-04-10: 76 days after the normal due date 2020-01-25 = 38,000 fen waived.
    assert cols.waived_fen.tolist() == [0, 0, 38_000, 53_000, 17_500, 4_800, 0, 0, 0, 0]
    assert cols.overdue_days.tolist() == [1, 16, 10, 71, 122, 96, 16, 0, 35, 276]
    assert cols.clause_0_2.tolist() == [False, False, True, True, True, False, False, False, False, True]
    assert cols.clause_0_3.tolist() == [False, False, True, True, False, True, False, False, False, False]


def test_a_column_of_window_dues_while_the_lifted_date_is_unknown_is_a_column_of_zeros() -> None:
    n = 5
    cols = late_fees(np.full(n, "2020-03"), np.full(n, 1_000_000), np.full(n, day_number(date(2020, 6, 1))), DEFAULT)
    assert cols.late_fee_fen.tolist() == [0] * n and cols.late_fee_fen.flags.writeable
    assert cols.clause_0_3.tolist() == [True] * n and cols.clause_0_3.flags.writeable
    assert cols.waived_fen.tolist() == [34_000] * n  # 2020-03-25 to 2020-06-01: 68 days


def test_an_empty_column_and_a_negative_amount() -> None:
    cols = late_fees(np.asarray([], dtype="datetime64[M]"), np.asarray([], dtype="int64"),
                     np.asarray([], dtype="datetime64[D]"), DEFAULT)
    assert cols.late_fee_fen.tolist() == [] and cols.due_on.tolist() == []
    with pytest.raises(InputError, match="amounts_fen"):
        late_fees(["2019-12", "2019-12"], [100, -1], np.asarray(["2020-01-10"] * 2, dtype="datetime64[D]"), DEFAULT)
    with pytest.raises(InputError, match="month"):
        late_fees(["2019-1"], [100], np.asarray(["2020-01-10"], dtype="datetime64[D]"), DEFAULT)


def test_a_column_of_more_than_4096_dues_gives_each_its_scalar_figure() -> None:
    n = 5_000
    rng = np.random.default_rng(2020)
    months = rng.integers(month_index("2019-10"), month_index("2020-09"), n)
    amounts = rng.integers(0, 2_000_000, n)
    days = rng.integers(day_number(date(2019, 10, 1)), day_number(date(2021, 3, 1)), n)
    for policy in (DEFAULT, LIFTED, OTHER):
        cols = late_fees(months, amounts, days, policy)
        for i in range(0, n, 37):
            m = f"{1970 + int(months[i]) // 12:04d}-{int(months[i]) % 12 + 1:02d}"
            lf = late_fee_for_due(m, int(amounts[i]), paid_on=date(1970, 1, 1) + timedelta(days=int(days[i])),
                                  policy=policy)
            assert (cols.late_fee_fen[i], cols.waived_fen[i], cols.overdue_days[i], cols.clauses(i)) == (
                lf.late_fee_fen, lf.waived_fen, lf.overdue_days, lf.clauses)
            assert cols.due_on[i].astype(object) == lf.due_on


def test_late_fee_parameters_are_read_once_per_policy() -> None:
    fp = fee_params(LIFTED)
    assert fee_params(LIFTED) is fp
    assert (fp.due_day, fp.numerator, fp.denominator, fp.makeup_months) == (25, 1, 2_000, 3)  # 5/10,000
    assert fp.window_from == month_index("2020-01") and fp.lifted_day == day_number(date(2020, 4, 30))
    assert fp.only_days_after_deadline is False and fee_params(OTHER).only_days_after_deadline is True
    assert (month_index("2020-01"), day_number(date(2020, 3, 31))) in fp.overrides
    assert fp.overrides == tuple(sorted(fp.overrides))
    base = fee_params(BASE)
    assert (base.window_from, base.makeup_months, base.only_days_after_deadline, base.overrides) == (None, 0, False, ())
