"""The large-type mode shows an application one thing per screen (issue 15: 适老化, "large type, high
contrast, one thing per screen"), in a real Chromium on a 390x844 phone and on a desktop: a retiree
turns on 大字模式, passes the identity check, and applies for a card one field at a time with 上一步 /
下一步; a wrong address comes back at its own step with the error beside it; the whole form is posted
together and the case is stored as typed. In the standard mode every field shows at once."""

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
from tests.portal.test_person_browser import identity_provider, pass_identity_check, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def _shown_fields(page) -> list[str]:
    return page.eval_on_selector_all("form[data-steps] > .field", "els => els.filter(e => !e.hidden)"
                                     ".map(e => e.dataset.field)")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_retiree_applies_for_a_card_one_field_per_screen(page, settings, live_server, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.set_default_timeout(90_000)
    person = person_update(actor=SETUP, person=personas.make_person("李老伯", serial=43), phone="13900139043")
    with identity_provider(page, settings, live_server) as idp:
        sign_in(page, settings, person)
        page.click("text=大字模式")
        expect(page.locator("html")).to_have_class(re.compile("large-type"))
        page.click("text=补换社会保障卡")
        page.wait_for_url(re.compile(r"/portal/person/identity/\?next="))
        pass_identity_check(page, idp, person, r"/portal/person/card/$")
    expect(page.locator("#steps-status")).to_be_visible()  # steps.js has run
    fields = page.eval_on_selector_all("form[data-steps] > .field", "els => els.map(e => e.dataset.field)")
    assert len(fields) >= 4, fields
    expect(page.locator("#steps-status")).to_have_text(f"第1步，共{len(fields)}步")
    assert _shown_fields(page) == [fields[0]]
    expect(page.locator("button:has-text('提交申请')")).to_be_hidden()
    expect(page.locator("button:has-text('上一步')")).to_be_hidden()
    screenshot(page, f"72-{viewport}-large-type-step1")
    typed = {"recipient_name": "李老伯", "recipient_phone": "13900139043", "postal_address": "朝阳"}
    for k, name in enumerate(fields):
        expect(page.locator("#steps-status")).to_have_text(f"第{k + 1}步，共{len(fields)}步")
        assert _shown_fields(page) == [name]
        if name == "reason":
            page.select_option("#bf-reason", "lost")
        elif name in typed:
            page.fill(f"#bf-{name}", typed[name])
            if k < len(fields) - 1:
                page.press(f"#bf-{name}", "Enter")  # Enter goes to the next step, it sends nothing
                continue
        if k < len(fields) - 1:
            page.click("button:has-text('下一步')")
    assert not Case.objects.filter(person=person).exists()
    page.click("button:has-text('上一步')")  # back one step: what was typed is still there
    assert _shown_fields(page) == [fields[-2]]
    page.click("button:has-text('下一步')")
    page.click("button:has-text('提交申请')")
    # The address is too short: the page comes back at the address's step, the error beside it.
    page.wait_for_selector("#bf-postal_address-error")
    expect(page.locator("#steps-status")).to_be_visible()  # steps.js has run on the new page
    assert _shown_fields(page) == ["postal_address"]
    expect(page.locator("#bf-postal_address")).to_be_focused()
    screenshot(page, f"72-{viewport}-large-type-error-step")
    page.fill("#bf-postal_address", "北京市朝阳区朝阳门外大街1号院2单元301")
    for _ in range(len(fields)):  # to the last step, past what was kept
        if page.locator("button:has-text('提交申请')").is_visible():
            break
        page.click("button:has-text('下一步')")
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("#case-status")
    case = Case.objects.get(person=person)
    assert case.details["reason"] == "lost" and case.channel == "online"
    assert (case.details["recipient_name"], case.details["postal_address"]) == ("李老伯", "北京市朝阳区朝阳门外大街1号院2单元301")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]


def test_in_the_standard_mode_every_field_shows_at_once(page, settings, live_server):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    page.set_viewport_size(VIEWPORTS["phone"])
    page.set_default_timeout(90_000)
    person = person_update(actor=SETUP, person=personas.make_person("李老伯", serial=44), phone="13900139044")
    with identity_provider(page, settings, live_server) as idp:
        sign_in(page, settings, person)
        page.click("text=补换社会保障卡")
        page.wait_for_url(re.compile(r"/portal/person/identity/\?next="))
        pass_identity_check(page, idp, person, r"/portal/person/card/$")
    expect(page.locator("button:has-text('提交申请')")).to_be_visible()
    page.wait_for_load_state("load")  # deferred scripts have run: none of them steps this form
    fields = page.eval_on_selector_all("form[data-steps] > .field", "els => els.map(e => e.dataset.field)")
    assert _shown_fields(page) == fields and len(fields) >= 4
    expect(page.locator("button:has-text('提交申请')")).to_be_visible()
    assert page.locator("#steps-status").count() == 0
