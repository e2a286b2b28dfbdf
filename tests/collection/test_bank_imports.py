"""Bank files: deduction results (3.1) and remittance statements (3.2).

Malformed files are refused with the line and the reason and nothing is applied; the same file
twice changes nothing; an import interrupted halfway and run again gives one clean run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from shebao.collection import importers
from shebao.collection.importers import ImportRefused, import_deduction_result, import_remittances
from shebao.collection.models import BankFile, DeductionItem, DeductionRun, Due, Payment, RemittanceLine
from shebao.collection.reconcile import books_reconcile
from shebao.collection.services import deduction_retry, deduction_run_create, payment_reference
from tests import personas
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.personas import SETUP

HEADER = "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"


def statement(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode("utf-8")


def test_a_remittance_with_the_employers_credit_code_is_matched_and_allocated(remittance_employer):
    due = book_due(remittance_employer, "2019-12", 10_000)
    code = remittance_employer.credit_code
    result = import_remittances(actor=SETUP, data=statement(f"B001,2020-01-06,100.00,某公司,6222000011112222,{code},社保费"),
                                filename="s1.csv")
    due.refresh_from_db()
    line = RemittanceLine.objects.get(bank_reference="B001")
    assert (result.matched, result.unmatched) == (1, 0)
    assert (line.status, line.employer, line.matched_by) == ("matched", remittance_employer, "自动：统一社会信用代码")
    assert due.paid_on == dt.date(2020, 1, 6)
    assert books_reconcile().ok


def test_a_remittance_is_matched_by_the_payment_reference_in_the_memo(remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)
    ref = payment_reference(remittance_employer)
    import_remittances(actor=SETUP, data=statement(f"B002,2020-01-06,50.00,某公司,,,缴{ref}社保"), filename="s.csv")
    assert RemittanceLine.objects.get(bank_reference="B002").matched_by == "自动：缴费参考号"


def test_a_remittance_of_exactly_one_employers_arrears_is_matched_by_amount(remittance_employer):
    book_due(remittance_employer, "2019-12", 12_345)
    import_remittances(actor=SETUP, data=statement("B003,2020-01-06,123.45,不明付款人,,,"), filename="s.csv")
    line = RemittanceLine.objects.get(bank_reference="B003")
    assert (line.employer, line.matched_by) == (remittance_employer, "自动：金额唯一匹配")


def test_an_unidentified_remittance_waits_in_the_queue(remittance_employer):
    book_due(remittance_employer, "2019-12", 12_345)
    result = import_remittances(actor=SETUP, data=statement("B004,2020-01-06,99.00,不明付款人,,,"), filename="s.csv")
    assert result.unmatched == 1
    assert RemittanceLine.objects.get(bank_reference="B004").status == "unmatched"
    assert Payment.objects.count() == 0


def test_importing_the_same_file_twice_changes_nothing(remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)
    data = statement(f"B005,2020-01-06,100.00,某公司,,{remittance_employer.credit_code},")
    import_remittances(actor=SETUP, data=data, filename="s.csv")
    again = import_remittances(actor=SETUP, data=data, filename="s-copy.csv")
    assert again.already_imported
    assert (BankFile.objects.count(), Payment.objects.count(), RemittanceLine.objects.count()) == (1, 1, 1)


def test_a_line_already_received_in_another_file_is_not_received_twice(remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)
    code = remittance_employer.credit_code
    import_remittances(actor=SETUP, data=statement(f"B006,2020-01-06,100.00,某公司,,{code},"), filename="a.csv")
    result = import_remittances(actor=SETUP, data=statement(f"B006,2020-01-06,100.00,某公司,,{code},",
                                               "B007,2020-01-07,1.00,某公司,,,"), filename="b.csv")
    assert (result.skipped, Payment.objects.count()) == (1, 1)


def test_a_malformed_file_is_refused_with_each_line_and_reason_and_nothing_is_applied(remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)
    data = statement(f"B008,2020-01-06,100.00,某公司,,{remittance_employer.credit_code},",
                     "B009,2020-02-30,1.00,某公司,,,", "B010,2020-01-06,1.234,某公司,,,", "B011,2020-01-06,5.00,少一列")
    with nothing_written(), pytest.raises(ImportRefused) as exc:
        import_remittances(actor=SETUP, data=data, filename="bad.csv")
    lines = {n for n, _ in exc.value.errors}
    assert lines == {3, 4, 5}
    assert any("2020-02-30" in reason for _, reason in exc.value.errors)
    assert (BankFile.objects.count(), RemittanceLine.objects.count(), Payment.objects.count()) == (0, 0, 0)


def test_the_command_names_the_bad_lines_in_chinese(tmp_path, db):
    path = tmp_path / "bad.csv"
    path.write_bytes(statement("B012,2020-01-06,abc,某公司,,,"))
    with nothing_written(), pytest.raises(CommandError, match="第2行：金额“abc”格式错误"):
        call_command("import_remittances", str(path))


def test_a_file_with_a_wrong_header_is_refused(db):
    with nothing_written(), pytest.raises(ImportRefused, match="第1行：表头应为"):
        import_remittances(actor=SETUP, data=b"ref,date,amount\nB1,2020-01-01,1\n", filename="x.csv")


def test_an_import_failing_halfway_leaves_nothing_and_the_rerun_equals_one_clean_run(remittance_employer, monkeypatch):
    book_due(remittance_employer, "2019-11", 10_000)
    book_due(remittance_employer, "2019-12", 10_000)
    code = remittance_employer.credit_code
    data = statement(f"B020,2020-01-06,100.00,某公司,,{code},", f"B021,2020-01-07,100.00,某公司,,{code},",
                     f"B022,2020-01-08,30.00,某公司,,{code},")

    def crash(line_no: int) -> None:
        if line_no == 3:
            raise RuntimeError("断电")

    monkeypatch.setattr(importers, "after_line_applied", crash)
    with pytest.raises(RuntimeError):
        import_remittances(actor=SETUP, data=data, filename="s.csv")
    assert (BankFile.objects.count(), RemittanceLine.objects.count(), Payment.objects.count()) == (0, 0, 0)
    assert not Due.objects.filter(paid_on__isnull=False).exists()
    monkeypatch.setattr(importers, "after_line_applied", lambda n: None)
    result = import_remittances(actor=SETUP, data=data, filename="s.csv")
    assert (result.matched, Payment.objects.count()) == (3, 3)
    r = books_reconcile()
    assert r.ok, r.problems
    assert r.figures["employer_credit_fen"] == 3_000


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    script = Path(__file__).with_name("fault_script.py")
    return subprocess.run([sys.executable, str(script), *args], env=env, capture_output=True, text=True, timeout=600,
                          check=True)


def test_an_import_killed_mid_transaction_and_run_again_equals_one_clean_run(tmp_path):
    killed_db, clean_db = tmp_path / "killed.sqlite3", tmp_path / "clean.sqlite3"
    base = {**os.environ, "SHEBAO_VAR_DIR": str(tmp_path)}
    env_killed = {**base, "DATABASE_URL": f"sqlite:///{killed_db}"}
    env_clean = {**base, "DATABASE_URL": f"sqlite:///{clean_db}"}
    manage = [sys.executable, "-m", "django", "migrate", "-v0"]
    subprocess.run(manage, env={**env_killed, "DJANGO_SETTINGS_MODULE": "shebao.config.settings"}, check=True,
                   timeout=600)
    _run(["setup"], env_killed)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{killed_db}{suffix}").exists():
            shutil.copy(f"{killed_db}{suffix}", f"{clean_db}{suffix}")
    from tests.personas import credit_code

    lines = [f"K{i:03d},2020-01-{6 + i % 20:02d},{150 + i}.00,某公司,,{credit_code(100 + 1 + i % 5)},"
             for i in range(12)]
    path = tmp_path / "statement.csv"
    path.write_bytes(statement(*lines))

    script = Path(__file__).with_name("fault_script.py")
    proc = subprocess.Popen([sys.executable, str(script), "pause", str(path), "8"], env=env_killed,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "PAUSED"
    os.kill(proc.pid, signal.SIGKILL)  # the process dies inside the transaction
    proc.wait(timeout=30)
    after_kill = json.loads(_run(["dump"], env_killed).stdout)
    assert after_kill["BankFile"] == [] and after_kill["RemittanceLine"] == [] and after_kill["Payment"] == []

    _run(["import", str(path)], env_killed)
    _run(["import", str(path)], env_clean)
    assert json.loads(_run(["dump"], env_killed).stdout) == json.loads(_run(["dump"], env_clean).stdout)


# --- Bank deduction (3.1) ---------------------------------------------------------------------
RESULT_HEADER = "item_id,credit_code,amount,result,reason,bank_reference,date\n"


def result_file(*lines: str) -> bytes:
    return (RESULT_HEADER + "".join(line + "\n" for line in lines)).encode("utf-8")


def test_a_deduction_run_covers_employers_with_an_agreement_and_open_dues(deduction_employer, remittance_employer):
    book_due(deduction_employer, "2019-12", 10_000)
    book_due(deduction_employer, "2020-01", 5_000)
    book_due(remittance_employer, "2019-12", 10_000)
    run = deduction_run_create(actor=SETUP, )
    items = list(run.items.all())
    assert [(i.employer, i.amount_fen, i.status) for i in items] == [(deduction_employer, 15_000, "pending")]


def test_a_successful_deduction_is_received_and_a_failed_one_is_shown_and_retried(deduction_employer):
    other = personas.make_employer("北京第二扣款单位", serial=13, payment_method="bank_deduction", bank_account="6222000099998888")
    book_due(deduction_employer, "2019-12", 10_000)
    book_due(other, "2019-12", 20_000)
    run = deduction_run_create(actor=SETUP, )
    ok, bad = run.items.get(employer=deduction_employer), run.items.get(employer=other)
    data = result_file(f"{ok.pk},{deduction_employer.credit_code},100.00,success,,BK1,2019-12-24",
                       f"{bad.pk},{other.credit_code},200.00,failed,账户余额不足,,2019-12-24")
    result = import_deduction_result(actor=SETUP, data=data, filename="r.csv")
    ok.refresh_from_db(), bad.refresh_from_db()
    assert (result.succeeded, result.failed) == (1, 1)
    assert (ok.status, ok.payment.amount_fen) == ("succeeded", 10_000)
    assert (bad.status, bad.failure_reason) == ("failed", "账户余额不足")
    assert Due.objects.get(employer=deduction_employer).paid_on == dt.date(2019, 12, 24)
    assert import_deduction_result(actor=SETUP, data=data, filename="r.csv").already_imported
    retry = deduction_retry(actor=SETUP, run=run)
    bad.refresh_from_db()
    assert bad.status == "retried"
    assert [(i.employer, i.amount_fen) for i in retry.items.all()] == [(other, 20_000)]
    assert retry.retry_of == run
    assert books_reconcile().ok


def test_a_result_file_that_does_not_match_the_run_is_refused_whole(deduction_employer):
    book_due(deduction_employer, "2019-12", 10_000)
    run = deduction_run_create(actor=SETUP, )
    item = run.items.get()
    data = result_file(f"{item.pk},{deduction_employer.credit_code},99.00,success,,BK1,2019-12-24",
                       "999999,91110105000000000X,1.00,failed,,,2019-12-24")
    with nothing_written(), pytest.raises(ImportRefused) as exc:
        import_deduction_result(actor=SETUP, data=data, filename="r.csv")
    reasons = dict(exc.value.errors)
    assert "金额与扣款明细不符" in reasons[2]
    assert "不存在" in reasons[3]
    item.refresh_from_db()
    assert item.status == "pending" and not Payment.objects.exists() and not DeductionRun.objects.filter(
        retry_of=run).exists()


def test_the_deduction_run_command_writes_the_protected_request_file_with_the_full_account(deduction_employer,
                                                                                         capsys, settings):
    import hashlib
    import stat

    from shebao.core.models import AuditEvent

    book_due(deduction_employer, "2019-12", 10_000)
    call_command("deduction_run")
    out = capsys.readouterr().out
    # Named by the run's id (not 1 on PostgreSQL, whose sequences run on across rolled-back tests).
    name = f"deduction-run-{DeductionRun.objects.get().pk}.csv"
    path = settings.SHEBAO_BANK_FILE_DIR / name
    data = path.read_bytes()
    # The bank's file has the account the bank can execute; the terminal never shows it.
    assert "6222021234567890123" in data.decode() and "6222021234567890123" not in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    digest = hashlib.sha256(data).hexdigest()
    assert f"SHA-256：{digest}" in out and str(path) in out
    assert (path.parent / f"{name}.sha256").read_text() == f"{digest}  {name}\n"
    assert DeductionItem.objects.count() == 1
    run = DeductionRun.objects.get()
    assert (run.created_by_label, run.request_file.sha256) == ("系统作业：命令行 shebao deduction_run", digest)
    assert AuditEvent.objects.filter(model="collection.DeductionFile", actor_label="系统作业：命令行 shebao deduction_run").exists()


def test_the_import_bank_result_command_reports_and_refuses_in_chinese(deduction_employer, tmp_path, capsys):
    book_due(deduction_employer, "2019-12", 10_000)
    item = deduction_run_create(actor=SETUP, ).items.get()
    good = tmp_path / "result.csv"
    good.write_bytes(result_file(f"{item.pk},{deduction_employer.credit_code},100.00,success,,BK9,2019-12-24"))
    call_command("import_bank_result", str(good))
    assert "扣款成功1笔" in capsys.readouterr().out
    call_command("import_bank_result", str(good))
    assert "未做任何更改" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(result_file(f"{item.pk},{deduction_employer.credit_code},100.00,maybe,,,2019-12-24"))
    with nothing_written(), pytest.raises(CommandError, match="第2行：扣款结果“maybe”无效"):
        call_command("import_bank_result", str(bad))


def test_a_deduction_result_import_failing_halfway_leaves_nothing(deduction_employer, monkeypatch):
    other = personas.make_employer("北京第三扣款单位", serial=14, payment_method="bank_deduction", bank_account="6222000077776666")
    book_due(deduction_employer, "2019-12", 10_000)
    book_due(other, "2019-12", 20_000)
    run = deduction_run_create(actor=SETUP, )
    a, b = run.items.get(employer=deduction_employer), run.items.get(employer=other)
    data = result_file(f"{a.pk},{deduction_employer.credit_code},100.00,success,,BKA,2019-12-24",
                       f"{b.pk},{other.credit_code},200.00,success,,BKB,2019-12-24")

    def crash(line_no: int) -> None:
        if line_no == 3:
            raise RuntimeError("进程被终止")

    monkeypatch.setattr(importers, "after_line_applied", crash)
    with pytest.raises(RuntimeError):
        import_deduction_result(actor=SETUP, data=data, filename="r.csv")
    assert set(run.items.values_list("status", flat=True)) == {"pending"}
    assert not Payment.objects.exists() and not BankFile.objects.exists()
    monkeypatch.setattr(importers, "after_line_applied", lambda n: None)
    assert import_deduction_result(actor=SETUP, data=data, filename="r.csv").succeeded == 2
    assert books_reconcile().ok


def test_an_empty_database_assesses_to_nothing(db):
    from shebao.collection.assessment import assessment_compute
    from shebao.rules import load_policy

    result = assessment_compute(as_of=dt.date(2020, 12, 31), policy=load_policy())
    assert result.dues_total == 0 and result.totals["arrears_fen"] == 0
