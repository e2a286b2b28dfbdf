"""The pages this change touched, in a real Chromium on a 390x844 phone and on a 1366x768 desktop (issue
15: phone-first): a person's transfer in that owes its 参保缴费凭证 (a wrong file refused beside its box,
the right one received), the employer's transfer-out form refused with the account's table still shown,
and the front desk's transfer out with the table. Each page fits the screen: no sideways scrolling, no
list, placeholder or label cut (tests/portal/test_lists_and_labels_browser.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.cases import services as cases
from shebao.cases.models import Case, Document
from shebao.portal.access import person_actor
from shebao.portal.person_services import person_case_submit
from shebao.registry.accounts import account_transfer_in
from shebao.registry.models import EmploymentSpell
from shebao.registry.services import person_update
from tests import personas
from tests.businesses.walk import PDF
from tests.conftest import screenshot
from tests.portal.conftest import SETUP, make_admin, sms_codes
from tests.portal.test_person_browser import sign_in
from tests.portal.test_person_transfer_browser import VIEWPORTS, fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MONTHS = [{"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000},
          {"month": "2016-04", "base_fen": 300_000, "amount_fen": 97_392}]


@pytest.fixture(autouse=True)
def _day(settings, tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_person_uploads_the_payment_record_a_transfer_in_owes(page, settings, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    person = person_update(actor=SETUP, person=personas.make_person("钱转入", serial=45), phone="13900139045")
    case, _ = person_case_submit(actor=person_actor(person), person=person, business="transfer_in",
                                 identity_checked=True, details={"region": "河北省石家庄市", "lines": [
                                     {"month": "2015-01", "base_fen": 300_000, "amount_fen": 24_000}]})
    clerk = personas.make_staff(f"doc_clerk_{viewport}", role="district_clerk", office_code="110105")
    case = cases.case_accept(case=case, actor=clerk)
    owed = case.owed_documents.get()
    sign_in(page, settings, person)
    page.goto(page.live_server_url + f"/portal/person/cases/{case.pk}/")
    documents = page.locator("#documents")
    expect(documents).to_contain_text("参保缴费凭证")
    expect(documents).to_contain_text("未收到")
    fits(page, "case page owing")
    box = page.locator(f"#owed-file-{owed.pk}")
    box.set_input_files({"name": "凭证.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 not a pdf"})
    box.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("#upload-error")).to_contain_text("只接受PDF、JPEG、PNG文件")
    expect(page.locator(f"#owed-file-{owed.pk}")).to_have_attribute("aria-invalid", "true")
    assert not Document.objects.exists()
    fits(page, "upload refused")
    box = page.locator(f"#owed-file-{owed.pk}")
    box.set_input_files({"name": "凭证.pdf", "mimeType": "application/pdf", "buffer": PDF})
    box.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("#documents")).to_contain_text("已收到")
    expect(page.locator("main")).to_contain_text("材料“参保缴费凭证”已上传")
    owed.refresh_from_db()
    assert owed.state == "received" and owed.document.sha256
    fits(page, "upload received")
    screenshot(page, f"76-portal-person-document-received-{viewport}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_employers_transfer_out_is_refused_with_the_account_shown(page, settings, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    employer = personas.make_employer("北京转出测试有限公司", serial=46)
    person = personas.make_person("孙转出", serial=46)
    EmploymentSpell.objects.create(person=person, employer=employer, from_month="2015-01", to_month="2019-12")
    account_transfer_in(actor=SETUP, person=person, region="天津市", lines=MONTHS)
    admin = make_admin(employer, login="tboss", mobile="13800138046")
    page.goto(page.live_server_url + "/portal/employer/sign-in/")
    page.get_by_label("统一社会信用代码").fill(employer.credit_code)
    page.get_by_label("登录名").fill(admin.login)
    page.get_by_label("密码").fill("portal-demo-password-2020")
    page.get_by_role("button", name="下一步：获取短信验证码").click()
    page.get_by_label("短信验证码").fill(sms_codes(settings, admin.mobile)[-1])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=employer.name)).to_be_visible()
    page.goto(page.live_server_url + "/portal/employer/cases/new/?business=transfer_out")
    expect(page.locator("#transfer-account-help")).to_be_visible()
    fits(page, "employer transfer form")
    page.fill("#f-id_number", person.id_number)
    page.fill("#bf-region", "上海市")
    page.fill("#bf-lines", "2016-03,240.00")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#bf-lines-error")).to_contain_text("不能只转部分月份")
    table = page.locator("#transfer-account")
    expect(table).to_contain_text("共2个月，余额1,213.92元")
    expect(table).to_contain_text("973.92")
    fits(page, "employer transfer refused")
    screenshot(page, f"77-portal-employer-transfer-out-refused-{viewport}")
    page.fill("#bf-lines", "2016-03,240.00\n2016-04,973.92")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#case-status")).to_be_visible()
    assert Case.objects.get(business="transfer_out").person == person


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_front_desk_shows_the_account_of_a_transfer_out(page, viewport):
    from tests.backoffice.test_browser_walkthrough import login

    page.set_viewport_size(VIEWPORTS[viewport])
    personas.make_staff("desk_t_cy", role="district_clerk", office_code="110105")
    person = personas.make_person("周转出", serial=47)
    account_transfer_in(actor=SETUP, person=person, region="天津市", lines=MONTHS)
    login(page, "desk_t_cy")
    page.goto(page.live_server_url + "/office/front-desk/")
    page.select_option("#business", "transfer_out")
    page.wait_for_selector("input[name=applicant_kind][value=person]")
    page.check("input[name=applicant_kind][value=person]")
    page.wait_for_selector("#id_number")
    page.fill("#id_number", person.id_number)
    page.fill("#bf-region", "上海市")
    page.fill("#bf-lines", "2016-03,240.00")
    page.click("button[name=do][value=preview]")
    expect(page.locator("#transfer-account")).to_contain_text("共2个月，余额1,213.92元")
    expect(page.locator("#front-desk")).to_contain_text("不能只转部分月份")
    fits(page, "front desk transfer refused")
    screenshot(page, f"78-front-desk-transfer-out-{viewport}")
