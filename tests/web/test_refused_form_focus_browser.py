"""After a refused post the page opens at the first input at fault, not at the top (review-user5 F8: the
hall's 体温异常 form is below the fold on a desktop; after a bad temperature the page was at scrollY 0,
focus nowhere, and the summary "请按提示更正下面标红的项目" was a bullet of its own list, no link). The
class is every form page: web/forms.js, loaded by both base pages, moves the focus to the first input
marked aria-invalid and scrolls it into view, on a full page (the hall log) and on a part htmx swaps in
(the front desk), and each line of the summary links to its input."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from shebao.operations.models import FeverReading
from tests import personas
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def login(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


def focused_and_seen(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement, r = el.getBoundingClientRect();
        return {id: el.id, invalid: el.getAttribute('aria-invalid'), top: r.top, bottom: r.bottom,
                height: window.innerHeight, scrolled: window.scrollY};
    }""")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_refused_temperature_opens_the_page_at_its_input(page, settings, tmp_path, viewport):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    page.set_viewport_size(VIEWPORTS[viewport])
    personas.make_staff("hall_cy", role=personas.Role.HALL_MANAGER, office_code="110105", display_name="朝阳区大厅主管")
    hall = personas.office("110105")
    login(page, "hall_cy")
    page.goto(f"{page.live_server_url}/office/halls/{hall.pk}/?day=2020-02-20")
    page.fill("#fever-at", "00:00")
    page.fill("#fever-celsius", "abc")
    page.fill("#fever-action", "劝离")
    page.click("#fever-form button")
    page.wait_for_selector("#errors")
    expect(page.locator("#fever-celsius")).to_be_focused()  # forms.js moves it after the load: waited for
    seen = focused_and_seen(page)
    assert seen["id"] == "fever-celsius" and seen["invalid"] == "true", seen
    assert seen["top"] >= 0 and seen["bottom"] <= seen["height"], seen
    # The summary's heading and its line link to the input.
    links = page.eval_on_selector_all("#errors a.error-link", "els => els.map(a => a.getAttribute('href'))")
    assert links and set(links) == {"#fever-celsius"}, links
    assert page.eval_on_selector("#errors", "e => e.querySelector('ul li').textContent").startswith("体温须为数字")
    page.evaluate("window.scrollTo(0, 0)")
    page.focus("#fever-action")
    page.click("#errors p a.error-link")
    expect(page.locator("#fever-celsius")).to_be_focused()
    assert focused_and_seen(page)["id"] == "fever-celsius"
    # Full-width digits as a Chinese input method types them are a temperature.
    page.fill("#fever-celsius", "３７．５")
    page.click("#fever-form button")
    page.wait_for_selector("#fevers:has-text('37.5℃')")
    assert FeverReading.objects.get().tenths == 375
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") is None


def test_a_page_without_an_error_keeps_its_place(page, settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    personas.make_staff("hall_cy", role=personas.Role.HALL_MANAGER, office_code="110105", display_name="朝阳区大厅主管")
    hall = personas.office("110105")
    login(page, "hall_cy")
    page.goto(f"{page.live_server_url}/office/halls/{hall.pk}/?day=2020-02-20")
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.querySelectorAll('a.error-link').length") == 0


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_refused_front_desk_form_swapped_by_htmx_focuses_its_first_input_at_fault(page, clerk_chaoyang,
                                                                                  person_chaoyang, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "clerk_cy")
    page.goto(page.live_server_url + "/office/front-desk/")
    page.select_option("#business", "refund")
    page.wait_for_selector("input[name=applicant_kind][value=person]")
    page.check("input[name=applicant_kind][value=person]")
    page.wait_for_selector("#id_number")
    page.fill("#id_number", person_chaoyang.id_number)
    page.fill("#bf-amount_fen", "abc")
    page.click("button[name=do][value=preview]")
    page.wait_for_selector("[aria-invalid=true]")
    expect(page.locator("[aria-invalid=true]:focus")).to_have_count(1)  # (expect polls from here: the CSP forbids wait_for_function's eval)
    seen = focused_and_seen(page)
    first = page.evaluate("document.querySelector('#front-desk [aria-invalid=true]').id")
    assert seen["id"] == first and seen["top"] >= 0 and seen["bottom"] <= seen["height"], seen
    assert page.eval_on_selector(".messages li.error a.error-link", "a => a.getAttribute('href')") == f"#{first}"
