"""The leaders' figures, kept as per-district daily tallies (汇总计数), never counted from every row
on a view.

A `Tally` row holds one count (and one amount in fen) of one measure for one district, one day and
one key: e.g. measure ``applied``, key ``wechat``: the applications that came by WeChat on that day
in that district (0.4). Which day a source row counts on is fixed per source (`reports.tallies`):
the application date of a case, the contribution month of a due, the date a payment came in.
``ref_day`` is a second date some measures need to answer "as of today" questions without being
rewritten every night: an open case's deadline (overdue = ``ref_day`` before today), an owed
document's due date (1.3).

The tallies of a (source, district, day) bucket are rewritten together whenever a row of it changed
(`reports.tallies.tallies_refresh`, driven by the audit trail that every write already leaves); the
`TallyWatermark` is the last audit event read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core import clock
from shebao.core.fields import EncryptedJSONField


class Tally(models.Model):
    """One count of one measure for one district on one day (see the module docstring)."""

    source = models.CharField("来源", max_length=20)
    district = models.ForeignKey("registry.Office", verbose_name="区", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日期")
    measure = models.CharField("指标", max_length=30)
    key = models.CharField("分项", max_length=100, blank=True, default="")
    ref_day = models.DateField("参照日期（期限）", null=True, blank=True)
    n = models.BigIntegerField("笔数", default=0)
    fen = models.BigIntegerField("金额（分）", default=0)

    class Meta:
        verbose_name = "统计计数"
        verbose_name_plural = "统计计数"
        indexes = [
            models.Index(fields=["measure", "day", "district"], name="tally_measure_day"),
            models.Index(fields=["source", "district", "day"], name="tally_bucket"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.district_id} {self.measure}/{self.key} {self.n}"


class TallyWatermark(models.Model):
    """How far the tallies have read the audit trail: one row (pk 1)."""

    last_event_id = models.BigIntegerField("已读审计记录编号", default=0)
    refreshed_at = models.DateTimeField("刷新时间", null=True, blank=True)
    rebuilt_at = models.DateTimeField("全量重算时间", null=True, blank=True)

    class Meta:
        verbose_name = "统计刷新进度"
        verbose_name_plural = "统计刷新进度"


class ExportJob(models.Model):
    """A large spreadsheet export written in the background (reports.jobs), with its progress.

    Only whoever asked for it may download the file; the file lies under ``SHEBAO_EXPORT_DIR``
    (readable by the server's account only) and is deleted after ``SHEBAO_EXPORT_RETENTION_HOURS``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导出中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        PURGED = "purged", "文件已过期删除"

    kind = models.CharField("导出内容", max_length=30)
    # The list's filter as the page posted it: it may hold what a person typed (an ID number, a mobile,
    # in any parameter of any list), so it is encrypted at rest as one token like an application's
    # content (review-input5 F4: a queue job kept q=<ID>&page=<mobile> in clear). Never looked inside
    # in SQL.
    params = EncryptedJSONField("筛选条件", default=dict, blank=True)
    title = models.CharField("文件名", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.BigIntegerField("应导出行数", default=0)
    rows = models.BigIntegerField("已写入行数", default=0)
    error = models.CharField("失败原因", max_length=300, blank=True)
    path = models.CharField("文件位置", max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField("发起时间", default=clock.now, editable=False)
    updated_at = models.DateTimeField("最近更新", default=clock.wall_now, editable=False)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台导出任务"
        verbose_name_plural = "后台导出任务"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.title} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.PURGED)

    @property
    def percent(self) -> int:
        """Rows written as a share of the rows to write, 0..100 (100 once done)."""
        if self.status == self.Status.DONE:
            return 100
        return 0 if not self.total else min(99, self.rows * 100 // self.total)
