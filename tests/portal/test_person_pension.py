"""A retiree signed in to the portal reads their own pension (review-user10 F3: the portal showed no
pension at all): the entitlement (basic, personal-account and transitional amounts), this month's
amount with the yearly adjustment, every month paid with its state and day, and the arrears statement
of a late declaration; a failed payment says why; someone drawing no pension is told so and sees
nobody else's. Read through `benefits.selectors.person_pension`."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from shebao.benefits import payroll
from shebao.benefits.selectors import person_pension
from tests.benefits.conftest import MONTHLY_2019, declare, send_to_bank
from tests.benefits.test_payroll import RAISED_2020, result_file
from tests.personas import SETUP
from tests.portal.conftest import sign_in_person

pytestmark = pytest.mark.django_db


def retiree_paid_in_march(settings):
    """A man retired 2019-10, declared only on 2020-02-20: the March 2020 run pays 2019-11 to 2020-02 as
    arrears and March as the month's pension; the bank pays it on 2020-03-20 (business day then)."""
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    retiree = declare("李退休", birth=dt.date(1959, 10, 15), serial=41, declared_on=dt.date(2020, 2, 20),
                      phone="13900139041")
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)
    run = payroll.payroll_run_start(actor=SETUP, month="2020-03")
    send_to_bank(run)
    payroll.payroll_result_import(data=result_file([(t, "success") for t in run.transfers.all()]),
                                  filename="r.csv", actor=SETUP)
    return retiree


@pytest.fixture
def paid_late(settings):
    return retiree_paid_in_march(settings)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_retiree_reads_the_entitlement_each_month_paid_and_the_arrears(client, settings, paid_late):
    sign_in_person(client, settings, paid_late.person)
    home = client.get("/portal/person/").content.decode()
    assert 'href="/portal/person/pension/"' in home
    r = client.get("/portal/person/pension/")
    assert r.status_code == 200
    text = _text(r.content.decode())
    assert "基础养老金 2,654.10元/月" in text and "个人账户养老金 1,000.00元/月" in text
    assert "过渡性养老金 0.00元/月" in text and "退休时月养老金 3,654.10元/月" in text
    # the 2020 adjustment's notice (人社部发〔2020〕22号) is issued only on 2020-04-17: not yet in March
    assert "本月（2020-03）养老金 3,654.10元" in text
    payments = _text(r.content.decode().split('id="payments"')[1].split("</ul>")[0])
    assert "2020-03 当月 3,654.10元 支付成功 2020-03月发放批次 · 2020-03-20到账" in payments
    assert "2019-11 补发 3,654.10元 支付成功" in payments
    assert payments.index("2020-03") < payments.index("2019-11")  # newest first
    arrears = _text(r.content.decode().split('id="arrears"')[1].split("</section>")[0])
    total = 4 * MONTHLY_2019
    assert f"共 {total // 100:,}.{total % 100:02d} 元" in arrears
    assert [m for m in re.findall(r"\d{4}-\d{2}(?= 补发)", arrears)] == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert paid_late.bank_account[-4:] in text and paid_late.bank_account not in text  # masked


def test_a_failed_payment_says_why_and_that_it_will_be_paid_again(client, settings, paid_late):
    """In April the 2020 adjustment is known: April pays the raised amount and the differences of
    January to March (调整补发), and the bank returns the transfer."""
    settings.SHEBAO_TODAY = dt.date(2020, 4, 20)
    april = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    send_to_bank(april)
    payroll.payroll_result_import(data=result_file([(t, "failed") for t in april.transfers.all()]),
                                  filename="r4.csv", actor=SETUP)
    pension = person_pension(paid_late.person, on=dt.date(2020, 4, 20))
    assert (pension.payments[0].month, pension.payments[0].status) == ("2020-04", "支付失败")
    sign_in_person(client, settings, paid_late.person)
    html = client.get("/portal/person/pension/").content.decode()
    text = _text(html)
    assert "本月（2020-04）养老金 3,836.81元" in text
    assert re.search(r"2020-04 当月 3,836.81元 支付失败 .*银行退回：\S+，将在下次发放时重新支付", text)
    arrears = _text(html.split('id="arrears"')[1].split("</section>")[0])
    diff = RAISED_2020 - MONTHLY_2019
    for m in ("2020-01", "2020-02", "2020-03"):
        assert f"{m} 调整补发 {diff // 100}.{diff % 100:02d} 2020-04月 支付失败" in arrears, arrears


def test_someone_drawing_no_pension_is_told_so_and_sees_no_one_else_s(client, settings, paid_late, insured):
    sign_in_person(client, settings, insured)
    page = client.get("/portal/person/pension/").content.decode()
    assert 'id="no-pension"' in page and "没有领取基本养老金的记录" in page
    assert "李退休" not in page and "3,836.81" not in page and person_pension(insured) is None
