"""Who a payment row pays (review-user5 F2): a survivors' pension is booked on the worker who died and
paid to the dependant, so every place a payment row is shown or exported (the run's page, the failed
list, the run's Excel, the bank's payment file) names the dependant, with the relation, and the kind
paid (供养亲属抚恤金), never the deceased with 工伤保险待遇; a retried row still names them after its
months moved to the retry; the disability allowance and an immediate award say what they pay."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shebao.benefits import payroll
from shebao.benefits.models import Transfer
from shebao.benefits.selectors import transfer_payees
from shebao.benefits.survivors import survivor_pensions_grant
from shebao.benefits.work_injury import exchange_file_import, fast_track_award_pay, fast_track_claim_submit
from shebao.core import clock
from shebao.core.masking import mask_id_number
from shebao.core.models import PersonalDataAccess
from tests import personas
from tests.benefits.conftest import claim_details, send_to_bank
from tests.benefits.test_survivors import family
from tests.personas import SETUP


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 5, 20)


@pytest.fixture
def paid(db, clerk_chaoyang, reviewer_chaoyang):
    """A doctor who died on duty on 2020-02-07 (钱医生), two dependants granted, May's run paying them."""
    doctor = personas.make_person("钱医生", birth=dt.date(1976, 5, 2), serial=93)
    exchange_file_import(data=("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"kind": "recognition", "reference": "京人社工伤认〔2020〕0093号", "id_number": doctor.id_number,
         "decided_on": "2020-02-05", "injured_on": "2020-01-27", "medical_staff": True},
        {"kind": "assessment", "reference": "京劳鉴〔2020〕0093号", "id_number": doctor.id_number,
         "decided_on": "2020-02-10", "died_on": "2020-02-07"}]) + "\n").encode(), filename="d.jsonl", actor=SETUP)
    case = fast_track_claim_submit(actor=clerk_chaoyang, person=doctor, details=claim_details(), applied_on=dt.date(2020, 2, 11))
    award = fast_track_award_pay(actor=reviewer_chaoyang, case=case, wage_fen=0, bank_account="6222020000000000093",
                                payee=personas.relative(relation="sibling"))  # the spouse is granted a pension (one spouse)
    spouse, child = survivor_pensions_grant(actor=reviewer_chaoyang, award=award, wage_fen=1_250_000,
                                            dependants=family()[:2])
    run = payroll.payroll_run_start(actor=SETUP, month="2020-05")
    return doctor, award, spouse, child, run


def _cells(html: str) -> str:
    return html.split("<tbody>", 1)[1]


def test_the_run_page_names_the_dependant_and_the_kind_paid(client, municipal_admin, paid):
    doctor, award, spouse, child, run = paid
    client.force_login(municipal_admin)
    page = client.get(reverse("backoffice:payroll_run", args=[run.pk])).content.decode()
    rows = _cells(page)
    assert "配偶丙" in rows and "子女丁" in rows
    assert "因工死亡职工钱医生的配偶" in rows and "因工死亡职工钱医生的子女" in rows
    assert rows.count("供养亲属抚恤金") == 2 and "工伤保险待遇" not in rows
    assert f'>{doctor.name}<' not in rows  # the deceased is nobody's payee
    assert reverse("backoffice:work_injury_award", args=[award.pk]) in rows
    assert spouse.id_number not in page and child.id_number not in page


def test_the_export_and_the_bank_file_name_the_same_payee(client, settings, paid, leader):
    doctor, award, spouse, child, run = paid
    auditor = personas.make_staff("auditor_payee", role=personas.Role.AUDITOR, office_code="110000",
                                  display_name="审计员")
    client.force_login(auditor)  # reads numbers in full: recorded as reads of the dependants
    response = client.get(reverse("backoffice:payroll_export", args=[run.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in ws[1]]
    assert header[1:4] == ["收款人", "证件号码", "待遇类型"] and header[-1] == "说明"
    got = {r[1].value: (r[2].value, r[3].value, r[-1].value) for r in ws.iter_rows(min_row=2)}
    assert got == {"配偶丙": (spouse.id_number, "供养亲属抚恤金", "因工死亡职工钱医生的配偶"),
                   "子女丁": (child.id_number, "供养亲属抚恤金", "因工死亡职工钱医生的子女")}
    assert set(PersonalDataAccess.objects.filter(actor=auditor).values_list("model", "object_pk")) == {
        ("benefits.SurvivorPension", str(spouse.pk)), ("benefits.SurvivorPension", str(child.pk))}
    # the bank was sent the same names and the numbers masked, line by line
    data = payroll.payment_file_bytes(run)[0].decode().splitlines()[1:]
    sent = {line.split(",")[2]: line.split(",")[1] for line in data}
    assert sent == {name: mask_id_number(number) for name, (number, _, _) in got.items()}
    # a leader reads masked numbers; nothing recorded
    client.force_login(leader)
    ws = load_workbook(io.BytesIO(b"".join(client.get(reverse("backoffice:payroll_export", args=[run.pk]))
                                           .streaming_content))).active
    assert {r[1].value for r in ws.iter_rows(min_row=2)} == {"配偶丙", "子女丁"}
    assert spouse.id_number not in {r[2].value for r in ws.iter_rows(min_row=2)}
    assert not PersonalDataAccess.objects.filter(actor=leader).exists()


def test_a_failed_and_retried_row_still_names_the_dependant(client, municipal_admin, paid):
    doctor, award, spouse, child, run = paid
    t = next(t for t in run.transfers.all() if t.bank_account == spouse.bank_account)
    send_to_bank(run)
    payroll.payroll_result_import(data=("transfer_id,amount,result,reason,bank_reference,date\n"
                                        f"{t.pk},{t.amount_fen // 100}.00,failed,账户已冻结,,{clock.today()}\n").encode(),
                                  filename="s.csv", actor=SETUP)
    client.force_login(municipal_admin)
    failed = _cells(client.get(reverse("backoffice:payroll_runs")).content.decode().split("支付失败待重发", 1)[1])
    assert "配偶丙" in failed and "供养亲属抚恤金" in failed and f">{doctor.name}<" not in failed
    retry = payroll.payroll_retry_start(run=run, actor=SETUP)
    # the months moved to the retry; the failed row (the record of the failure) still names who was not paid
    t.refresh_from_db()
    payee = transfer_payees([t])[t.pk]
    assert (payee.name, payee.benefit, payee.relation) == ("配偶丙", "供养亲属抚恤金", "配偶")
    new = retry.transfers.get()
    assert transfer_payees([new])[new.pk].name == "配偶丙"
    page = _cells(client.get(reverse("backoffice:payroll_run", args=[run.pk]) + "?status=failed").content.decode())
    assert "配偶丙" in page and "（已重发）" in page and f">{doctor.name}<" not in page


def test_the_immediate_award_and_a_pension_say_what_they_pay(three_retirees, paid):
    doctor, award, spouse, child, run = paid
    immediate = award.run.transfers.select_related("person").get()
    payee = transfer_payees([immediate])[immediate.pk]
    assert payee.benefit == "工伤保险待遇（丧葬补助金、一次性工亡补助金）" and payee.award_id == award.pk
    pension = (Transfer.objects.filter(run=run, kind=Transfer.Kind.PENSION).select_related("person").first())
    assert pension is not None
    p = transfer_payees([pension])[pension.pk]
    assert (p.name, p.benefit, p.note) == (pension.person.name, "基本养老金", "")
