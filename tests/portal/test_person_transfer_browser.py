"""A person's pension transfer in a real Chromium, on a 390x844 phone and on a desktop (issue 15, 4.1): from
the home page to 关系转移, through the identity check at the local OpenID Connect provider, a row typed
wrong refused at its box, corrected and submitted; the transfer page and both of the person's forms fit
the screen, their lists, placeholders and labels too (tests/portal/test_lists_and_labels_browser.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from shebao.cases.models import Case
from shebao.registry.services import person_update
from tests import personas
from tests.conftest import screenshot
from tests.portal.conftest import SETUP
from tests.portal.test_lists_and_labels_browser import MEASURE_JS
from tests.portal.test_person_browser import identity_provider, pass_identity_check, sign_in
from tests.web.test_phone_viewport import OVERFLOW_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


def fits(page, where: str) -> None:
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["doc"] <= overflow["vw"] and not overflow["wide"], (where, overflow)
    m = page.evaluate(MEASURE_JS)
    assert not m["cut"] and not m["broken"], (where, m)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_person_applies_for_a_transfer_in_through_the_identity_check(page, settings, live_server, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.set_default_timeout(90_000)
    person = person_update(actor=SETUP, person=personas.make_person("赵转移", serial=44), phone="13900139044")
    with identity_provider(page, settings, live_server) as idp:
        sign_in(page, settings, person)
        page.click("main >> text=养老保险关系转移")
        expect(page.get_by_role("heading", name="我的个人账户")).to_be_visible()
        fits(page, "transfer page")
        page.click("main a:has-text('基本养老保险关系转入')")
        page.wait_for_url(re.compile(r"/portal/person/identity/\?next="))  # the check comes first
        pass_identity_check(page, idp, person, r"/portal/person/transfer/in/$")
        fits(page, "transfer form")
        page.fill("#bf-region", "河北省石家庄市")
        page.fill("#bf-lines", "2015-01,3000,240\n2015-13,3000,240")  # no month 13
        page.click("button:has-text('提交申请')")
        expect(page.locator("#bf-lines-error")).to_contain_text("第2行")
        expect(page.locator("#bf-lines")).to_be_focused()
        fits(page, "transfer refused")
        page.fill("#bf-lines", "2015-01,3000,240\n2015-02,3000,240")
        page.click("button:has-text('提交申请')")
        page.wait_for_selector("#case-status")
        case = Case.objects.get(person=person)
        assert (case.business, case.channel) == ("transfer_in", "online")
        assert [r["month"] for r in case.details["lines"]] == ["2015-01", "2015-02"]
        fits(page, "transfer submitted")
        screenshot(page, f"74-portal-transfer-submitted-{viewport}")
        # The card form of the same person, within the check's ten minutes: measured too.
        page.click("nav.subnav >> text=补换社保卡")
        page.wait_for_url(re.compile(r"/portal/person/card/$"))
        fits(page, "card form")
