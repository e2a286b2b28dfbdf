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
    # the 2020 adjustment's notice (人社部发〔2020〕22号) is issued only on 2020-04-17: not yet in March,
    # and the page says so instead of "含已公布的年度调整" (review-user12 F2)
    assert "本月（2020-03）养老金 3,654.10元 （与退休时相同：退休后尚无已印发、适用于您的年度调整" in text
    assert "含已公布的年度调整" not in text
    payments = _text(r.content.decode().split('id="payments"')[1].split("</ul>")[0])
    # the run named as the staff page names it, and a month paid as arrears only in 补发明细 (review-user14 (12))
    assert "2020-03 当月 3,654.10元 支付成功 发放批次：2020-03 月度发放 · 2020-03-20到账" in payments
    assert "2019-11" not in payments and "月发放批次" not in r.content.decode()
    assert "补发的月份列在下方“补发明细”" in text
    arrears = _text(r.content.decode().split('id="arrears"')[1].split("</section>")[0])
    total = 4 * MONTHLY_2019
    assert f"共 {total // 100:,}.{total % 100:02d} 元" in arrears
    # why: the late declaration, from the retirement's next month (not "晚于退休时间或年度调整")
    assert "补发原因：退休申报晚于退休时间，退休次月（2019-11）至首次按月发放前的各月养老金。" in arrears
    assert [m for m in re.findall(r"\d{4}-\d{2}(?= 补发)", arrears)] == ["2019-11", "2019-12", "2020-01", "2020-02"]
    # each amount carries its 元 (the phone's card label reads 金额, layout review B)
    assert "2020-03 月度发放" in arrears and len(re.findall(r"\d{4}-\d{2} 补发 [\d,]+\.\d{2}元 2020-03 月度发放", arrears)) == 4
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
    assert "本月（2020-04）养老金 3,836.81元 （含2020年调整（自2020-01起提高5%））" in text
    assert re.search(r"2020-04 当月 3,836.81元 支付失败 .*银行退回：\S+，将在下次发放时重新支付", text)
    arrears = _text(html.split('id="arrears"')[1].split("</section>")[0])
    diff = RAISED_2020 - MONTHLY_2019
    for m in ("2020-01", "2020-02", "2020-03"):
        assert f"{m} 调整补发 {diff // 100}.{diff % 100:02d}元 2020-04 月度发放 支付失败" in arrears, arrears
    assert "；年度调整通知印发前已发放月份的调整差额。" in arrears
    # the heading says what reached the bank account and what came back, not 已补发 over 支付失败 rows
    # (final walk, finding 2)
    paid, failed = 4 * MONTHLY_2019, 3 * diff
    assert (pension.arrears_paid_fen, pension.arrears_failed_fen) == (paid, failed)
    heading = arrears.replace(" ", "").split("补发原因")[0]
    yuan = lambda fen: f"{fen // 100:,}.{fen % 100:02d}元"  # noqa: E731
    assert "已补发" not in heading and heading.endswith(
        f"以下月份应补发，共{yuan(paid + failed)}，其中已到账{yuan(paid)}，银行退回{yuan(failed)}"
        "（将重新支付；如银行账户已变更或冻结，请联系社保经办机构更正领取账户，咨询电话12333）。"), heading
    assert 'href="tel:12333"' in html.split('id="arrears"')[1].split("</section>")[0]


def test_the_pension_page_states_the_months_of_the_rights_record(client, settings, paid_late):
    """review-user12 F2: 我的养老金 said 432 months while 我的权益记录 said 0. The page states the
    entitlement's months (deemed ones named) and the record's paid pension months, the figure the rights
    page shows, read through the same selector (`collection.selectors.rights_totals`)."""
    from shebao.registry.models import Contribution
    from tests.personas import make_employer

    employer = make_employer("演示退休前单位有限公司", serial=61)
    base = 500_000
    for k, month in enumerate(("2019-07", "2019-08", "2019-09")):
        Contribution.objects.create(
            person=paid_late.person, employer=employer, month=month, paid_on=dt.date(2019, 8 + k, 15),
            pension_base_fen=base, pension_employer_fen=80_000, pension_personal_fen=40_000,
            unemployment_base_fen=base, unemployment_employer_fen=4_000, unemployment_personal_fen=1_000,
            medical_base_fen=base, medical_employer_fen=50_000, medical_personal_fen=10_000,
            maternity_base_fen=base, maternity_employer_fen=4_000, work_injury_base_fen=base,
            work_injury_employer_fen=2_000)
    sign_in_person(client, settings, paid_late.person)
    pension = _text(client.get("/portal/person/pension/").content.decode())
    rights = _text(client.get("/portal/person/rights/").content.decode())
    record = re.search(r"养老保险 累计缴费(\d+)个月", rights)
    assert record and record[1] == "3", rights
    entitlement = paid_late.entitlement
    assert f"核定缴费年限 {entitlement.contribution_months}个月" in pension
    assert "权益记录缴费月数 3个月（本系统记录的养老保险实缴月数，与 我的权益记录 一致；核定缴费年限还含" in pension


def test_someone_drawing_no_pension_is_told_so_and_sees_no_one_else_s(client, settings, paid_late, insured):
    sign_in_person(client, settings, insured)
    page = client.get("/portal/person/pension/").content.decode()
    assert 'id="no-pension"' in page and "没有领取基本养老金的记录" in page
    assert "李退休" not in page and "3,836.81" not in page and person_pension(insured) is None


def test_a_pensioner_finds_the_pension_first_and_is_not_offered_the_residents_pension(client, settings, paid_late,
                                                                                      insured):
    """review-user14 (12): the retiree's home page put 我的养老金 second and offered 城乡居民养老保险（参保…）
    to someone drawing the employees' basic pension."""
    sign_in_person(client, settings, paid_late.person)
    home = client.get("/portal/person/").content.decode()
    menu = home.split('class="menu"', 1)[1].split("</ul>", 1)[0]
    assert menu.index('href="/portal/person/pension/"') < menu.index('href="/portal/person/rights/"')
    assert "/portal/person/resident-pension/" not in menu and "城乡居民养老保险" not in menu
    client.logout()
    sign_in_person(client, settings, insured)  # not a pensioner: the residents' pension is offered
    menu = client.get("/portal/person/").content.decode().split('class="menu"', 1)[1].split("</ul>", 1)[0]
    assert "城乡居民养老保险" in menu
