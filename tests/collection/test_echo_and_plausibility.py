"""Messages never quote a huge input whole, and a roster's name is judged as a name (review-input14 8:
the size-class calculator echoed a 5,000-character industry code; bank-file messages quoted a cell whole;
a roster took 贾 and 5,000 combining accents, stored cut at 100, and =HYPERLINK("http://x") as a name)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shebao.collection.declarations import read_roster
from shebao.collection.importers import ImportRefused, import_remittances
from shebao.collection.models import BankFile, RemittanceLine
from tests.personas import SETUP

ROSTER = "证件号码,姓名,变动类型,缴费基数\n110105196507131772,{name},在职,5000\n"


def test_the_size_class_calculator_quotes_at_most_20_characters(municipal_admin):
    api = APIClient()
    api.force_authenticate(municipal_admin)
    r = api.get("/api/v1/relief/size-class/", {"industry": "x" * 5000})
    assert r.status_code == 400
    said = r.json()["errors"][0]["reason_zh"]
    assert "不是国民经济行业分类" in said and "X" * 20 + "…" in said and "X" * 21 not in said
    assert len(r.content) < 2000


def test_a_bank_file_message_quotes_a_cell_cut(db):
    header = "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
    data = (header + f"R1,{'9' * 5000},100.00,某单位,,,x\n").encode()
    with pytest.raises(ImportRefused) as exc:
        import_remittances(actor=SETUP, data=data, filename="r.csv")
    text = str(exc.value)
    assert "日期“" + "9" * 30 + "…”" in text and "9" * 31 not in text
    assert (BankFile.objects.count(), RemittanceLine.objects.count()) == (0, 0)


@pytest.mark.parametrize(("name", "said"), [
    ("贾" + "\u0301" * 5000, "姓名：不能超过100个字符（现为5001个）"),
    ('"=HYPERLINK(""http://x"")"', "姓名：第1位“=”不是姓名用字"),
])
def test_a_roster_name_that_is_no_name_is_a_row_error(name, said):
    rows, file_errors = read_roster(ROSTER.format(name=name).encode())
    assert file_errors == []
    assert any(e.startswith(said) for e in rows[0].errors), rows[0].errors


def test_a_good_roster_name_is_taken():
    rows, _ = read_roster(ROSTER.format(name="阿卜杜拉·买买提").encode())
    assert rows[0].errors == [] and rows[0].name == "阿卜杜拉·买买提"
