"""Transfers (4.1), account backfill (4.2) and the residents' pension (6.1) walked from submission
through their workflow to completion: the account's months and balance, the residents' scheme
record, the `CaseEffect` row; the refused paths (a registry check at submission, at completion)
with nothing written; completing twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases import services as cases
from shebao.cases.effects import EffectRefused, effect_run
from shebao.cases.models import CaseEffect
from shebao.cases.services import DetailsRefused
from shebao.cases.workflows import IllegalTransition
from shebao.registry.accounts import account_summary
from shebao.registry.models import AccountMonth, Contribution, EmploymentSpell, ResidentPension
from tests import personas
from tests.nothing_written import nothing_written

TODAY = dt.date(2020, 2, 20)
BANK = {"bank_name": "北京农商银行", "bank_account": "6214680012345678"}


@pytest.fixture(autouse=True)
def _today(settings, tmp_path):
    settings.SHEBAO_TODAY = TODAY
    settings.MEDIA_ROOT = tmp_path / "media"


def submit(clerk, person, business, details, *, applied_on=TODAY, employer=None):
    case, _ = cases.case_submit(actor=clerk, business=business, channel="counter", person=person, employer=employer,
                                applicant_kind="employer" if employer else "person", applied_on=applied_on,
                                details=details)
    return case


def complete(case, clerk, reviewer):
    """Accept, satisfy the documents the regular workflow owes by data exchange (2.3), approve."""
    case = cases.case_accept(case=case, actor=clerk)
    for owed in case.owed_documents.all():
        cases.owed_document_exchange(owed=owed, actor=clerk, source="全国社保转移平台", reference=f"X{owed.pk}")
    return cases.case_approve(case=case, actor=reviewer)


@pytest.mark.django_db
def test_transfer_in_then_out_moves_the_accounts_months_and_balance(person_chaoyang, clerk_chaoyang,
                                                                      reviewer_chaoyang):
    account = person_chaoyang.pension_account
    case = submit(clerk_chaoyang, person_chaoyang, "transfer_in", {"region": "河北省石家庄市", "lines": [
        {"month": "2015-01", "base_fen": 300_000, "amount_fen": 24_000},
        {"month": "2015-02", "base_fen": 300_000, "amount_fen": 24_000}]})
    case = complete(case, clerk_chaoyang, reviewer_chaoyang)
    assert case.status == "completed"
    summary = account_summary(account)
    assert (summary.months, summary.balance_fen) == (2, 48_000)
    effect = CaseEffect.objects.get(case=case)
    assert effect.effect == "account.transfer_in" and effect.result["balance_fen"] == 48_000
    assert "自河北省石家庄市转入2个月" in effect.summary_zh
    assert set(AccountMonth.objects.filter(case=case).values_list("region", flat=True)) == {"河北省石家庄市"}

    out = submit(clerk_chaoyang, person_chaoyang, "transfer_out", {"region": "上海市", "lines": [
        {"month": "2015-01", "amount_fen": 24_000}, {"month": "2015-02", "amount_fen": 24_000}]})
    out = complete(out, clerk_chaoyang, reviewer_chaoyang)
    summary = account_summary(account)
    assert (summary.months, summary.balance_fen) == (0, 0)  # the whole account left
    moved = AccountMonth.objects.get(account=account, month="2015-02")
    assert moved.moved_out_case_id == out.pk and moved.moved_out_region == "上海市"
    # Completing again (a retry) changes nothing: the case is completed, the book is as it was.
    with nothing_written(), pytest.raises(IllegalTransition):
        cases.case_approve(case=out, actor=reviewer_chaoyang)
    with nothing_written():  # the effect itself, run again (a retry after a crash): the first result
        assert effect_run(case=out, actor=reviewer_chaoyang) == CaseEffect.objects.get(case=out)
    assert account_summary(account).balance_fen == 0
    # The person's page shows the book: months, balance, where each month came from and went.
    from django.test import Client

    c = Client()
    c.force_login(clerk_chaoyang)
    page = c.get(f"/persons/{person_chaoyang.pk}/").content.decode()
    assert "账户月数：<strong>0</strong>个月" in page and "账户余额：<strong>0.00</strong>元" in page
    assert "外地转入（河北省石家庄市）" in page and "已转出至上海市" in page


@pytest.mark.django_db
def test_a_transfer_refused_by_the_book_at_submission_and_at_completion(person_chaoyang, employer_chaoyang,
                                                                          clerk_chaoyang, reviewer_chaoyang):
    # At submission: a month paid in Beijing cannot come from elsewhere; nothing is stored.
    Contribution.objects.create(
        person=person_chaoyang, employer=employer_chaoyang, month="2019-12", pension_base_fen=500_000,
        pension_employer_fen=80_000, pension_personal_fen=40_000, unemployment_base_fen=0,
        unemployment_employer_fen=0, unemployment_personal_fen=0, medical_base_fen=0, medical_employer_fen=0,
        medical_personal_fen=0, maternity_base_fen=0, maternity_employer_fen=0, work_injury_base_fen=0,
        work_injury_employer_fen=0, paid_on=dt.date(2020, 1, 10))
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, person_chaoyang, "transfer_in",
               {"region": "天津市", "lines": [{"month": "2019-12", "base_fen": 1, "amount_fen": 1}]})
    assert refused.value.errors[0].field == "details.lines.1.month"
    assert "第1行2019-12在本市已有缴费记录" in refused.value.errors[0].zh
    # At completion: the book changed meanwhile (another case transferred the month in first).
    first = submit(clerk_chaoyang, person_chaoyang, "transfer_in",
                   {"region": "天津市", "lines": [{"month": "2016-03", "base_fen": 1, "amount_fen": 100}]})
    second = submit(clerk_chaoyang, person_chaoyang, "transfer_in",
                    {"region": "河北省", "lines": [{"month": "2016-03", "base_fen": 1, "amount_fen": 100}]})
    complete(first, clerk_chaoyang, reviewer_chaoyang)
    second = cases.case_accept(case=second, actor=clerk_chaoyang)
    for owed in second.owed_documents.all():
        cases.owed_document_exchange(owed=owed, actor=clerk_chaoyang, source="平台", reference="Y1")
    with nothing_written(), pytest.raises(EffectRefused) as late:
        cases.case_approve(case=second, actor=reviewer_chaoyang)
    assert "2016-03已记入个人账户" in late.value.zh
    second.refresh_from_db()
    assert second.status == "in_review"


@pytest.mark.django_db
def test_account_backfill_fills_the_records_on_completion(clerk_chaoyang, reviewer_chaoyang, employer_chaoyang):
    # Applied before the notice took force (Reading 0.4): regular handling, no postponement.
    person = personas.make_person("周九", serial=51, birth=dt.date(1970, 6, 1))
    # An employer backfills the account of someone it has employed (person: insured).
    EmploymentSpell.objects.create(person=person, employer=employer_chaoyang, from_month="1995-07")
    case = submit(clerk_chaoyang, person, "account_backfill", {"lines": [
        {"month": "1995-07", "base_fen": 60_000, "amount_fen": 6_600},
        {"month": "1995-08", "base_fen": 60_000, "amount_fen": 6_600}]}, applied_on=dt.date(2020, 1, 20),
                  employer=employer_chaoyang)
    assert case.mode == "regular"
    case = complete(case, clerk_chaoyang, reviewer_chaoyang)
    rows = list(AccountMonth.objects.filter(case=case).order_by("month").values_list("month", "base_fen",
                                                                                       "amount_fen", "source"))
    assert rows == [("1995-07", 60_000, 6_600, "backfill"), ("1995-08", 60_000, 6_600, "backfill")]
    summary = account_summary(person.pension_account)
    assert (summary.months, summary.balance_fen) == (2, 13_200)
    assert CaseEffect.objects.get(case=case).result["amount_fen"] == 13_200


@pytest.mark.django_db
def test_residents_pension_register_change_claim_cancel_through_cases(clerk_chaoyang, reviewer_chaoyang):
    person = personas.make_person("吴十", serial=52, birth=dt.date(1960, 1, 15), account_type=None)
    case = complete(submit(clerk_chaoyang, person, "resident_pension_registration",
                           {"contribution_grade_fen": 200_000, **BANK}), clerk_chaoyang, reviewer_chaoyang)
    record = ResidentPension.objects.get(person=person)
    assert (record.state, record.contribution_grade_fen, record.registered_case_id) == ("active", 200_000, case.pk)
    assert "年缴费档次2,000.00元" in CaseEffect.objects.get(case=case).summary_zh
    complete(submit(clerk_chaoyang, person, "resident_pension_change", {"contribution_grade_fen": 300_000}),
             clerk_chaoyang, reviewer_chaoyang)
    record.refresh_from_db()
    assert record.contribution_grade_fen == 300_000
    claim = complete(submit(clerk_chaoyang, person, "resident_pension_claim",
                            {"bank_name": "工商银行", "bank_account": "6222020000001111"}),
                     clerk_chaoyang, reviewer_chaoyang)
    record.refresh_from_db()
    # Sixty on 2020-01-15: from February (the month after), which is also the application's month.
    assert (record.state, record.claim_from_month, record.bank_account) == ("receiving", "2020-02",
                                                                            "6222020000001111")
    assert CaseEffect.objects.get(case=claim).result["claim_from_month"] == "2020-02"
    complete(submit(clerk_chaoyang, person, "resident_pension_cancellation", {"cancel_reason": "moved_away"}),
             clerk_chaoyang, reviewer_chaoyang)
    record.refresh_from_db()
    assert (record.state, record.cancel_reason) == ("cancelled", "moved_away")
    from django.test import Client

    c = Client()
    c.force_login(clerk_chaoyang)
    page = c.get(f"/persons/{person.pk}/").content.decode()
    assert "城乡居民养老保险" in page and "已注销" in page and "户籍迁出本市" in page
    assert "6222********1111" in page and "6222020000001111" not in page


@pytest.mark.django_db
def test_registration_is_refused_for_active_employee_insurance_naming_the_person(person_chaoyang, employer_chaoyang,
                                                                                 clerk_chaoyang, reviewer_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2018-01")
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, person_chaoyang, "resident_pension_registration",
               {"contribution_grade_fen": 100_000, **BANK})
    error = refused.value.errors[0]
    assert error.field == "person" and error.zh.startswith("参保人员：")
    assert "正在参加职工基本养老保险" in error.zh and employer_chaoyang.name in error.zh
    # A bad grade is named too, at the desk, before anything is stored.
    other = personas.make_person("郑十一", serial=53, birth=dt.date(1980, 1, 1), account_type=None)
    with nothing_written(), pytest.raises(DetailsRefused) as grade:
        submit(clerk_chaoyang, other, "resident_pension_registration", {"contribution_grade_fen": 150_050, **BANK})
    assert grade.value.errors[0].field == "details.contribution_grade_fen"
    # Employed after the submission: the completion is refused and nothing is written.
    case = submit(clerk_chaoyang, other, "resident_pension_registration", {"contribution_grade_fen": 100_000, **BANK})
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    EmploymentSpell.objects.create(person=other, employer=employer_chaoyang, from_month="2020-02")
    with nothing_written(), pytest.raises(EffectRefused) as late:
        cases.case_approve(case=case, actor=reviewer_chaoyang)
    assert late.value.field == "person" and "正在参加职工基本养老保险" in late.value.zh
    assert not ResidentPension.objects.filter(person=other).exists()
