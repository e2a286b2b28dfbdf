"""The csv module's refusal of a line is said in Chinese, on the staff page and on the employer's roster
upload alike (review-input14 4: a cell of 140,000 characters answered 第2行：CSV格式错误：field larger
than field limit (131072), English, to an employer on the portal)."""

from __future__ import annotations

import csv
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shebao.collection.declarations import read_roster
from shebao.collection.importers import csv_error_zh
from tests.nothing_written import nothing_written

STATEMENT_HEADER = "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"
HUGE = "m" * 140_000
SAID = "第2行：单元格超过131072个字符（文件可能已损坏或引号不配对），请核对后重新上传"


def _no_english(text: str) -> None:
    assert not re.search(r"field larger|field limit|new-line|NUL", text), text


def test_a_huge_cell_on_the_remittance_page_is_said_in_chinese(client, collection_clerk):
    data = (f'{STATEMENT_HEADER}REF2,2020-02-10,100.00,某单位,6222020200112233445,91110105000000000U,"{HUGE}"\n').encode()
    client.force_login(collection_clerk)
    with nothing_written():
        response = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                               {"file": SimpleUploadedFile("r.csv", data, content_type="text/csv")})
    html = response.content.decode()
    assert response.status_code == 400
    assert "单元格超过131072个字符（文件可能已损坏或引号不配对）" in html
    _no_english(html)


def test_a_huge_cell_in_a_roster_is_said_in_chinese():
    data = f'证件号码,姓名,变动类型,缴费基数\n110105196507131772,"{HUGE}",在职,5000\n'.encode()
    rows, errors = read_roster(data)
    assert (rows, errors) == ([], [SAID])


def test_every_csv_error_reads_chinese():
    for message in ("field larger than field limit (131072)", "line contains NUL",
                    "new-line character seen in unquoted field - do you need to open the file in universal-newline mode?",
                    "',' expected after '\"'", "unexpected end of data"):
        said = csv_error_zh(csv.Error(message))
        assert re.search(r"[\u4e00-\u9fff]", said)
        _no_english(said)
        assert "expected" not in said and "unexpected" not in said
