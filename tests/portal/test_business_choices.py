"""Every business field of a few values is a list with its Chinese names on every road that draws the
business's fields (review-user6 F2: the portal's change of data took 性别, 户籍性质, 缴费人员类别 and
工人变更干部身份 as codes typed into text boxes while the front desk had lists), and an error marks its own
input only (F6: one wrong new value outlined all nineteen inputs of the change)."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from lxml import html as lxml_html

from shebao.cases.business_forms import error_field, error_input, form_fields
from shebao.cases.models import Case
from shebao.portal.employer import online_businesses
from shebao.portal.person_services import PERSON_BUSINESSES
from shebao.registry.models import EmploymentSpell
from shebao.rules.business_fields import CHANGE_CHOICES, definitions
from shebao.rules.catalog import choices
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db
NEW = "/portal/employer/cases/new/"
FRONT_DESK = "backoffice:front_desk"
# Every item of a change of data whose value is one of a few, with its Chinese names.
CHANGE_LISTS = {**{k: list(v.values()) for k, v in CHANGE_CHOICES.items()},
                "gender": [zh for _, zh in choices("gender")]}


def _choice_fields(code: str) -> list[tuple[str, list[str]]]:
    """(input name, Chinese names) of each choice field of a business, and each list item of a change."""
    out = []
    for spec in definitions()[code].applicant_fields:
        if spec.type == "choice":
            out.append((spec.name, [zh for _, zh in spec.choices()]))
        elif spec.type == "changes":
            out += [(f"new_{k}", names) for k, names in CHANGE_LISTS.items()]
    return out


def _selects(page: str) -> dict[str, list[str]]:
    doc = lxml_html.fromstring(page)
    return {s.get("name"): [o.text_content().strip() for o in s.findall("option") if o.get("value")]
            for s in doc.iter("select")}


def _invalid(page: str) -> list[str]:
    """The names of the inputs marked at fault."""
    doc = lxml_html.fromstring(page)
    return [e.get("name") for e in doc.xpath('//*[@aria-invalid="true"]')]


def _portal_fields(code: str, data=None, errors=None) -> str:
    return render_to_string("portal/_business_fields.html", {"fields": form_fields(code, data), "errors": errors or {}})


@pytest.mark.parametrize("code", sorted(c for c in definitions() if _choice_fields(c)))
def test_the_portal_renderer_draws_every_choice_as_a_list_with_chinese_names(code):
    selects = _selects(_portal_fields(code))
    for name, names in _choice_fields(code):
        assert selects.get(name) == names, (code, name, selects.get(name))
    assert not re.search(r'<input type="text" name="(new_)?(gender|household_type|contributor_category|cadre_status|'
                         r'reason|cancel_reason|refund_kind|id_type)"', _portal_fields(code))


def test_the_portal_has_one_renderer_of_business_fields():
    """Both portal forms (the employer's and the person's) include the one template; no other portal
    template draws a business's fields itself."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "src/shebao/portal/templates/portal"
    drawers = sorted(str(p.relative_to(root)) for p in root.rglob("*.html") if "f.widget" in p.read_text())
    assert drawers == ["_business_fields.html"]
    for page in ("employer/case_form.html", "person/apply.html"):
        assert '{% include "portal/_business_fields.html" %}' in (root / page).read_text()


@pytest.fixture
def employee(employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    return person_chaoyang


@pytest.fixture
def employer_client(client, settings, admin_chaoyang):
    sign_in_employer(client, settings, admin_chaoyang)
    return client


@pytest.mark.parametrize("code", sorted(b.code for b in online_businesses() if _choice_fields(b.code)))
def test_the_employer_portal_form_draws_its_choices_as_lists(employer_client, code):
    selects = _selects(employer_client.get(NEW, {"business": code}).content.decode())
    for name, names in _choice_fields(code):
        assert selects.get(name) == names, (code, name)


def test_the_person_portal_form_draws_its_choices_as_lists(client, settings, insured):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    page = client.get(reverse("portal:person_card_apply")).content.decode()
    assert _selects(page)["reason"] == [zh for _, zh in choices("card_reason")]
    assert "card_replacement" in PERSON_BUSINESSES


def test_the_change_of_data_on_the_portal_takes_a_listed_value_by_its_chinese_name(employer_client, employee):
    page = employer_client.get(NEW, {"business": "person_change"}).content.decode()
    selects = _selects(page)
    assert selects["new_gender"] == ["男", "女"] and selects["new_household_type"] == ["城镇", "农业", "无（境外人员）"]
    assert selects["new_contributor_category"] == ["在职职工", "灵活就业人员", "退休人员"]
    assert selects["new_cadre_status"] == ["是", "否"]
    r = employer_client.post(NEW, {"business": "person_change", "id_number": employee.id_number, "token": "c1",
                                   "fields": ["household_type", "cadre_status"], "new_household_type": "rural",
                                   "new_cadre_status": "true"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Case.objects.get().details == {"changes": {"household_type": "rural", "cadre_status": "true"}}


def test_one_wrong_new_value_marks_that_input_only_on_the_portal(employer_client, employee):
    with nothing_written():
        r = employer_client.post(NEW, {"business": "person_change", "id_number": employee.id_number, "token": "c2",
                                       "fields": ["gender", "mobile", "postal_code"], "new_gender": "male",
                                       "new_mobile": "12345", "new_postal_code": "100020"})
    page = r.content.decode()
    assert r.status_code == 400
    assert _invalid(page) == ["new_mobile"]
    doc = lxml_html.fromstring(page)
    mobile = doc.get_element_by_id("bf-new-mobile")
    message = doc.get_element_by_id(mobile.get("aria-describedby")).text_content()
    assert message.startswith("手机号码：")
    # what was chosen and typed is all still there
    assert doc.get_element_by_id("bf-new-postal_code").get("value") == "100020"
    assert [o.get("value") for o in doc.get_element_by_id("bf-new-gender").findall("option")
            if o.get("selected") is not None] == ["male"]
    assert page.count('class="field-error"') == 1


def test_one_wrong_new_value_marks_that_input_only_at_the_front_desk(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written(shown=person_chaoyang):
        r = client.post(reverse(FRONT_DESK), {"business": "person_change", "applicant_kind": "person",
                                              "id_number": person_chaoyang.id_number, "token": "t-c", "do": "save",
                                              "fields": ["gender", "mobile", "postal_code"], "new_gender": "male",
                                              "new_mobile": "13900001111", "new_postal_code": "1000"})
    page = r.content.decode()
    assert r.status_code == 400 and "邮政编码：应为6位数字" in page
    assert _invalid(page) == ["new_postal_code"]


def test_an_error_key_names_the_item_of_a_change_and_the_box_of_a_row():
    assert error_input("details.changes.gender") == "changes.gender"
    assert error_input("changes.mobile") == "changes.mobile"
    assert error_input("details.lines.2.base_fen") == "lines"
    assert error_input("details.amount_fen") == "amount_fen" and error_input("person") == "person"
    assert error_field("changes.gender") == "changes" and error_field("lines") == "lines"
