"""Months a run may pay, months the user types, months the old system paid (bad-input review D15, D16;
issue 17's migration marker).

- D15: a payroll run for 2019-01, before any retiree, was stored as an empty closed run. The class: a
  run that would pay nothing is refused before anything is written (a month before every retiree, a
  month everyone is paid for already, a future month).
- D16: a death on 9999-12-31 was refused with “该项应为“年-月”…填写的是“10000-01””, a month nobody
  typed (the month after the death). The class: a refusal names the field typed and what was typed.
- A retiree migrated from the old system carries the last month it paid (``paid_through``): the first
  run pays from the month after, not every month since retirement again.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shebao.benefits import payroll
from shebao.benefits.models import PayrollRun, PensionMonth, Retiree, Suspension, Transfer
from shebao.benefits.services import retiree_resume, retiree_suspend
from shebao.core.models import AuditEvent
from tests.benefits.conftest import MONTHLY_2019, declare
from tests.nothing_written import nothing_written
from tests.personas import SETUP


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 10)


@pytest.mark.parametrize("month", ["2019-01", "2019-10"])
def test_a_run_of_a_month_before_any_retiree_is_owed_is_refused_and_leaves_no_trace(three_retirees, month):
    # the first retiree retired in 2019-10: nobody is owed 2019-01 or 2019-10
    with nothing_written(), pytest.raises(ValidationError) as refused:
        payroll.payroll_run_start(actor=SETUP, month=month)
    assert "没有应发放的待遇" in refused.value.message_dict["month"][0]
    assert not PayrollRun.objects.exists() and not PensionMonth.objects.exists()


def test_a_run_of_a_month_everyone_was_paid_for_already_is_refused(three_retirees):
    march = payroll.payroll_run_start(actor=SETUP, month="2020-03")  # pays 2020-02 as arrears too
    assert march.transfers_count == 3
    with nothing_written(), pytest.raises(ValidationError, match="没有应发放的待遇"):
        payroll.payroll_run_start(actor=SETUP, month="2020-02")
    assert list(PayrollRun.objects.values_list("month", flat=True)) == ["2020-03"]


def test_a_run_of_a_future_month_is_refused(three_retirees):
    for start in (payroll.payroll_run_start, payroll.payroll_supplementary_start):
        with nothing_written(), pytest.raises(ValidationError) as refused:
            start(actor=SETUP, month="2020-04")
        assert "晚于本月（2020-03）" in refused.value.message_dict["month"][0]
    assert not PayrollRun.objects.exists()


def test_the_page_says_why_an_empty_month_is_not_run(client, three_retirees, municipal_admin):
    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:payroll_run_start"), {"month": "2019-01"}, follow=True)
    assert "2019-01没有应发放的待遇" in r.content.decode()
    assert not PayrollRun.objects.exists()


# --- D16: a refusal names what was typed ------------------------------------------------------------
@pytest.mark.parametrize(("fields", "key", "says"), [
    ({"reason": "death", "died_on": dt.date(9999, 12, 31)}, "died_on", "死亡日期“9999-12-31”不能晚于今天"),
    ({"reason": "death", "died_on": dt.date(1, 1, 1)}, "died_on", "死亡日期早于"),
    ({"reason": "reemployment", "from_month": "9999-12"}, "from_month", "停发起始月“9999-12”晚于"),
    ({"reason": "reemployment", "from_month": "0001-01"}, "from_month", "停发起始月"),
    # 2020-3 is read as 2020-03, as every month field reads it (core.normalize.normalize_month); a day is no month
    ({"reason": "reemployment", "from_month": "2020-03-01"}, "from_month",
     "停发起始月应为“年-月”，如2020-02，填写的是“2020-03-01”"),
])
def test_a_stop_with_an_implausible_date_names_the_field_typed(three_retirees, clerk_chaoyang, fields, key, says):
    retiree = three_retirees[0]
    with nothing_written(), pytest.raises(ValidationError) as refused:
        retiree_suspend(actor=clerk_chaoyang, retiree=retiree, **fields)
    message = refused.value.message_dict[key][0]
    assert says in message and "10000" not in message and "该项" not in message
    assert not Suspension.objects.exists()
    retiree.refresh_from_db()
    assert retiree.status == Retiree.Status.ACTIVE and retiree.died_on is None


@pytest.mark.parametrize(("month", "says"), [("9999-12", "恢复发放月份“9999-12”晚于"),
                                             ("0001-01", "恢复发放月份“0001-01”早于1990-01"),
                                             ("", "请填写恢复发放月份")])
def test_a_resumption_with_an_implausible_month_names_the_field_typed(three_retirees, clerk_chaoyang, month, says):
    retiree = three_retirees[0]
    stop = retiree_suspend(actor=clerk_chaoyang, retiree=retiree, reason="verification", from_month="2020-02")
    with nothing_written(), pytest.raises(ValidationError) as refused:
        retiree_resume(actor=clerk_chaoyang, retiree=retiree, from_month=month)
    assert says in refused.value.message_dict["from_month"][0]
    stop.refresh_from_db()
    assert stop.to_month == "" and Retiree.objects.get(pk=retiree.pk).status == Retiree.Status.SUSPENDED


def test_the_stop_page_shows_the_typed_death_date_in_its_message(client, three_retirees, clerk_chaoyang):
    retiree = three_retirees[0]
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:retiree_stop", args=[retiree.pk]),
                    {"do": "suspend", "reason": "death", "died_on": "9999-12-31"}, follow=True)
    page = r.content.decode()
    assert "死亡日期“9999-12-31”晚于" in page and "10000-01" not in page
    assert not Suspension.objects.exists()


# --- The old system's last month paid ----------------------------------------------------------------
def migrated(paid_through: str, *, serial: int = 31) -> Retiree:
    # retired 2019-10 (born 1959-10-15), migrated in 2020-03 with the old system's payments
    return declare("吴六", birth=dt.date(1959, 10, 15), serial=serial, declared_on=dt.date(2019, 10, 1),
                   paid_through=paid_through)


@pytest.mark.parametrize("set_based", [True, False])
def test_a_migrated_retiree_is_paid_only_after_the_old_systems_last_month(db, set_based):
    retiree = migrated("2020-02")
    run = PayrollRun.objects.create(month="2020-03", kind=PayrollRun.Kind.REGULAR, created_by_label="t")
    payroll._build(run, actor=SETUP, chunk_size=10, after_chunk=None, set_based=set_based)
    months = list(PensionMonth.objects.filter(retiree=retiree).values_list("month", "kind"))
    assert months == [("2020-03", PensionMonth.Kind.REGULAR)]
    assert Transfer.objects.get(retiree=retiree).amount_fen == PensionMonth.objects.get(retiree=retiree).amount_fen


def test_a_migrated_retiree_paid_through_this_month_owes_nothing_now(db):
    migrated("2020-03")
    with nothing_written(), pytest.raises(ValidationError, match="没有应发放的待遇"):
        payroll.payroll_run_start(actor=SETUP, month="2020-03")


def test_without_the_marker_the_same_retiree_would_be_paid_since_retirement(db):
    retiree = migrated("")
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    assert sorted(PensionMonth.objects.filter(retiree=retiree).values_list("month", flat=True)) == [
        "2019-11", "2019-12", "2020-01", "2020-02", "2020-03"]
    assert PensionMonth.objects.get(retiree=retiree, month="2019-11").amount_fen == MONTHLY_2019


@pytest.mark.parametrize(("paid_through", "says"), [("2019-09", "早于退休年月2019-10"), ("2020-04", "晚于2020-03"),
                                                    ("2020-13", "原系统已发放至“2020-13”不存在：没有13月")])
def test_an_implausible_marker_is_refused_and_nothing_written(db, paid_through, says):
    with pytest.raises(ValidationError) as refused:
        migrated(paid_through)
    assert says in refused.value.message_dict["paid_through"][0]
    assert not Retiree.objects.exists()
    assert not AuditEvent.objects.filter(model="benefits.Retiree").exists()
