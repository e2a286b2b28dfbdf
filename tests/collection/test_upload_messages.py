"""What an upload page says about the file it got (bad-input review 3, E11 and E19): an empty file is
not "no file chosen", a missing file leaves no “” in the message, a bad page number is named."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from shebao.collection.models import BankFile
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db


def _file(content: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


@pytest.mark.parametrize("kind", ["deduction_result", "remittances"])
def test_an_empty_file_is_called_empty_not_missing_and_nothing_is_written(collection_clerk, kind):
    c = Client()
    c.force_login(collection_clerk)
    with nothing_written():
        empty = c.post(f"/collection/imports/{kind}/", {"file": _file(b"", "result.csv")})
        none = c.post(f"/collection/imports/{kind}/", {})
    assert empty.status_code == 400 and none.status_code == 400
    assert "所选文件“result.csv”是空文件（0字节）" in empty.content.decode()
    assert "请选择要导入的文件" not in empty.content.decode()
    assert "请选择要导入的文件" in none.content.decode()
    assert not BankFile.objects.exists()


def test_the_refund_result_page_without_a_file_says_so_without_an_empty_name(collection_clerk):
    c = Client()
    c.force_login(collection_clerk)
    with nothing_written():
        r = c.post("/collection/refunds/results/", {})
    html = r.content.decode()
    assert r.status_code == 400 and "请选择要导入的文件" in html and "文件“”" not in html


@pytest.mark.parametrize("page", ["abc", "0", "1e3", "-1"])
def test_a_bad_page_number_on_a_list_is_named_in_chinese(clerk_chaoyang, page):
    c = Client()
    c.force_login(clerk_chaoyang)
    r = c.get(f"/office/declarations/?page={page}")
    assert r.status_code == 400 and "页码" in r.content.decode() and "应为1至" in r.content.decode()
