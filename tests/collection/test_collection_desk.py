"""The collection desk from the pages (3.1, 3.2, 0.3): deduction runs and their protected request
file, the bank's result file, remittance statements and assessment runs with their progress.
Every refusal also proves nothing was written."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from shebao.collection import bankfiles
from shebao.collection.jobs import assessment_start
from shebao.collection.models import (
    AssessmentJob,
    AssessmentRun,
    BankFile,
    DeductionFile,
    DeductionFileDownload,
    DeductionItem,
    DeductionRun,
    Payment,
    RemittanceLine,
)
from shebao.core.models import AuditEvent
from shebao.core.permissions import SystemActor, may
from shebao.staff.models import Role
from tests import personas
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written

FULL_ACCOUNT = "6222021234567890123"
RESULT_HEADER = "item_id,credit_code,amount,result,reason,bank_reference,date\n"
STATEMENT_HEADER = "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"


def other_roles() -> list[str]:
    return [r for r in Role.values if r != Role.COLLECTION_CLERK]


@pytest.fixture
def someone(db, request):
    """A member of the municipal center with the given role (every role but the collection desk's)."""
    return personas.make_staff(f"someone_{request.param}", role=request.param, office_code="110000")


@pytest.fixture
def started_run(collection_clerk, deduction_employer):
    book_due(deduction_employer, "2019-12", 10_000)
    return bankfiles.deduction_run_start(actor=collection_clerk)


# --- The permission table -------------------------------------------------------------------------
COLLECTION_ACTIONS = ["deduction_run.create", "deduction_run.retry", "deduction_file.download",
                      "deduction_result.import", "remittance.import", "assessment.run"]


def test_only_the_municipal_collection_desk_may_take_each_collection_action(db):
    city = {r: personas.make_staff(f"city_{r}", role=r, office_code="110000") for r in Role.values}
    district_desk = personas.make_staff("district_desk", role=Role.COLLECTION_CLERK, office_code="110105")
    for action in COLLECTION_ACTIONS:  # the collection desk's rows of the permission table
        assert {r for r, u in city.items() if may(u, action)} == {Role.COLLECTION_CLERK}, action
        assert not may(district_desk, action), action  # bank files cover every district
        assert may(SystemActor("cli", "命令行"), action)
        assert not may(None, action)


# --- Deduction runs and the request file ------------------------------------------------------------
def test_the_collection_desk_starts_a_run_from_the_page_and_downloads_the_bank_file(client, collection_clerk,
                                                                                   deduction_employer, settings):
    book_due(deduction_employer, "2019-12", 10_000)
    client.force_login(collection_clerk)
    listing = client.get(reverse("collection:deduction_runs")).content.decode()
    assert "生成扣款批次" in listing and "shebao deduction_run" not in listing
    response = client.post(reverse("collection:deduction_run_start"))
    run = DeductionRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("collection:deduction_run", args=[run.pk])
    assert run.created_by_label == collection_clerk.username
    file = DeductionFile.objects.get(run=run)
    on_disk = (settings.SHEBAO_BANK_FILE_DIR / file.filename).read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == file.sha256 and file.lines == 1 and file.amount_fen == 10_000

    page = client.get(reverse("collection:deduction_run", args=[run.pk])).content.decode()
    assert file.sha256 in page and "下载扣款请求文件" in page and FULL_ACCOUNT not in page  # masked on the page
    download = client.get(reverse("collection:deduction_file_download", args=[run.pk]))
    assert download.status_code == 200 and download.content == on_disk
    assert download["X-Content-SHA256"] == file.sha256 and download["Cache-Control"] == "no-store"
    assert f'filename="deduction-run-{run.pk}.csv"' in download["Content-Disposition"]
    lines = download.content.decode().splitlines()
    item = run.items.get()
    assert lines == ["扣款明细编号,统一社会信用代码,单位名称,银行账号,金额（元）",
                     f"{item.pk},{deduction_employer.credit_code},{deduction_employer.name},{FULL_ACCOUNT},100.00"]
    checksum = client.get(reverse("collection:deduction_file_checksum", args=[run.pk]))
    assert checksum.content.decode() == f"{file.sha256}  deduction-run-{run.pk}.csv\n"
    # Each download is recorded, with its audit event naming the clerk.
    assert list(DeductionFileDownload.objects.values_list("what", "actor__username").order_by("pk")) == [
        ("file", collection_clerk.username), ("sha256", collection_clerk.username)]
    events = AuditEvent.objects.filter(model="collection.DeductionFileDownload", actor=collection_clerk)
    assert events.count() == 2 and f"批次#{run.pk}" in events.first().reason


@pytest.mark.parametrize("someone", other_roles(), indirect=True)
def test_no_other_role_may_start_a_run_or_download_the_bank_file(client, someone, started_run):
    client.force_login(someone)
    page = client.get(reverse("collection:deduction_run", args=[started_run.pk])).content.decode()
    assert "下载扣款请求文件（含完整账号）</a>" not in page
    assert "生成扣款批次</button>" not in client.get(reverse("collection:deduction_runs")).content.decode()
    with nothing_written():
        assert client.post(reverse("collection:deduction_run_start")).status_code == 403
        assert client.get(reverse("collection:deduction_file_download", args=[started_run.pk])).status_code == 403
        assert client.get(reverse("collection:deduction_file_checksum", args=[started_run.pk])).status_code == 403
    # The service refuses by itself, whoever calls it.
    with nothing_written(), pytest.raises(PermissionDenied, match="征缴经办人员"):
        bankfiles.deduction_file_read(run=started_run, actor=someone)
    with nothing_written(), pytest.raises(PermissionDenied):
        bankfiles.deduction_run_start(actor=someone)


def test_a_run_with_no_employer_to_deduct_is_refused_and_writes_nothing(client, collection_clerk, remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)  # pays by remittance: no deduction
    client.force_login(collection_clerk)
    with nothing_written():
        response = client.post(reverse("collection:deduction_run_start"), follow=True)
    assert "没有签订扣款协议且有未缴费款的单位" in response.content.decode()


def test_a_tampered_request_file_is_not_handed_out(client, collection_clerk, started_run, settings):
    path = settings.SHEBAO_BANK_FILE_DIR / started_run.request_file.filename
    path.write_bytes(path.read_bytes().replace(b"100.00", b"900.00"))
    client.force_login(collection_clerk)
    with nothing_written():
        response = client.get(reverse("collection:deduction_file_download", args=[started_run.pk]), follow=True)
    assert "校验值不符" in response.content.decode()


def test_the_request_file_is_deleted_once_every_result_is_in(client, collection_clerk, started_run, settings,
                                                              deduction_employer):
    file = started_run.request_file
    path = settings.SHEBAO_BANK_FILE_DIR / file.filename
    item = started_run.items.get()
    client.force_login(collection_clerk)
    data = f"{RESULT_HEADER}{item.pk},{deduction_employer.credit_code},100.00,success,,BK77,2019-12-24\n".encode()
    response = client.post(reverse("collection:bank_file_import", args=["deduction_result"]),
                           {"file": _upload("result.csv", data)})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"明细{item.pk}" in html and "扣款成功" in html and deduction_employer.name in html
    item.refresh_from_db()
    assert item.status == "succeeded" and item.payment.amount_fen == 10_000
    file.refresh_from_db()
    assert file.purge_reason == "扣款结果已全部导入" and file.purged_at is not None
    assert not path.exists() and not path.with_name(path.name + ".sha256").exists()
    with nothing_written():
        refused = client.get(reverse("collection:deduction_file_download", args=[started_run.pk]), follow=True)
    assert "扣款请求文件已于" in refused.content.decode() and "扣款结果已全部导入" in refused.content.decode()


def test_the_request_file_is_kept_no_longer_than_the_retention_period(collection_clerk, started_run, settings,
                                                                     capsys):
    file = started_run.request_file
    path = settings.SHEBAO_BANK_FILE_DIR / file.filename
    assert file.keep_until - file.written_at == dt.timedelta(days=settings.SHEBAO_BANK_FILE_RETENTION_DAYS)
    call_command("purge_bank_files")
    assert path.exists() and "共删除0个文件" in capsys.readouterr().out  # still pending, still in time
    DeductionFile.objects.filter(pk=file.pk).update(keep_until=timezone.now() - dt.timedelta(seconds=1))
    call_command("purge_bank_files")
    assert "超过保存期限" in capsys.readouterr().out and not path.exists()
    file.refresh_from_db()
    assert file.purge_reason == "超过保存期限"
    assert AuditEvent.objects.filter(model="collection.DeductionFile", object_pk=str(file.pk),
                                     actor_label="系统作业：命令行 shebao purge_bank_files").exists()


# --- Uploads, line by line ---------------------------------------------------------------------------
def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_a_remittance_statement_uploaded_from_the_page_is_reported_line_by_line(client, collection_clerk,
                                                                              remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)
    data = (f"{STATEMENT_HEADER}R1,2020-01-06,100.00,某公司,,{remittance_employer.credit_code},社保费\n"
            "R2,2020-01-06,77.00,不明付款人,,,\n").encode()
    client.force_login(collection_clerk)
    assert "导入汇款对账单" in client.get(reverse("collection:remittance_queue")).content.decode()
    response = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                           {"file": _upload("statement.csv", data)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "第2行" in html and "R1" in html and remittance_employer.name in html and "统一社会信用代码" in html
    assert "第3行" in html and "R2" in html and "待人工匹配" in html
    assert list(RemittanceLine.objects.values_list("line_no", "status").order_by("line_no")) == [
        (2, "matched"), (3, "unmatched")]
    assert BankFile.objects.get().imported_by_label == collection_clerk.username
    assert AuditEvent.objects.filter(model="collection.RemittanceLine", actor=collection_clerk).exists()
    with nothing_written():
        again = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                            {"file": _upload("copy.csv", data)})
    assert "未做任何更改" in again.content.decode()


def test_a_malformed_upload_lists_every_bad_line_and_writes_nothing(client, collection_clerk, remittance_employer):
    data = (f"{STATEMENT_HEADER}R1,2020-01-06,100.00,某公司,,,\n"
            "R2,2020-13-06,77.00,某公司,,,\n"
            "R3,2020-01-06,abc,某公司,,,\n").encode()
    client.force_login(collection_clerk)
    with nothing_written():
        response = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                               {"file": _upload("bad.csv", data)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "文件有2处错误，未导入任何数据" in html and "第3行" in html and "第4行" in html and "金额“abc”" in html


def test_an_upload_without_a_file_is_refused_in_chinese(client, collection_clerk):
    client.force_login(collection_clerk)
    with nothing_written():
        response = client.post(reverse("collection:bank_file_import", args=["deduction_result"]), {})
    assert response.status_code == 400 and "请选择要导入的文件" in response.content.decode()


@pytest.mark.parametrize("someone", other_roles(), indirect=True)
def test_no_other_role_may_upload_a_bank_file(client, someone, remittance_employer):
    data = f"{STATEMENT_HEADER}R9,2020-01-06,100.00,某公司,,{remittance_employer.credit_code},\n".encode()
    client.force_login(someone)
    assert "导入汇款对账单" not in client.get(reverse("collection:remittance_queue")).content.decode()
    with nothing_written():
        for kind in ("remittances", "deduction_result"):
            assert client.get(reverse("collection:bank_file_import", args=[kind])).status_code == 403
            assert client.post(reverse("collection:bank_file_import", args=[kind]),
                               {"file": _upload("s.csv", data)}).status_code == 403
    with nothing_written(), pytest.raises(PermissionDenied):
        bankfiles.remittance_statement_import(data=data, filename="s.csv", actor=someone)
    assert not Payment.objects.exists()


def test_a_failed_deduction_in_the_result_file_is_reported_with_its_reason(client, collection_clerk, started_run,
                                                                            deduction_employer):
    item = started_run.items.get()
    data = f"{RESULT_HEADER}{item.pk},{deduction_employer.credit_code},100.00,failed,账户已冻结,,2019-12-24\n".encode()
    client.force_login(collection_clerk)
    html = client.post(reverse("collection:bank_file_import", args=["deduction_result"]),
                       {"file": _upload("r.csv", data)}).content.decode()
    assert "扣款失败" in html and "账户已冻结" in html and f"明细{item.pk}" in html
    assert DeductionItem.objects.get(pk=item.pk).status == "failed"
    assert started_run.request_file.__class__.objects.get(pk=started_run.request_file.pk).purged_at is not None


# --- Assessment runs with progress --------------------------------------------------------------------
def test_the_collection_desk_starts_an_assessment_and_follows_its_progress(client, collection_clerk,
                                                                          employer_chaoyang):
    book_due(employer_chaoyang, "2019-11", 10_000)
    client.force_login(collection_clerk)
    runs_page = client.get(reverse("collection:assessment_runs")).content.decode()
    assert "开始核定" in runs_page and "shebao assess" not in runs_page
    response = client.post(reverse("collection:assessment_start"), {"as_of": "2020-01-31"})
    job = AssessmentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("collection:assessment_job", args=[job.pk])
    assert (job.status, job.progress, job.stage, job.as_of) == ("done", 100, "完成", dt.date(2020, 1, 31))
    run = AssessmentRun.objects.get()
    assert job.run == run and run.arrears_fen == 10_000 and run.created_by_label == collection_clerk.username
    assert AuditEvent.objects.filter(model="collection.AssessmentJob", actor=collection_clerk).exists()
    page = client.get(reverse("collection:assessment_job", args=[job.pk])).content.decode()
    assert '<progress max="100" value="100"' in page and f"查看核定批次#{run.pk}" in page
    assert "发起人 市中心征缴经办员" in page and collection_clerk.username not in page
    assert "hx-trigger" not in page and 'http-equiv="refresh"' not in page  # finished: no more polling


def test_a_running_assessment_polls_with_htmx_and_refreshes_without_javascript(client, collection_clerk):
    job = AssessmentJob.objects.create(as_of=dt.date(2020, 6, 30), status="running", progress=40,
                                       stage="计算滞纳金", requested_by_label="x")
    client.force_login(collection_clerk)
    page = client.get(reverse("collection:assessment_job", args=[job.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    assert 'hx-trigger="every 1s"' in page and '<progress max="100" value="40"' in page and "计算滞纳金" in page
    part = client.get(reverse("collection:assessment_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert part.startswith('<section class="card" id="assessment-job"') and "<html" not in part
    # One assessment at a time: a second start is refused, nothing written.
    with nothing_written():
        refused = client.post(reverse("collection:assessment_start"), {"as_of": "2020-06-30"}, follow=True)
    assert f"核定任务#{job.pk}" in refused.content.decode() and "正在进行" in refused.content.decode()


def test_a_job_that_stopped_reporting_is_marked_failed_and_a_new_one_runs(collection_clerk):
    stale = AssessmentJob.objects.create(as_of=dt.date(2020, 6, 30), status="running", requested_by_label="x")
    AssessmentJob.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    job = assessment_start(as_of=dt.date(2020, 6, 30), actor=collection_clerk)
    stale.refresh_from_db()
    assert stale.status == "failed" and "中止" in stale.error and job.status == "done"


def test_a_bad_date_is_refused_in_chinese_and_writes_nothing(client, collection_clerk):
    client.force_login(collection_clerk)
    with nothing_written():
        response = client.post(reverse("collection:assessment_start"), {"as_of": "2020-13-01"}, follow=True)
    assert "核定日“2020-13-01”不存在：没有13月" in response.content.decode()  # not "格式错误" (review-input12 F16)


@pytest.mark.parametrize("someone", other_roles(), indirect=True)
def test_no_other_role_may_start_an_assessment(client, someone):
    client.force_login(someone)
    assert "开始核定</button>" not in client.get(reverse("collection:assessment_runs")).content.decode()
    with nothing_written():
        assert client.post(reverse("collection:assessment_start"), {"as_of": "2020-01-31"}).status_code == 403
    with nothing_written(), pytest.raises(PermissionDenied):
        assessment_start(as_of=dt.date(2020, 1, 31), actor=someone)


def test_the_assess_command_runs_through_the_same_job_service(employer_chaoyang, capsys):
    book_due(employer_chaoyang, "2019-11", 10_000)
    call_command("assess", "--as-of", "2020-01-31")
    job = AssessmentJob.objects.get()
    assert job.status == "done" and job.requested_by_label == "系统作业：命令行 shebao assess"
    assert f"核定批次#{job.run_id}" in capsys.readouterr().out


def test_a_gbk_statement_is_read_with_the_encoding_chosen_on_upload(client, collection_clerk, remittance_employer):
    book_due(remittance_employer, "2019-12", 10_000)
    data = (f"{STATEMENT_HEADER}G1,2020-01-06,100.00,某公司,,{remittance_employer.credit_code},社保费\n"
            ).encode("gb18030")
    client.force_login(collection_clerk)
    page = client.get(reverse("collection:bank_file_import", args=["remittances"])).content.decode()
    assert '<option value="gb18030"' in page and ".xlsx" in page
    response = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                           {"file": _upload("gbk.csv", data), "encoding": "gb18030"})
    assert response.status_code == 200 and remittance_employer.name in response.content.decode()
    line = RemittanceLine.objects.get(bank_reference="G1")
    assert (line.status, line.payer_name, line.memo) == ("matched", "某公司", "社保费")
    with nothing_written():
        refused = client.post(reverse("collection:bank_file_import", args=["remittances"]),
                              {"file": _upload("x.csv", data), "encoding": "ebcdic"})
    assert refused.status_code == 400 and "不支持的文件编码“ebcdic”" in refused.content.decode()
