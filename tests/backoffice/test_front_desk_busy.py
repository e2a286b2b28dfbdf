"""The front desk re-renders itself when a business, an applicant or a field is chosen. What a clerk
types during that round trip must not be wiped by the new form: the inputs are disabled until it
lands, and what was typed before the request is carried into the new form.

The server's answer is held back (Playwright's request routing) to make the round trip as slow as a
district office's line can make it; CI once lost a refund's typed fields this way.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inputs_are_disabled_while_the_form_re_renders_and_nothing_typed_is_lost(page, clerk_chaoyang,
                                                                                  person_chaoyang):
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", "clerk_cy")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page
    page.goto(page.live_server_url + "/office/front-desk/")
    page.select_option("#business", "refund")
    page.wait_for_selector("input[name=applicant_kind][value=person]")
    page.fill("#id_number", person_chaoyang.id_number)

    # Hold the re-render's answer until the test has tried to type.
    held = []

    def hold(route):
        held.append(route)

    page.route("**/office/front-desk/", hold)
    page.check("input[name=applicant_kind][value=person]")
    expect(page.locator("#front-desk-fields")).to_have_js_property("disabled", True)  # (expect, not wait_for_function: the CSP forbids its eval)
    assert not page.locator("#id_number").is_editable()
    assert not page.locator("button[name=do]").is_enabled()
    assert len(held) == 1 and held[0].request.post_data and "refresh=1" in held[0].request.post_data

    # The answer lands: the new form carries the number typed before the request, and is editable.
    held[0].continue_()
    page.unroute("**/office/front-desk/")
    expect(page.locator("#front-desk-fields")).to_have_js_property("disabled", False)
    assert page.input_value("#id_number") == person_chaoyang.id_number
    assert page.locator("input[name=applicant_kind][value=person]").is_checked()
    assert page.locator("#id_number").is_editable()
