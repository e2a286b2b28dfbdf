"""A large export runs in the background with its progress shown (issue 20): the page offers the
job instead of a long wait, the job reports the rows written as it writes them, the finished file
holds the same rows as a direct download (read back with openpyxl), only who asked may fetch it,
and the personal data in it is recorded as read once it is written."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shebao.core.models import AuditEvent, PersonalDataAccess
from shebao.reports import excel
from shebao.reports.models import ExportJob
from tests.reports.test_exports import _xlsx, cases  # noqa: F401 (the fixture)


def test_a_long_list_is_exported_in_the_background_with_its_progress(client, clerk_chaoyang, clerk_haidian, cases,  # noqa: F811
                                                                     person_chaoyang, settings, monkeypatch):
    client.force_login(clerk_chaoyang)
    direct = _xlsx(client.get(reverse("backoffice:queue_export")))  # 3 rows: written at once
    PersonalDataAccess.objects.all().delete()
    settings.SHEBAO_EXPORT_INLINE_ROWS = 2
    r = client.get(reverse("backoffice:queue_export"))
    page = r.content.decode()
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert "开始后台导出" in page and '<strong id="export-total">3</strong>' in page
    assert not ExportJob.objects.exists() and not PersonalDataAccess.objects.exists()  # offering writes nothing

    # The job reports each row as written (every row here): while row k+1 is made, the job says k.
    from shebao.backoffice import exports

    monkeypatch.setattr(excel, "PROGRESS_EVERY", 1)
    # The sheet reads its first rows ahead to measure column widths (test_excel_widths): one here.
    monkeypatch.setattr(excel, "WIDTH_SAMPLE_ROWS", 1)
    seen: list[int] = []
    real = exports.EXPORT_SPECS["queue"]

    def watched(user, params):
        spec = real(user, params)
        rows = spec.rows

        def rows_seen():
            for row in rows():
                seen.append(ExportJob.objects.get().rows)
                yield row
        spec.rows = rows_seen
        return spec

    monkeypatch.setitem(exports.EXPORT_SPECS, "queue", watched)
    r = client.post(reverse("backoffice:export_job_start"), {"kind": "queue", "params": ""})
    job = ExportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("backoffice:export_job", args=[job.pk])
    assert seen == [0, 1, 2]
    assert (job.status, job.rows, job.total, job.percent, job.requested_by) == ("done", 3, 3, 100, clerk_chaoyang)
    assert AuditEvent.objects.filter(model="reports.ExportJob", object_pk=str(job.pk)).exists()
    page = client.get(reverse("backoffice:export_job", args=[job.pk])).content.decode()
    assert 'value="100"' in page and "导出完成" in page and "已写入3行，共3行" in page
    f = client.get(reverse("backoffice:export_job_file", args=[job.pk]))
    assert f.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(f.streaming_content)), read_only=True)
    assert [list(row) for row in wb.active.iter_rows(values_only=True)] == direct
    reads = PersonalDataAccess.objects.filter(actor=clerk_chaoyang, object_pk=str(person_chaoyang.pk))
    assert reads.count() == 1 and reads.get().field == "待办导出"

    # Nobody else: not the page, not the file (404, as if there were no such job).
    client.force_login(clerk_haidian)
    assert client.get(reverse("backoffice:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("backoffice:export_job_file", args=[job.pk])).status_code == 404


def test_a_job_page_shows_the_progress_while_it_runs_and_an_unknown_list_is_refused(
        client, clerk_chaoyang, cases, settings):  # noqa: F811
    client.force_login(clerk_chaoyang)
    job = ExportJob.objects.create(kind="queue", title="待办申请", total=4000, rows=1000, status="running",
                                   requested_by=clerk_chaoyang)
    r = client.get(reverse("backoffice:export_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert 'value="25"' in html and "25%" in html and 'hx-trigger="every 1s"' in html and "下载" not in html
    assert client.get(reverse("backoffice:export_job_file", args=[job.pk])).status_code == 404  # not done
    before = ExportJob.objects.count()
    r = client.post(reverse("backoffice:export_job_start"), {"kind": "secrets", "params": ""})
    assert r.status_code == 400 and "没有这种导出" in r.content.decode()
    ExportJob.objects.create(kind="queue", title="待办申请", status="queued", requested_by=clerk_chaoyang)
    r = client.post(reverse("backoffice:export_job_start"), {"kind": "queue", "params": ""})
    assert r.status_code == 400 and "正在进行" in r.content.decode()
    assert ExportJob.objects.count() == before + 1  # only the one made by the test


@pytest.mark.parametrize("hours", [25])
def test_an_old_file_is_deleted_and_its_job_says_so(client, clerk_chaoyang, cases, settings, hours):  # noqa: F811
    import datetime as dt
    from pathlib import Path

    from shebao.core import clock
    from shebao.reports.jobs import export_start

    client.force_login(clerk_chaoyang)
    old = export_start(actor=clerk_chaoyang, kind="queue", params={})
    path = Path(settings.SHEBAO_EXPORT_DIR, old.path)
    assert path.is_file()
    ExportJob.objects.filter(pk=old.pk).update(finished_at=clock.wall_now() - dt.timedelta(hours=hours))
    export_start(actor=clerk_chaoyang, kind="queue", params={})
    old.refresh_from_db()
    assert old.status == "purged" and not path.exists()
    assert client.get(reverse("backoffice:export_job_file", args=[old.pk])).status_code == 404
    assert "文件已超过保存期限被删除" in client.get(reverse("backoffice:export_job", args=[old.pk])).content.decode()
