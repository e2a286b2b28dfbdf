"""The work-injury fast track for medical staff (9): decisions by data exchange, the claim first in every
queue and due in 3 days on a commitment, the benefits of the 工伤保险条例 paid at once outside the run."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from shebao.backoffice.selectors import QueueFilter, queue, queue_page
from shebao.benefits import payroll
from shebao.benefits.models import ExchangeRecord, PayrollRun, Transfer, WorkInjuryAward
from shebao.benefits.work_injury import exchange_file_import, fast_track_award_pay, fast_track_claim_submit
from shebao.cases import services as cases
from shebao.collection.ledger import account_balance, unbalanced_transactions
from shebao.core import clock
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from tests import personas
from tests.benefits.conftest import claim_details, send_to_bank
from tests.cases.conftest import employ, valid_details
from tests.personas import SETUP


def exchange(*records: dict) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


@pytest.fixture
def nurse(db):
    return personas.make_person("护士甲", birth=dt.date(1985, 3, 1), serial=41, male=False)


def recognition(person, **extra) -> dict:
    return {"kind": "recognition", "reference": "京人社工伤认〔2020〕0001号", "id_number": person.id_number,
            "decided_on": "2020-02-08", "injured_on": "2020-01-27", "medical_staff": True, **extra}


def assessment(person, **extra) -> dict:
    return {"kind": "assessment", "reference": "京劳鉴〔2020〕0001号", "id_number": person.id_number,
            "decided_on": "2020-02-12", **({"grade": 7} if "died_on" not in extra else {}), **extra}


def test_an_exchange_file_is_imported_once_and_a_bad_one_refused_whole(nurse):
    data = exchange(recognition(nurse), assessment(nurse))
    report = exchange_file_import(data=data, filename="hr-20200212.jsonl", actor=SETUP)
    assert not report.refused and len(report.created) == 2
    rec = ExchangeRecord.objects.get(kind="recognition")
    assert rec.medical_staff and rec.person == nurse and rec.source_line == 1
    assert AuditEvent.objects.filter(model="benefits.ExchangeRecord").exists()
    again = exchange_file_import(data=data, filename="hr-20200212.jsonl", actor=SETUP)
    assert again.skipped == 2 and ExchangeRecord.objects.count() == 2
    bad = exchange_file_import(data=exchange(
        {**recognition(nurse), "reference": "新1"}, {**assessment(nurse), "reference": "新2", "grade": 11},
        {**recognition(nurse), "injured_on": "2020-01-28"}), filename="bad.jsonl", actor=SETUP)
    assert bad.refused
    assert [n for n, _ in bad.errors] == [2, 3]
    assert "伤残等级 grade 须为1至10" in bad.errors[0][1] and "已导入，内容不同" in bad.errors[1][1]
    assert ExchangeRecord.objects.count() == 2  # nothing of the bad file


def test_an_exchange_line_is_held_to_the_inputs_rules_and_each_bad_line_named(nurse):
    """review-input11 F1: a reference holding a NUL and a U+200B was stored, and a grade of 5.0 taken as 5.
    Each is refused on its line, the file whole, nothing stored."""
    report = exchange_file_import(data=exchange(
        recognition(nurse, reference="R8\u0000\u200b"), assessment(nurse, reference="R9", grade=5.0),
        assessment(nurse, reference=12), assessment(nurse, reference="R10", grade=True),
        recognition(nurse, reference="R11")) + b'{"kind": "recognition", "reference": "R6", "reference": "R7"}\n',
        filename="bad.jsonl", actor=SETUP)
    assert report.refused and not ExchangeRecord.objects.exists()
    assert [n for n, _ in report.errors] == [1, 2, 3, 4, 6]
    assert "文书编号第3位" in report.errors[0][1] and "U+0000" in report.errors[0][1]
    assert "伤残等级 grade 须为1至10的整数" in report.errors[1][1] and "文书编号 reference 须为文字" in report.errors[2][1]
    assert "伤残等级 grade 须为1至10的整数" in report.errors[3][1]
    assert "项目“reference”出现了不止一次" in report.errors[4][1]  # R6 or R7? neither: refused


@pytest.mark.parametrize("field", ["decided_on", "injured_on"])
def test_a_decision_of_an_implausible_day_is_refused_naming_the_field(nurse, field):
    # a decision of 9999-12-31 would start an allowance in month “10000-01” (review D16's class)
    report = exchange_file_import(data=exchange(recognition(nurse, **{field: "9999-12-31"})),
                                  filename="bad.jsonl", actor=SETUP)
    assert report.refused and not ExchangeRecord.objects.exists()
    assert "9999-12-31晚于" in report.errors[0][1] and ("决定日期" in report.errors[0][1]
                                                        or "受伤（感染）日期" in report.errors[0][1])


@pytest.mark.parametrize("field", ["decided_on", "injured_on"])
def test_a_decision_dated_after_today_is_refused_naming_the_field(nurse, field):
    """Review-input12 F4: a decision (or an injury) dated after the business day has not happened."""
    from shebao.core import clock

    ahead = (clock.today() + dt.timedelta(days=1)).isoformat()
    report = exchange_file_import(data=exchange(recognition(nurse, **{field: ahead})), filename="ahead.jsonl",
                                  actor=SETUP)
    assert report.refused and not ExchangeRecord.objects.exists()
    assert f"{ahead}晚于今天" in report.errors[0][1]


def test_the_fast_track_case_is_first_in_the_queue_due_in_three_days_on_a_commitment(nurse, clerk_chaoyang):
    exchange_file_import(data=exchange(recognition(nurse)), filename="hr.jsonl", actor=SETUP)
    employer = personas.make_employer()
    employ(personas.make_person("李四", serial=41), employer)  # whom the reports' content declares
    for i in range(3):
        cases.case_submit(actor=clerk_chaoyang, business="monthly_report_back_payment", channel="counter",
                          employer=employer, applicant_kind="employer", applied_on=dt.date(2020, 2, 1 + i),
                          details=valid_details("monthly_report_back_payment", employer=employer,
                                                applied_on=dt.date(2020, 2, 1 + i)))
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 2, 10))
    assert case.deadline == dt.date(2020, 2, 13)
    assert case.mode == "commitment" and case.requires == ["commitment_letter"] and case.clauses == ["9"]
    for f in (QueueFilter(), QueueFilter(scope="office", status="all"), QueueFilter(mode="commitment")):
        rows, _ = queue_page(queue(user=clerk_chaoyang, f=f, today=dt.date(2020, 2, 10)), page=1)
        assert rows[0] == case


def test_no_fast_track_without_a_medical_staff_recognition(nurse, clerk_chaoyang):
    exchange_file_import(data=exchange(recognition(nurse, medical_staff=False)), filename="hr.jsonl", actor=SETUP)
    with pytest.raises(ValidationError, match="不能走快速通道"):
        fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 2, 10))


def test_the_disability_allowance_is_paid_at_once_outside_the_monthly_run(nurse, clerk_chaoyang, reviewer_chaoyang,
                                                                          settings):
    exchange_file_import(data=exchange(recognition(nurse), assessment(nurse)), filename="hr.jsonl", actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 2, 10))
    with pytest.raises(ActionRefused):
        fast_track_award_pay(actor=clerk_chaoyang, case=case, wage_fen=1_000_000, bank_account="6222020000000000041")
    assert not WorkInjuryAward.objects.exists() and not PayrollRun.objects.exists()
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=1_000_000,
                                 bank_account="6222020000000000041", medical_costs_fen=250_000)
    # grade 7: 13 months of a 10000-yuan wage, plus the medical costs
    assert award.disability_lump_sum_fen == 13 * 1_000_000 and award.disability_monthly_fen == 0
    assert award.amount_fen == 13 * 1_000_000 + 250_000
    run = award.run
    assert run.kind == PayrollRun.Kind.IMMEDIATE and run.status == PayrollRun.Status.READY
    t = run.transfers.get()
    assert (t.kind, t.amount_fen, t.person) == (Transfer.Kind.WORK_INJURY, award.amount_fen, nurse)
    assert (settings.SHEBAO_BANK_FILE_DIR / f"payroll-run-{run.pk}.csv").exists()
    assert account_balance(account=payroll.WORK_INJURY_EXPENSE) == award.amount_fen
    assert fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=1, bank_account="6222020000000000041",
                                medical_costs_fen=250_000).pk == award.pk  # paid once
    assert PayrollRun.objects.count() == 1
    # the bank's result settles it like any transfer
    send_to_bank(run)
    payroll.payroll_result_import(data=(
        "transfer_id,amount,result,reason,bank_reference,date\n"
        f"{t.pk},{t.amount_fen // 100}.{t.amount_fen % 100:02d},success,,WI1,{clock.today()}\n").encode(),
        filename="wi.csv", actor=SETUP)
    assert account_balance(account="bank") == -award.amount_fen and unbalanced_transactions() == []
    # the monthly run does not pay it again: it has nothing to pay, so no run is made
    with pytest.raises(ValidationError, match="没有应发放的待遇"):
        payroll.payroll_run_start(actor=SETUP, month="2020-02")
    assert not PayrollRun.objects.filter(kind=PayrollRun.Kind.REGULAR).exists()


def test_a_death_pays_the_funeral_grant_and_the_work_death_benefit(nurse, clerk_chaoyang, reviewer_chaoyang):
    exchange_file_import(data=exchange(recognition(nurse), assessment(nurse, died_on="2020-03-02")),
                         filename="hr.jsonl", actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 3, 3))
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000000041",
                                 payee=personas.relative(relation="sibling"))
    # 6 × 8847 yuan and 20 × 42359 yuan (2019's income, published 2020-02-28)
    assert (award.funeral_grant_fen, award.death_lump_sum_fen) == (6 * 884700, 20 * 4235900)
    assert "wage.national_urban_disposable_income_fen" in award.parameters


def test_the_import_command_reads_exchange_files_and_refuses_a_bad_one(nurse, tmp_path):
    import io

    from django.core.management import CommandError, call_command

    good = tmp_path / "hr.jsonl"
    good.write_bytes(exchange(recognition(nurse)))
    out = io.StringIO()
    call_command("work_injury_import", str(good), stdout=out)
    assert "新导入1条" in out.getvalue()
    rec = ExchangeRecord.objects.get()
    assert rec.imported_by_label == "系统作业：命令行 shebao work_injury_import"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1个文件有错误"):
        call_command("work_injury_import", str(bad), stdout=io.StringIO(), stderr=err)
    assert "第1行：不是有效的 JSON" in err.getvalue() and ExchangeRecord.objects.count() == 1


def test_a_grade_1_to_4_allowance_is_paid_monthly_on_the_payroll_from_the_month_after_the_assessment(
        nurse, clerk_chaoyang, reviewer_chaoyang):
    from shebao.benefits.models import AllowanceMonth, DisabilityAllowance
    from shebao.benefits.services import EXPENSE

    exchange_file_import(data=exchange(recognition(nurse), assessment(nurse, grade=3)), filename="hr.jsonl",
                         actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 2, 10))
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=1_000_000,
                                 bank_account="6222020000000000041")
    # grade 3: 23 months at once; 80 % of the wage a month (第三十五条), from 2020-03 (assessed 2020-02-12)
    assert (award.disability_lump_sum_fen, award.disability_monthly_fen) == (23 * 1_000_000, 800_000)
    allowance = DisabilityAllowance.objects.get(award=award)
    assert (allowance.grade, allowance.monthly_fen, allowance.from_month, allowance.bank_account) == (
        3, 800_000, "2020-03", "6222020000000000041")
    assert AuditEvent.objects.filter(model="benefits.DisabilityAllowance", object_pk=str(allowance.pk)).exists()
    immediate_fen = award.amount_fen
    # February: not yet owed, so no run
    with pytest.raises(ValidationError, match="没有应发放的待遇"):
        payroll.payroll_run_start(actor=SETUP, month="2020-02")
    # April's run pays March (owed, no run paid it) and April, in one transfer, as work-injury expense
    april = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    t = april.transfers.get()
    assert (t.kind, t.person, t.amount_fen, t.bank_account) == (
        Transfer.Kind.WORK_INJURY, nurse, 1_600_000, "6222020000000000041")
    assert list(AllowanceMonth.objects.filter(allowance=allowance).order_by("month").values_list(
        "month", "amount_fen", "transfer")) == [("2020-03", 800_000, t.pk), ("2020-04", 800_000, t.pk)]
    assert account_balance(account=payroll.WORK_INJURY_EXPENSE) == immediate_fen + 1_600_000
    assert account_balance(account=EXPENSE) == 0 and unbalanced_transactions() == []
    # the same month again pays nothing twice; May pays May only
    assert payroll.payroll_run_start(actor=SETUP, month="2020-04").pk == april.pk
    may_run = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    assert list(AllowanceMonth.objects.filter(transfer__run=may_run).values_list("month", flat=True)) == ["2020-05"]
    assert AllowanceMonth.objects.count() == 3
    # a failed transfer is retried with its months, never paid a second time
    send_to_bank(april)
    payroll.payroll_result_import(data=(
        "transfer_id,amount,result,reason,bank_reference,date\n"
        f"{t.pk},16000.00,failed,账户冻结,,{clock.today()}\n").encode(), filename="wi-apr.csv", actor=SETUP)
    retry = payroll.payroll_retry_start(run=april, actor=SETUP)
    assert AllowanceMonth.objects.filter(transfer__run=retry).count() == 2 and AllowanceMonth.objects.count() == 3


def test_the_allowance_is_at_least_the_months_minimum_wage():
    from shebao.rules import load_policy
    from shebao.rules.work_injury import disability_allowance_fen

    policy = load_policy("base")
    # the fund makes up an allowance below Beijing's minimum wage of the month (第三十五条)
    assert disability_allowance_fen(policy, monthly_fen=150_000, month="2021-08")[0] == 220_000
    assert disability_allowance_fen(policy, monthly_fen=150_000, month="2021-09")[0] == 232_000
    amount, params = disability_allowance_fen(policy, monthly_fen=400_000, month="2021-09")
    assert amount == 400_000 and "第三十五条" in params["work_injury.disability_allowance_floor_fen"]["document"]


def test_a_second_claim_for_one_worker_is_refused_while_the_first_is_open(nurse, clerk_chaoyang):
    """review-input4 F2: three open fast-track claims of one employee were accepted; each could be paid.
    One open claim per person (one_open_per_person); the refusal names the open one and writes nothing."""
    from shebao.cases.models import Case
    from tests.nothing_written import nothing_written

    exchange_file_import(data=exchange(recognition(nurse)), filename="hr.jsonl", actor=SETUP)
    first = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 2, 10))
    with nothing_written(), pytest.raises(cases.DetailsRefused) as refused:
        fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 2, 11))
    assert f"申请编号{first.pk}" in str(refused.value) and "办结前不能再次申请" in str(refused.value)
    assert list(Case.objects.filter(person=nurse).values_list("pk", flat=True)) == [first.pk]


def test_an_awarded_recognition_is_neither_claimed_nor_paid_again(nurse, clerk_chaoyang, reviewer_chaoyang):
    """review-input4 F2: a claim was filed again for a worker whose death benefit had been paid, and the
    award is idempotent per case only, so a second case could be paid again. One recognition, one award:
    a new claim on it is refused at registration, and a second case (registered before the award) is
    refused at payment; nothing is written either time."""
    from shebao.cases.models import Case
    from tests.nothing_written import nothing_written

    exchange_file_import(data=exchange(recognition(nurse), assessment(nurse, died_on="2020-03-02")),
                         filename="hr.jsonl", actor=SETUP)
    first = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 3, 3))
    Case.objects.filter(pk=first.pk).update(status="rejected")  # e.g. filed by mistake, then a second claim
    second = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 3, 4))
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=second, wage_fen=0, bank_account="6222020000000000041",
                                 payee=personas.relative(relation="sibling"))
    assert award.amount_fen > 0
    runs = PayrollRun.objects.count()
    with nothing_written(), pytest.raises(ValidationError, match=f"已由申请编号{second.pk}核定并支付"):
        fast_track_award_pay(actor=reviewer_chaoyang, case=first, wage_fen=0, bank_account="6222020000000000041",
                             payee=personas.relative(relation="sibling"))
    assert PayrollRun.objects.count() == runs and not hasattr(Case.objects.get(pk=first.pk), "work_injury_award")

    Case.objects.filter(pk=second.pk).update(status="completed")
    with nothing_written(), pytest.raises(cases.DetailsRefused) as refused:
        fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 3, 10))
    assert "已核定工伤保险待遇" in str(refused.value) and f"申请编号{second.pk}" in str(refused.value)
    assert Case.objects.filter(person=nurse).count() == 2


def test_a_wage_below_60_percent_is_counted_at_60_percent_and_the_award_names_the_article(
        nurse, clerk_chaoyang, reviewer_chaoyang, client):
    """第六十四条第二款: 2000 yuan a month is counted at 60 % of the average in force on the assessment day
    (8847 yuan from 2019-07-01: 5308.20 yuan); the award keeps the average and the article, and its page says so."""
    from django.urls import reverse

    exchange_file_import(data=exchange(recognition(nurse), assessment(nurse)), filename="hr.jsonl", actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(), applied_on=dt.date(2020, 2, 10))
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=200_000, bank_account="6222020000000000041")
    award.refresh_from_db()
    assert (award.wage_fen, award.disability_lump_sum_fen) == (530820, 13 * 530820)
    assert award.parameters["wage.average_monthly_fen"]["value"] == 884700
    assert "第六十四条第二款" in award.parameters["work_injury.wage_floor_rate"]["document"]
    client.force_login(reviewer_chaoyang)
    page = client.get(reverse("backoffice:work_injury_award", args=[award.pk])).content.decode()
    assert "本人工资5,308.20元/月" in page
    assert ('<span id="award-wage-basis">依据《工伤保险条例》第六十四条第二款，本人工资低于统筹地区职工月平均工资'
            '8,847.00元的60%的按60%计，高于300%的按300%计</span>') in page
