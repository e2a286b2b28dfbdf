"""A dead worker has one spouse, of the other sex (review-input8 F4): the award's payee was registered as
张丽（配偶） while the award's survivors' pension named 李秀梅（配偶）, and a man was accepted as a man's
配偶. Every road that names a relative of a death (the payment's payee, the payee registered later, the
survivors' pensions) now agrees with the others and refuses at the input, in Chinese, writing nothing.
(The failed-payment correction changes only a name, held to one number one name already.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shebao.benefits.models import SurvivorPension, WorkInjuryAward
from shebao.benefits.survivors import DependantInput, survivor_pensions_grant
from shebao.benefits.work_injury import AwardPayee, award_payee_register, fast_track_award_pay
from tests import personas
from tests.benefits.test_award_payee import WIFE, _claim, _marked
from tests.benefits.test_payment_corrections import api, fail
from tests.nothing_written import nothing_written


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)


OTHER_WIFE = personas.citizen_id("110105", dt.date(1978, 3, 1), 124, male=False)
A_MAN = personas.citizen_id("110105", dt.date(1977, 1, 1), 125, male=True)
CHILD = personas.citizen_id("110105", dt.date(2010, 6, 1), 126, male=True)


@pytest.fixture
def widowed(clerk_chaoyang, reviewer_chaoyang):
    """A male doctor's death award whose payee was left blank (an old award) and whose payment failed,
    with the survivors' pension naming 李秀梅 (WIFE) his spouse."""
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 481, died=True), wage_fen=0,
                                 bank_account="6222020000000004811", payee=AwardPayee("李秀梅", "spouse", WIFE))
    survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
        DependantInput(name="李秀梅", id_number=WIFE, relation="spouse", bank_account="6222020000000004812")])
    WorkInjuryAward.objects.filter(pk=award.pk).update(payee_name="", payee_relation="", payee_id_number="")
    # its payment file went out under the worker's name, as benefits/0010 records it on such a transfer
    award.run.transfers.update(payee_name=award.person.name)
    fail(award.run.transfers.get())
    award.refresh_from_db()
    return award


def test_a_second_spouse_is_refused_on_the_payee_api_and_page(client, reviewer_chaoyang, widowed):
    url = f"/api/v1/benefits/work-injury-awards/{widowed.pk}/payee/"
    with nothing_written():
        r = api(reviewer_chaoyang).post(url, {"payee_name": "张丽", "payee_relation": "spouse",
                                              "payee_id_number": OTHER_WIFE}, format="json")
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert error["field"] == "payee_id_number"
    assert "死者的配偶已在供养亲属抚恤金中记载为李秀梅" in error["reason_zh"] and "一人只能有一位配偶" in error["reason_zh"]
    client.force_login(reviewer_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:award_payee_register", args=[widowed.pk]),
                        {"payee_name": "张丽", "payee_relation": "spouse", "payee_id_number": OTHER_WIFE})
    assert r.status_code == 400 and "一人只能有一位配偶" in _marked(r.content.decode(), "payee_id_number")
    # the spouse already recorded is taken
    award_payee_register(actor=reviewer_chaoyang, award=widowed, payee=AwardPayee("李秀梅", "spouse", WIFE))
    widowed.refresh_from_db()
    assert (widowed.payee_name, widowed.payee_id_number) == ("李秀梅", WIFE)


def test_the_spouse_cannot_be_named_as_another_relation(reviewer_chaoyang, widowed):
    with nothing_written(), pytest.raises(ValidationError) as e:
        award_payee_register(actor=reviewer_chaoyang, award=widowed, payee=AwardPayee("李秀梅", "sibling", WIFE))
    assert "记载为死者的配偶" in e.value.message_dict["payee_relation"][0]
    assert WorkInjuryAward.objects.get(pk=widowed.pk).payee_missing


def test_a_spouse_of_the_same_sex_is_refused_everywhere(client, clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 482, died=True)
    assert case.person.gender == "male"
    with nothing_written(), pytest.raises(ValidationError) as e:
        fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000004821",
                             payee=AwardPayee("王强", "spouse", A_MAN))
    assert "与死者性别相同；配偶须为异性" in e.value.message_dict["payee_id_number"][0]
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000004821",
                                 payee=AwardPayee("王丽", "spouse", WIFE))
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
            DependantInput(name="王强", id_number=A_MAN, relation="spouse", bank_account="6222020000000004822")])
    assert "配偶须为异性" in e.value.message_dict["id_number_1"][0]


def test_the_survivors_grant_agrees_with_the_payee(clerk_chaoyang, reviewer_chaoyang):
    """The other way round: the award's payee is the spouse, so the survivors' pensions name no other."""
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 483, died=True), wage_fen=0,
                                 bank_account="6222020000000004831", payee=AwardPayee("王丽", "spouse", WIFE))
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
            DependantInput(name="张丽", id_number=OTHER_WIFE, relation="spouse", bank_account="6222020000000004832")])
    assert "死者的配偶已在工伤待遇领取人中记载为王丽" in e.value.message_dict["id_number_1"][0]
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
            DependantInput(name="王丽", id_number=WIFE, relation="other", bank_account="6222020000000004832")])
    assert "记载为死者的配偶" in e.value.message_dict["relation_1"][0]
    rows = survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
        DependantInput(name="王丽", id_number=WIFE, relation="spouse", bank_account="6222020000000004832"),
        DependantInput(name="王小宇", id_number=CHILD, relation="child", bank_account="6222020000000004833")])
    assert [(r.name, r.relation) for r in rows] == [("王丽", "spouse"), ("王小宇", "child")]
    assert SurvivorPension.objects.filter(award=award).count() == 2


def test_a_payee_or_survivor_name_that_is_no_name_is_refused(municipal_admin, reviewer_chaoyang, widowed):
    """review-input8 F5: 王😀 was taken as the 户名 the bank would be asked to credit."""
    from shebao.benefits import payroll

    with nothing_written(), pytest.raises(ValidationError) as e:
        award_payee_register(actor=reviewer_chaoyang, award=widowed, payee=AwardPayee("王😀", "spouse", WIFE))
    assert "领取人姓名第2位“😀”不是姓名用字" in e.value.message_dict["payee_name"][0]
    award_payee_register(actor=reviewer_chaoyang, award=widowed, payee=AwardPayee("李秀梅", "spouse", WIFE))
    t = widowed.run.transfers.get()
    with nothing_written(), pytest.raises(ValidationError) as e:
        payroll.failed_transfer_resend(actor=municipal_admin, transfer=t, bank_account="6222020000000004819",
                                       payee_name="李秀梅1", reason="本人提供")
    assert "第4位“1”不是姓名用字" in e.value.message_dict["payee_name"][0]
    assert WorkInjuryAward.objects.get(pk=widowed.pk).payee_name == "李秀梅"


def test_a_survivor_name_that_is_no_name_is_refused(clerk_chaoyang, reviewer_chaoyang):
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 484, died=True), wage_fen=0,
                                 bank_account="6222020000000004841", payee=AwardPayee("王丽", "spouse", WIFE))
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
            DependantInput(name="😀", id_number=WIFE, relation="spouse", bank_account="6222020000000004842")])
    assert "第1位供养亲属的姓名第1位“😀”不是姓名用字" in e.value.message_dict["name_1"][0]


def test_the_relation_is_taken_by_its_chinese_name_and_the_refusal_lists_the_codes(reviewer_chaoyang, widowed):
    """review-input8 F7: the refusal offered 配偶… and then refused 配偶; only ``spouse`` was taken."""
    url = f"/api/v1/benefits/work-injury-awards/{widowed.pk}/payee/"
    with nothing_written():
        r = api(reviewer_chaoyang).post(url, {"payee_name": "李秀梅", "payee_relation": "表亲",
                                              "payee_id_number": WIFE}, format="json")
    assert r.status_code == 400 and "配偶（spouse）、子女（child）" in r.json()["errors"][0]["reason_zh"]
    r = api(reviewer_chaoyang).post(url, {"payee_name": "李秀梅", "payee_relation": "配偶",
                                          "payee_id_number": WIFE}, format="json")
    assert r.status_code == 200, r.content.decode()
    widowed.refresh_from_db()
    assert (widowed.payee_name, widowed.payee_relation) == ("李秀梅", "spouse")


def test_a_childs_pension_is_not_ended_for_remarriage(client, reviewer_chaoyang, clerk_chaoyang):
    """review-user8 F10: 配偶再婚 was offered (and taken) as the stop reason of a child's pension."""
    from shebao.benefits.survivors import survivor_pension_end

    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 485, died=True), wage_fen=0,
                                 bank_account="6222020000000004851", payee=AwardPayee("王丽", "spouse", WIFE))
    wife, child = survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=900_000, dependants=[
        DependantInput(name="王丽", id_number=WIFE, relation="配偶", bank_account="6222020000000004852"),
        DependantInput(name="王小宇", id_number=CHILD, relation="child", bank_account="6222020000000004853")])
    assert wife.relation == "spouse"
    client.force_login(reviewer_chaoyang)
    page = client.get(reverse("backoffice:work_injury_award", args=[award.pk])).content.decode()
    wife_select = page.split(f'id="end-{wife.pk}-reason"')[1].split("</select>")[0]
    child_select = page.split(f'id="end-{child.pk}-reason"')[1].split("</select>")[0]
    assert "配偶再婚" in wife_select and "被他人或组织收养" not in wife_select
    assert "配偶再婚" not in child_select and "被他人或组织收养" in child_select
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pension_end(actor=reviewer_chaoyang, pension=child, last_month="2020-03", reason="remarriage")
    assert "配偶再婚不是子女的停发原因" in e.value.message_dict["reason"][0]
    assert SurvivorPension.objects.get(pk=child.pk).status == SurvivorPension.Status.ACTIVE


def test_the_resend_form_names_an_invisible_character_and_draws_the_box_without_it(client, municipal_admin,
                                                                                     reviewer_chaoyang, widowed):
    """review-input8 F8 / review-user8 F9: 6222\\u200b0202… was answered 须为8至32位数字, 本人\\u200b提供 without
    its place, and the U+200B stayed in the redrawn box."""
    award_payee_register(actor=reviewer_chaoyang, award=widowed, payee=AwardPayee("李秀梅", "spouse", WIFE))
    t = widowed.run.transfers.get()
    client.force_login(municipal_admin)
    with nothing_written():
        r = client.post(reverse("backoffice:transfer_resend", args=[t.pk]), {
            "bank_account": "6222\u200b020200112233445", "payee_name": "", "reason": "本人\u200b提供"})
    page = r.content.decode()
    assert r.status_code == 400 and "\u200b" not in page
    assert "更正后的收款账号第5位是不可见的字符U+200B（零宽空格）" in page and "须为8至32位数字" not in page
    assert "更正依据第3位是不可见的字符U+200B（零宽空格）" in page
    assert 'value="6222020200112233445"' in page
