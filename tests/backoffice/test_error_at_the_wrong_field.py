"""An error is reported at the field that is wrong, with its own message (review-input6 F8: the front
desk said 缺少人员类别 when only 月缴费基数 was wrong). The cause was a class: reading a form stopped at
the first input it could not read (an amount that is not yuan, a row with the wrong number of
columns), so every other field was lost, its own faults unreported and the facts the rules read from
it (the category) missing. Every road that reads a business's form (front desk, employer portal,
person portal, the agency's figures) now reads every input and judges each on its own
(`cases.business_forms.desk_read`). The walk below covers every money field of every business.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse
from lxml import html as lxml_html

from shebao.cases.business_forms import desk_read
from shebao.cases.models import Case
from shebao.registry.checks import id_check_character
from shebao.rules.business_fields import definitions

DAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def _on_day(settings):
    settings.SHEBAO_TODAY = DAY


def _number() -> str:
    first17 = "11010519900101123"
    return first17 + id_check_character(first17)


def _registration(base: str, category: str = "standard") -> dict[str, str]:
    return {"business": "insured_registration", "applicant_kind": "employer", "insured_id_type": "citizen_id",
            "insured_id_number": _number(), "insured_name": "黄凤飘", "insured_mobile": "13700001111",
            "category": category, "start_month": "2020-02", "base_fen": base, "token": "t-f8", "do": "save"}


@pytest.mark.parametrize("base", ["七千", "7000.123", "0"])
def test_a_wrong_monthly_base_is_said_at_the_base_and_nowhere_else(client, clerk_chaoyang, employer_chaoyang, base):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"),
                    {**_registration(base), "credit_code": employer_chaoyang.credit_code})
    html = r.content.decode()
    assert r.status_code == 400 and not Case.objects.exists()
    assert "缺少人员类别" not in html
    doc = lxml_html.fromstring(html)
    base_input = doc.get_element_by_id("bf-base_fen")
    assert base_input.get("aria-invalid") == "true"
    said = doc.get_element_by_id(base_input.get("aria-describedby")).text_content()
    assert "月缴费基数" in said and ("金额" in said or "不能小于" in said), said
    marked = [e.get("id") for e in doc.xpath("//*[@aria-invalid='true']")]
    assert marked == ["bf-base_fen"], marked


def test_every_unreadable_input_is_named_and_the_others_are_judged_on_their_own():
    """desk_read over every business with a money field: each unreadable amount named at its input with
    "应为金额", the other fields still read (their own faults, or none), never "请填写" for the lost value."""
    walked = 0
    for code, d in definitions().items():
        money = [f for f in d.applicant_fields if f.type == "fen"]
        if not money:
            continue
        data = QueryDict(mutable=True)
        for f in money:
            data[f.name] = "一千元"
        checked = desk_read(code, data, today=DAY)
        said = {e.field: e.zh for e in checked.errors}
        for f in money:
            assert said[f.name] == f"{f.label}应为金额（元），如1234.50", (code, said)
        required = {f.name for f in d.applicant_fields if f.required and f.type != "fen"}
        assert {k for k in said if k not in {f.name for f in money}} == required, (code, said)
        walked += 1
    assert walked >= 4


def test_a_row_of_the_wrong_width_does_not_hide_the_months(clerk_chaoyang):
    data = QueryDict(mutable=True)
    data["months"] = "2013-01"  # read: the month's own fault must show
    data["lines"] = "110105199001011234"  # one column of two
    checked = desk_read("monthly_report_back_payment", data, today=DAY)
    said = {e.field: e.zh for e in checked.errors}
    assert said["lines"].startswith("申报人员第1行应有2列"), said
    assert checked.details["months"] == ["2013-01"] and "months" not in said, said


def test_the_employer_portal_says_each_fault_at_its_input(client, settings, employer_chaoyang, person_chaoyang):
    """The employer portal reads its form as the desk does: an unreadable base and a period ending before
    it starts are both said, each at its own input."""
    from shebao.registry.models import EmploymentSpell
    from tests.nothing_written import nothing_written
    from tests.portal.conftest import make_admin, sign_in_employer

    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    sign_in_employer(client, settings, make_admin(employer_chaoyang))
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "individual_back_payment", "id_number": person_chaoyang.id_number,
            "period_from": "2019-12", "period_to": "2019-11", "bases": "2019-11,abc"})
    body = r.content.decode()
    assert r.status_code == 400
    assert 'id="bf-bases-error"' in body and "缴费基数应为金额" in body
    assert 'id="bf-period-error"' in body and "终止月（2019-11）早于起始月（2019-12）" in body
