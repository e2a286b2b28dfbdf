"""The pension account's book (4.1 transfers in and out, 4.2 account backfill): months and balance
moved, every refusal naming its row in Chinese with nothing written, each service idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.registry.accounts import (
    account_backfill,
    account_summary,
    account_transfer_in,
    account_transfer_out,
)
from shebao.registry.models import AccountMonth, Contribution
from tests import personas
from tests.cases.conftest import valid_details
from tests.nothing_written import nothing_written

TODAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = TODAY


def lines(*months: str, amount: int = 80_00, base: int = 1000_00) -> list[dict]:
    return [{"month": m, "amount_fen": amount, "base_fen": base} for m in months]


def pay(person, employer, month: str, personal: int = 400_00) -> None:
    Contribution.objects.create(
        person=person, employer=employer, month=month, pension_base_fen=5000_00, pension_employer_fen=800_00,
        pension_personal_fen=personal, unemployment_base_fen=0, unemployment_employer_fen=0,
        unemployment_personal_fen=0, medical_base_fen=0, medical_employer_fen=0, medical_personal_fen=0,
        maternity_base_fen=0, maternity_employer_fen=0, work_injury_base_fen=0, work_injury_employer_fen=0,
        paid_on=dt.date(2020, 1, 10))


@pytest.mark.django_db
def test_a_transfer_in_adds_the_other_regions_months_and_amounts(person_chaoyang, reviewer_chaoyang,
                                                                   employer_chaoyang):
    pay(person_chaoyang, employer_chaoyang, "2019-12")
    account = person_chaoyang.pension_account
    before = account_summary(account)
    assert (before.months, before.balance_fen) == (1, 400_00)
    rows = account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="河北省石家庄市",
                               lines=lines("2018-01", "2018-02", "2018-03", amount=240_00))
    after = account_summary(account)
    assert (after.months, after.balance_fen) == (4, 400_00 + 3 * 240_00)
    assert [(r.month, r.source, r.region) for r in rows] == [(m, "transfer_in", "河北省石家庄市")
                                                           for m in ("2018-01", "2018-02", "2018-03")]
    event = AuditEvent.objects.get(model="registry.AccountMonth", action="bulk_create")
    assert event.actor == reviewer_chaoyang and event.count == 3 and "河北省石家庄市" in event.reason
    assert "720.00元" in event.reason


@pytest.mark.django_db
@pytest.mark.parametrize("region,rows,field,message", [
    ("", lines("2018-01"), "region", "请填写转出地"),
    ("北京市", lines("2018-01"), "region", "不能是北京市"),
    ("天津市", [], "lines", "请至少填写一个月份"),
    ("天津市", lines("2018-13"), "lines.1.month", "第1行月份应为年-月"),
    ("天津市", lines("2018-01", "2018-01"), "lines.2.month", "第2行月份2018-01重复"),
    ("天津市", [{"month": "2018-01", "amount_fen": -1}], "lines.1.amount_fen", "不小于0"),
    ("天津市", lines("2018-01", "2020-02"), "lines.2.month", "第2行2020-02尚未结束"),
    ("天津市", lines("2018-01", "2019-12"), "lines.2.month", "第2行2019-12在本市已有缴费记录"),
])
def test_a_transfer_in_is_refused_naming_the_row_and_writes_nothing(person_chaoyang, reviewer_chaoyang,
                                                                    employer_chaoyang, region, rows, field, message):
    pay(person_chaoyang, employer_chaoyang, "2019-12")
    with nothing_written(), pytest.raises(ValidationError) as refused:
        account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region=region, lines=rows)
    assert message in refused.value.message_dict[field][0]


@pytest.mark.django_db
def test_a_month_on_the_book_is_not_transferred_in_or_backfilled_twice(person_chaoyang, reviewer_chaoyang):
    account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="天津市", lines=lines("2018-05"))
    for call in (lambda: account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="河北省",
                                             lines=lines("2018-04", "2018-05")),
                 lambda: account_backfill(actor=reviewer_chaoyang, person=person_chaoyang, lines=lines("2018-05"))):
        with nothing_written(), pytest.raises(ValidationError) as refused:
            call()
        assert "2018-05已记入个人账户" in str(refused.value.message_dict)


@pytest.mark.django_db
def test_a_transfer_out_moves_the_months_and_the_balance_and_keeps_the_rows(person_chaoyang, reviewer_chaoyang,
                                                                             employer_chaoyang):
    pay(person_chaoyang, employer_chaoyang, "2019-11", 410_00)
    pay(person_chaoyang, employer_chaoyang, "2019-12", 420_00)
    account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="天津市", lines=lines("2018-01"))
    account = person_chaoyang.pension_account
    assert (account_summary(account).months, account_summary(account).balance_fen) == (3, 80_00 + 830_00)
    moved = account_transfer_out(actor=reviewer_chaoyang, person=person_chaoyang, region="上海市",
                                 lines=[{"month": "2018-01", "amount_fen": 80_00},
                                        {"month": "2019-11", "amount_fen": 410_00},
                                        {"month": "2019-12", "amount_fen": 420_00}])
    assert [(r.month, r.moved_out_region) for r in moved] == [("2018-01", "上海市"), ("2019-11", "上海市"),
                                                              ("2019-12", "上海市")]
    after = account_summary(account)
    assert (after.months, after.balance_fen) == (0, 0)  # the whole account left
    # The Beijing month went onto the book as it left; both rows are kept, marked moved out.
    kept = AccountMonth.objects.get(account=account, month="2019-12")
    assert kept.source == "contribution" and kept.moved_out_at is not None and kept.amount_fen == 420_00
    assert AuditEvent.objects.filter(model="registry.AccountMonth", action="update",
                                     reason__contains="转出至上海市").count() == 3
    # A month that left cannot leave again, nor come back by backfill of a Beijing month (it was paid here).
    with nothing_written(), pytest.raises(ValidationError) as again:
        account_transfer_out(actor=reviewer_chaoyang, person=person_chaoyang, region="上海市",
                             lines=[{"month": "2019-12", "amount_fen": 420_00}])
    assert "第1行2019-12不在个人账户中" in again.value.message_dict["lines.1.month"][0]
    # It may come back by a later transfer in (the partial unique constraint admits it).
    account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="上海市", lines=lines("2018-01"))
    assert account_summary(account).months == 1


@pytest.mark.django_db
def test_a_transfer_out_of_a_wrong_amount_or_an_absent_month_is_refused(person_chaoyang, reviewer_chaoyang):
    account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="天津市", lines=lines("2018-01"))
    with nothing_written(), pytest.raises(ValidationError) as refused:
        account_transfer_out(actor=reviewer_chaoyang, person=person_chaoyang, region="上海市",
                             lines=[{"month": "2018-01", "amount_fen": 90_00}, {"month": "2017-01", "amount_fen": 1}])
    errors = refused.value.message_dict
    assert "第1行2018-01账户记账金额为80.00元，与申请的90.00元不一致" in errors["lines.1.amount_fen"][0]
    assert "第2行2017-01不在个人账户中" in errors["lines.2.month"][0]


@pytest.mark.django_db
def test_account_backfill_fills_the_months_with_base_and_amount(person_chaoyang, reviewer_chaoyang):
    rows = account_backfill(actor=reviewer_chaoyang, person=person_chaoyang,
                            lines=[{"month": "1995-0" + str(m), "base_fen": 600_00, "amount_fen": 66_00}
                                   for m in range(1, 4)])
    assert [(r.month, r.base_fen, r.amount_fen, r.source) for r in rows] == [
        (f"1995-0{m}", 600_00, 66_00, "backfill") for m in range(1, 4)]
    summary = account_summary(person_chaoyang.pension_account)
    assert (summary.months, summary.balance_fen) == (3, 198_00)


@pytest.mark.django_db
def test_another_district_and_a_person_without_an_account_are_refused(person_chaoyang, clerk_haidian, leader,
                                                                       reviewer_chaoyang):
    for actor in (clerk_haidian, leader):
        with nothing_written(), pytest.raises(ActionRefused):
            account_backfill(actor=actor, person=person_chaoyang, lines=lines("1995-01"))
    without = personas.make_person("赵六", serial=31, account_type=None)
    with nothing_written(), pytest.raises(ValidationError) as refused:
        account_transfer_in(actor=reviewer_chaoyang, person=without, region="天津市", lines=lines("2018-01"))
    assert "赵六尚无基本养老保险账户" in refused.value.message_dict["person"][0]


@pytest.mark.django_db
def test_each_service_is_idempotent_per_case(person_chaoyang, reviewer_chaoyang, clerk_chaoyang):
    from shebao.cases import services as cases

    case, _ = cases.case_submit(actor=clerk_chaoyang, business="transfer_in", channel="counter",
                                person=person_chaoyang, applicant_kind="person", applied_on=TODAY,
                                details=valid_details("transfer_in", person=person_chaoyang, applied_on=TODAY))
    first = account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="天津市",
                                lines=lines("2018-01", "2018-02"), case=case)
    with nothing_written():
        again = account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="天津市",
                                    lines=lines("2018-01", "2018-02"), case=case)
    assert [r.pk for r in again] == [r.pk for r in first]
    out_case, _ = cases.case_submit(actor=clerk_chaoyang, business="transfer_out", channel="counter",
                                    person=person_chaoyang, applicant_kind="person", applied_on=TODAY,
                                    details={"region": "上海市", "lines": lines("2018-01", "2018-02")})
    out = account_transfer_out(actor=reviewer_chaoyang, person=person_chaoyang, region="上海市",
                               lines=lines("2018-01", "2018-02"), case=out_case)
    with nothing_written():
        assert [r.pk for r in account_transfer_out(actor=reviewer_chaoyang, person=person_chaoyang, region="上海市",
                                                   lines=lines("2018-01", "2018-02"), case=out_case)] == [
            r.pk for r in out]


MONTHS = [f"{y}-{m:02d}" for y in (2016, 2017) for m in range(1, 13)]


@pytest.mark.django_db
@override_settings(SHEBAO_TODAY=TODAY)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["in", "backfill", "out"]), st.lists(st.sampled_from(MONTHS), min_size=1,
                                                                                  max_size=4, unique=True),
                          st.integers(0, 10_000_00)), max_size=8))
def test_the_book_balances_whatever_the_sequence(person_chaoyang, reviewer_chaoyang, ops):
    """Months and balance always equal what came in less what went out; a refused step changes nothing."""
    AccountMonth.objects.filter(account__person=person_chaoyang).delete()
    account = person_chaoyang.pension_account
    held: dict[str, int] = {}
    for kind, months, amount in ops:
        rows = [{"month": m, "amount_fen": held.get(m, amount) if kind == "out" else amount} for m in months]
        try:
            if kind == "in":
                account_transfer_in(actor=reviewer_chaoyang, person=person_chaoyang, region="天津市", lines=rows)
            elif kind == "backfill":
                account_backfill(actor=reviewer_chaoyang, person=person_chaoyang, lines=rows)
            else:
                account_transfer_out(actor=reviewer_chaoyang, person=person_chaoyang, region="上海市", lines=rows)
        except ValidationError:
            # A transfer out moves the whole account: refused unless it names exactly the months held.
            expected_refused = any(m in held for m in months) if kind != "out" else set(months) != set(held)
            assert expected_refused
            continue
        for m in months:
            if kind == "out":
                held.pop(m)
            else:
                held[m] = amount
        summary = account_summary(account)
        assert summary.months == len(held) and summary.balance_fen == sum(held.values())
