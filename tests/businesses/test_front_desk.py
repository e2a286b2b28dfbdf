"""The front desk asks each business for exactly its fields (its definition), reads them into the
application, and shows each refusal at its input; a real browser on a desktop and a 390x844 phone
registers a refund with its amount and account and a change with its new value."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.cases.models import Case
from shebao.rules.business_fields import definitions
from tests.businesses.desk import refund_fields
from tests.nothing_written import nothing_written

FRONT_DESK = "backoffice:front_desk"


@pytest.mark.parametrize("code", [c for c, d in definitions().items() if d.applicant_fields])
def test_the_desk_draws_every_field_of_the_definition_and_no_other(client, clerk_chaoyang, code):
    client.force_login(clerk_chaoyang)
    html = client.get(reverse(FRONT_DESK), {"business": code}).content.decode()
    drawn = set()
    for spec in definitions()[code].agency_fields:  # the agency's own figures are never asked (2.1)
        assert f'name="{spec.name}"' not in html
    for spec in definitions()[code].applicant_fields:
        assert spec.label in html
        drawn.add(spec.name)
    others = {f.name for c, d in definitions().items() if c != code for f in d.fields} - drawn
    for name in others:
        assert f'data-field="{name}"' not in html


def test_a_refund_is_registered_with_its_amount_and_account(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    fields = refund_fields(person_chaoyang, amount="２50.5")  # yuan as typed, full-width digits too
    r = client.post(reverse(FRONT_DESK), {"business": "refund", "applicant_kind": "person",
                                          "id_number": person_chaoyang.id_number, "refund_kind": "overpayment",
                                          **fields, "token": "t-r", "do": "save"})
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.details["amount_fen"] == 25_050 and case.details["bank_account"] == "6222020000001234567"
    html = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert "250.50元" in html and "6222020000001234567" not in html  # the account masked on the page


def test_a_refund_above_what_was_paid_is_shown_at_the_amount_and_nothing_is_written(client, clerk_chaoyang,
                                                                                     person_chaoyang):
    client.force_login(clerk_chaoyang)
    fields = refund_fields(person_chaoyang, amount="1000.01")
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse(FRONT_DESK), {"business": "refund", "applicant_kind": "person",
                                              "id_number": person_chaoyang.id_number, "refund_kind": "overpayment",
                                              **fields, "token": "t-x", "do": "save"})
    html = r.content.decode()
    assert r.status_code == 400 and "不能多退" in html and "1000.00元" in html


def test_a_change_is_registered_with_its_new_value(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse(FRONT_DESK), {"business": "person_change", "applicant_kind": "person",
                                          "id_number": person_chaoyang.id_number, "fields": ["mobile"],
                                          "new_mobile": "139 0000 1111", "token": "t-c", "do": "save"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Case.objects.get().details == {"changes": {"mobile": "13900001111"}}


def test_a_change_without_its_new_value_is_refused_at_that_input(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse(FRONT_DESK), {"business": "person_change", "applicant_kind": "person",
                                              "id_number": person_chaoyang.id_number, "fields": ["postal_code"],
                                              "new_postal_code": "1000", "token": "t-c", "do": "save"})
    assert r.status_code == 400 and "邮政编码：应为6位数字" in r.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)])
def test_a_clerk_registers_a_refund_and_a_change_in_a_browser(page, clerk_chaoyang, person_chaoyang, viewport):
    from tests.backoffice.test_browser_walkthrough import front_desk, login

    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    login(page, "clerk_cy")
    fields = refund_fields(person_chaoyang)

    def refund_inputs(p):
        p.select_option("#bf-refund_kind", "overpayment")
        for name in ("amount_fen", "dues", "payee_name", "bank_name", "bank_account"):
            p.fill(f"#bf-{name}", fields[name])

    refund = front_desk(page, business="refund", id_number=person_chaoyang.id_number, extra=refund_inputs)
    page.wait_for_selector("#case-details")
    assert "300.00元" in page.inner_text("#case-details")
    assert Case.objects.get(pk=refund).details["amount_fen"] == 30_000

    change = front_desk(page, business="person_change", id_number=person_chaoyang.id_number,
                        extra=lambda p: (p.check("input[name=fields][value=mobile]"),
                                         p.click("button[name=refresh][value=changes]"),
                                         p.wait_for_selector("input[name=new_mobile]"),
                                         p.fill("input[name=new_mobile]", "13900001111")))
    assert Case.objects.get(pk=change).details == {"changes": {"mobile": "13900001111"}}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0] + 1, f"the page is wider than the screen: {width}px"


def test_a_change_asks_for_the_fields_first_then_only_their_new_values(client, clerk_chaoyang, person_chaoyang):
    """Review finding: the change form showed 19 free-text boxes, 性别 and 户籍性质 among them. Now it
    lists the fields to tick; only the chosen ones get an input, each of its kind."""
    client.force_login(clerk_chaoyang)
    base = {"business": "person_change", "applicant_kind": "person", "id_number": person_chaoyang.id_number}
    first = client.post(reverse(FRONT_DESK), {**base, "refresh": "business"}).content.decode()
    assert first.count('name="new_') == 0 and 'name="fields" value="gender"' in first
    second = client.post(reverse(FRONT_DESK), {**base, "refresh": "changes",
                                               "fields": ["gender", "household_type", "birth_date", "mobile"]})
    html = second.content.decode()
    assert html.count('name="new_') == 4
    assert '<select name="new_gender"' in html and '<select name="new_household_type"' in html
    assert '<input type="date" name="new_birth_date"' in html and '<input type="text" name="new_mobile"' in html
    assert ">农业<" in html and ">女<" in html
