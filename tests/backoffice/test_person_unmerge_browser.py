"""In a real Chromium, on a desktop and on a 390 x 844 phone: a reviewer opens a record merged the wrong
way, follows 撤销合并…, sees what goes back, is told a reason and the confirmation are needed (nothing
changed), then undoes the merge; a clerk sees no button and is refused the page. The pages never widen
past the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shebao.registry import merge
from shebao.registry.models import Contribution, Person
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.collection.conftest import contribution
from tests.conftest import screenshot
from tests.registry.test_person_merge import twice_of
from tests.web.test_phone_viewport import OVERFLOW_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _merged(reviewer, employer):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    for month in ("2019-02", "2019-03"):
        contribution(twice, employer, month, 800_000)
    merge.person_merge(actor=reviewer, keep=holder, other=twice, reason="核实身份证原件，为同一人")
    return holder, twice


def _fits(page) -> None:
    m = page.evaluate(OVERFLOW_JS)
    assert m["doc"] <= m["vw"] and not m["wide"], m


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_a_reviewer_undoes_a_merge_in_a_browser(page, reviewer_chaoyang, employer_chaoyang, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    holder, twice = _merged(reviewer_chaoyang, employer_chaoyang)
    login(page, "reviewer_cy")
    page.goto(page.live_server_url + f"/persons/{twice.pk}/")
    expect(page.locator("#merged-into")).to_contain_text(f"人员#{holder.pk}")
    page.locator("#unmerge-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"撤销合并：人员#{twice.pk}")
    expect(page.locator("#unmerge-rows")).to_contain_text("2019-02")
    _fits(page)
    screenshot(page, f"person-unmerge-{viewport[0]}")

    page.get_by_role("button", name="撤销合并").click()  # no reason, not confirmed
    expect(page.locator("#error-reason")).to_contain_text("请填写撤销合并理由")
    expect(page.locator("#unmerge-reason")).to_have_attribute("aria-invalid", "true")
    assert Person.objects.get(pk=twice.pk).merged_into_id == holder.pk
    page.fill("#unmerge-reason", "合并方向有误，经核实为两人")
    page.get_by_role("button", name="撤销合并").click()  # not confirmed
    expect(page.locator("#error-confirm")).to_contain_text("请勾选确认")
    expect(page.locator("#unmerge-reason")).to_have_value("合并方向有误，经核实为两人")  # what was typed stays
    _fits(page)
    page.get_by_label(f"已核实：上述记录应退回人员#{twice.pk}，确认撤销合并").check()
    page.get_by_role("button", name="撤销合并").click()
    expect(page.get_by_text(f"已撤销人员#{twice.pk}并入人员#{holder.pk}的合并：2条记录已退回本人员")).to_be_visible()
    expect(page.locator("#person-merges")).to_contain_text("已撤销")
    assert Person.objects.get(pk=twice.pk).merged_into_id is None
    assert Contribution.objects.filter(person_id=twice.pk).count() == 2
    _fits(page)
    screenshot(page, f"person-unmerged-{viewport[0]}")


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_a_clerk_gets_no_undo_button_and_is_refused_the_page(page, clerk_chaoyang, reviewer_chaoyang,
                                                             employer_chaoyang, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    holder, twice = _merged(reviewer_chaoyang, employer_chaoyang)
    login(page, "clerk_cy")
    page.goto(page.live_server_url + f"/persons/{twice.pk}/")
    expect(page.locator("#merged-into")).to_be_visible()
    expect(page.get_by_text("撤销合并…")).to_have_count(0)
    r = page.goto(page.live_server_url + f"/persons/{twice.pk}/unmerge/")
    assert r.status == 403
    expect(page.get_by_text("无权撤销参保人员合并")).to_be_visible()
    _fits(page)
    assert Person.objects.get(pk=twice.pk).merged_into_id == holder.pk
