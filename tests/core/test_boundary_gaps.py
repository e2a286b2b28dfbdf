"""Issue 12 class 1, the gaps the bad-input review found: every path reads what people type the way
the front desk does (core.normalize), and a reference reused for another transfer is held, not lost.

Each refused input gets its 4xx with a Chinese reason (problem details in the API) and writes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import override_settings
from django.urls import reverse

from shebao.cases.models import Case
from shebao.collection.bankfiles import upload_encoding
from shebao.collection.importers import REMITTANCE_COLUMNS, import_remittances
from shebao.collection.models import Payment, RemittanceLine
from shebao.collection.services import remittance_duplicate_resolve
from shebao.operations.models import AuditCase
from tests import personas
from tests.cases.conftest import client_for, submit
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.personas import SETUP

FULL_WIDTH = str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY-",
                           "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ－")
HEADER = ",".join(REMITTANCE_COLUMNS)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    settings.SHEBAO_BANK_FILE_DIR = tmp_path / "bank"


@pytest.fixture
def remittance_employer(db):
    return personas.make_employer("北京朝阳汇款测试有限公司", serial=11, payment_method="remittance")


# --- Months: the API reads them as the front desk does ---------------------------------------------
@pytest.mark.parametrize(("typed", "month"), [("2019/1", "2019-01"), ("２０１９－０８", "2019-08"),
                                              ("2019年8月", "2019-08"), ("2019.8", "2019-08")])
def test_the_api_reads_a_period_month_as_the_front_desk_does(clerk_chaoyang, employer_chaoyang, person_chaoyang,
                                                             typed, month):
    from shebao.registry.models import EmploymentSpell

    # The employer's employee, whom the report's content names (tests/cases/conftest.valid_details).
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    r = submit(client_for(clerk_chaoyang), business="monthly_report_back_payment", channel="online",
               employer=employer_chaoyang.pk, applied_on="2020-02-10",
               facts={"period": {"from": typed, "to": "2019-12"}})
    assert r.status_code == 201, r.content.decode()
    assert Case.objects.get().facts["period"]["from"] == month


@pytest.mark.parametrize("typed", ["2019-13", "2019/0", "一月", "0001-01"])
def test_a_month_of_no_calendar_is_refused_by_the_api_with_problem_details(clerk_chaoyang, employer_chaoyang, typed):
    with nothing_written():
        r = submit(client_for(clerk_chaoyang), business="monthly_report_back_payment", channel="online",
                   employer=employer_chaoyang.pk, applied_on="2020-02-10",
                   facts={"period": {"from": typed, "to": "2019-12"}})
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    (error,) = r.json()["errors"]
    assert error["field"] == "facts.period.from" and "月" in error["reason_zh"]


# --- Credit codes: the API search and the audit registration --------------------------------------
@pytest.mark.parametrize("layout", ["full-width", "lower", "spaced"])
def test_the_api_employer_search_reads_a_credit_code_in_any_layout(clerk_chaoyang, employer_chaoyang, layout):
    code = employer_chaoyang.credit_code
    typed = {"full-width": code.translate(FULL_WIDTH), "lower": code.lower(),
             "spaced": f" {code[:8]}　{code[8:]} "}[layout]
    r = client_for(clerk_chaoyang).get("/api/v1/employers/", {"q": typed})
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["results"]] == [employer_chaoyang.pk]


@pytest.fixture
def auditor(db):
    return personas.make_staff("auditor_cy", role=personas.Role.AUDITOR, office_code="110105",
                               display_name="朝阳区稽核员")


def test_an_audit_case_is_registered_with_a_full_width_credit_code(client, auditor, employer_chaoyang):
    client.force_login(auditor)
    typed = employer_chaoyang.credit_code.translate(FULL_WIDTH).lower()
    with override_settings(SHEBAO_TODAY=dt.date(2020, 4, 1)):
        r = client.post(reverse("backoffice:audit_new"), {
            "source": "director_mailbox", "employer_code": f" {typed} ", "summary": "未足额缴费",
            "complainant_name": "赵六", "complainant_phone": "13900001111"})
    assert r.status_code == 302, r.content.decode()[-3000:]
    assert AuditCase.objects.get().employer == employer_chaoyang


def test_an_unknown_credit_code_is_still_refused_in_chinese(client, auditor, employer_chaoyang):
    client.force_login(auditor)
    with nothing_written():
        r = client.post(reverse("backoffice:audit_new"), {
            "source": "director_mailbox", "employer_code": "91110105000000099X", "summary": "未足额缴费"})
    assert r.status_code == 400 and "未找到统一社会信用代码" in r.content.decode()


# --- The encoding chosen on upload, by any of its names --------------------------------------------
@pytest.mark.parametrize(("name", "read_as"), [("gbk", "gb18030"), ("GBK", "gb18030"), ("gb2312", "gb18030"),
                                               ("cp936", "gb18030"), ("ＧＢＫ", "gb18030"), ("UTF8", "utf-8"),
                                               ("utf-8-sig", "utf-8"), ("", ""), ("gb18030", "gb18030")])
def test_an_encoding_is_read_by_any_of_its_names(name, read_as):
    assert upload_encoding(name) == read_as


def test_a_gbk_statement_uploaded_as_gbk_is_read(client, collection_clerk, remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)
    data = f"{HEADER}\nG1,2020-01-06,100.00,某公司,,{remittance_employer.credit_code},社保费\n".encode("gbk")
    client.force_login(collection_clerk)
    r = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                    {"file": SimpleUploadedFile("gbk.csv", data, content_type="text/csv"), "encoding": "gbk"})
    assert r.status_code == 200, r.content.decode()[-2000:]
    assert RemittanceLine.objects.get(bank_reference="G1").payer_name == "某公司"


def test_an_encoding_no_bank_uses_is_refused_in_chinese(client, collection_clerk, remittance_employer):
    data = f"{HEADER}\nG1,2020-01-06,100.00,某公司,,{remittance_employer.credit_code},社保费\n".encode("gbk")
    client.force_login(collection_clerk)
    with nothing_written():
        r = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                        {"file": SimpleUploadedFile("x.csv", data, content_type="text/csv"), "encoding": "ebcdic-x"})
    assert r.status_code == 400 and "不支持的文件编码" in r.content.decode()


# --- A bank reference reused for another transfer -------------------------------------------------
def _statement(*lines: str) -> bytes:
    return (HEADER + "\n" + "".join(line + "\n" for line in lines)).encode()


@pytest.mark.parametrize("changed", [
    "R0001,2020-02-19,5000.00,某公司,,{code},社保费",   # another amount and day
    "R0001,2020-02-18,1000.01,某公司,,{code},社保费",   # one fen more
    "R0001,2020-02-18,1000.00,某公司,6222020200112233445,{code},社保费",  # another payer account
])
def test_a_reused_reference_with_another_transfer_is_held_for_staff_not_dropped(remittance_employer, collection_clerk,
                                                                              changed):
    code = remittance_employer.credit_code
    book_due(remittance_employer, "2019-12", 1_000_000)
    import_remittances(actor=SETUP, data=_statement(f"R0001,2020-02-18,1000.00,某公司,,{code},社保费"),
                       filename="a.csv")
    received = Payment.objects.aggregate(t=Sum("amount_fen"))["t"]
    result = import_remittances(actor=SETUP, data=_statement(changed.format(code=code)), filename="b.csv")
    first, held = RemittanceLine.objects.filter(bank_reference="R0001").order_by("pk")
    assert (result.held, result.skipped, result.applied) == (1, 0, 0)
    assert "此前已导入" in result.notes[0]
    assert (held.status, held.duplicate_of, held.payment) == ("duplicate", first, None)
    assert Payment.objects.aggregate(t=Sum("amount_fen"))["t"] == received  # never credited by itself
    # Staff may confirm it as the earlier transfer; they cannot credit a second payment of one reference.
    with pytest.raises(Exception, match="银行流水号R0001已用于另一笔"), nothing_written():
        remittance_duplicate_resolve(line=held, actor=collection_clerk, same_transfer=False, reason="银行回复是另一笔")
    remittance_duplicate_resolve(line=held, actor=collection_clerk, same_transfer=True, reason="银行确认是同一笔")
    held.refresh_from_db()
    assert held.status == "rejected"


def test_the_same_line_again_is_still_skipped_whatever_the_memo(remittance_employer):
    code = remittance_employer.credit_code
    line = f"R0001,2020-02-18,1000.00,某公司,,{code},社保费"
    import_remittances(actor=SETUP, data=_statement(line), filename="a.csv")
    result = import_remittances(actor=SETUP, data=_statement(line.replace("社保费", "社保费2020-02")),
                                filename="b.csv")
    assert (result.skipped, RemittanceLine.objects.count()) == (1, 1)
