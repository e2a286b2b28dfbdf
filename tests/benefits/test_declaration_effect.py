"""The new-retiree declaration (新增退休人员申报, 2.1) from submission to completion makes the retiree,
once, through the effect registry, and the next run pays the arrears from the month after retirement."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.benefits import payroll, selectors
from shebao.benefits.models import Entitlement, Retiree
from shebao.cases.effects import EffectRefused
from shebao.cases.models import CaseEffect
from shebao.cases.services import DetailsRefused, case_assessment_record
from shebao.registry.models import EmploymentSpell
from tests import personas
from tests.businesses.walk import complete, submit
from tests.personas import SETUP

# What the employer declares (2.1); the figures are the agency's, recorded while handling the case.
DETAILS = {"bank_account": "6222 0200 0000 0000 011"}
FIGURES = {"index_x10k": 10_000, "contribution_months": 360, "deemed_months": 0, "account_balance_fen": 13_900_000}


@pytest.fixture
def retiring(db, employer_chaoyang):
    person = personas.make_person("赵一", birth=dt.date(1959, 10, 15), serial=11)
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="1990-01")
    return person


def test_a_completed_declaration_makes_the_retiree_once_and_the_next_run_pays_the_arrears(
        retiring, employer_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
                  person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 20))
    # 赵一 has no contribution record in the registry: the index is typed, with its reason (2.1).
    case = case_assessment_record(case=case, actor=clerk_chaoyang, figures=FIGURES, reason="缴费记录未入库，按档案核定")
    assert not Retiree.objects.exists()  # nothing before completion
    done = complete(case, clerk_chaoyang, reviewer_chaoyang)
    assert done.status == "completed"
    retiree = Retiree.objects.get(person=retiring)
    assert retiree.case_id == case.pk and retiree.declared_on == dt.date(2020, 2, 20)
    assert retiree.bank_account == "6222020000000000011" and retiree.entitlement.monthly_fen == 365410
    effect = CaseEffect.objects.get(case=case)
    assert effect.effect == "benefits.retirement_declaration" and "3,654.10元" in effect.summary_zh
    assert effect.result["retiree"] == retiree.pk
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    assert [s.month for s in selectors.arrears_statement(retiree)] == ["2019-11", "2019-12", "2020-01", "2020-02"]


def test_an_amount_of_record_is_declared_as_recorded(retiring, employer_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", employer=employer_chaoyang, person=retiring,
                  applicant_kind="employer", applied_on=dt.date(2020, 2, 20),
                  details={"bank_account": "6222020000000000011"})
    case = case_assessment_record(case=case, actor=reviewer_chaoyang, figures={
        "record_monthly_fen": 456_700, "record_reference": "京社保核2020-0002"})
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    ent = Retiree.objects.get(person=retiring).entitlement
    assert (ent.source, ent.monthly_fen, ent.record_reference) == (Entitlement.Source.RECORD, 456_700, "京社保核2020-0002")


def test_a_person_already_retired_is_refused_at_submission(retiring, employer_chaoyang, clerk_chaoyang,
                                                           reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
                  person=retiring, applied_on=dt.date(2020, 2, 20), applicant_kind="employer")
    case_assessment_record(case=case, actor=clerk_chaoyang, figures=FIGURES, reason="缴费记录未入库，按档案核定")
    complete(case, clerk_chaoyang, reviewer_chaoyang)
    with pytest.raises(DetailsRefused) as e:
        submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
               person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 21))
    assert "已登记为退休人员" in str(e.value.errors)


def test_a_declaration_without_a_basis_is_refused_on_completion_and_makes_nothing(
        retiring, employer_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    case = submit(clerk_chaoyang, "retirement_declaration", details={"bank_account": "6222020000000000011"},
                  employer=employer_chaoyang, person=retiring, applicant_kind="employer",
                  applied_on=dt.date(2020, 2, 20))
    with pytest.raises(EffectRefused) as e:
        complete(case, clerk_chaoyang, reviewer_chaoyang)
    assert "按公式计发须填写" in e.value.zh and "由经办机构核定" in e.value.zh
    assert not Retiree.objects.exists() and not CaseEffect.objects.exists()


def test_the_employer_is_not_asked_for_the_agency_s_figures_and_cannot_give_them(
        retiring, employer_chaoyang, clerk_chaoyang):
    from tests.nothing_written import nothing_written

    with nothing_written(), pytest.raises(DetailsRefused) as e:
        submit(clerk_chaoyang, "retirement_declaration", details={**DETAILS, **FIGURES}, employer=employer_chaoyang,
               person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 20))
    refused = {err.field: err.zh for err in e.value.errors}
    assert refused["details.index_x10k"] == "平均缴费指数（×10000）由经办机构核定，申请时不填写"
    assert set(refused) == {f"details.{k}" for k in FIGURES}


def test_the_agency_s_figures_are_recorded_on_the_case_page_and_audited(
        client, retiring, employer_chaoyang, clerk_chaoyang):
    from shebao.core.models import AuditEvent
    from tests.nothing_written import nothing_written

    case = submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
                  person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 20))
    client.force_login(clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert 'id="assess"' in page and "平均缴费指数（×10000）" in page
    with nothing_written():
        bad = client.post(f"/office/cases/{case.pk}/assess/", {"index_x10k": "many"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "平均缴费指数（×10000）应为整数" in bad.content.decode()
    r = client.post(f"/office/cases/{case.pk}/assess/", {"index_x10k": "10000", "contribution_months": "360",
                                                          "deemed_months": "0", "account_balance_fen": "139000",
                                                          "reason": "缴费记录未入库，按档案核定"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.details == {"bank_account": "6222020000000000011", **FIGURES}
    assert case.transitions.filter(action="assessment", actor=clerk_chaoyang).exists()
    # No contribution record in the registry: the typed index is said to be typed, with its reason (2.1).
    assert AuditEvent.objects.filter(model="cases.Case", object_pk=str(case.pk),
                                     reason__startswith="经办机构核定；平均缴费指数1.0000为人工填写").exists()


@pytest.mark.parametrize("htmx", [True, False])
def test_the_assessment_form_names_every_fault_at_its_input_at_once_and_keeps_what_was_typed(
        client, retiring, employer_chaoyang, clerk_chaoyang, htmx):
    """review-user7 F2: 缴费月数 abc, 视同缴费月数 900 and 个人账户储存额 一万 flagged only the balance (the
    unreadable amount hid the others). Every fault is said at its own input in one answer, a typed
    index without its reason too, each input keeps what was typed, and nothing is written."""
    import re

    from shebao.cases.models import Case
    from tests.nothing_written import nothing_written

    case = submit(clerk_chaoyang, "retirement_declaration", details=DETAILS, employer=employer_chaoyang,
                  person=retiring, applicant_kind="employer", applied_on=dt.date(2020, 2, 20))
    client.force_login(clerk_chaoyang)
    typed = {"index_x10k": "12000", "contribution_months": "abc", "deemed_months": "900",
             "account_balance_fen": "一万", "record_reference": "京核2020-1"}
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with nothing_written():
        r = client.post(f"/office/cases/{case.pk}/assess/", typed, **extra)
    html = r.content.decode()
    assert r.status_code == 400, html[-2000:]
    invalid = set(re.findall(r'id="as-([a-z_0-9]+)"[^>]*aria-invalid="true"', html))
    assert invalid == {"contribution_months", "deemed_months", "account_balance_fen", "reason"}, invalid
    for text in ("缴费月数（含视同）应为整数", "视同缴费月数不能大于720", "个人账户储存额应为金额（元）", "须说明理由"):
        assert text in html, text
    for name, value in typed.items():  # each input as it was typed
        assert re.search(rf'id="as-{name}" name="{name}" value="{re.escape(value)}"', html), name
    assert Case.objects.get(pk=case.pk).details == {"bank_account": "6222020000000000011"}
    # With the reason typed, the same figures still name each of the three, and keep the reason.
    r = client.post(f"/office/cases/{case.pk}/assess/", {**typed, "reason": "缴费记录未入库"}, **extra)
    html = r.content.decode()
    assert set(re.findall(r'id="as-([a-z_0-9]+)"[^>]*aria-invalid="true"', html)) == {
        "contribution_months", "deemed_months", "account_balance_fen"}
    assert 'value="缴费记录未入库"' in html
