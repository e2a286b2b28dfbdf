"""Bad input is refused in Chinese, field by field: at the front desk, in the API's reason_zh (with the
English kept in reason_en), and in the rules' own InputError. Nothing is stored."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shebao.cases.models import Case, CaseTransition
from shebao.core.models import AuditEvent
from shebao.rules import InputError, decide
from shebao.rules.catalog import businesses, catalog
from tests.cases.conftest import client_for, submit
from tests.visible_text import foreign_words, page_problems

# (period from, period to, the Chinese that must appear)
BAD_PERIODS = [
    ("2019", "2019-06", "年-月"),  # 2019/1 is read as 2019-01 at the boundary (core.normalize)
    ("19-1", "2019-06", "年-月"),
    ("2019-13", "2019-12", "不是日历上的月份"),
    ("2019-06", "2019-01", "早于起始月"),
    ("１９年1月", "2019-02", "年-月"),
    ("2019-01", "", "补缴"),
    ("1899-12", "1900-01", "不是日历上的月份"),
]


@pytest.mark.parametrize(("frm", "to", "expected"), BAD_PERIODS)
def test_a_bad_period_is_refused_in_chinese_at_the_front_desk(client, clerk_chaoyang, employer_chaoyang,
                                                               person_chaoyang, frm, to, expected):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "individual_back_payment", "applicant_kind": "employer",
        "credit_code": employer_chaoyang.credit_code, "id_number": person_chaoyang.id_number,
        "period_from": frm, "period_to": to, "token": f"t-{frm}-{to}", "do": "save"})
    html = r.content.decode()
    assert r.status_code in (200, 400, 422), html[:500]
    assert expected in html, html[html.find("补缴期间"):][:600]
    assert not page_problems(html)
    assert not Case.objects.exists() and not CaseTransition.objects.exists()
    assert not AuditEvent.objects.filter(model__iendswith="case").exists()


@pytest.mark.parametrize(("frm", "to", "expected"), [p for p in BAD_PERIODS if p[1]])
def test_a_bad_period_is_refused_in_chinese_by_the_api(clerk_chaoyang, employer_chaoyang, person_chaoyang,
                                                       frm, to, expected):
    api = client_for(clerk_chaoyang)
    r = submit(api, business="individual_back_payment", channel="online", applicant_kind="employer",
               employer=employer_chaoyang.pk, person=person_chaoyang.pk, applied_on="2020-02-10",
               facts={"period": {"from": frm, "to": to}})
    assert r.status_code in (400, 422), r.content
    errors = r.json()["errors"]
    assert any(expected in e["reason_zh"] for e in errors), errors
    for e in errors:
        assert not foreign_words(e["reason_zh"]), e
        assert e["reason_en"] and e["reason_en"] != e["reason_zh"], e  # the English kept for systems
        # The period travels in the content too (every road requires it): refused there or in the facts.
        assert e["field"].startswith(("facts.period", "details.period")) or e["field"] == "facts", e
    assert not Case.objects.exists() and not AuditEvent.objects.filter(model__iendswith="case").exists()


def _bad_applications():
    """One malformed application per kind of InputError the rules raise."""
    yield {"business": "refund", "applied_on": "2020-02-10"}  # missing refund_kind
    yield {"business": "refund", "applied_on": "2020/02/10", "refund_kind": "other"}
    yield {"business": "refund", "applied_on": "2020-02-30", "refund_kind": "other"}
    yield {"business": "refund", "applied_on": "2020-02-10", "refund_kind": "too_much"}
    yield {"business": "person_change", "applied_on": "2020-02-10", "fields": []}
    yield {"business": "person_change", "applied_on": "2020-02-10", "fields": ["shoe_size"]}
    yield {"business": "no_such_business", "applied_on": "2020-02-10"}
    yield {"applied_on": "2020-02-10"}
    yield {"business": "refund", "refund_kind": "other"}
    yield {"business": "refund", "applied_on": "2020-02-10", "refund_kind": "other", "colour": "red"}
    yield {"business": "individual_back_payment", "applied_on": "2020-02-10", "period": "2019"}
    for b in businesses():
        for fact in b.facts:
            if fact.startswith("person."):
                person = {"gender": "male", "birth_date": "1970-01-01", "account_type": "general",
                          "beijing_pension_months": 12, "category": "standard"}
                key = fact.split(".", 1)[1]
                yield {"business": b.code, "applied_on": "2020-02-10", "period": {"from": "2019-01", "to": "2019-02"},
                       "person": {**person, key: -1 if key == "beijing_pension_months" else "??"}}


@pytest.mark.parametrize("app", list(_bad_applications()))
def test_every_input_error_of_the_rules_has_a_chinese_message(app):
    with pytest.raises(InputError) as caught:
        decide(app)
    e = caught.value
    assert any("\u4e00" <= ch <= "\u9fff" for ch in e.zh), (app, e.zh)
    # What the applicant typed is quoted back as it was (“shoe_size”); the message around it is Chinese.
    assert not foreign_words(re.sub(r"“[^”]*”", "", e.zh)), (app, e.zh)
    assert str(e) and str(e) != e.zh, str(e)  # str() stays English for the CLI and the API's reason_en


def test_every_fact_and_enum_value_has_a_chinese_name():
    cat = catalog()
    for b in cat.businesses:
        for fact in b.facts:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in cat.fact_names[fact]), fact
    for enum, values in cat.enums.items():
        for v in values:
            name = cat.labels[enum][v]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in name) and not foreign_words(name), (enum, v, name)


def test_the_api_names_every_code_it_returns_in_chinese(clerk_chaoyang, person_chaoyang, paid_due):
    api = client_for(clerk_chaoyang)
    r = submit(api, business="refund", channel="counter", applicant_kind="person", person=person_chaoyang.pk,
               applied_on="2020-02-10", facts={"refund_kind": "overpayment"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["requires"] == ["commitment_letter", "phone_verification"]
    assert body["requires_zh"] == ["承诺书", "电话核实"]
    assert body["applicant_kind_zh"] == "参保人员" and body["mode_zh"] == "承诺制办理"
    assert body["pack_zh"] == "北京市社会保险基金管理中心2020年1月31日通知" and body["explanation_zh"].startswith("多缴退费")
    for key, value in body.items():
        if key.endswith("_zh"):
            for text in value if isinstance(value, list) else [value]:
                assert not foreign_words(text), (key, text)
