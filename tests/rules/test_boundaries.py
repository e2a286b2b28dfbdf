"""Every threshold of the notice at its boundary, both sides (Readings 0.3, 0.4, 1.x, 4.2)."""

from __future__ import annotations

from datetime import date

import pytest

from shebao.rules import DecisionError, add_months, decide, late_fee_for_due, load_policy

from .helpers import back_payment

LIFTED = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})


def mode(app: dict, policy=None) -> tuple[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    d = decide(app, policy)
    return d.mode, d.clauses


def test_a_period_of_36_months_is_at_most_three_years_and_handled_on_commitment() -> None:
    assert mode(back_payment(frm="2015-01", to="2017-12")) == ("commitment", ("1.2a",))


def test_a_period_of_37_months_is_more_than_three_years_and_goes_to_deferred_documents() -> None:
    assert mode(back_payment(frm="2014-12", to="2017-12")) == ("deferred_documents", ("1.3c",))


def test_exactly_120_beijing_months_is_not_more_than_ten_years() -> None:
    assert mode(back_payment(months=120)) == ("regular", ())


def test_121_beijing_months_is_more_than_ten_years() -> None:
    assert mode(back_payment(months=121)) == ("commitment", ("1.2a",))


def test_a_period_from_2011_07_is_from_july_2011_on() -> None:
    assert mode(back_payment(frm="2011-07", to="2012-06")) == ("commitment", ("1.2a",))


def test_a_period_from_2011_06_is_not_from_july_2011_on() -> None:
    assert mode(back_payment(frm="2011-06", to="2012-06")) == ("regular", ())


def test_the_three_months_before_the_month_of_application_are_the_last_three_months() -> None:
    assert mode(back_payment(frm="2019-11", to="2020-01", account="temporary")) == ("direct", ("1.1b",))


def test_four_months_back_is_not_within_the_last_three_months() -> None:
    assert mode(back_payment(frm="2019-10", to="2020-01", account="temporary")) == ("commitment", ("1.2b",))


def test_a_person_declared_back_payment_of_the_last_three_months_is_not_direct() -> None:
    app = back_payment(frm="2019-11", to="2020-01", account="temporary", declared_by="person")
    assert mode(app) == ("commitment", ("1.2b",))


def test_a_period_ending_in_the_month_of_application_is_rejected() -> None:
    with pytest.raises(DecisionError, match="period ends in or after the month of application"):
        decide(back_payment(frm="2019-06", to="2020-02"))


def test_a_period_ending_the_month_before_application_is_a_back_payment() -> None:
    assert decide(back_payment(frm="2019-06", to="2020-01")).mode != "error"


def _remaining(birth: str, gender: str = "female") -> str:
    # women: 50; remaining + 60 Beijing months < 120 <=> remaining < 60
    return decide(back_payment(frm="2015-01", to="2015-12", gender=gender, birth=birth, months=60)).mode


def test_remaining_months_count_to_the_month_of_turning_fifty_for_women() -> None:
    # Born 1975-01: turns 50 in 2025-01; applied 2020-02 -> 59 months; 59 + 60 = 119 < 120.
    assert _remaining("1975-01-15") == "deferred_documents"
    # Born 1975-02: 60 months; 60 + 60 = 120, not fewer than 120.
    assert _remaining("1975-02-15") == "regular"


def test_remaining_months_count_to_the_month_of_turning_sixty_for_men() -> None:
    assert _remaining("1965-01-15", "male") == "deferred_documents"
    assert _remaining("1965-02-15", "male") == "regular"


def test_remaining_months_are_zero_once_the_age_has_passed() -> None:
    d = decide(back_payment(frm="2015-01", to="2015-12", gender="female", birth="1960-01-01", months=119))
    assert d.mode == "deferred_documents"
    assert "尚可缴费0个月" in d.explanation_zh


def test_a_period_of_exactly_three_months_is_not_more_than_three_months_for_1_3b() -> None:
    app = back_payment(frm="2015-01", to="2015-03", gender="female", birth="1972-03-15", months=60)
    assert mode(app) == ("regular", ())
    app = back_payment(frm="2015-01", to="2015-04", gender="female", birth="1972-03-15", months=60)
    assert mode(app) == ("deferred_documents", ("1.3b",))


def test_when_1_3b_and_1_3c_both_apply_both_clauses_support_the_decision() -> None:
    app = back_payment(frm="2012-01", to="2016-12", gender="female", birth="1972-03-15", months=10)
    d = decide(app)
    assert (d.mode, d.clauses, d.requires) == ("deferred_documents", ("1.3b", "1.3c"), ("documents_later",))


def test_the_notice_applies_from_its_own_date() -> None:
    assert mode(back_payment(applied_on="2020-01-30")) == ("regular", ())
    assert mode(back_payment(applied_on="2020-01-31")) == ("commitment", ("1.2a",))


def test_the_lifted_date_itself_is_in_force_and_the_day_after_is_not() -> None:
    assert mode(back_payment(applied_on="2020-04-30"), LIFTED) == ("commitment", ("1.2a",))
    assert mode(back_payment(applied_on="2020-05-01"), LIFTED) == ("regular", ())


def backfill(applied_on: str, birth: str, gender: str = "male", **person: object) -> dict:  # type: ignore[type-arg]
    return {"business": "account_backfill", "applied_on": applied_on,
            "person": {"gender": gender, "birth_date": birth, **person}}


def test_exactly_three_months_before_retirement_is_not_near() -> None:
    # Reading 4.2: born 1960-05-05 reaches 60 on 2020-05-05; 2020-02-05 + 3 months = 2020-05-05.
    assert mode(backfill("2020-02-05", "1960-05-05")) == ("postponed", ("4.2",))


def test_one_day_later_is_near_retirement() -> None:
    d = decide(backfill("2020-02-06", "1960-05-05"))
    assert (d.mode, d.clauses) == ("commitment", ("4.2",))
    assert d.requires == ("commitment_letter", "copies_by_post", "documents_later")


def test_a_person_past_the_statutory_age_counts_as_near() -> None:
    assert mode(backfill("2020-02-06", "1955-01-01")) == ("commitment", ("4.2",))


def test_women_cadres_retire_at_55_and_women_workers_at_50() -> None:
    assert mode(backfill("2020-02-10", "1965-04-01", "female", cadre=True)) == ("commitment", ("4.2",))
    assert mode(backfill("2020-02-10", "1965-04-01", "female", cadre=False)) == ("commitment", ("4.2",))
    assert mode(backfill("2020-02-10", "1970-04-01", "female", cadre=False)) == ("commitment", ("4.2",))
    assert mode(backfill("2020-02-10", "1970-04-01", "female", cadre=True)) == ("postponed", ("4.2",))


def test_a_womans_backfill_without_cadre_status_is_refused_rather_than_guessed() -> None:
    from shebao.rules import InputError

    with pytest.raises(InputError, match="person.cadre"):
        decide(backfill("2020-02-10", "1970-04-01", "female"))


def test_account_backfill_outside_the_notice_is_regular() -> None:
    assert mode(backfill("2020-05-01", "1960-05-05"), LIFTED) == ("regular", ())


def test_excluded_person_fields_are_regular_and_others_are_deferred() -> None:
    for f in ("name", "id_number", "ethnicity", "household_type", "contributor_category", "cadre_status"):
        assert decide({"business": "person_change", "applied_on": "2020-03-02", "fields": ["phone", f]}).mode == "regular"
    assert decide({"business": "person_change", "applied_on": "2020-03-02", "fields": ["bank_account"]}).mode == (
        "deferred_documents")


def test_the_make_up_deadline_day_itself_carries_no_fee_and_the_day_after_does() -> None:
    assert late_fee_for_due("2020-02", 1_000_000, paid_on="2020-07-30", policy=LIFTED).late_fee_fen == 0
    assert late_fee_for_due("2020-02", 1_000_000, paid_on="2020-07-31", policy=LIFTED).late_fee_fen == 61_000


def test_the_month_of_the_lifted_date_is_in_the_window_and_the_next_is_not() -> None:
    assert late_fee_for_due("2020-04", 100_000, paid_on="2020-05-10", policy=LIFTED).late_fee_fen == 0
    assert late_fee_for_due("2020-05", 100_000, paid_on="2020-06-10", policy=LIFTED).late_fee_fen > 0


def test_the_other_reading_charges_only_days_after_the_make_up_deadline() -> None:
    other = load_policy(overrides={"epidemic_lifted_on": "2020-04-30",
                                   "exemption_lost_reading": "only_days_after_makeup_deadline"})
    fee = late_fee_for_due("2020-02", 1_000_000, paid_on="2020-07-31", policy=other)
    assert (fee.late_fee_fen, fee.clauses) == (500, ("0.2", "0.3"))


def test_months_are_added_the_civil_code_way() -> None:
    assert add_months(date(2020, 4, 30), 3) == date(2020, 7, 30)
    assert add_months(date(2020, 11, 30), 3) == date(2021, 2, 28)
    assert add_months(date(2019, 11, 30), 3) == date(2020, 2, 29)
    assert add_months(date(2020, 1, 31), -2) == date(2019, 11, 30)


def test_a_later_announcement_moves_the_extended_due_date_again() -> None:
    from shebao.rules import due_date

    again = load_policy().with_announcement({"collection.period_overrides": {"2020-02": "2020-04-30"}},
                                            effective="2020-03-20")
    assert due_date("2020-02", again) == date(2020, 4, 30)
    assert due_date("2020-01", again) == date(2020, 3, 31)
    assert due_date("2020-02", load_policy()) == date(2020, 3, 31)


def test_the_extended_due_date_of_january_is_the_end_of_march() -> None:
    from shebao.rules import due_date

    assert due_date("2020-01") == date(2020, 3, 31)
    assert due_date("2020-03") == date(2020, 3, 25)
    assert due_date("2020-01", load_policy("base")) == date(2020, 1, 25)
