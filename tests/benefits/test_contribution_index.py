"""The average contribution index (平均缴费指数, 2.1) is computed from the person's contribution record
in the registry, not typed: each month's base over the average monthly wage of the previous year the
pack holds for that month, averaged over the months (rules.pension.average_index). The clerk sees how
(years, bases, averages); staff may type it only when the record cannot give it, with a reason that
the audit trail and the case's history keep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from shebao.benefits.selectors import contribution_index
from shebao.cases.services import case_assessment_record
from shebao.core.errors import DomainError
from shebao.core.models import AuditEvent
from shebao.registry.models import Contribution, EmploymentSpell
from shebao.rules import load_policy
from shebao.rules.pension import average_index
from tests import personas
from tests.businesses.walk import submit
from tests.nothing_written import nothing_written

DAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def _on_day(settings):
    settings.SHEBAO_TODAY = DAY


def _record(person, employer, months: list[str], base_fen: int) -> None:
    Contribution.objects.bulk_create([Contribution(
        person=person, employer=employer, month=m, paid_on=dt.date(int(m[:4]), int(m[5:]), 20),
        **{f"{t}_{part}_fen": base_fen if part == "base" else 100 for t in Contribution.INSURANCE_TYPES
           for part in ("base", "employer")},
        pension_personal_fen=10, unemployment_personal_fen=10, medical_personal_fen=10) for m in months])


def _months(start: str, end: str) -> list[str]:
    from shebao.cases.checks import months_between

    return months_between(start, end)


def _declaration(clerk, employer, person):
    return submit(clerk, "retirement_declaration", details={"bank_account": "6222020000000000011"},
                  employer=employer, person=person, applicant_kind="employer", applied_on=DAY)


@pytest.fixture
def retiring(db, employer_chaoyang):
    person = personas.make_person("赵一", birth=dt.date(1959, 10, 15), serial=11)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="1990-01")
    return person


def test_the_index_is_each_months_base_over_that_months_average_wage_averaged():
    policy = load_policy("base")
    # 2018-01..06 under 2016's average 7,706.00; 2018-07..12 under 2017's 8,467.00.
    bases = {m: 770_600 for m in _months("2018-01", "2018-06")} | {m: 1_693_400 for m in _months("2018-07", "2018-12")}
    w = average_index(policy, bases)
    assert w.index_x10k == 15_000 and w.months == 12 and not w.missing  # (6 × 1 + 6 × 2) / 12
    (year,) = w.years
    assert (year.year, year.months, year.average_wages_fen, year.index_x10k) == (2018, 12, (770_600, 846_700), 15_000)
    assert year.bases_fen == 6 * 770_600 + 6 * 1_693_400


def test_a_record_the_pack_cannot_cover_is_not_computed_and_says_which_months():
    w = average_index(load_policy("base"), {m: 500_000 for m in _months("2016-11", "2017-08")})
    assert w.index_x10k is None
    assert w.missing == ("政策参数中没有2016-11至2017-06适用的上年度本市职工月平均工资（共8个月），无法按缴费记录计算",)
    assert average_index(load_policy("base"), {}).missing == ("登记系统中没有本人的缴费记录（各月缴费基数）",)


def test_a_complete_record_gives_the_index_the_clerk_sees_and_cannot_retype(
        client, retiring, employer_chaoyang, clerk_chaoyang):
    _record(retiring, employer_chaoyang, _months("2017-07", "2019-12"), 884_700)
    working = contribution_index(retiring)
    assert working.index_x10k is not None and working.months == 30
    case = _declaration(clerk_chaoyang, employer_chaoyang, retiring)

    client.force_login(clerk_chaoyang)
    page = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    doc = lxml_html.fromstring(page)
    shown = doc.get_element_by_id("index-working").text_content()
    assert f"{working.index_x10k // 10_000}.{working.index_x10k % 10_000:04d}" in shown and "30个月" in shown
    rows = [[c.text_content().strip() for c in tr.xpath("td")] for tr in doc.xpath("//div[@id='index-working']//tbody/tr")]
    assert [r[0] for r in rows] == ["2017", "2018", "2019"]
    assert rows[1][1:4] == ["12", "106,164.00", "7,706.00、8,467.00"], rows
    assert not doc.xpath("//input[@id='as-index_x10k']")  # nothing to type

    with nothing_written(), pytest.raises(DomainError) as refused:
        case_assessment_record(case=case, actor=clerk_chaoyang, figures={"index_x10k": 20_000})
    assert refused.value.field == "details.index_x10k" and "按登记的缴费记录计算为" in refused.value.zh

    case = case_assessment_record(case=case, actor=clerk_chaoyang, figures={"contribution_months": 360})
    assert case.details["index_x10k"] == working.index_x10k  # recorded from the record, not typed


def test_an_incomplete_record_takes_a_typed_index_only_with_its_reason_kept_in_the_audit(
        client, retiring, employer_chaoyang, clerk_chaoyang):
    _record(retiring, employer_chaoyang, _months("2015-01", "2019-12"), 600_000)
    case = _declaration(clerk_chaoyang, employer_chaoyang, retiring)
    client.force_login(clerk_chaoyang)
    page = client.get(reverse("backoffice:case_detail", args=[case.pk])).content.decode()
    assert "无法计算：政策参数中没有2015-01至2017-06适用的上年度本市职工月平均工资（共30个月）" in page
    assert 'id="as-reason"' in page and 'id="as-index_x10k"' in page

    with nothing_written():
        r = client.post(reverse("backoffice:case_assess", args=[case.pk]), {"index_x10k": "11500"},
                        HTTP_HX_REQUEST="true")
    assert r.status_code == 400
    reason = lxml_html.fromstring(r.content.decode()).get_element_by_id("as-reason")
    assert reason.get("aria-invalid") == "true"

    r = client.post(reverse("backoffice:case_assess", args=[case.pk]),
                    {"index_x10k": "11500", "reason": "2017年6月以前按档案核定表（京社保档2020-017）"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()[:500]
    case.refresh_from_db()
    assert case.details["index_x10k"] == 11_500
    event = AuditEvent.objects.filter(model="cases.Case", object_pk=str(case.pk)).order_by("-pk").first()
    assert "人工填写" in event.reason and "京社保档2020-017" in event.reason
    step = case.transitions.order_by("-pk").first()
    assert step.action == "assessment" and "理由：2017年6月以前按档案核定表" in step.note


def test_only_paid_months_count_as_the_case_counts_them(retiring, employer_chaoyang, settings):
    """review-user7 F1: the case showed 在京缴费月数 1个月 beside 平均缴费指数（8个月）: seven of the eight
    were declared and never paid. The index reads the months the case counts: paid by the business date,
    with an employer's pension contribution (the business month too once paid: every surface counts a
    paid month alike, review-user13 (8))."""
    from shebao.registry.selectors import pension_months_in_beijing

    settings.SHEBAO_TODAY = "2020-02-20"
    _record(retiring, employer_chaoyang, _months("2019-01", "2019-06"), 884_700)
    _record(retiring, employer_chaoyang, _months("2019-07", "2019-08"), 1_769_400)
    Contribution.objects.filter(person=retiring, month="2019-08").update(paid_on=None)  # declared, not paid
    Contribution.objects.filter(person=retiring, month="2019-07").update(pension_employer_fen=0)
    _record(retiring, employer_chaoyang, ["2020-02"], 5_000_000)  # the business month, paid on the 20th ...
    Contribution.objects.filter(person=retiring, month="2020-02").update(paid_on=dt.date(2020, 2, 21))  # ... not yet
    working = contribution_index(retiring)
    assert working.months == 6 == pension_months_in_beijing(person=retiring, on=dt.date(2020, 2, 20))
    # 2019-01..06 under 2017's average 8,467.00: 884,700 / 846,700 each.
    assert working.index_x10k == round(884_700 * 10_000 / 846_700)
    # A month paid after the business date is not yet a month either.
    Contribution.objects.filter(person=retiring, month="2019-06").update(paid_on=dt.date(2020, 3, 1))
    assert contribution_index(retiring).months == 5
