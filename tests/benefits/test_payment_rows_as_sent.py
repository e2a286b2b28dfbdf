"""Every payment row keeps what its line sent to the bank (issue 17): the 户名, the account and the
amount, written when the row is made and sent as kept by the payment file, for every kind of row (a
monthly run's pension lines by the set-based path and by the per-row path, a disability allowance's
and a dependant's monthly lines, an immediate payment, a retry). A later change of the payee's name or
account changes the next payment, never what a row says was sent. benefits/0011 fills the rows made
before."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.apps import apps

from shebao.benefits import payroll
from shebao.benefits.models import DisabilityAllowance, PayrollRun, Retiree, SurvivorPension, Transfer
from shebao.benefits.selectors import transfer_payees
from shebao.benefits.work_injury import exchange_file_import, fast_track_award_pay, fast_track_claim_submit
from shebao.core import clock
from shebao.registry.models import Person, PersonHistory
from tests import personas
from tests.benefits.conftest import claim_details, send_to_bank
from tests.benefits.test_payees import paid  # noqa: F401  (a doctor's dependants paid by May's run)
from tests.benefits.test_work_injury import assessment, exchange, recognition
from tests.personas import SETUP


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 5, 20)


def _file(run: PayrollRun) -> dict[int, tuple[str, str, str]]:
    """transfer pk -> (户名, account, amount) as the run's payment file sent them."""
    # the file's Chinese header (docs/bank_files.md) read back by the code's column names
    rows = csv.DictReader(io.StringIO(payroll.payment_file_bytes(run)[0].decode()), fieldnames=payroll.PAYMENT_COLUMNS)
    assert next(rows) == dict(zip(payroll.PAYMENT_COLUMNS, payroll.PAYMENT_HEADERS_ZH, strict=True))
    return {int(r["transfer_id"]): (r["name"], r["bank_account"], r["amount"]) for r in rows}


def _rows(run: PayrollRun) -> dict[int, tuple[str, str, str]]:
    """transfer pk -> (户名, account, amount) as the run's rows keep them."""
    return {t.pk: (t.payee_name, t.bank_account, f"{t.amount_fen // 100}.{t.amount_fen % 100:02d}")
            for t in Transfer.objects.filter(run=run)}


def _sent_as_kept(run: PayrollRun) -> dict[int, tuple[str, str, str]]:
    rows = _rows(run)
    assert rows and all(name for name, _, _ in rows.values())
    assert _file(run) == rows
    return rows


def _rename(person: Person, name: str) -> None:
    Person.objects.filter(pk=person.pk).update(name=name)


def test_pension_lines_keep_the_name_and_account_sent_by_either_path(three_retirees, monkeypatch):
    zhao, qian, sun = three_retirees
    # April: nothing paid yet, every retiree is owed arrears: the per-row path
    april = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    sent = _sent_as_kept(april)
    assert {v[0] for v in sent.values()} == {"赵一", "钱二", "孙三"}
    assert {v[1] for v in sent.values()} == {r.bank_account for r in three_retirees}
    # the payee changes name and account afterwards
    _rename(zhao.person, "赵壹")
    Retiree.objects.filter(pk=zhao.pk).update(bank_account="6222020000000099911")
    zhao.refresh_from_db()
    assert zhao.bank_account == "6222020000000099911"
    assert _rows(april) == sent and _file(april) == sent  # the rows, and the file rebuilt from them
    t = april.transfers.select_related("person").get(retiree=zhao)
    assert transfer_payees([t])[t.pk].name == "赵一"  # the pages show the name sent
    # May: April paid, May is the one month owed: the set-based path, which the per-row path must not see
    per_row: list[int] = []
    build_chunk = payroll._build_chunk
    monkeypatch.setattr(payroll, "_build_chunk", lambda run, chunk, **kw: (
        per_row.extend(r.pk for r in chunk), build_chunk(run, chunk, **kw))[1])
    may = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    assert per_row == []
    sent_may = _sent_as_kept(may)
    t = may.transfers.get(retiree=zhao)
    assert sent_may[t.pk][:2] == ("赵壹", "6222020000000099911")
    assert {v[0] for v in sent_may.values()} == {"赵壹", "钱二", "孙三"}


def test_a_supplementary_runs_arrears_line_keeps_its_name(three_retirees):
    payroll.payroll_run_start(actor=SETUP, month="2020-05")
    late = personas.make_person("李晚", birth=dt.date(1960, 2, 10), serial=19)
    from shebao.benefits.services import retiree_declare
    from tests.benefits.conftest import BASIS

    retiree_declare(actor=SETUP, person=late, bank_account="6222020000000000019", basis=BASIS,
                    declared_on=dt.date(2020, 5, 20))
    supplementary = payroll.payroll_supplementary_start(actor=SETUP, month="2020-05")
    sent = _sent_as_kept(supplementary)
    assert [v[:2] for v in sent.values()] == [("李晚", "6222020000000000019")]
    _rename(late, "李晚晚")
    assert _rows(supplementary) == sent and _file(supplementary) == sent


def test_a_dependants_line_keeps_the_name_and_account_sent(paid):  # noqa: F811
    doctor, award, spouse, child, run = paid
    sent = _sent_as_kept(run)
    assert {v[0] for v in sent.values()} == {"配偶丙", "子女丁"}
    SurvivorPension.objects.filter(pk=spouse.pk).update(name="配偶丙丙", bank_account="6222020000000099961")
    assert _rows(run) == sent and _file(run) == sent


def test_an_allowance_line_and_the_immediate_payment_keep_what_they_sent(db, clerk_chaoyang, reviewer_chaoyang):
    nurse = personas.make_person("护士甲", birth=dt.date(1985, 3, 1), serial=41, male=False)
    exchange_file_import(data=exchange(recognition(nurse), assessment(nurse, grade=3)), filename="hr.jsonl",
                         actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=nurse, details=claim_details(),
                                   applied_on=dt.date(2020, 2, 10))
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=1_000_000,
                                 bank_account="6222020000000000041")
    immediate = _sent_as_kept(award.run)
    assert [v[:2] for v in immediate.values()] == [("护士甲", "6222020000000000041")]
    april = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    sent = _sent_as_kept(april)
    assert [v for v in sent.values()] == [("护士甲", "6222020000000000041", "16000.00")]
    _rename(nurse, "护士乙")
    DisabilityAllowance.objects.filter(award=award).update(bank_account="6222020000000099941")
    assert _rows(april) == sent and _file(april) == sent
    assert _rows(award.run) == immediate
    may = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    assert [v[:2] for v in _sent_as_kept(may).values()] == [("护士乙", "6222020000000099941")]


def test_a_death_payment_keeps_the_relatives_name_from_the_start(db, clerk_chaoyang, reviewer_chaoyang):
    doctor = personas.make_person("钱医生", birth=dt.date(1976, 5, 2), serial=93)
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        recognition(doctor), assessment(doctor, died_on="2020-02-07")]) + "\n").encode(), filename="d.jsonl",
        actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=doctor, details=claim_details(),
                                   applied_on=dt.date(2020, 2, 11))
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000000093",
                                 payee=personas.relative("王丽"))
    t = award.run.transfers.get()
    assert t.payee_name == "王丽"  # made with the row, not only when the file was written
    assert [v[:2] for v in _sent_as_kept(award.run).values()] == [("王丽", "6222020000000000093")]


def test_a_retry_sends_whom_the_records_pay_now_and_the_failed_row_keeps_what_it_sent(three_retirees):
    zhao = three_retirees[0]
    april = payroll.payroll_run_start(actor=SETUP, month="2020-04")
    t = april.transfers.get(retiree=zhao)
    send_to_bank(april)
    payroll.payroll_result_import(data=("transfer_id,amount,result,reason,bank_reference,date\n"
                                        f"{t.pk},{t.amount_fen // 100}.{t.amount_fen % 100:02d},failed,户名不符,,"
                                        f"{clock.today()}\n").encode(), filename="r.csv", actor=SETUP)
    _rename(zhao.person, "赵壹")
    Retiree.objects.filter(pk=zhao.pk).update(bank_account="6222020000000099911")
    retry = payroll.payroll_retry_start(run=april, actor=SETUP)
    new = _sent_as_kept(retry)
    assert [v[:2] for v in new.values()] == [("赵壹", "6222020000000099911")]
    t.refresh_from_db()
    assert (t.payee_name, t.bank_account) == ("赵一", "6222020000000000011")


def test_the_migration_fills_each_row_with_the_name_it_was_sent_under(three_retirees, paid):  # noqa: F811
    from importlib import import_module

    sent_names = import_module("shebao.benefits.migrations.0011_transfer_payee_name_every_row").sent_names
    zhao, qian, _ = three_retirees
    _, _, spouse, child, may = paid  # May's run pays the retirees and the dependants
    # 赵一 renamed after May's run (a change of personal data keeps the old name), 钱二 before it
    later = clock.now() + dt.timedelta(hours=1)
    PersonHistory.objects.create(person=zhao.person, field="name", field_zh="姓名", old_value="赵一",
                                 new_value="赵壹", actor_label="测试", at=later)
    _rename(zhao.person, "赵壹")
    earlier = may.created_at - dt.timedelta(days=1)
    PersonHistory.objects.create(person=qian.person, field="name", field_zh="姓名", old_value="钱旧",
                                 new_value="钱二", actor_label="测试", at=earlier)
    before = {t.pk: t.payee_name for t in Transfer.objects.all()}
    Transfer.objects.update(payee_name="")  # as the rows made before this change
    sent_names(apps, None)
    after = {t.pk: t.payee_name for t in Transfer.objects.all()}
    assert after == before
    assert may.transfers.get(retiree=zhao).payee_name == "赵一"
    assert may.transfers.get(retiree=qian).payee_name == "钱二"
    assert {t.payee_name for t in may.transfers.filter(retiree=None)} == {"配偶丙", "子女丁"}
