"""Derived facts are declared once (issue 14 §4): the declaration carries the kind, the Reading, the
facts and the parameters a formula reads, and everything else (the order of computation, the closure,
the parameters a decision lists) is read from it."""

from __future__ import annotations

import pytest

from shebao.rules import facts
from shebao.rules.retirement import PARAMETERS as RETIREMENT_PARAMETERS


def test_a_fact_may_read_only_facts_declared_before_it_and_is_declared_once():
    before = dict(facts.DERIVED_FACTS)
    try:
        with pytest.raises(ValueError, match="undeclared"):
            facts.derived("later_fact", kind="int", reads=("not_yet_declared",), reading="test")(lambda f, p, o: 0)
        with pytest.raises(ValueError, match="twice"):
            facts.derived("app_month", kind="month", reads=("applied_on",), reading="test")(lambda f, p, o: 0)
        with pytest.raises(ValueError, match="twice"):
            facts.derived("gender", kind="int", reads=(), reading="test")(lambda f, p, o: 0)
    finally:
        facts.DERIVED_FACTS.clear()
        facts.DERIVED_FACTS.update(before)
    assert list(before) == list(facts.DERIVED_FACTS)


def test_declaration_order_is_an_order_of_computation():
    seen = set(facts.INPUT_FACTS)
    for d in facts.DERIVED_FACTS.values():
        assert set(d.reads) <= seen, d.name
        assert d.reading and d.kind in ("day", "month", "int", "bool")
        seen.add(d.name)


def test_a_fact_lists_the_parameters_of_everything_it_is_computed_from():
    assert facts.parameters_of("gender") == ()
    assert facts.parameters_of("app_month") == ()
    assert facts.parameters_of("age_limit") == ("handling.remaining_age_limit",)
    assert facts.parameters_of("remaining_plus_pension_months") == ("handling.remaining_age_limit",)
    assert facts.parameters_of("near_retirement") == (*RETIREMENT_PARAMETERS, "transfers.near_retirement_months")
    assert facts.parameters_of("notice_in_force") == ("epidemic.in_force_from", "epidemic.lifted_on")
    assert facts.closure(("months_back",)) == {"months_back", "app_month", "applied_on", "period_from"}


def test_a_row_derives_only_what_is_read_with_the_declared_formula():
    row = facts.as_mapping(facts.encode_application(
        {"business": "person_change", "applied_on": "2020-02-10", "fields": ["mobile"]}))
    row.param = lambda name, key, default: default
    assert "app_month" not in row
    assert facts.DERIVED_FACTS["app_month"].formula(row, row.param, facts.SCALAR) == row["app_month"]
    assert row["app_month"] == (2020 - 1970) * 12 + 1
    assert set(row) == set(facts.INPUT_ORDER) | {"app_month"}


@pytest.mark.parametrize(("period", "field", "zh"), [
    ({"from": "2019-13", "to": "2019-12"}, "period.from", "补缴起始月"),
    ({"from": "2019-01", "to": "2019-1"}, "period.to", "补缴终止月"),
])
def test_a_bad_month_of_a_period_is_refused_naming_its_own_end(period, field, zh):
    """Mutation survivor (facts.py encode_application): the error must name the end that is wrong."""
    app = {"business": "monthly_report_back_payment", "applied_on": "2020-02-10", "period": period}
    with pytest.raises(facts.InputError) as refused:
        facts.encode_application(app)
    assert refused.value.field == field and refused.value.zh.startswith(zh)
