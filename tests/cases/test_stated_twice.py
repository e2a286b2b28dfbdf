"""A fact stated twice must say the same thing: the API lets a caller state the rules' facts in
`facts` and the content (`details`) carries them too (a back-payment's period, a refund's kind, a
change's fields, a registration's person category). Before, the content's value silently replaced
the stated one; now a difference is refused naming both values in Chinese, nothing stored, and the
same value stated twice is taken."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases import services
from shebao.cases.services import DetailsRefused
from shebao.rules.business_fields import definitions, facts_from_details, facts_stated_twice
from tests.cases.conftest import submit, valid_details
from tests.nothing_written import nothing_written

TODAY = dt.date(2020, 2, 20)


def _fact_fields():
    return [(code, spec) for code, d in definitions().items() for spec in d.fields if spec.fact]


def _other(spec, value):
    """A value of the same fact that differs from `value`."""
    if spec.type == "period":
        return {"from": "2018-01", "to": "2018-03"} if value.get("from") != "2018-01" else {"from": "2017-01",
                                                                                          "to": "2017-02"}
    if spec.type == "changes":
        return sorted({"phone", "address", "name"} - set(value))[:1] + list(value)
    choices = [c for c, _ in spec.choices()]
    return next(c for c in choices if c != value)


def test_every_fact_a_content_carries_is_compared_with_the_stated_one():
    """The class: each field of each definition marked as a fact (top-level and person.x)."""
    walked = _fact_fields()
    assert {spec.fact for _, spec in walked} >= {"period", "refund_kind", "fields", "person.category"}
    for code, spec in walked:
        from shebao.rules.business_fields import details_example

        content = details_example(code, today=TODAY)
        from_details = facts_from_details(code, content)
        mine = content[spec.name] if spec.type != "changes" else list(content[spec.name])
        head, _, tail = spec.fact.partition(".")
        other = _other(spec, mine)
        stated = {head: {tail: other}} if tail else {head: other}
        same = {head: {tail: mine}} if tail else {head: list(reversed(mine)) if isinstance(mine, list) else mine}
        assert facts_stated_twice(code, same, from_details) == [], (code, spec.name)
        (error,) = facts_stated_twice(code, stated, from_details)
        assert error.field == f"details.{spec.name}", code
        assert spec.label in error.zh and "不一致" in error.zh and f"facts.{spec.fact}" in error.zh, error.zh


def test_the_api_refuses_a_period_stated_twice_differently_naming_both(cy, employer_chaoyang, person_chaoyang):
    details = valid_details("individual_back_payment", person=person_chaoyang, employer=employer_chaoyang,
                            facts={"period": {"from": "2019-10", "to": "2019-12"}}, applied_on="2020-02-10")
    with nothing_written():
        r = submit(cy, business="individual_back_payment", channel="online", employer=employer_chaoyang.pk,
                   person=person_chaoyang.pk, applicant_kind="employer", applied_on="2020-02-10",
                   facts={"period": {"from": "2019-11", "to": "2020-01"}}, details=details)
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json"), r.content
    (error,) = r.json()["errors"]
    assert error["field"] == "details.period"
    assert "2019-11至2020-01" in error["reason_zh"] and "2019-10至2019-12" in error["reason_zh"]
    # The same period stated twice is taken, and it is the case's.
    r = submit(cy, business="individual_back_payment", channel="online", employer=employer_chaoyang.pk,
               person=person_chaoyang.pk, applicant_kind="employer", applied_on="2020-02-10",
               facts={"period": {"from": "2019-10", "to": "2019-12"}}, details=details)
    assert r.status_code == 201, r.content
    assert r.json()["facts"]["period"] == {"from": "2019-10", "to": "2019-12"}


@pytest.mark.parametrize(("facts", "said"), [({"refund_kind": "base_difference"}, "基数差退费"),
                                             ({"refund_kind": "overpayment"}, None)])
def test_the_service_refuses_a_refund_kind_stated_twice_differently(clerk_chaoyang, person_chaoyang, paid_due,
                                                                   facts, said):
    details = valid_details("refund", person=person_chaoyang, facts={"refund_kind": "overpayment"},
                            applied_on="2020-02-10")
    if said is None:
        case, created = services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter",
                                             person=person_chaoyang, applied_on=dt.date(2020, 2, 10), facts=facts,
                                             details=details)
        assert created and case.facts["refund_kind"] == "overpayment"
        return
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                             applied_on=dt.date(2020, 2, 10), facts=facts, details=details)
    (error,) = refused.value.errors
    assert error.field == "details.refund_kind" and said in error.zh and "多缴退费" in error.zh
    assert "overpayment" not in error.zh  # the kinds by their Chinese names


def test_a_change_stated_with_other_fields_is_refused(cy, person_chaoyang):
    details = valid_details("person_change", person=person_chaoyang, facts={"fields": ["phone"]},
                            applied_on="2020-02-10")
    with nothing_written():
        r = submit(cy, business="person_change", channel="online", person=person_chaoyang.pk,
                   applied_on="2020-02-10", facts={"fields": ["phone", "address"]}, details=details)
    assert r.status_code == 400
    (error,) = r.json()["errors"]
    assert error["field"] == "details.changes" and "、" in error["reason_zh"]
    assert "phone" not in error["reason_zh"]  # the fields by their Chinese names
