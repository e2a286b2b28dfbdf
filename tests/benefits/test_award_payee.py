"""A death's immediate payment is paid to the relative who receives it (review-user6 F4, payee17): the
funeral grant and the one-off work-death benefit were booked on, and named as, the worker who died, in
the run's page, the failed list, the Excel and the bank's file. The relative's name, relation and number
are now required on a death's award (the number never the deceased's, kept encrypted), named wherever
the payment is shown, and an award made before them reads 未登记领取人, never the worker's own data.
The pay page says each refusal at its input (review-user6 F7)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from shebao.benefits import payroll
from shebao.benefits.models import WorkInjuryAward
from shebao.benefits.selectors import transfer_payees
from shebao.benefits.work_injury import (
    AwardPayee,
    exchange_file_import,
    fast_track_award_pay,
    fast_track_claim_submit,
)
from shebao.core import clock
from shebao.core.masking import mask_id_number
from shebao.core.models import PersonalDataAccess
from tests import personas
from tests.benefits.conftest import claim_details, send_to_bank
from tests.nothing_written import nothing_written
from tests.personas import SETUP


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 20)


def _claim(clerk, serial: int, *, died: bool):
    """A doctor recognised on 2020-02-08; died on duty on 2020-03-02, or assessed grade 5."""
    doctor = personas.make_person(personas.numbered("医生", serial), birth=dt.date(1976, 5, 2), serial=serial)
    last = {"died_on": "2020-03-02"} if died else {"grade": 5}
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"kind": "recognition", "reference": f"京人社工伤认〔2020〕{serial:04d}号", "id_number": doctor.id_number,
         "decided_on": "2020-02-08", "injured_on": "2020-01-27", "medical_staff": True},
        {"kind": "assessment", "reference": f"京劳鉴〔2020〕{serial:04d}号", "id_number": doctor.id_number,
         "decided_on": "2020-03-05", **last}]) + "\n").encode(), filename=f"d{serial}.jsonl", actor=SETUP)
    return fast_track_claim_submit(actor=clerk, person=doctor, details=claim_details(), applied_on=dt.date(2020, 3, 6))


WIFE = personas.citizen_id("110105", dt.date(1978, 3, 9), 301, male=False)


def test_a_death_is_paid_to_the_relative_and_the_number_is_kept_encrypted(clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 301, died=True)
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000003011",
                                 payee=AwardPayee("王丽", "spouse", WIFE[:6] + " " + WIFE[6:]))
    award.refresh_from_db()
    assert (award.payee_name, award.payee_relation, award.payee_id_number) == ("王丽", "spouse", WIFE)
    with connection.cursor() as c:
        c.execute("SELECT payee_id_number FROM benefits_workinjuryaward WHERE id = %s", [award.pk])
        raw = c.fetchone()[0]
    assert raw and WIFE not in raw  # a token, not the number
    t = award.run.transfers.select_related("person").get()
    payee = transfer_payees([t])[t.pk]
    assert (payee.name, payee.id_number, payee.relation, payee.note) == ("王丽", WIFE, "配偶", f"因工死亡职工{case.person.name}的配偶")
    assert payee.person is None and payee.award == award
    # the bank is asked to credit the relative, under her name and her number masked
    line = payroll.payment_file_bytes(award.run)[0].decode().splitlines()[1].split(",")
    assert line[1:4] == [mask_id_number(WIFE), "王丽", "6222020000000003011"] and WIFE not in line


@pytest.mark.parametrize("payee, field, message", [
    (None, "payee_name", "请填写领取人姓名"),
    (AwardPayee("王丽", "", WIFE), "payee_relation", "请选择领取人与死者的关系"),
    (AwardPayee("王丽", "cousin", WIFE), "payee_relation", "关系无效"),
    (AwardPayee("王丽", "spouse", "110105197803090"), "payee_id_number", "应为18位"),
    (AwardPayee("王丽", "spouse", ""), "payee_id_number", "请填写领取人的公民身份号码"),
])
def test_a_death_without_its_relative_is_refused_at_the_input(clerk_chaoyang, reviewer_chaoyang, payee, field, message):
    case = _claim(clerk_chaoyang, 302, died=True)
    with nothing_written(), pytest.raises(ValidationError) as e:
        fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000003021",
                             payee=payee)
    assert message in " ".join(e.value.message_dict[field])


def test_the_dead_workers_own_number_or_another_persons_is_refused(clerk_chaoyang, reviewer_chaoyang):
    """As for survivors' pensions (36448c8): the number is the relative's, and a registered number
    carries its registered name."""
    case = _claim(clerk_chaoyang, 303, died=True)
    other = personas.make_person("李四", serial=304)
    for payee, field, message in [
            (AwardPayee("王丽", "spouse", case.person.id_number), "payee_id_number", "死者本人的号码"),
            (AwardPayee("王丽", "spouse", other.id_number), "payee_name", "与该证件号码登记的姓名不一致")]:
        with nothing_written(), pytest.raises(ValidationError) as e:
            fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000003031",
                                 payee=payee)
        assert message in e.value.message_dict[field][0]
    # a registered relative under their registered name is taken
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000003031",
                                 payee=AwardPayee("李四", "sibling", other.id_number))
    assert (award.payee_name, award.get_payee_relation_display()) == ("李四", "兄弟姐妹")


def test_a_disability_award_is_paid_to_the_worker_and_takes_no_relative(clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 305, died=False)
    with nothing_written(), pytest.raises(ValidationError) as e:
        fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=900_000, bank_account="6222020000000003051",
                             payee=AwardPayee("王丽", "spouse", WIFE))
    # review-input7 F11: not "非因工死亡" (a death not caused by work), which the message used to say
    assert e.value.message_dict["payee_name"][0] == "伤残待遇支付给职工本人，不填写领取人（领取人仅在因工死亡时填写）"
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=900_000,
                                 bank_account="6222020000000003051")
    t = award.run.transfers.select_related("person").get()
    assert transfer_payees([t])[t.pk].name == case.person.name and award.payee_name == ""


def test_several_inputs_at_fault_are_said_together(clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 306, died=True)
    with nothing_written(), pytest.raises(ValidationError) as e:
        fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="12", medical_costs_fen=-1,
                             payee=AwardPayee("", "spouse", WIFE))
    assert set(e.value.message_dict) == {"bank_account", "medical_costs_fen", "payee_name"}


@pytest.fixture
def old_award(clerk_chaoyang, reviewer_chaoyang):
    """A death award made before the relative was kept (as the migration leaves one: the fields empty)."""
    case = _claim(clerk_chaoyang, 307, died=True)
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000003071",
                                 payee=personas.relative())
    WorkInjuryAward.objects.filter(pk=award.pk).update(payee_name="", payee_relation="", payee_id_number="")
    # its payment file went out under the worker's name, as benefits/0010 records it on such a transfer
    award.run.transfers.update(payee_name=award.person.name)
    award.refresh_from_db()
    return award


def test_an_award_made_before_the_relative_was_kept_reads_unregistered(client, municipal_admin, reviewer_chaoyang,
                                                                       old_award):
    t = old_award.run.transfers.select_related("person").get()
    payee = transfer_payees([t])[t.pk]
    assert (payee.name, payee.id_number, payee.person) == ("未登记领取人", "", None)
    assert "领取人未登记" in payee.note
    client.force_login(municipal_admin)
    rows = client.get(reverse("backoffice:payroll_run", args=[old_award.run.pk])).content.decode().split("<tbody>", 1)[1]
    assert "未登记领取人" in rows and f">{old_award.person.name}<" not in rows
    client.force_login(reviewer_chaoyang)
    page = client.get(reverse("backoffice:work_injury_award", args=[old_award.pk])).content.decode()
    assert re.search(r'id="award-payee"><strong>未登记领取人</strong>', page)


def test_the_run_page_failed_list_and_excel_name_the_relative(client, municipal_admin, clerk_chaoyang,
                                                              reviewer_chaoyang, settings):
    case = _claim(clerk_chaoyang, 308, died=True)
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000003081",
                                 payee=AwardPayee("王丽", "spouse", WIFE))
    run = award.run
    t = run.transfers.get()
    send_to_bank(run)
    payroll.payroll_result_import(data=("transfer_id,amount,result,reason,bank_reference,date\n"
                                        f"{t.pk},{t.amount_fen // 100}.{t.amount_fen % 100:02d},failed,户名不符,,"
                                        f"{clock.today()}\n").encode(), filename="r.csv", actor=SETUP)
    client.force_login(municipal_admin)
    failed = client.get(reverse("backoffice:payroll_runs")).content.decode().split("支付失败待重发", 1)[1]
    assert "王丽" in failed and f"因工死亡职工{case.person.name}的配偶" in failed and f">{case.person.name}<" not in failed
    retry = payroll.payroll_retry_start(run=run, actor=SETUP)
    new = retry.transfers.select_related("person").get()
    assert transfer_payees([new])[new.pk].name == "王丽"
    line = payroll.payment_file_bytes(retry)[0].decode().splitlines()[1].split(",")
    assert line[1:3] == [mask_id_number(WIFE), "王丽"]
    page = client.get(reverse("backoffice:payroll_run", args=[retry.pk])).content.decode()
    assert "王丽" in page.split("<tbody>", 1)[1] and WIFE not in page
    auditor = personas.make_staff("auditor_award", role=personas.Role.AUDITOR, office_code="110000",
                                  display_name="审计员")
    client.force_login(auditor)
    ws = load_workbook(io.BytesIO(b"".join(client.get(reverse("backoffice:payroll_export", args=[run.pk]))
                                           .streaming_content))).active
    row = [c.value for c in next(ws.iter_rows(min_row=2))]
    assert row[1:4] == ["王丽", WIFE, "工伤保险待遇（丧葬补助金、一次性工亡补助金）"]
    assert row[-1] == f"因工死亡职工{case.person.name}的配偶"
    assert set(PersonalDataAccess.objects.filter(actor=auditor).values_list("model", "object_pk")) == {
        ("benefits.WorkInjuryAward", str(award.pk))}


# --- The pay page ------------------------------------------------------------------------------------
def _marked(html: str, name: str) -> str:
    """The message shown at input ``name`` (aria-invalid, described by it), or ""."""
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
    assert tag, name
    if 'aria-invalid="true"' not in tag.group(0):
        return ""
    ref = re.search(r'aria-describedby="([^"]+)"', tag.group(0)).group(1)
    found = re.search(rf'id="{ref}">([^<]*)<', html)
    return found.group(1) if found else ""


def test_the_pay_page_asks_for_the_relative_and_says_each_refusal_at_its_input(client, clerk_chaoyang,
                                                                              reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 309, died=True)
    client.force_login(reviewer_chaoyang)
    pay = reverse("backoffice:work_injury_pay", args=[case.pk])
    page = client.get(pay).content.decode()
    assert "领取人（近亲属）" in page and 'name="payee_id_number"' in page and 'name="wage"' not in page
    with nothing_written():
        r = client.post(pay, {"bank_account": "6222020000000003091", "medical_costs": "一千",
                              "payee_name": "王丽", "payee_relation": "spouse", "payee_id_number": WIFE})
    assert r.status_code == 400
    html = r.content.decode()
    assert "医疗费用应为金额（元）" in _marked(html, "medical_costs") and not _marked(html, "bank_account")
    with nothing_written():
        r = client.post(pay, {"bank_account": WIFE, "medical_costs": "",
                              "payee_name": "王丽", "payee_relation": "", "payee_id_number": case.person.id_number})
    html = r.content.decode()
    assert r.status_code == 400
    assert "请填写银行账号" in _marked(html, "bank_account")
    assert "请选择领取人与死者的关系" in _marked(html, "payee_relation")
    assert "死者本人的号码" in _marked(html, "payee_id_number")
    assert not _marked(html, "payee_name") and 'value="王丽"' in html
    # the summary above repeats them, and no paragraph of its own says them a second time
    assert 'id="errors"' in html and "请按提示更正下面标红的项目" in html and 'class="error"' not in html
    r = client.post(pay, {"bank_account": "6222020000000003091", "medical_costs": "",
                          "payee_name": "王丽", "payee_relation": "spouse", "payee_id_number": WIFE})
    award = WorkInjuryAward.objects.get(case=case)
    assert r.status_code == 302 and award.payee_name == "王丽"
    page = client.get(reverse("backoffice:work_injury_award", args=[award.pk])).content.decode()
    assert "王丽（配偶，证件号码" in page and WIFE not in page


def test_the_survivor_grant_says_each_refusal_at_its_input(client, clerk_chaoyang, reviewer_chaoyang):
    case = _claim(clerk_chaoyang, 310, died=True)
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000003101",
                                 payee=AwardPayee("王丽", "spouse", WIFE))
    client.force_login(reviewer_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:survivor_grant", args=[award.pk]), {
            "wage": "12,500", "name_1": "王丽", "id_number_1": case.person.id_number, "relation_1": "spouse",
            "bank_account_1": "6222020000000003102"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "死者本人的号码" in _marked(html, "id_number_1") and not _marked(html, "name_1")
    assert 'id="errors"' in html


def test_one_relative_number_is_one_name_across_awards_and_survivors(clerk_chaoyang, reviewer_chaoyang):
    """review-user7 F3: one unregistered relative's number was paid as 赵大山 on one death and as 何父 on
    another. A number recorded on an award or a survivor's pension carries that name on the next."""
    from shebao.benefits.survivors import DependantInput, survivor_pensions_grant

    father = personas.citizen_id("110105", dt.date(1950, 3, 9), 311, male=True)
    first = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 311, died=True), wage_fen=0,
                                 bank_account="6222020000000003111", payee=AwardPayee("赵大山", "parent", father))
    second = _claim(clerk_chaoyang, 312, died=True)
    with nothing_written(), pytest.raises(ValidationError) as e:
        fast_track_award_pay(actor=reviewer_chaoyang, case=second, wage_fen=0, bank_account="6222020000000003121",
                             payee=AwardPayee("何父", "parent", father))
    assert "与该证件号码登记的姓名不一致（含其他工伤待遇中为该号码记载的姓名）" in e.value.message_dict["payee_name"][0]
    # the same relative under the same name (a parent who lost two children) is taken
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=second, wage_fen=0, bank_account="6222020000000003121",
                                 payee=AwardPayee("赵大山", "parent", father))
    assert award.payee_name == "赵大山" and first.payee_id_number == award.payee_id_number == father
    # and a survivor's pension of the first death cannot name the number under another name either
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=first, wage_fen=900_000, dependants=[
            DependantInput(name="何父", id_number=father, relation="parent", bank_account="6222020000000003119")])
    assert "含其他工伤待遇中为该号码记载的姓名" in " ".join(e.value.message_dict["name_1"])


@pytest.mark.parametrize("wage_fen", [1, 9_999, 100_000_001, 10**23])
def test_an_impossible_wage_is_refused_not_floored_or_capped(clerk_chaoyang, reviewer_chaoyang, wage_fen):
    """review-input7 F2: a wage of 10²¹ yuan was capped at 300 % and paid (about 166,000 yuan too much
    now and 5,800 a month for life); 0.01 yuan was floored at 60 %. The floor and the cap hold a real wage
    (第六十四条); a wage no one earns is a typing error, refused at its input, for the award and for the
    survivors' pensions alike."""
    from shebao.benefits.survivors import DependantInput, survivor_pensions_grant

    case = _claim(clerk_chaoyang, 321, died=False)
    with nothing_written(), pytest.raises(ValidationError) as e:
        fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=wage_fen,
                             bank_account="6222020000000003211")
    assert "不在可能的范围（100.00元至1,000,000.00元）内" in e.value.message_dict["wage_fen"][0]
    death = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 322, died=True), wage_fen=0,
                                 bank_account="6222020000000003221", payee=AwardPayee("王丽", "spouse", WIFE))
    with nothing_written(), pytest.raises(ValidationError) as e:
        survivor_pensions_grant(actor=reviewer_chaoyang, award=death, wage_fen=wage_fen, dependants=[
            DependantInput(name="王丽", id_number=WIFE, relation="spouse", bank_account="6222020000000003229")])
    assert "死者生前本人工资" in e.value.message_dict["wage_fen"][0]


def test_the_bounds_of_a_wage_are_taken(clerk_chaoyang, reviewer_chaoyang):
    from shebao.benefits.work_injury import WAGE_MAX_FEN, WAGE_MIN_FEN, wage_problem

    assert wage_problem(WAGE_MIN_FEN) is None and wage_problem(WAGE_MAX_FEN) is None
    assert wage_problem(WAGE_MIN_FEN - 1) and wage_problem(WAGE_MAX_FEN + 1)
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 323, died=False),
                                 wage_fen=WAGE_MAX_FEN, bank_account="6222020000000003231")
    assert award.wage_fen < WAGE_MAX_FEN  # taken, then capped at 300 % of the average as the law says


def test_an_unreadable_amount_hides_no_other_refusal_on_the_page_or_in_the_api(client, clerk_chaoyang,
                                                                               reviewer_chaoyang):
    """review-user7 F2, review-input7 F6: medical costs of "一千" were said alone, and the empty relative's
    name, the missing relation, the dead worker's own number and the bad account waited for the next try."""
    from tests.benefits.test_award_pay_api import post

    case = _claim(clerk_chaoyang, 331, died=True)
    client.force_login(reviewer_chaoyang)
    bad = {"bank_account": "12", "payee_name": "", "payee_relation": "", "payee_id_number": case.person.id_number}
    with nothing_written():
        r = client.post(reverse("backoffice:work_injury_pay", args=[case.pk]), {**bad, "medical_costs": "一千"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "医疗费用应为金额（元）" in _marked(html, "medical_costs")
    for name, said in (("bank_account", "账号"), ("payee_name", "请填写领取人姓名"),
                       ("payee_relation", "请选择领取人与死者的关系"), ("payee_id_number", "死者本人的号码")):
        assert said in _marked(html, name), name
    with nothing_written():
        r = post(reviewer_chaoyang, case, {**bad, "medical_costs_fen": "一千"})
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"medical_costs_fen", "bank_account", "payee_name", "payee_relation", "payee_id_number"} <= fields, fields


def test_the_award_page_and_the_api_give_the_working_of_the_payment(client, clerk_chaoyang, reviewer_chaoyang):
    """review-user7 F5: the pay page says the working is listed after payment, but the award page and the
    API gave the total alone (850,447.60). Each item is shown and given, and they add up to the total."""
    from shebao.core.money import format_yuan
    from tests.benefits.test_award_pay_api import api

    award = fast_track_award_pay(actor=reviewer_chaoyang, case=_claim(clerk_chaoyang, 341, died=True), wage_fen=0,
                                 bank_account="6222020000000003411", payee=AwardPayee("王丽", "spouse", WIFE),
                                 medical_costs_fen=1_234_500)
    assert award.funeral_grant_fen and award.death_lump_sum_fen
    assert award.amount_fen == award.funeral_grant_fen + award.death_lump_sum_fen + award.medical_costs_fen
    client.force_login(reviewer_chaoyang)
    page = client.get(reverse("backoffice:work_injury_award", args=[award.pk])).content.decode()
    items = re.search(r'id="award-items">(.*?)</dd>', page, re.S).group(1)
    for label, fen in (("丧葬补助金", award.funeral_grant_fen), ("一次性工亡补助金", award.death_lump_sum_fen),
                       ("医疗费用", award.medical_costs_fen)):
        assert f"{label} {format_yuan(fen)}元" in items, items
    body = api(reviewer_chaoyang).get(f"/api/v1/benefits/work-injury-awards/{award.pk}/").json()
    assert (body["funeral_grant_fen"], body["death_lump_sum_fen"], body["medical_costs_fen"]) == (
        award.funeral_grant_fen, award.death_lump_sum_fen, 1_234_500)


def test_only_who_may_pay_the_claim_has_its_inputs_checked(clerk_chaoyang, reviewer_chaoyang, clerk_haidian):
    """The checks say whether a number is registered under another name: the service asks work_injury.pay
    of the claim's district itself, not only the page and the API before it."""
    from shebao.benefits.work_injury import award_pay_input_problems
    from shebao.core.permissions import ActionRefused

    case = _claim(clerk_chaoyang, 351, died=True)
    inputs = {"case": case, "wage_fen": 0, "bank_account": "12", "medical_costs_fen": 0,
              "payee": AwardPayee("王丽", "spouse", case.person.id_number)}
    for outsider in (clerk_haidian, clerk_chaoyang):
        with pytest.raises(ActionRefused):
            award_pay_input_problems(actor=outsider, **inputs)
    said = award_pay_input_problems(actor=reviewer_chaoyang, **inputs)
    assert "死者本人的号码" in said["payee_id_number"] and "bank_account" in said
