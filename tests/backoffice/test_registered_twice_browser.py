"""In a real Chromium, on a desktop and on a 390 x 844 phone: a reviewer opens the people registered
twice, is told a merge without a reason is refused (at the pair, nothing changed), then merges the pair
into the citizen-ID record; the page never widens past the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shebao.registry.models import Person
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot
from tests.registry.test_person_merge import twice_of
from tests.web.test_phone_viewport import OVERFLOW_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_a_reviewer_merges_a_pair_in_a_browser(page, reviewer_chaoyang, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    pair = f"{twice.pk}-{holder.pk}"
    login(page, "reviewer_cy")
    page.goto(page.live_server_url + "/persons/")
    page.get_by_role("link", name="重复登记人员（核实与合并）").click()
    row = page.locator(f"#pair-{pair}")
    expect(row).to_contain_text(holder.id_number_masked)
    assert holder.id_number not in page.content()
    m = page.evaluate(OVERFLOW_JS)
    assert m["doc"] <= m["vw"] and not m["wide"], m
    screenshot(page, f"registered-twice-{viewport[0]}")

    row.get_by_role("button", name="合并").click()  # no reason
    expect(page.locator(f"#merge-error-{pair}")).to_contain_text("请填写合并理由")
    expect(page.locator(f"#reason-{pair}")).to_have_attribute("aria-invalid", "true")
    assert Person.objects.get(pk=twice.pk).merged_into_id is None

    page.fill(f"#reason-{pair}", "核实身份证原件，为同一人")
    page.locator(f"#pair-{pair}").get_by_role("button", name="合并").click()
    expect(page.get_by_text(f"已将人员#{twice.pk}合并至人员#{holder.pk}")).to_be_visible()
    expect(page.get_by_text("没有发现重复登记的人员。")).to_be_visible()
    assert Person.objects.get(pk=twice.pk).merged_into_id == holder.pk
    screenshot(page, f"registered-twice-merged-{viewport[0]}")
