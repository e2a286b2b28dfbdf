"""A payment row keeps the 户名 its payment file sent to the bank (Transfer.payee_name, benefits/0010;
issue 17, left open at stop 18): after a relative is registered on an old death award, or a name is
corrected on a resend, the failed row on the run page, the failed list and the Excel still reads as it
went out; the retry shows the new payee."""

from __future__ import annotations

import io

from django.apps import apps
from django.urls import reverse
from openpyxl import load_workbook

from shebao.benefits import payroll
from shebao.benefits.models import PayrollRun, Transfer
from shebao.benefits.selectors import transfer_payees
from shebao.benefits.work_injury import AwardPayee, award_payee_register
from tests import personas
from tests.benefits import test_payment_corrections as corrections
from tests.benefits.test_award_payee import WIFE
from tests.personas import SETUP

fail = corrections.fail
# the fixtures of the corrections' tests: a relative's failed payment, an old award's, the business day
death, old_death, _today = corrections.death, corrections.old_death, corrections._today


def _rows(client, run: PayrollRun) -> str:
    return client.get(reverse("backoffice:payroll_run", args=[run.pk])).content.decode().split("<tbody>", 1)[1]


def _excel_row(client, run: PayrollRun) -> list:
    auditor = personas.make_staff(f"auditor_sent{run.pk}", role=personas.Role.AUDITOR, office_code="110000",
                                  display_name="审计员")
    client.force_login(auditor)
    ws = load_workbook(io.BytesIO(b"".join(client.get(reverse("backoffice:payroll_export", args=[run.pk]))
                                           .streaming_content))).active
    return [c.value for c in next(ws.iter_rows(min_row=2))]


def test_the_failed_row_of_an_old_award_keeps_the_workers_name_after_the_relative_is_registered(
        client, municipal_admin, reviewer_chaoyang, old_death):
    worker = old_death.person.name
    t = fail(old_death.run.transfers.get())
    award_payee_register(actor=reviewer_chaoyang, award=old_death, payee=AwardPayee("王丽", "spouse", WIFE))
    # stored: the 户名 the first file sent
    t.refresh_from_db()
    assert t.payee_name == worker
    payee = transfer_payees([Transfer.objects.select_related("person").get(pk=t.pk)])[t.pk]
    assert (payee.name, payee.id_number, payee.relation) == ("未登记领取人", "", "")
    assert payee.note == f"因工死亡职工{worker}的近亲属（领取人未登记，本笔以死者户名发送银行）"
    client.force_login(municipal_admin)
    # the run page and the failed list: not the relative registered afterwards
    rows = _rows(client, old_death.run)
    assert "未登记领取人" in rows and "以死者户名发送银行" in rows and "王丽" not in rows
    failed = client.get(reverse("backoffice:payroll_runs")).content.decode().split("支付失败待重发", 1)[1]
    assert "以死者户名发送银行" in failed and "王丽" not in failed
    # the resend page says whom a resend pays, and the name the failed payment went out under
    page = client.get(reverse("backoffice:transfer_resend", args=[t.pk])).content.decode()
    assert "王丽" in page and f'id="resend-sent-name">{worker}（本笔支付发送银行时的户名）' in page
    # the retry pays the relative, and its row says so
    retry = payroll.payroll_retry_start(run=old_death.run, actor=SETUP)
    new = retry.transfers.get()
    assert new.payee_name == "王丽" and Transfer.objects.get(pk=t.pk).payee_name == worker
    client.force_login(municipal_admin)
    assert "王丽" in _rows(client, retry) and "王丽" not in _rows(client, old_death.run)
    row = _excel_row(client, old_death.run)
    assert row[1:3] == ["未登记领取人", None] and "以死者户名发送银行" in row[-1]
    assert _excel_row(client, retry)[1:3] == ["王丽", WIFE]


def test_a_name_corrected_on_a_resend_leaves_the_failed_row_under_the_name_sent(client, municipal_admin, death):
    t = death.run.transfers.get()
    assert t.payee_name == "王丽"  # kept when the immediate payment's file was written
    retry = payroll.failed_transfer_resend(actor=municipal_admin, transfer=t, bank_account="6222020000000004999",
                                           payee_name="王莉", reason="领取人本人提供的银行卡复印件")
    new = retry.transfers.get()
    t.refresh_from_db()
    assert (t.payee_name, new.payee_name) == ("王丽", "王莉")
    client.force_login(municipal_admin)
    rows = _rows(client, death.run)
    assert "王丽" in rows and "王莉" not in rows
    assert "王莉" in _rows(client, retry)
    assert _excel_row(client, death.run)[1:3] == ["王丽", WIFE]


def test_the_migration_records_the_workers_name_on_an_unregistered_awards_transfers(old_death, death):
    from importlib import import_module

    sent_names = import_module("shebao.benefits.migrations.0010_transfer_payee_name").sent_names
    Transfer.objects.update(payee_name="")  # as the column starts on rows written before it
    sent_names(apps, None)
    assert old_death.run.transfers.get().payee_name == old_death.person.name
    assert death.run.transfers.get().payee_name == ""  # paid to the relative from the start: read from the award
