"""The relief pages in a real Chromium, on a desktop and on a 390 x 844 phone: the center's staff
measure a size class, read a pack's what-if and register an employer's facts; a clerk registers a
deferral. Nothing is wider than the phone (a wide table scrolls in its own box); nothing loads from
outside the app. Screenshots go to test-artifacts/relief-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.collection.relief import employer_facts_record, relief_pack_publish
from shebao.collection.services import dues_build
from shebao.registry.models import EmployerFacts
from tests.collection.conftest import contribution
from tests.conftest import screenshot
from tests.personas import PASSWORD, SETUP
from tests.web.test_phone_viewport import OVERFLOW_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(SIZES))
def sized(request, browser, live_server):
    context = browser.new_context(viewport=SIZES[request.param], locale="zh-CN",
                                  **({"is_mobile": True, "has_touch": True} if request.param == "phone" else {}))
    external: list[str] = []

    def guard(route):
        if route.request.url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.live_server_url, pg.size_name = live_server.url, request.param
    yield pg
    context.close()
    assert not external, external


def _fits(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    m = page.evaluate(OVERFLOW_JS)
    screenshot(page, f"relief-{page.size_name}-{name}")
    assert m["doc"] <= m["vw"] and m["body"] <= m["vw"] and not m["wide"], (name, m)


def _sign_in(page, username: str) -> None:
    page.goto(page.live_server_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")  # signed in: the role's landing page


def test_the_center_measures_reads_the_what_if_and_records_facts(sized, municipal_admin, employer_chaoyang,
                                                                   person_chaoyang):
    contribution(person_chaoyang, employer_chaoyang, "2020-04", 1_000_000)
    dues_build(actor=SETUP, months=["2020-04"])
    page, base = sized, sized.live_server_url
    _sign_in(page, "admin_city")
    page.click("nav.mainnav >> text=减免缓缴")
    page.wait_for_selector("#relief-packs")
    _fits(page, "index")
    page.goto(base + "/collection/relief/size-class/")
    page.fill("input[name=industry]", "H62")
    page.fill("input[name=employees]", "45")
    page.fill("input[name=revenue]", "800")
    page.click("#size-class-form button")
    page.wait_for_selector("#size-class-result")
    assert "小型企业" in page.inner_text("#size-class-result")
    _fits(page, "size-class")
    page.fill("input[name=employees]", "-1")
    page.click("#size-class-form button")
    page.wait_for_selector("#size-class-error")
    assert "不能为负数" in page.inner_text("#size-class-error")
    page.goto(base + f"/collection/relief/employers/{employer_chaoyang.pk}/facts/")
    page.fill("input[name=effective_from]", "2020-01-01")
    page.fill("input[name=industry]", "H62")
    page.select_option("select[name=size_class]", "measure")
    page.fill("input[name=employees]", "45")
    page.fill("input[name=revenue]", "800")
    page.click("#facts-form button")
    page.wait_for_selector("text=已登记")
    _fits(page, "facts")
    assert EmployerFacts.objects.get(employer=employer_chaoyang).size_class == "small"
    page.goto(base + "/collection/relief/what-if/?pack=relief-2020-covid")
    page.wait_for_selector("#relief-what-if")
    assert "2,200.00" in page.inner_text("#relief-what-if")
    _fits(page, "what-if")


def test_a_clerk_registers_a_deferral(sized, clerk_chaoyang, employer_chaoyang, person_chaoyang):
    relief_pack_publish(pack="relief-2020-covid", actor=SETUP, on=dt.date(2020, 3, 8))
    employer_facts_record(employer=employer_chaoyang, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                          size_class="large", actor=SETUP)
    contribution(person_chaoyang, employer_chaoyang, "2020-07", 1_000_000)
    dues_build(actor=SETUP, months=["2020-07"])
    page, base = sized, sized.live_server_url
    _sign_in(page, "clerk_cy")
    page.goto(base + "/collection/relief/deferrals/")
    page.fill("input[name=credit_code]", employer_chaoyang.credit_code)
    # July 2020 rests on 人社部发〔2020〕49号 (the rule continuing deferral to the end of 2020), not on 11号.
    page.select_option("select[name=rule]", "relief-2020-covid/hardship-deferral-extended")
    page.fill("input[name=months]", "2020-07")
    page.fill("input[name=due_until]", "2021-06-30")  # beyond the pack's limit: refused, in Chinese
    page.fill("input[name=reason]", "疫情停工")
    page.click("#deferral-form button")
    page.wait_for_selector("#deferral-error")
    assert "最迟" in page.inner_text("#deferral-error")
    _fits(page, "deferral-refused")
    page.fill("input[name=due_until]", "2020-12-31")
    page.click("#deferral-form button")
    page.wait_for_selector("#deferral-detail")
    assert "待审批" in page.inner_text("#deferral-detail")
    _fits(page, "deferral")


def test_the_center_relieves_a_later_notice_from_the_pack_page(sized, settings, municipal_admin, employer_chaoyang,
                                                               person_chaoyang):
    """Published on 2020-02-20, the pack relieved nothing; on 2020-03-08 the center runs 执行补减免 and
    the page records the relief with Beijing's notice (issue 19)."""
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    employer_facts_record(employer=employer_chaoyang, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                          size_class="small", actor=SETUP)
    contribution(person_chaoyang, employer_chaoyang, "2020-02", 1_000_000)
    dues_build(actor=SETUP, months=["2020-02"])
    relief_pack_publish(pack="relief-2020-covid", actor=SETUP)
    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    page, base = sized, sized.live_server_url
    _sign_in(page, "admin_city")
    page.goto(base + "/collection/relief/what-if/?pack=relief-2020-covid")
    page.wait_for_selector("#relief-apply-known-form")
    assert "有待补减免的应缴费用" in page.inner_text("#relief-reapplications")
    _fits(page, "apply-known")
    page.click("#relief-apply-known-form button")
    page.wait_for_selector("text=已执行新印发文件的减免")
    text = page.inner_text("#relief-reapplications")
    assert "北京市人力资源和社会保障局" in text and "1,700.00" in text and "没有待补减免的应缴费用" in text
    _fits(page, "reapplied")
