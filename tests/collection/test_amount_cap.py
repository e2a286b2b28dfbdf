"""Every money amount read from a file, a form or the API is at most the project's cap,
10^12 fen (10,000,000,000.00 yuan, rules.late_fee.AMOUNT_FEN_MAX), refused in Chinese with nothing
stored (review-input14 1: a remittance of 9,999,999,999,999.99 yuan was matched and credited, the
employer's 预缴余额 read 9,999,999,998,349.99元)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shebao.collection.declarations import read_roster
from shebao.collection.importers import parse_amount_fen
from shebao.collection.models import BankFile, Payment, RemittanceLine
from shebao.core.money import AMOUNT_FEN_MAX
from shebao.registry.accounts import parse_lines
from shebao.rules.late_fee import AMOUNT_FEN_MAX as RULES_MAX
from tests.nothing_written import nothing_written

STATEMENT_HEADER = "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
CAP_ZH = "金额超过上限（10,000,000,000.00元），请核对"


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_cap_is_the_rules_cap():
    assert AMOUNT_FEN_MAX == RULES_MAX == 10**12


def test_a_remittance_over_the_cap_is_refused_on_its_line_and_nothing_is_booked(client, collection_clerk,
                                                                               remittance_employer):
    data = (f"{STATEMENT_HEADER}REF1,2020-01-06,9999999999999.99,某单位,6222020200112233445,"
            f"{remittance_employer.credit_code},x\n").encode()
    client.force_login(collection_clerk)
    with nothing_written():
        response = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                               {"file": _upload("r.csv", data)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "未导入任何数据" in html
    assert "第2行" in html and CAP_ZH in html
    assert (BankFile.objects.count(), RemittanceLine.objects.count(), Payment.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize("text", ["10,000,000,000.01", "10000000000.01", "9999999999999.99", "１００００００００００．０１"])
def test_parse_amount_fen_refuses_more_than_the_cap(text):
    with pytest.raises(ValueError) as exc:
        parse_amount_fen(text)
    assert str(exc.value) == CAP_ZH


def test_parse_amount_fen_takes_the_cap_itself():
    assert parse_amount_fen("10,000,000,000.00") == AMOUNT_FEN_MAX


def test_a_roster_base_over_the_cap_is_a_row_error():
    data = "证件号码,姓名,变动类型,缴费基数\n110105196507131772,张三,在职,9999999999999.00\n".encode()
    rows, file_errors = read_roster(data)
    assert file_errors == []
    assert rows[0].base_fen is None
    assert f"缴费基数：{CAP_ZH}" in rows[0].errors


def test_account_lines_over_the_cap_are_refused():
    with pytest.raises(ValidationError) as exc:
        parse_lines([{"month": "2019-05", "amount_fen": AMOUNT_FEN_MAX + 1, "base_fen": 0}])
    assert exc.value.message_dict == {"lines.1.amount_fen": ["第1行（2019-05）记账金额超过上限（10,000,000,000.00元），请核对"]}
    with pytest.raises(ValidationError) as exc:
        parse_lines([{"month": "2019-05", "amount_fen": 1, "base_fen": 10**15}])
    assert exc.value.message_dict == {"lines.1.base_fen": ["第1行（2019-05）缴费基数超过上限（10,000,000,000.00元），请核对"]}
    assert parse_lines([{"month": "2019-05", "amount_fen": AMOUNT_FEN_MAX, "base_fen": AMOUNT_FEN_MAX}])


@pytest.mark.parametrize(("fen", "refused"), [(AMOUNT_FEN_MAX, False), (AMOUNT_FEN_MAX + 1, True), (2**46 - 1, True)])
def test_an_application_amount_over_the_cap_is_refused(fen, refused):
    import datetime as dt

    from shebao.rules.business_fields import details_validate

    data = {"period": {"start": "2019-01", "end": "2019-01"}, "bases": [{"month": "2019-01", "base_fen": fen}]}
    errors = [e for e in details_validate("individual_back_payment", data, today=dt.date(2020, 2, 20)).errors
              if "base_fen" in str(e)]
    assert bool(errors) == refused
    if refused:
        assert "缴费基数超过上限（10,000,000,000.00元），请核对" in str(errors[0])
