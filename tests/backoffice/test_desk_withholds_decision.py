"""review F2: the front desk showed the routing decision and 确认登记 beside a red name error, as if the
form could be registered; and a name holding a character no one can see was drawn again without it while
the message pointed at a position the clerk could not find. A form with a refused input offers neither
the decision nor the button; under the message the name stands as typed, the character marked by its
code point (on the desk and on the portals' forms alike)."""

from __future__ import annotations

from django.urls import reverse
from lxml import html as lxml_html

from shebao.cases.models import Case
from tests.backoffice.test_error_at_the_wrong_field import _on_day, _registration  # noqa: F401 - the day

MARK = '<mark class="invisible-char" title="U+3164（韩文填充符）">U+3164</mark>'


def _desk(client, employer, **typed):
    return client.post(reverse("backoffice:front_desk"),
                       {**_registration("7000"), "credit_code": employer.credit_code, **typed})


def test_a_refused_name_withholds_the_decision_and_the_register_button(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    r = _desk(client, employer_chaoyang, insured_name="王\u3164五")
    html = r.content.decode()
    assert r.status_code == 400 and not Case.objects.exists()
    doc = lxml_html.fromstring(html)
    said = doc.get_element_by_id("error-insured_name")
    assert "第2位是不可见的字符U+3164（韩文填充符）" in said.text_content()
    assert doc.get_element_by_id("bf-insured_name").get("value") == "王五"  # the box, without it
    assert f"填写的是：王{MARK}五" in html  # as typed, the character marked where it stood
    assert not doc.xpath('//*[@id="decision"]') and not doc.xpath("//button[@value='save']")
    assert "请先更正标红的项目" in doc.get_element_by_id("decision-withheld").text_content()
    # "判断办理方式" only: the form is judged again once corrected
    assert [b.text_content() for b in doc.xpath("//button[@name='do']")] == ["判断办理方式"]


def test_a_refused_name_of_a_visible_fault_withholds_them_too(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    r = _desk(client, employer_chaoyang, insured_name="王 五", do="preview")
    html = r.content.decode()
    doc = lxml_html.fromstring(html)
    assert "第2位的空格请删除" in html and not doc.xpath('//*[@id="decision"]')
    assert not doc.xpath("//button[@value='save']") and doc.xpath('//*[@id="decision-withheld"]')
    assert "填写的是" not in html  # nothing invisible to mark


def test_a_good_form_shows_the_decision_and_registers(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    r = _desk(client, employer_chaoyang, do="preview")
    html = r.content.decode()
    doc = lxml_html.fromstring(html)
    assert r.status_code == 200 and doc.xpath('//*[@id="decision"]')
    assert [b.text_content() for b in doc.xpath("//button[@value='save']")] == ["确认登记"]
    assert 'id="decision-withheld"' not in html
    assert _desk(client, employer_chaoyang).status_code == 302 and Case.objects.count() == 1


def test_the_employer_portal_marks_the_character_too(client, settings, employer_chaoyang):
    from tests.portal.conftest import make_admin, sign_in_employer
    from tests.portal.test_person_names import _registration as portal_registration

    sign_in_employer(client, settings, make_admin(employer_chaoyang))
    r = client.post("/portal/employer/cases/new/?business=insured_registration",
                    {"business": "insured_registration", **portal_registration("王\u3164五")})
    html = r.content.decode()
    assert r.status_code in (200, 400) and not Case.objects.exists()
    said = lxml_html.fromstring(html).get_element_by_id("bf-insured_name-error").text_content()
    assert "第2位是不可见的字符U+3164" in said and "填写的是：王U+3164五" in said
    assert f"王{MARK}五" in html
