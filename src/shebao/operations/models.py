"""The agency's own work: audit and complaint cases (稽核, notice 7.1–7.3).

An audit case is registered (立案登记: the complaint and its documents kept, 7.2), then opened
(立案), investigated, decided and closed. Its time limit runs from the day it is opened, on the
official calendar of working days (``shebao.rules.audit``); the days of a suspension are not
counted (7.1). The deadline is never stored: it is derived on every read from ``opened_on``,
``extended`` and the suspensions, so announcing a suspension or a resumption moves every open
case's deadline at once without rewriting a row.

The complainant's name and phone are personal data: stored in full, shown masked
(``shebao.operations.selectors.masked_name``, ``shebao.core.masking.mask_phone``) and never
printed on the decision letter, which goes to the employer (劳动保障监察条例 第九条: the
complainant is kept confidential).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Source(models.TextChoices):
    """Where a case came from (7.3). The first four are complaints and reports (投诉举报)."""

    HOTLINE_12345 = "hotline_12345", "12345热线"
    DIRECTOR_MAILBOX = "director_mailbox", "局长信箱"
    LETTER = "letter", "来信"
    WALK_IN = "walk_in", "来访投诉"
    INSPECTION = "inspection", "日常巡视检查"
    DATA_ANALYSIS = "data_analysis", "数据分析"


# Cases from complaints and reports: the ones 7.1 suspends ("投诉举报案件").
COMPLAINT_SOURCES = frozenset({Source.HOTLINE_12345, Source.DIRECTOR_MAILBOX, Source.LETTER, Source.WALK_IN})


class State(models.TextChoices):
    REGISTERED = "registered", "已登记（未立案）"
    OPENED = "opened", "已立案"
    INVESTIGATED = "investigated", "已调查"
    DECIDED = "decided", "已作出决定"
    CLOSED = "closed", "已结案"


# States in which the time limit runs (an opened case not yet decided).
RUNNING_STATES = frozenset({State.OPENED, State.INVESTIGATED})


class AuditCase(models.Model):
    """One audit or complaint case of a district office against an employer."""

    source = models.CharField("案件来源", max_length=20, choices=Source.choices)
    district = models.ForeignKey(
        "registry.Office", verbose_name="承办区", on_delete=models.PROTECT, related_name="audit_cases")
    employer = models.ForeignKey(
        "registry.Employer", verbose_name="被稽核单位", on_delete=models.PROTECT, related_name="audit_cases")
    complainant_name = models.CharField("投诉人姓名", max_length=100, blank=True)
    complainant_phone = models.CharField("投诉人电话", max_length=30, blank=True)
    summary = models.TextField("投诉举报事项")
    documents_kept = models.TextField("留存材料", blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REGISTERED)
    registered_on = models.DateField("登记日期")
    opened_on = models.DateField("立案日期", null=True, blank=True)
    extended = models.BooleanField("已延长期限", default=False)
    findings = models.TextField("调查结果", blank=True)
    decision = models.TextField("处理决定", blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "稽核案件"
        verbose_name_plural = "稽核案件"
        indexes = [models.Index(fields=["district", "state"])]

    def __str__(self) -> str:
        return f"稽核案件 #{self.pk}"

    @property
    def audit_district_code(self) -> str:
        return self.district.code if self.district_id else ""

    @property
    def is_complaint(self) -> bool:
        return self.source in COMPLAINT_SOURCES


class AuditContact(models.Model):
    """A contact made on a case (7.3): how, with whom, when, by whom, what was said."""

    class Channel(models.TextChoices):
        PHONE = "phone", "电话"
        EMAIL = "email", "电子邮件"
        LETTER = "letter", "信函"
        VISIT = "visit", "走访"

    class Party(models.TextChoices):
        COMPLAINANT = "complainant", "投诉人"
        EMPLOYER = "employer", "被稽核单位"
        OTHER = "other", "其他"

    case = models.ForeignKey(AuditCase, verbose_name="案件", on_delete=models.PROTECT, related_name="contacts")
    channel = models.CharField("联系方式", max_length=10, choices=Channel.choices)
    party = models.CharField("联系对象", max_length=12, choices=Party.choices)
    contact_person = models.CharField("对方姓名", max_length=100, blank=True)
    contacted_at = models.DateTimeField("联系时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="联系人", on_delete=models.PROTECT,
                           related_name="+")
    notes = models.TextField("沟通内容")

    class Meta:
        verbose_name = "稽核联系记录"
        verbose_name_plural = "稽核联系记录"
        ordering = ["contacted_at", "pk"]

    @property
    def audit_district_code(self) -> str:
        return self.case.audit_district_code


class AuditSuspension(models.Model):
    """A suspension of one case (中止): from ``starts_on`` through ``ends_on``, both counted as
    suspended; ``ends_on`` empty until work on the case resumes.

    The general suspension of 7.1 is not stored here: it is the policy's ``audit.suspended_from``
    and ``audit.resumed_on`` (a resumption is published as an announcement), applied to every case
    from a complaint or report (``shebao.operations.selectors.case_suspensions``).
    """

    case = models.ForeignKey(AuditCase, verbose_name="案件", on_delete=models.PROTECT, related_name="suspensions")
    starts_on = models.DateField("中止起始日")
    ends_on = models.DateField("中止结束日", null=True, blank=True)
    reason = models.CharField("中止原因", max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT,
                           related_name="+")

    class Meta:
        verbose_name = "稽核案件中止"
        verbose_name_plural = "稽核案件中止"
        ordering = ["starts_on", "pk"]

    @property
    def audit_district_code(self) -> str:
        return self.case.audit_district_code
