"""Large spreadsheet exports written in the background, with their progress (issue 20).

A list longer than ``SHEBAO_EXPORT_INLINE_ROWS`` is not written while the browser waits: the page
offers to export it in the background; `export_start` records an `ExportJob` and the job writes the
file (reports.excel, in constant memory), reporting the rows written every 1,000 rows, so the job's
page shows a progress bar (polled with htmx, or refreshed by the page itself without JavaScript).
As with the assessment jobs (collection.jobs): ``SHEBAO_JOBS = "thread"`` runs it in a background
thread of the server, ``"inline"`` (tests, a single-threaded server) before returning.

The rows are those the user's own selectors give (the same function as the direct download,
backoffice.exports.EXPORT_SPECS), so a job never shows more than its page; personal numbers are
written in full only for a role that may read them, and then each person is recorded as read
(core.models.PersonalDataAccess) once the file is written. Only who asked may download the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection, transaction
from django.http import Http404

from shebao.core import clock
from shebao.core.audit import audit_create
from shebao.core.permissions import actor_user
from shebao.reports.models import ExportJob

log = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=15)
RUNNING_PER_USER = 2


def _specs() -> dict[str, Any]:
    from shebao.backoffice.exports import EXPORT_SPECS

    return EXPORT_SPECS


def _purge_old(now: dt.datetime) -> None:
    """Delete the files of jobs finished more than the retention hours ago; stop stale jobs."""
    ExportJob.objects.filter(status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
                             updated_at__lt=now - STALE_AFTER).update(
        status=ExportJob.Status.FAILED, error="导出长时间没有进展（服务可能已重启），已中止，请重新导出",
        finished_at=now, updated_at=now)
    old = ExportJob.objects.filter(status=ExportJob.Status.DONE,
                                   finished_at__lt=now - dt.timedelta(hours=settings.SHEBAO_EXPORT_RETENTION_HOURS))
    for job in old:
        _remove(job.path)
    old.update(status=ExportJob.Status.PURGED, path="", updated_at=now)


def _remove(name: str) -> None:
    if name:
        Path(settings.SHEBAO_EXPORT_DIR, name).unlink(missing_ok=True)


def export_start(*, actor: Any, kind: str, params: dict[str, str], inline: bool | None = None) -> ExportJob:
    """Start exporting the list `kind` (a key of backoffice.exports.EXPORT_SPECS) under the page's
    filter `params` (query name → value) for `actor`, a staff member; returns the job (finished when
    run inline). ValidationError (Chinese) for an unknown list, a filter outside the page's, or while
    the user already has ``RUNNING_PER_USER`` exports running; PermissionDenied / Http404 (from the
    list's spec) for a list the user may not see (another district's, another role's run): nothing
    is created then."""
    user = actor_user(actor)
    if user is None:
        raise ValidationError("后台导出须由工作人员发起")
    specs = _specs()
    if kind not in specs:
        raise ValidationError(f"没有这种导出（“{str(kind)[:20]}”）")
    clean = {str(k)[:40]: str(v)[:200] for k, v in dict(params).items()}
    now = clock.wall_now()
    with transaction.atomic():
        _purge_old(now)
        busy = ExportJob.objects.select_for_update().filter(
            requested_by=user, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]).count()
        if busy >= RUNNING_PER_USER:
            raise ValidationError(f"您已有{busy}个导出正在进行，请等待完成后再导出")
        spec = specs[kind](user, clean)  # refuses a list the user may not see: nothing is created
        job = ExportJob.objects.create(kind=kind, params=clean if spec.stored is None else spec.stored,
                                       title=spec.filename[:200], total=spec.total, requested_by=user)
        audit_create(actor=actor, instance=job, reason=f"后台导出：{spec.filename}（{spec.total}行）")
    if inline is None:
        inline = settings.SHEBAO_JOBS == "inline"
    if inline:
        export_job_execute(job_id=job.pk)
        job.refresh_from_db()
    else:
        threading.Thread(target=_in_thread, kwargs={"job_id": job.pk}, daemon=True,
                         name=f"export-job-{job.pk}").start()
    return job


def _in_thread(*, job_id: int) -> None:
    close_old_connections()
    try:
        export_job_execute(job_id=job_id)
    finally:
        connection.close()


def export_job_execute(*, job_id: int) -> None:
    """Run a queued export: write its file with progress on the job row, then record the reads."""
    from shebao.reports.excel import xlsx_write

    updated = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, updated_at=clock.wall_now())
    if not updated:
        return
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    folder = Path(settings.SHEBAO_EXPORT_DIR)
    name = f"{job.pk}-{secrets.token_hex(8)}.xlsx"

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(rows=rows, updated_at=clock.wall_now())

    try:  # the spec checks again that the user may still see the list (a role or district changed)
        spec = _specs()[job.kind](job.requested_by, job.params)
    except (PermissionDenied, Http404, ValidationError):
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error="导出未完成：您已无权查看这份清单（岗位或所属区已变更）",
            finished_at=clock.wall_now(), updated_at=clock.wall_now())
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        rows = xlsx_write(str(folder / name), title=spec.title, header=spec.header, rows=spec.rows(),
                          progress=progress)
        spec.reads.record()
    except Exception:  # the job records the failure; the page shows it
        log.exception("export job %s failed", job_id)
        _remove(name)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=f"导出未完成：系统错误（已记入服务器日志，任务#{job_id}），请联系系统管理员",
            finished_at=clock.wall_now(), updated_at=clock.wall_now())
        return
    ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.DONE, rows=rows, path=name,
                                               finished_at=clock.wall_now(), updated_at=clock.wall_now())


def export_file(*, job: ExportJob, user: Any) -> Path | None:
    """The finished file of `job` for `user` (only who asked for it), or None."""
    if job.requested_by_id != getattr(user, "pk", None) or job.status != ExportJob.Status.DONE or not job.path:
        return None
    path = Path(settings.SHEBAO_EXPORT_DIR, job.path)
    return path if path.is_file() else None
