"""The center's refund payment desk (1.2c; issue 16 §3 maker and checker): the page and the commands
that write the bank payment file of approved refunds, have a second person release it, hand it out
for the bank, and read back the bank's result, with the ledger and the case's refund showing it."""

from __future__ import annotations

import io
import os
import stat

import pytest
from django.core.management import CommandError, call_command

from shebao.collection import ledger
from shebao.collection.models import (
    BankFile,
    PaymentFileRelease,
    Refund,
    RefundFileDownload,
    RefundPaymentFile,
)
from shebao.core import clock
from shebao.core.models import AuditEvent
from tests.businesses.test_refund import _approved
from tests.nothing_written import nothing_written

RESULT_HEAD = "refund_id,status,paid_on,reason\n"


def _upload(data: bytes, name: str = "退费结果.csv") -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.SHEBAO_BANK_FILE_DIR = tmp_path / "bank"


def test_the_desk_makes_releases_hands_out_and_settles_a_refund_file(
        client, clerk_chaoyang, reviewer_chaoyang, person_chaoyang, employer_chaoyang, paid_due, collection_clerk,
        municipal_admin):
    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    client.force_login(collection_clerk)
    page = client.get("/collection/refunds/").content.decode()
    assert f"#{refund.pk}" in page and "300.00" in page and "生成退费支付文件" in page
    assert "6222020000001234567" not in page and refund.bank_account_masked in page  # masked on the page

    r = client.post("/collection/refunds/files/")
    assert r.status_code == 302
    file = RefundPaymentFile.objects.get()
    refund.refresh_from_db()
    assert (refund.status, refund.payment_file, file.lines, file.amount_fen) == ("in_file", file, 1, 30_000)
    page = client.get("/collection/refunds/").content.decode()
    assert file.filename in page and "没有待生成支付文件的退费" in page

    # The maker may not release the file, nor download it unreleased: nothing written.
    with nothing_written():
        r = client.post(f"/collection/refunds/files/{file.pk}/release/", follow=True)
    assert "另一名工作人员" in r.content.decode()
    with nothing_written():
        r = client.get(f"/collection/refunds/files/{file.pk}/download/", follow=True)
    assert "尚未由第二人复核放行" in r.content.decode()

    client.force_login(municipal_admin)  # the second person
    r = client.post(f"/collection/refunds/files/{file.pk}/release/", follow=True)
    assert "已复核放行" in r.content.decode()
    release = PaymentFileRelease.objects.get(kind="refund", file_pk=str(file.pk))
    assert release.released_by == municipal_admin
    assert municipal_admin.username not in release.made_by_label
    # The center's administrator sees the desk but neither makes nor downloads files.
    page = client.get("/collection/refunds/").content.decode()
    assert f"/collection/refunds/files/{file.pk}/download/" not in page and "/collection/refunds/results/" not in page

    client.force_login(collection_clerk)
    r = client.get(f"/collection/refunds/files/{file.pk}/download/")
    assert r.status_code == 200 and r["X-Content-SHA256"] == file.sha256
    assert b"6222020000001234567" in r.content and b"300.00" in r.content  # the full account, for the bank
    assert RefundFileDownload.objects.filter(file=file, actor=collection_clerk).count() == 1
    assert AuditEvent.objects.filter(model="collection.RefundFileDownload").count() == 1

    result = f"{RESULT_HEAD}{refund.pk},成功,{clock.today()},\n".encode("gb18030")
    r = client.post("/collection/refunds/results/", {"file": _upload(result), "encoding": "gbk"})
    assert r.status_code == 200
    assert "支付成功1笔" in r.content.decode()
    refund.refresh_from_db()
    assert refund.status == "paid" and refund.settlement is not None
    assert ledger.account_balance(account="refund_payable", employer_id=employer_chaoyang.pk) == 0
    assert BankFile.objects.get(kind="refund_result").lines == 1
    page = client.get("/collection/refunds/").content.decode()
    assert "已退款1笔" in page and f"支付凭证#{refund.settlement_id}" in page
    account = client.get(f"/collection/employers/{employer_chaoyang.pk}/").content.decode()
    assert "已退款" in account


@pytest.mark.parametrize(("data", "encoding", "says"), [
    (b"", "", "空文件"),  # input16: an empty file is named as empty, not as missing
    (RESULT_HEAD.encode(), "", "没有数据行"),
    ("refund_id,状态\n1,成功\n".encode(), "", "表头"),
    # D8: GBK bytes read as UTF-16 (an odd number of bytes, each line even): never "imported" with 0 rows.
    (("refund_id,status,paid_on,reason\n1,失败,,户名不符 ").encode("gbk"), "utf-16", "UTF-16"),
])
def test_a_result_file_that_yields_nothing_is_refused_on_the_page_and_leaves_no_trace(
        client, collection_clerk, data, encoding, says):
    client.force_login(collection_clerk)
    with nothing_written():
        r = client.post("/collection/refunds/results/", {"file": _upload(data), "encoding": encoding})
    assert r.status_code == 400
    text = r.content.decode()
    assert "未导入任何数据" in text and says in text
    assert not BankFile.objects.exists()


def test_a_district_clerk_does_not_reach_the_desk(client, clerk_chaoyang, db):
    client.force_login(clerk_chaoyang)
    for method, url in [("get", "/collection/refunds/"), ("post", "/collection/refunds/files/"),
                        ("post", "/collection/refunds/results/")]:
        with nothing_written():
            r = getattr(client, method)(url)
        assert r.status_code == 403 and "无权" in r.content.decode() or "须由" in r.content.decode()


def test_the_commands_make_hand_out_and_settle_a_refund_file(
        clerk_chaoyang, reviewer_chaoyang, person_chaoyang, employer_chaoyang, paid_due, municipal_admin, tmp_path):
    from shebao.collection import releases

    refund = _approved(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due)
    out = io.StringIO()
    call_command("refund_file", "create", stdout=out)
    file = RefundPaymentFile.objects.get()
    assert file.filename in out.getvalue() and "300.00元" in out.getvalue() and "复核放行" in out.getvalue()
    assert AuditEvent.objects.filter(model="collection.RefundPaymentFile", actor_label__contains="shebao refund_file"
                                     ).exists()
    path = tmp_path / "refunds.csv"
    with pytest.raises(CommandError, match="尚未由第二人复核放行"):
        call_command("refund_file", "download", str(file.pk), "--output", str(path))
    assert not path.exists() and not RefundFileDownload.objects.exists()

    releases.refund_payment_file_release(file=file, actor=municipal_admin)
    out = io.StringIO()
    call_command("refund_file", "list", stdout=out)
    assert "已复核放行" in out.getvalue()
    call_command("refund_file", "download", str(file.pk), "--output", str(path), stdout=io.StringIO())
    assert b"6222020000001234567" in path.read_bytes()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert RefundFileDownload.objects.filter(file=file).count() == 1
    with pytest.raises(CommandError, match="已存在"):
        call_command("refund_file", "download", str(file.pk), "--output", str(path))

    empty = tmp_path / "empty.csv"
    empty.write_bytes(RESULT_HEAD.encode())
    with nothing_written(), pytest.raises(CommandError, match="没有数据行"):
        call_command("import_refund_result", str(empty))
    result = tmp_path / "result.csv"
    result.write_bytes(f"{RESULT_HEAD}{refund.pk},失败,,户名不符\n".encode("gbk"))
    out = io.StringIO()
    call_command("import_refund_result", str(result), "--encoding", "GBK", stdout=out)
    assert "支付失败1笔" in out.getvalue()
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == (Refund.Status.FAILED, "户名不符")
    out = io.StringIO()
    call_command("import_refund_result", str(result), stdout=out)
    assert "此前已导入" in out.getvalue()
    # The failed refund goes into the next file.
    call_command("refund_file", "create", stdout=io.StringIO())
    assert RefundPaymentFile.objects.order_by("-pk").first().lines == 1
