"""review-user7 F9: the index working's table made the case page 1439 px wide in a 1366 px window (a grid
column does not shrink below its widest content by default). At a desktop and a phone width the page is
no wider than the window; the table scrolls inside its own box when it must."""

from __future__ import annotations

import pytest

from tests.backoffice.test_browser_walkthrough import login
from tests.benefits.test_contribution_index import _declaration, _months, _record, retiring  # noqa: F401 (a fixture)
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_the_case_page_with_the_index_working_fits_the_window(page, settings, retiring, employer_chaoyang,  # noqa: F811
                                                              clerk_chaoyang, width, height):
    settings.SHEBAO_TODAY = "2020-02-20"
    _record(retiring, employer_chaoyang, _months("2017-07", "2019-12"), 884_700)
    case = _declaration(clerk_chaoyang, employer_chaoyang, retiring)
    page.set_viewport_size({"width": width, "height": height})
    login(page, "clerk_cy")
    page.goto(f"{page.live_server_url}/office/cases/{case.pk}/")
    page.wait_for_selector("#index-working table")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"index-working-{width}")
