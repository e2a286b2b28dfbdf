"""What is done after a payment failed, and who a payment names (issue 17, review-user7 F4, F8,
review-input7 F12, F13):

- a failed payment (户名不符, a frozen account) is corrected and sent again at once: the account, and the
  name of a relative or a dependant (never a registered person's), on a page, through the API and the
  service; the bank's file carries the corrected account and name, and the account of record follows;
- a death award made before its relative was kept (未登记领取人) gets its relative registered, and the
  retry then pays the relative, not the dead worker;
- the bank-result import names the payee actually paid;
- a second pay call naming another payee is a 409 naming whom the claim was paid to; the same call is
  idempotent;
- a relative's birth date must fit the relation (a newborn is no parent).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from shebao.benefits import payroll
from shebao.benefits.models import (
    PayrollRun,
    PensionMonth,
    Retiree,
    SurvivorPension,
    Transfer,
    WorkInjuryAward,
)
from shebao.benefits.survivors import DependantInput, survivor_pensions_grant
from shebao.benefits.work_injury import AwardPayee, award_payee_register, fast_track_award_pay
from shebao.core import clock
from shebao.core.masking import mask_id_number
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from tests import personas
from tests.benefits.conftest import declare, send_to_bank
from tests.benefits.test_award_payee import WIFE, _claim, _marked
from tests.nothing_written import nothing_written
from tests.personas import SETUP


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def fail(t: Transfer, reason: str = "户名不符") -> Transfer:
    """The bank answers ``t`` failed (its run released and downloaded first)."""
    send_to_bank(t.run)
    payroll.payroll_result_import(data=("transfer_id,amount,result,reason,bank_reference,date\n"
                                        f"{t.pk},{t.amount_fen // 100}.{t.amount_fen % 100:02d},failed,{reason},,"
                                        f"{clock.today()}\n").encode(), filename=f"r{t.pk}.csv", actor=SETUP)
    t.refresh_from_db()
    assert t.status == Transfer.Status.FAILED
    return t


def file_line(run: PayrollRun) -> list[str]:
    lines = payroll.payment_file_bytes(run)[0].decode().splitlines()
    assert len(lines) == 2
    return lines[1].split(",")


@pytest.fixture
def death(clerk_chaoyang, reviewer_chaoyang):
    """A death award paid to the relative 王丽 whose payment failed: 户名不符."""
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 401, died=True), wage_fen=0,
                                 bank_account="6222020000000004011", payee=AwardPayee("王丽", "spouse", WIFE))
    fail(award.run.transfers.get())
    return award


# --- 1. A failed payment corrected and resent -------------------------------------------------------
def test_the_desk_corrects_a_relatives_account_and_name_and_the_bank_file_carries_them(client, municipal_admin,
                                                                                       death):
    t = death.run.transfers.get()
    client.force_login(municipal_admin)
    # the failed list and the run page lead to the correction
    assert reverse("backoffice:transfer_resend", args=[t.pk]) in client.get(reverse("backoffice:payroll_runs")).content.decode()
    url = reverse("backoffice:transfer_resend", args=[t.pk])
    page = client.get(url).content.decode()
    assert "王丽" in page and "户名不符" in page and 'name="payee_name"' in page and "6222020000000004011" not in page
    # every refusal at once, at its input, the typed values kept, nothing written
    with nothing_written():
        r = client.post(url, {"bank_account": "12ab", "payee_name": "", "reason": ""})
    assert r.status_code == 400
    html = r.content.decode()
    assert "更正后的收款账号" in _marked(html, "bank_account") and "请填写更正依据" in _marked(html, "reason")
    assert 'value="12ab"' in html
    with nothing_written():
        r = client.post(url, {"bank_account": "6222020000000004011", "payee_name": "", "reason": "本人来电"})
    assert "与支付失败的账号相同" in _marked(r.content.decode(), "bank_account")
    r = client.post(url, {"bank_account": "6222 0200 0000 0004 999", "payee_name": "王莉",
                          "reason": "领取人本人提供的银行卡复印件"})
    assert r.status_code == 302
    retry = PayrollRun.objects.get(kind=PayrollRun.Kind.RETRY)
    assert r["Location"] == reverse("backoffice:payroll_run", args=[retry.pk]) and retry.retry_of_id == death.run_id
    # stored: the new transfer, the old one retried, the relative's name corrected on the award
    t.refresh_from_db()
    new = retry.transfers.get()
    assert t.retried_by_id == new.pk and new.bank_account == "6222020000000004999" and new.amount_fen == t.amount_fen
    death.refresh_from_db()
    assert death.payee_name == "王莉" and death.payee_id_number == WIFE
    # the side effect: the bank is asked to credit the corrected account under the corrected name
    assert file_line(retry)[1:4] == [mask_id_number(WIFE), "王莉", "6222020000000004999"]
    reasons = list(AuditEvent.objects.filter(model="benefits.WorkInjuryAward", object_pk=str(death.pk))
                   .values_list("reason", flat=True))
    assert any("户名不符" in x and "银行卡复印件" in x for x in reasons), reasons
    # resent once: the run's retry has nothing left, and the same transfer cannot be resent again
    with pytest.raises(ValidationError, match="没有待重发的失败明细"):
        payroll.payroll_retry_start(run=death.run, actor=SETUP)
    with nothing_written(), pytest.raises(ValidationError, match="已重发"):
        payroll.failed_transfer_resend(actor=municipal_admin, transfer=t, bank_account="6222020000000004888",
                                       reason="再改")


def test_a_retirees_account_is_corrected_for_the_retry_and_the_next_run(municipal_admin):
    r = declare("钱一", birth=dt.date(1959, 10, 15), serial=411, declared_on=dt.date(2019, 10, 1))
    run = payroll.payroll_run_start(actor=SETUP, month="2020-03")
    t = fail(run.transfers.get(retiree=r), "账户已冻结")
    # a registered person is paid under the registry's name: only the account is corrected here
    with nothing_written(), pytest.raises(ValidationError) as e:
        payroll.failed_transfer_resend(actor=municipal_admin, transfer=t, bank_account="6222020000000004119",
                                       payee_name="钱壹", reason="本人提供新账号")
    assert "个人信息变更" in e.value.message_dict["payee_name"][0]
    retry = payroll.failed_transfer_resend(actor=municipal_admin, transfer=t, bank_account="6222020000000004119",
                                           reason="本人提供新账号")
    assert file_line(retry)[2:4] == ["钱一", "6222020000000004119"]
    assert Retiree.objects.get(pk=r.pk).bank_account == "6222020000000004119"  # the next month's run pays it too
    assert PensionMonth.objects.filter(transfer__run=retry).count() == PensionMonth.objects.filter(retiree=r).count()


def test_a_dependants_account_and_name_are_corrected(reviewer_chaoyang, municipal_admin, death):
    child = personas.citizen_id("110105", dt.date(2010, 6, 1), 412, male=True)
    survivor_pensions_grant(actor=reviewer_chaoyang, award=death, wage_fen=1_000_000, dependants=[
        DependantInput(name="赵小", id_number=child, relation="child", bank_account="6222020000000004121")])
    from django.test import override_settings

    with override_settings(SHEBAO_TODAY=dt.date(2020, 4, 20)):  # the first month owed is 2020-04
        run = payroll.payroll_run_start(actor=SETUP, month="2020-04")
        t = fail(run.transfers.get(), "户名不符")
        retry = payroll.failed_transfer_resend(actor=municipal_admin, transfer=t, bank_account="6222020000000004122",
                                               payee_name="赵晓", reason="监护人提供的户口簿")
    pension = SurvivorPension.objects.get()
    assert (pension.name, pension.bank_account) == ("赵晓", "6222020000000004122")
    assert file_line(retry)[1:4] == [mask_id_number(child), "赵晓", "6222020000000004122"]


def test_the_resend_api_and_who_may_use_it(municipal_admin, reviewer_chaoyang, death):
    t = death.run.transfers.get()
    url = f"/api/v1/benefits/payroll-transfers/{t.pk}/resend/"
    with nothing_written():
        r = api(reviewer_chaoyang).post(url, {"bank_account": "6222020000000004013", "reason": "x"}, format="json")
    assert r.status_code == 403
    with nothing_written():
        r = api(municipal_admin).post(url, {"bank_account": "x", "reason": ""}, format="json")
    assert r.status_code == 400 and {e["field"] for e in r.json()["errors"]} >= {"bank_account", "reason"}
    r = api(municipal_admin).post(url, {"bank_account": "6222020000000004013", "reason": "本人提供"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    new = Transfer.objects.get(pk=body["transfer"])
    assert body["run"] == new.run_id and body["payee"] == "王*" and "6222020000000004013" not in r.content.decode()
    assert file_line(new.run)[1:4] == [mask_id_number(WIFE), "王丽", "6222020000000004013"]


# --- 2. The relative of an old death award --------------------------------------------------------------
@pytest.fixture
def old_death(clerk_chaoyang, reviewer_chaoyang):
    """A death award made before the relative was kept (the fields blank, as the migration left them),
    whose payment then failed."""
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 421, died=True), wage_fen=0,
                                 bank_account="6222020000000004211", payee=personas.relative())
    WorkInjuryAward.objects.filter(pk=award.pk).update(payee_name="", payee_relation="", payee_id_number="")
    # its payment file went out under the worker's name, as benefits/0010 records it on such a transfer
    award.run.transfers.update(payee_name=award.person.name)
    award.refresh_from_db()
    assert award.payee_missing
    return award


def test_the_relative_of_an_old_award_is_registered_and_the_retry_pays_them(client, reviewer_chaoyang,
                                                                              municipal_admin, old_death):
    t = old_death.run.transfers.get()
    client.force_login(reviewer_chaoyang)
    url = reverse("backoffice:work_injury_award", args=[old_death.pk])
    # still at the bank: sent under the dead worker's name, so no relative is put on it afterwards
    with nothing_written(), pytest.raises(ValidationError, match="尚待银行结果"):
        award_payee_register(actor=reviewer_chaoyang, award=old_death, payee=AwardPayee("王丽", "spouse", WIFE))
    fail(t)
    # the failed payment cannot be resent before the relative is registered, by itself or with its run
    with nothing_written(), pytest.raises(ValidationError) as e:
        payroll.failed_transfer_resend(actor=municipal_admin, transfer=t, bank_account="6222020000000004212",
                                       reason="家属来电")
    assert "未登记领取人" in e.value.message_dict["payee_name"][0]
    with nothing_written(), pytest.raises(ValidationError, match="请先在待遇核定页登记领取人"):
        payroll.payroll_retry_start(run=old_death.run, actor=SETUP)
    page = client.get(url).content.decode()
    assert 'id="payee-form"' in page
    post = reverse("backoffice:award_payee_register", args=[old_death.pk])
    with nothing_written():
        r = client.post(post, {"payee_name": "", "payee_relation": "", "payee_id_number": old_death.person.id_number})
    assert r.status_code == 400
    html = r.content.decode()
    assert "请填写领取人姓名" in _marked(html, "payee_name") and "请选择领取人与死者的关系" in _marked(html, "payee_relation")
    assert "死者本人的号码" in _marked(html, "payee_id_number")
    r = client.post(post, {"payee_name": "王丽", "payee_relation": "spouse", "payee_id_number": WIFE})
    assert r.status_code == 302
    old_death.refresh_from_db()
    assert (old_death.payee_name, old_death.payee_relation, old_death.payee_id_number) == ("王丽", "spouse", WIFE)
    assert AuditEvent.objects.filter(model="benefits.WorkInjuryAward", object_pk=str(old_death.pk),
                                     reason__contains="登记领取人王丽").exists()
    assert 'id="payee-form"' not in client.get(url).content.decode()
    # the retry pays the relative, not the dead worker
    retry = payroll.payroll_retry_start(run=old_death.run, actor=SETUP)
    line = file_line(retry)
    assert line[1:3] == [mask_id_number(WIFE), "王丽"] and old_death.person.name not in line
    # registered once
    with nothing_written(), pytest.raises(ValidationError, match="已登记"):
        award_payee_register(actor=reviewer_chaoyang, award=old_death, payee=AwardPayee("王丽", "spouse", WIFE))


def test_the_payee_api_registers_the_relative(reviewer_chaoyang, clerk_chaoyang, clerk_haidian, reviewer_haidian,
                                               old_death):
    fail(old_death.run.transfers.get())
    url = f"/api/v1/benefits/work-injury-awards/{old_death.pk}/payee/"
    body = {"payee_name": "王丽", "payee_relation": "spouse", "payee_id_number": WIFE}
    # a role that registers no payee anywhere: 403 before the id is read; another district's reviewer: 404
    assert api(clerk_haidian).post(url, body, format="json").status_code == 403
    assert api(reviewer_haidian).post(url, body, format="json").status_code == 404
    with nothing_written():
        assert api(clerk_chaoyang).post(url, body, format="json").status_code == 403
    with nothing_written():
        r = api(reviewer_chaoyang).post(url, {**body, "payee_relation": "parent"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "payee_id_number"
    assert "不能是死者的父母" in r.json()["errors"][0]["reason_zh"]
    r = api(reviewer_chaoyang).post(url, body, format="json")
    assert r.status_code == 200 and r.json()["payee"]["registered"] is True and WIFE not in r.content.decode()
    with pytest.raises(ActionRefused):
        award_payee_register(actor=clerk_chaoyang, award=old_death, payee=AwardPayee("王丽", "spouse", WIFE))


# --- 3. The result import names the payee paid ------------------------------------------------------------
def test_the_result_import_names_the_relative_not_the_dead_worker(client, municipal_admin, clerk_chaoyang,
                                                                   reviewer_chaoyang):
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 431, died=True), wage_fen=0,
                                 bank_account="6222020000000004311", payee=AwardPayee("王丽", "spouse", WIFE))
    t = award.run.transfers.get()
    send_to_bank(award.run)
    client.force_login(municipal_admin)
    data = (f"transfer_id,amount,result,reason,bank_reference,date\n{t.pk},{t.amount_fen // 100}."
            f"{t.amount_fen % 100:02d},failed,户名不符,,{clock.today()}\n").encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(reverse("backoffice:payroll_result_import"), {"file": SimpleUploadedFile("r.csv", data)})
    html = r.content.decode()
    assert r.status_code == 200
    row = re.search(rf"明细{t.pk}.*?</tr>", html, re.S).group(0)
    assert f"王丽（因工死亡职工{award.person.name}的配偶）：户名不符" in row, row
    assert f"支付失败 {award.person.name}" not in row and f">{award.person.name}：" not in row


# --- 5. A second pay call naming another payee --------------------------------------------------------------
def test_a_second_pay_call_with_another_payee_is_a_409_naming_whom_it_was_paid_to(clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 441, died=True)
    url = f"/api/v1/benefits/work-injury-claims/{case.pk}/pay/"
    body = {"bank_account": "6222020000000005678", "payee_name": "武明", "payee_relation": "spouse",
            "payee_id_number": WIFE}
    assert api(reviewer_chaoyang).post(url, body, format="json").status_code == 201
    with nothing_written():
        r = api(reviewer_chaoyang).post(url, {**body, "payee_name": "别人", "payee_relation": "child",
                                              "bank_account": "6222020200099999999"}, format="json")
    assert r.status_code == 409 and r["Content-Type"].startswith("application/problem+json")
    detail = r.json()["detail"]
    assert "已核定并支付" in detail and "武*（配偶）" in detail and "5678" in detail
    assert "收款账号、领取人姓名、与死者关系与已支付的不同" in detail and "武明" not in detail
    assert "6222020000000005678" not in r.content.decode()
    with nothing_written():  # the identical repeat stays idempotent
        again = api(reviewer_chaoyang).post(url, {**body, "payee_id_number": WIFE[:6] + " " + WIFE[6:]}, format="json")
    assert again.status_code == 200 and again.json()["paid_now"] is False


# --- 6. A relative's age fits the relation ------------------------------------------------------------------
@pytest.mark.parametrize(("relation", "birth", "male", "says"), [
    ("parent", dt.date(2020, 2, 20), True, "不能是死者的父母"),       # born on the business date (input7 F12)
    ("parent", dt.date(1966, 5, 3), True, "年长不足14岁"),             # 10 years older than the worker
    ("grandparent", dt.date(1950, 1, 1), False, "年长不足28岁"),
    ("child", dt.date(1970, 1, 1), False, "年轻不足14岁"),             # older than the worker
    ("grandchild", dt.date(2000, 1, 1), True, "年轻不足28岁"),
    ("spouse", dt.date(2005, 1, 1), False, "未满20周岁（法定婚龄）"),
    ("spouse", dt.date(1999, 1, 1), True, "未满22周岁（法定婚龄）"),
])
def test_a_relative_whose_age_does_not_fit_the_relation_is_refused_at_the_number(clerk_chaoyang, reviewer_chaoyang,
                                                                                 relation, birth, male, says):
    case = _claim(clerk_chaoyang, 451, died=True)  # the doctor was born on 1976-05-02 and died on 2020-03-02
    number = personas.citizen_id("110105", birth, 451, male=male)
    with nothing_written(), pytest.raises(ValidationError) as e:
        fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000004511",
                             payee=AwardPayee("某人", relation, number))
    assert says in e.value.message_dict["payee_id_number"][0]


@pytest.mark.parametrize(("relation", "birth", "male"), [
    ("parent", dt.date(1950, 1, 1), True), ("child", dt.date(2005, 1, 1), False),
    ("spouse", dt.date(2000, 3, 2), False),  # 20 on the day of the death
    ("sibling", dt.date(1999, 1, 1), True), ("grandchild", dt.date(2019, 1, 1), False),
])
def test_a_relative_of_a_plausible_age_is_taken(clerk_chaoyang, reviewer_chaoyang, relation, birth, male):
    case = _claim(clerk_chaoyang, 452, died=True)
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000004521",
                                 payee=AwardPayee("某人", relation, personas.citizen_id("110105", birth, 452, male=male)))
    assert award.payee_relation == relation


def test_a_survivors_age_is_checked_with_every_other_refusal_at_once(reviewer_chaoyang, death):
    """review-user7 F2: the grant said the wage, then the first dependant's number, then their account, one
    submission at a time; and a newborn could be a parent (review-input7 F12)."""
    newborn = personas.citizen_id("110105", dt.date(2020, 2, 1), 461, male=True)
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death, wage_fen=1, dependants=[
            DependantInput(name="赵父", id_number=newborn, relation="parent", bank_account="x1"),
            DependantInput(name="", id_number=death.person.id_number, relation="child", bank_account="6222020000000004612")])
    said = e.value.message_dict
    assert set(said) == {"wage_fen", "id_number_1", "bank_account_1", "name_2", "id_number_2"}, said
    assert "不能是死者的父母" in said["id_number_1"][0] and "死者本人的号码" in said["id_number_2"][0]


def test_the_grant_page_says_an_unreadable_wage_with_every_dependants_refusal(client, reviewer_chaoyang, death):
    client.force_login(reviewer_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:survivor_grant", args=[death.pk]), {
            "wage": "abc", "name_1": "王丽", "id_number_1": death.person.id_number, "relation_1": "spouse",
            "bank_account_1": "x1"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "死者生前本人工资应为金额" in _marked(html, "wage")
    assert "死者本人的号码" in _marked(html, "id_number_1") and "账号" in _marked(html, "bank_account_1")
    assert "须为正数" not in html


# --- 4. Forms keep what was typed and say each refusal at its input ---------------------------------------
def test_a_refused_stop_or_resumption_keeps_the_typed_input(client, clerk_chaoyang):
    r = declare("孙停", birth=dt.date(1959, 10, 15), serial=471, declared_on=dt.date(2019, 10, 1))
    client.force_login(clerk_chaoyang)
    url = reverse("backoffice:retiree_stop", args=[r.pk])
    with nothing_written():
        resp = client.post(url, {"do": "suspend", "reason": "death", "from_month": "", "died_on": "2020-02-30",
                                 "note": "家属来电告知"})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "死亡日期“2020-02-30”不存在：2020年2月只有29天" in _marked(html, "died_on")  # core.inputs.read_date
    assert 'value="家属来电告知"' in html and 'value="death" selected' in html and 'id="errors"' in html
    with nothing_written():
        resp = client.post(url, {"do": "suspend", "reason": "reemployment", "from_month": "2020-13"})
    html = resp.content.decode()
    assert resp.status_code == 400 and _marked(html, "from_month") and 'value="2020-13"' in html
    client.post(url, {"do": "suspend", "reason": "verification", "from_month": "2020-02"})
    r.refresh_from_db()
    assert r.status == Retiree.Status.SUSPENDED
    with nothing_written():
        resp = client.post(url, {"do": "resume", "from_month": "2020-01"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "恢复月份须晚于停发起始月2020-02" in _marked(html, "from_month")
    assert 'value="2020-01"' in html


def test_a_refused_end_of_a_survivors_pension_keeps_the_typed_input(client, reviewer_chaoyang, death):
    pension = survivor_pensions_grant(actor=reviewer_chaoyang, award=death, wage_fen=1_000_000, dependants=[
        DependantInput(name="王丽", id_number=WIFE, relation="spouse", bank_account="6222020000000004811")])[0]
    client.force_login(reviewer_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:survivor_end", args=[pension.pk]),
                        {"last_month": "2019-01", "reason": "employment"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "早于起发月份2020-04" in _marked(html, "last_month") and 'value="2019-01"' in html
    assert 'value="employment" selected' in html
    pension.refresh_from_db()
    assert pension.status == SurvivorPension.Status.ACTIVE


def test_a_refused_result_file_is_said_at_the_file_input(client, municipal_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(municipal_admin)
    url = reverse("backoffice:payroll_result_import")
    with nothing_written():
        r = client.post(url, {"file": SimpleUploadedFile("r.csv", b""), "encoding": "gb18030"})
    assert r.status_code == 400
    html = r.content.decode()
    assert _marked(html, "file") and 'value="gb18030" selected' in html
    with nothing_written():
        r = client.post(url, {"file": SimpleUploadedFile("r.csv", "支付明细编号,金额,支付结果,失败原因,银行流水号,支付日期\n"
                                                         "999,1.00,成功,,B1,2020-03-01\n".encode())})
    html = r.content.decode()
    assert r.status_code == 400 and "未导入任何一行" in _marked(html, "file") and "支付明细编号“999”不存在" in html
