"""An input drawn from a business's definition (backoffice/_business_fields.html) is marked at its error
like every other input of the back office (review-user5 F7: 出生日期 against the ID number showed its
message, but the input had no aria-invalid, no red outline and no aria-describedby, and the red text ran
on from the grey hint "非居民身份证须填写"). The class is every field of every business's definition, and
every input of the front desk's own form: the walk below refuses each business with every field left
empty, then with every field typed wrong, and checks each input at fault is marked and described by its
message, which stands on its own (class field-error), and that no input without an error is marked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from shebao.cases.models import Case
from shebao.registry.checks import id_check_character
from shebao.rules import business as business_entry
from shebao.rules.business_fields import definitions

DAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def _on_day(settings):
    settings.SHEBAO_TODAY = DAY


def _codes_with_fields():
    return sorted(code for code, d in definitions().items() if d.applicant_fields)


def _applicant(code, employer, person):
    entry = business_entry(code)
    kind = "employer" if "employer" in entry.applicants else entry.applicants[0]
    return {"business": code, "applicant_kind": kind, "credit_code": employer.credit_code,
            "id_number": person.id_number, "token": f"t-{code}", "do": "save"}


def _typed_wrong(code):
    out = {}
    for spec in definitions()[code].applicant_fields:
        if spec.type == "period":
            out[f"{spec.name}_from"], out[f"{spec.name}_to"] = "abc", "2019-13"
        elif spec.type == "changes":
            out["fields"] = "birth_date"
            out["new_birth_date"] = "abc"
        else:
            out[spec.name] = "？？"
    return out


def _check_marked(html: str) -> int:
    """Every business field showing an error marks its inputs with it; returns how many were."""
    doc = lxml_html.fromstring(html)
    marked = 0
    for box in doc.xpath('//div[contains(@class, "business-field")]'):
        messages = box.xpath('.//*[contains(@class, "bad") or contains(@class, "field-error")]')
        controls = box.xpath('.//input | .//select | .//textarea')
        at_fault = [c for c in controls if c.get("aria-invalid") == "true"]
        if not messages:
            assert not at_fault, (box.get("data-field"), "marked without a message")
            continue
        assert all("field-error" in m.get("class", "") for m in messages), lxml_html.tostring(box)[:600]
        assert at_fault, (box.get("data-field"), lxml_html.tostring(box, encoding="unicode")[:800])
        for c in at_fault:
            ids = c.get("aria-describedby", "").split()
            assert ids, lxml_html.tostring(c)
            described = [doc.get_element_by_id(i) for i in ids]
            assert any(d in messages and d.text_content().strip() for d in described), box.get("data-field")
        marked += 1
    # The desk's own inputs too: each one marked names a message that exists and says something.
    for c in doc.xpath('//*[@aria-invalid="true"]'):
        for i in c.get("aria-describedby", "").split():
            assert doc.get_element_by_id(i).text_content().strip()
    return marked


@pytest.mark.parametrize("code", _codes_with_fields())
def test_every_business_field_in_error_is_marked_at_its_input(client, clerk_chaoyang, employer_chaoyang,
                                                             person_chaoyang, code):
    client.force_login(clerk_chaoyang)
    base = _applicant(code, employer_chaoyang, person_chaoyang)
    found = 0
    for more in ({}, _typed_wrong(code)):
        r = client.post(reverse("backoffice:front_desk"), {**base, **more})
        assert r.status_code in (200, 400), r.status_code
        found += _check_marked(r.content.decode())
    assert found, f"{code}: no field was refused, the walk proves nothing"
    assert not Case.objects.exists()


def test_the_birth_date_against_the_number_is_marked_and_stands_apart_from_the_hint(
        client, clerk_chaoyang, employer_chaoyang):
    first17 = "11010519900101123"
    number = first17 + id_check_character(first17)
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "insured_registration", "applicant_kind": "employer", "credit_code": employer_chaoyang.credit_code,
        "insured_id_type": "citizen_id", "insured_id_number": number, "insured_name": "黄凤飘",
        "insured_birth_date": "1985-03-15", "insured_mobile": "13700001111", "category": "standard",
        "start_month": "2020-02", "base_fen": "7000", "token": "t-f7", "do": "save"})
    assert r.status_code == 400 and not Case.objects.exists()
    doc = lxml_html.fromstring(r.content.decode())
    birth = doc.get_element_by_id("bf-insured_birth_date")
    assert birth.get("aria-invalid") == "true"
    note = doc.get_element_by_id(birth.get("aria-describedby"))
    assert "号码第7至14位为1990-01-01" in note.text_content() and "非居民身份证须填写" not in note.text_content()
    assert "field-error" in note.get("class")  # a block of its own under the input (controls.css)
    assert doc.get_element_by_id("bf-insured_name").get("aria-invalid") is None


def test_the_desks_own_inputs_are_marked_too(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "insured_registration", "applicant_kind": "employer", "credit_code": "91110000000000000X",
        "received_on": "2020-03-01", "token": "t-f7b", "do": "save"})
    doc = lxml_html.fromstring(r.content.decode())
    for input_id in ("credit_code", "received_on"):
        found = doc.get_element_by_id(input_id)
        assert found.get("aria-invalid") == "true", input_id
        assert doc.get_element_by_id(found.get("aria-describedby")).text_content().strip()
    assert not Case.objects.exists()


def test_the_type_of_id_starts_at_the_resident_id_card_until_the_clerk_chooses(client, clerk_chaoyang,
                                                                                employer_chaoyang):
    client.force_login(clerk_chaoyang)
    url = reverse("backoffice:front_desk")
    first = client.post(url, {"business": "insured_registration", "applicant_kind": "employer", "refresh": "1"})
    chosen = lxml_html.fromstring(first.content.decode()).xpath('//select[@id="bf-insured_id_type"]/option[@selected]')
    assert [o.get("value") for o in chosen] == ["citizen_id"]
    # A posted 请选择 stays 请选择: the default is only where the input was not drawn before.
    again = client.post(url, {"business": "insured_registration", "applicant_kind": "employer", "refresh": "1",
                              "insured_id_type": ""})
    chosen = lxml_html.fromstring(again.content.decode()).xpath('//select[@id="bf-insured_id_type"]/option[@selected]')
    assert chosen == []


def test_the_agencys_own_fields_on_the_case_page_are_marked_and_keep_what_was_typed(client, clerk_chaoyang,
                                                                                    employer_chaoyang):
    """The fields of a definition the agency fills in on the case page (2.1: a new retiree's figures) are
    inputs drawn from a definition too: a refused figure is marked at its input, the figures typed stay."""
    from shebao.registry.models import EmploymentSpell
    from tests import personas
    from tests.businesses.walk import submit

    person = personas.make_person("赵一", birth=dt.date(1959, 10, 15), serial=11)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="1990-01")
    case = submit(clerk_chaoyang, "retirement_declaration", details={"bank_account": "6222 0200 0000 0000 011"},
                  employer=employer_chaoyang, person=person, applicant_kind="employer", applied_on=DAY)
    before = dict(case.details)
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:case_assess", args=[case.pk]),
                    {"index_x10k": "12345", "contribution_months": "9999"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 400
    doc = lxml_html.fromstring(r.content.decode())
    months = doc.get_element_by_id("as-contribution_months")
    assert months.get("aria-invalid") == "true" and months.get("value") == "9999"
    note = doc.get_element_by_id(months.get("aria-describedby"))
    assert "field-error" in note.get("class") and note.text_content().strip()
    index = doc.get_element_by_id("as-index_x10k")
    assert index.get("aria-invalid") is None and index.get("value") == "12345"
    case.refresh_from_db()
    assert case.details == before
