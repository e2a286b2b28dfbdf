"""Assessment runs started from the pages or the command, with their progress (0.3).

`assessment_start` checks who acts and records an `AssessmentJob`; the job then runs
`assessment.assessment_run` (the same computation as `shebao assess`), writing its progress to the
job row between steps, so the page can show a progress bar (polled with htmx, or refreshed by the
page itself without JavaScript). With `SHEBAO_JOBS = "thread"` (the default) the job runs in a
background thread of the server; with "inline" (tests, the command) it runs before returning.

One assessment at a time: a second start while one is queued or running is refused, unless the
first has not reported for `STALE_AFTER` (its process died), when it is marked failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction

from shebao.collection.assessment import assessment_run
from shebao.collection.models import AssessmentJob
from shebao.core import clock
from shebao.core.audit import audit_create
from shebao.core.inputs import business_date_range
from shebao.core.permissions import actor_label, actor_user, require
from shebao.core.policy import current_policy

log = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=15)
FIRST_DATE = dt.date(2000, 1, 1)


def _label(actor: Any) -> str:
    """The name the job page shows: a clerk's display name (not the login) or the job's label."""
    actor_label(actor)  # refuses anything that is neither a staff account nor a named system job
    return str(actor)


def _stale_jobs_fail(now: dt.datetime) -> None:
    AssessmentJob.objects.filter(status__in=[AssessmentJob.Status.QUEUED, AssessmentJob.Status.RUNNING],
                                 updated_at__lt=now - STALE_AFTER).update(
        status=AssessmentJob.Status.FAILED, error="任务长时间没有进展（服务可能已重启），已中止，请重新开始",
        finished_at=now, updated_at=now)


def assessment_start(*, as_of: dt.date, actor: Any, inline: bool | None = None) -> AssessmentJob:
    """Start the city-wide assessment as of `as_of`; returns the job (finished when run inline).

    PermissionDenied unless `actor` has the collection role at the municipal center (or is a named
    `SystemActor`); ValidationError for a date out of range or while another assessment runs.
    """
    require(actor, "assessment.run")
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise ValidationError("核定日须为日期")
    if as_of < FIRST_DATE or as_of > business_date_range(clock.today())[1]:
        raise ValidationError({"as_of": f"核定日{as_of:%Y-%m-%d}超出范围（{FIRST_DATE.year}年起，"
                                        "不晚于业务日期后一年）"})
    now = clock.wall_now()
    with transaction.atomic():
        _stale_jobs_fail(now)
        busy = (AssessmentJob.objects.select_for_update()
                .filter(status__in=[AssessmentJob.Status.QUEUED, AssessmentJob.Status.RUNNING]).first())
        if busy is not None:
            raise ValidationError(f"核定任务#{busy.pk}（核定日{busy.as_of:%Y-%m-%d}）正在进行，请等待完成后再开始")
        job = AssessmentJob.objects.create(
            as_of=as_of, stage="等待开始", requested_by=actor_user(actor),
            requested_by_label=_label(actor))
        audit_create(actor=actor, instance=job, reason=f"开始征缴核定（核定日{as_of:%Y-%m-%d}）")
    if inline is None:
        inline = settings.SHEBAO_JOBS == "inline"
    if inline:
        assessment_job_execute(job_id=job.pk, actor=actor)
        job.refresh_from_db()
    else:
        threading.Thread(target=_in_thread, kwargs={"job_id": job.pk, "actor": actor}, daemon=True,
                         name=f"assessment-job-{job.pk}").start()
    return job


def _in_thread(*, job_id: int, actor: Any) -> None:
    close_old_connections()
    try:
        assessment_job_execute(job_id=job_id, actor=actor)
    finally:
        connection.close()


def assessment_job_execute(*, job_id: int, actor: Any) -> None:
    """Run a queued job: the assessment, its progress on the job row, then the run or the error."""
    updated = AssessmentJob.objects.filter(pk=job_id, status=AssessmentJob.Status.QUEUED).update(
        status=AssessmentJob.Status.RUNNING, progress=1, stage="开始", updated_at=clock.wall_now())
    if not updated:
        return  # someone else runs it, or it was stopped

    def progress(percent: int, step: str) -> None:
        AssessmentJob.objects.filter(pk=job_id).update(progress=max(1, min(99, percent)), stage=step[:100],
                                                       updated_at=clock.wall_now())

    job = AssessmentJob.objects.get(pk=job_id)
    try:
        run, _ = assessment_run(as_of=job.as_of, policy=current_policy(), actor=actor, progress=progress)
    except Exception:  # the job records the failure; the page shows it
        log.exception("assessment job %s failed", job_id)
        AssessmentJob.objects.filter(pk=job_id).update(
            status=AssessmentJob.Status.FAILED, stage="失败", error=f"核定未完成：系统错误（已记入服务器日志，任务#{job_id}），请联系系统管理员"[:300],
            finished_at=clock.wall_now(), updated_at=clock.wall_now())
        return
    AssessmentJob.objects.filter(pk=job_id).update(status=AssessmentJob.Status.DONE, progress=100, stage="完成",
                                                   run=run, finished_at=clock.wall_now(), updated_at=clock.wall_now())
