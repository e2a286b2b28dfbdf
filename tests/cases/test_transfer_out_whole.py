"""A pension transfer out (4.1 基本养老保险关系转出, 国办发〔2009〕66号) moves the whole account of a
person who has left Beijing's insurance: a partial transfer, or one while an employment spell is
still open, is refused in Chinese at submission (the registry check every road runs) and at
completion, nothing written (review-user8 F2)."""

from __future__ import annotations

import pytest

from shebao.cases import services as cases
from shebao.cases.effects import EffectRefused
from shebao.cases.models import Case
from shebao.cases.services import DetailsRefused
from shebao.registry.accounts import account_summary, account_transfer_in, transfer_out_lines
from shebao.registry.models import AccountMonth, EmploymentSpell
from tests.cases.test_account_and_resident_pension_effects import complete, submit
from tests.nothing_written import nothing_written
from tests.personas import SETUP

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(settings):
    import datetime as dt

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.fixture
def two_months(db):
    """王五, with an account of two months transferred in from 天津市 and no employment spell yet."""
    from tests import personas

    person = personas.make_person("王五", serial=52)
    account_transfer_in(actor=SETUP, person=person, region="天津市", lines=[
        {"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000},
        {"month": "2016-04", "base_fen": 300_000, "amount_fen": 25_000}])
    return person


ONE = {"region": "上海市", "lines": [{"month": "2016-03", "amount_fen": 24_000}]}
BOTH = {"region": "上海市", "lines": [{"month": "2016-03", "amount_fen": 24_000},
                                    {"month": "2016-04", "amount_fen": 25_000}]}


def test_a_partial_transfer_out_is_refused_at_submission_naming_the_months_left(clerk_chaoyang, two_months):
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, two_months, "transfer_out", ONE)
    errors = {e.field: e.zh for e in refused.value.errors}
    assert "全部2个月、余额490.00元" in errors["details.lines"] and "2016-04（250.00元）" in errors["details.lines"]
    assert not Case.objects.filter(business="transfer_out").exists()


def test_an_open_employment_spell_is_refused_at_submission(clerk_chaoyang, two_months, employer_chaoyang):
    EmploymentSpell.objects.create(person=two_months, employer=employer_chaoyang, from_month="2019-07")
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, two_months, "transfer_out", BOTH)
    errors = {e.field: e.zh for e in refused.value.errors}
    assert "参保经历尚未终止（2019-07至今）" in errors["person"] and "减员" in errors["person"]
    assert employer_chaoyang.name in errors["person"]
    assert not Case.objects.filter(business="transfer_out").exists()


def test_the_whole_account_leaves_once_the_person_has_left(clerk_chaoyang, reviewer_chaoyang, two_months,
                                                          employer_chaoyang):
    EmploymentSpell.objects.create(person=two_months, employer=employer_chaoyang, from_month="2019-07",
                                   to_month="2020-01")
    assert [(x.month, x.amount_fen) for x in transfer_out_lines(two_months.pension_account)] == [
        ("2016-03", 24_000), ("2016-04", 25_000)]
    case = complete(submit(clerk_chaoyang, two_months, "transfer_out", BOTH), clerk_chaoyang, reviewer_chaoyang)
    assert case.status == "completed"
    summary = account_summary(two_months.pension_account)
    assert (summary.months, summary.balance_fen) == (0, 0)
    assert set(AccountMonth.objects.filter(account__person=two_months).values_list("moved_out_case", flat=True)) == {
        case.pk}


@pytest.mark.parametrize("change", ["spell_opened", "month_added"])
def test_completion_refuses_what_became_partial_or_employed_after_submission(clerk_chaoyang, reviewer_chaoyang,
                                                                             two_months, employer_chaoyang, change):
    case = submit(clerk_chaoyang, two_months, "transfer_out", BOTH)
    if change == "spell_opened":
        EmploymentSpell.objects.create(person=two_months, employer=employer_chaoyang, from_month="2020-02")
    else:
        account_transfer_in(actor=SETUP, person=two_months, region="河北省", lines=[
            {"month": "2016-05", "base_fen": 300_000, "amount_fen": 26_000}])
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    for owed in case.owed_documents.all():
        cases.owed_document_exchange(owed=owed, actor=clerk_chaoyang, source="全国社保转移平台", reference=f"X{owed.pk}")
    with nothing_written(), pytest.raises(EffectRefused) as late:
        cases.case_approve(case=case, actor=reviewer_chaoyang)
    assert ("参保经历尚未终止" in late.value.zh) if change == "spell_opened" else ("2016-05（260.00元）" in late.value.zh)
    case.refresh_from_db()
    assert case.status == "in_review"
    assert not AccountMonth.objects.filter(moved_out_at__isnull=False).exists()
