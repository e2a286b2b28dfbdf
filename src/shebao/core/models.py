"""The audit trail and the log of reads of personal data.

Both are append-only from the application: `save()` refuses to update an existing row and
`delete()` refuses outright, and the admin shows them read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core import clock


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class AuditEvent(AppendOnlyModel):
    """Who changed what, when, from what to what. One row per object, bulk writes included."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        BULK_CREATE = "bulk_create", "批量新增"

    at = models.DateTimeField("时间", default=clock.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人（文字）", max_length=150, blank=True)
    action = models.CharField("动作", max_length=20, choices=Action.choices)
    model = models.CharField("对象类型", max_length=100)
    object_pk = models.CharField("对象编号", max_length=64, blank=True)
    # For bulk creations one event covers a contiguous batch: first..last primary key and count.
    object_pk_last = models.CharField("批量末对象编号", max_length=64, blank=True)
    count = models.PositiveIntegerField("对象数", default=1)
    district_code = models.CharField("区县", max_length=12, blank=True, db_index=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        indexes = [models.Index(fields=["model", "object_pk"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.model}#{self.object_pk}"


class PersonalDataAccess(AppendOnlyModel):
    """Every read of an unmasked personal value: who, when, whose, which field, why."""

    at = models.DateTimeField("时间", default=clock.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    model = models.CharField("对象类型", max_length=100)
    object_pk = models.CharField("对象编号", max_length=64)
    subject_label = models.CharField("数据主体", max_length=150)
    field = models.CharField("字段", max_length=50)
    reason = models.CharField("原因", max_length=200)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        indexes = [models.Index(fields=["model", "object_pk"])]


class Announcement(AppendOnlyModel):
    """A published change to a policy parameter (the epidemic lifted on a date; a deadline moved).

    The policy in force is the pack plus every announcement in publication order; a what-if is the
    same policy with an announcement that is not stored.
    """

    # The business time (core.clock): a training copy set to 2020-02-20 publishes on that day.
    published_at = models.DateTimeField("发布时间", default=clock.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    pack = models.CharField("政策包", max_length=60)
    parameter = models.CharField("参数", max_length=120)
    value = models.JSONField("取值")
    effective_from = models.DateField("生效日期", null=True, blank=True)
    clause = models.CharField("依据条款", max_length=20, blank=True)
    title = models.CharField("标题", max_length=200)

    class Meta:
        verbose_name = "政策公告"
        verbose_name_plural = "政策公告"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title
