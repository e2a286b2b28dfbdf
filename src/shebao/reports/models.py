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

from django.db import models


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
