"""An auditor's audit cases in a real headless Chromium on a 390x844 phone (7.1–7.3): a complaint
from the 12345 hotline registered without opening during the suspension, contacted by phone,
opened after the center announces resumption; a case opened before the holiday whose deadline the
suspension moved, shown as `shebao audit_deadline` computes it; the decision letter printed."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from shebao.core.policy import announcement_publish
from shebao.operations import services
from shebao.operations.models import AuditCase, AuditContact, State
from shebao.rules import cli
from tests import personas
from tests.conftest import screenshot
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"


def test_an_auditors_complaint_through_the_suspension(page, settings, municipal_admin, employer_chaoyang):
    auditor = personas.make_staff("auditor_cy", role=personas.Role.AUDITOR, office_code="110105",
                                  display_name="朝阳区稽核员")
    page.set_viewport_size({"width": 390, "height": 844})

    # A letter opened on 2020-01-20, before the holiday: the suspension then holds its deadline.
    settings.SHEBAO_TODAY = dt.date(2020, 1, 20)
    old = services.audit_case_register(actor=auditor, source="letter", employer=employer_chaoyang,
                                       summary="未为职工参保", open_now=True)

    # 2020-02-20, inside the suspension: a 12345 complaint is registered, not opened (7.2).
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    login(page, "auditor_cy")
    page.click(".mainnav >> text=稽核")
    page.wait_for_selector("#audit-queue")
    assert "中止中" in page.inner_text(f"tr[data-case='{old.pk}']")
    page.click("text=＋ 登记案件")
    page.select_option("select[name=source]", "hotline_12345")
    page.fill("input[name=employer_code]", employer_chaoyang.credit_code)
    page.fill("input[name=complainant_name]", "王小明")
    page.fill("input[name=complainant_phone]", "13812345678")
    page.fill("textarea[name=summary]", "单位拖欠社会保险费三个月")
    page.fill("textarea[name=documents_kept]", "工资条复印件3页")
    fits_the_phone(page)
    page.click("button:has-text('登记')")
    page.wait_for_selector("text=已登记（未立案）")
    case = AuditCase.objects.exclude(pk=old.pk).get()
    body = page.inner_text("body")
    assert "王*" in body and "王小明" not in body and "138****5678" in body
    fits_the_phone(page)

    # Opening is refused while the suspension holds.
    page.click("form[action$='/act/open/'] button")
    page.wait_for_selector("#errors")
    assert "7.2" in page.inner_text("#errors")
    case.refresh_from_db()
    assert case.state == State.REGISTERED

    # 7.3: the complainant is called.
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=party]", "complainant")
    page.fill("input[name=contact_person]", "王小明")
    page.fill("input[name=contacted_at]", "2020-02-20T00:00")  # never after now, whatever the hour the test runs
    page.fill("#contact-form textarea[name=notes]", "告知疫情期间案件暂缓立案，材料已留存")
    page.click("#contact-form button")
    page.wait_for_selector("#contacts")
    assert "暂缓立案" in page.inner_text("#contacts") and "王小明" not in page.inner_text("body")
    assert AuditContact.objects.get().by == auditor
    screenshot(page, "40-phone-audit-case-registered")

    # The center announces resumption on 2020-03-16; the case is opened that day.
    announcement_publish(actor=municipal_admin, parameter="audit.resumed_on", value="2020-03-16",
                         title="关于恢复稽核工作的公告", clause="7.1")
    settings.SHEBAO_TODAY = dt.date(2020, 3, 16)
    page.reload()
    page.click("form[action$='/act/open/'] button")
    page.wait_for_selector("text=已立案")
    case.refresh_from_db()
    assert (case.state, case.opened_on) == (State.OPENED, dt.date(2020, 3, 16))

    # The queue: the old case's deadline moved by the suspension, as the command says; fewest days first.
    page.goto(page.live_server_url + "/office/audits/")
    out = io.StringIO()
    lines = [{"id": old.pk, "opened_on": "2020-01-20", "suspensions": [{"from": "2020-02-03", "to": "2020-03-15"}]},
             {"id": case.pk, "opened_on": "2020-03-16", "suspensions": [{"from": "2020-02-03", "to": "2020-03-15"}]}]
    cli.main(["audit_deadline"], stdin=io.StringIO("\n".join(json.dumps(x) for x in lines) + "\n"), stdout=out)
    expected = {r["id"]: r["deadline"] for r in map(json.loads, out.getvalue().splitlines())}
    assert expected[old.pk] in page.inner_text(f"tr[data-case='{old.pk}']")
    assert expected[case.pk] in page.inner_text(f"tr[data-case='{case.pk}']")
    order = page.eval_on_selector_all("#audit-queue tbody tr", "els => els.map(e => +e.dataset.case)")
    assert order == [old.pk, case.pk]
    fits_the_phone(page)
    screenshot(page, "41-phone-audit-queue")
    assert not page.external_requests
