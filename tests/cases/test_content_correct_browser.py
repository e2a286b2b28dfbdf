"""The correction of a case's content in a real Chromium (issue 13: a case registered before content was
required could only be rejected): the clerk on a 390 x 844 phone reads what the case lacks, follows a
problem's link to its input, is told every fault at once at its input, fills the content in; the
reviewer on a desktop approves the case."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases import services
from shebao.cases.models import Case
from tests.cases.conftest import valid_details
from tests.conftest import screenshot
from tests.personas import PASSWORD
from tests.web.test_phone_viewport import fits, phone, sign_in  # noqa: F401  (phone is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_fills_in_a_case_without_content_on_a_phone_and_the_reviewer_approves_it(
        phone, page, clerk_chaoyang, reviewer_chaoyang, person_chaoyang):  # noqa: F811
    applied = dt.date(2020, 2, 10)
    case, _ = services.case_submit(actor=clerk_chaoyang, business="person_change", channel="counter",
                                   person=person_chaoyang, applicant_kind="person", applied_on=applied,
                                   facts={"fields": ["phone"]},
                                   details=valid_details("person_change", person=person_chaoyang,
                                                         facts={"fields": ["phone"]}, applied_on=applied))
    # As registered before content was required: regular handling, in review, no content.
    Case.objects.filter(pk=case.pk).update(details={}, mode="regular", status="in_review", requires=[])
    sign_in(phone, clerk_chaoyang.username)
    phone.goto(f"{phone.live_server_url}/office/cases/{case.pk}/")
    warning = phone.inner_text("#content-incomplete")
    assert "申请内容不完整" in warning and "请选择变更内容" in warning
    assert phone.is_visible("#correct form")  # open at once: the case lacks its content
    fits(phone, "correct-01-lacking")
    phone.click("#content-incomplete a")
    phone.check("#correct input[name=fields][value=phone]")
    phone.click("#correct button[name=refresh]")
    phone.wait_for_selector("#correct #bf-new-phone")
    phone.fill("#correct #bf-new-phone", "12345")
    phone.click("#correct button:has-text('保存补正内容')")
    phone.wait_for_selector("#correct-reason[aria-invalid=true]")
    assert phone.get_attribute("#correct #bf-new-phone", "aria-invalid") == "true"
    assert phone.input_value("#correct #bf-new-phone") == "12345"
    assert "请填写补正理由" in phone.inner_text("#correct")
    fits(phone, "correct-02-refused")
    phone.fill("#correct #bf-new-phone", "010-65001234")
    phone.fill("#correct-reason", "申请人来电补充新电话")
    phone.click("#correct button:has-text('保存补正内容')")
    phone.wait_for_selector("text=申请内容已补正")
    assert not phone.is_visible("#content-incomplete")
    assert "补正申请内容" in phone.inner_text(".timeline")
    fits(phone, "correct-03-done")
    assert Case.objects.get(pk=case.pk).details["changes"] == {"phone": "010-65001234"}

    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", reviewer_chaoyang.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page
    page.goto(f"{page.live_server_url}/office/cases/{case.pk}/")
    page.click("button:has-text('审批通过')")
    page.wait_for_selector("text=已审批通过")
    screenshot(page, "desktop-correct-04-approved")
    assert Case.objects.get(pk=case.pk).status == "completed"
