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
from django.core.validators import validate_email
from django.db import models

from shebao.core.fields import BlindIndexedModel, BlindIndexField, EncryptedTextField


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
    complainant_phone = EncryptedTextField("投诉人电话", max_length=30, blank=True)  # encrypted at rest (core.crypto)
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


# --- Halls (notice 8) ------------------------------------------------------------------------------
# A hall is the service hall of an office (a district center or an agent office: registry.Office);
# its rows also keep the hall's district, which scopes them (core.scoping).



class HallDayLog(models.Model):
    """A hall's log of one day (8): visitors whose temperature was taken, ventilation, posters.

    Readings of 37.3 °C or more (``FeverReading``) and disinfection rounds (``DisinfectionRound``)
    hang off it; one log per hall and day.
    """

    hall = models.ForeignKey("registry.Office", verbose_name="服务大厅", on_delete=models.PROTECT,
                             related_name="hall_logs")
    district = models.ForeignKey("registry.Office", verbose_name="所属区", on_delete=models.PROTECT,
                                 related_name="+")
    day = models.DateField("日期")
    visitors_checked = models.PositiveIntegerField("测温人数", default=0)
    ventilation = models.CharField("通风情况", max_length=200, blank=True)
    posters_in_place = models.BooleanField("防疫宣传海报已张贴", default=False)
    notes = models.TextField("备注", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="+")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "大厅防疫日志"
        verbose_name_plural = "大厅防疫日志"
        constraints = [models.UniqueConstraint(fields=["hall", "day"], name="one_hall_log_a_day")]

    def __str__(self) -> str:
        return f"{self.hall} {self.day:%Y-%m-%d} 防疫日志"

    @property
    def audit_district_code(self) -> str:
        return self.district.code


class FeverReading(models.Model):
    """A visitor's temperature of 37.3 °C or more and what was done (8). ``tenths``: 0.1 °C units."""

    log = models.ForeignKey(HallDayLog, verbose_name="日志", on_delete=models.PROTECT, related_name="fevers")
    at = models.DateTimeField("测温时间")
    tenths = models.PositiveSmallIntegerField("体温（0.1℃）")
    action = models.TextField("处置措施")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                           related_name="+")

    class Meta:
        verbose_name = "体温异常记录"
        verbose_name_plural = "体温异常记录"
        ordering = ["at", "pk"]

    @property
    def celsius(self) -> str:
        return f"{self.tenths // 10}.{self.tenths % 10}"

    @property
    def audit_district_code(self) -> str:
        return self.log.audit_district_code


class DisinfectionRound(models.Model):
    """A disinfection round in the hall (8): when, which area, who did it."""

    log = models.ForeignKey(HallDayLog, verbose_name="日志", on_delete=models.PROTECT, related_name="rounds")
    at = models.DateTimeField("消毒时间")
    area = models.CharField("消毒区域", max_length=100)
    done_by = models.CharField("消毒人员", max_length=50)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                           related_name="+")

    class Meta:
        verbose_name = "消毒记录"
        verbose_name_plural = "消毒记录"
        ordering = ["at", "pk"]

    @property
    def audit_district_code(self) -> str:
        return self.log.audit_district_code


class Incident(models.Model):
    """A suspected case in a hall (8) or an infection among staff (11), reported to the municipal
    center at once (an outbox message to its duty office) and acknowledged there.

    For a suspected case in the hall: the isolation room used, the local health authority called
    (when, by whom, its reference) and the outcome, recorded as they become known.
    """

    class Kind(models.TextChoices):
        HALL_SUSPECTED = "hall_suspected", "大厅发现疑似病例"
        STAFF = "staff", "工作人员疫情"

    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    hall = models.ForeignKey("registry.Office", verbose_name="服务大厅", on_delete=models.PROTECT,
                             related_name="incidents")
    district = models.ForeignKey("registry.Office", verbose_name="所属区", on_delete=models.PROTECT,
                                 related_name="+")
    occurred_at = models.DateTimeField("发现时间")
    description = models.TextField("情况说明")
    isolation_room_used = models.BooleanField("已使用隔离室", default=False)
    authority_called_at = models.DateTimeField("联系卫生健康部门时间", null=True, blank=True)
    authority_called_by = models.CharField("联系人", max_length=50, blank=True)
    authority_reference = models.CharField("卫生健康部门登记号", max_length=100, blank=True)
    outcome = models.TextField("处置结果", blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField("报告时间")
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="市中心签收人", null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "疫情事件报告"
        verbose_name_plural = "疫情事件报告"
        indexes = [models.Index(fields=["district", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"事件报告 #{self.pk}"

    @property
    def audit_district_code(self) -> str:
        return self.district.code


# --- Duty and inspections (notice 11) -----------------------------------------------------------


class DutyAssignment(models.Model):
    """The leader on duty at a hall on a day (11: 领导带班)."""

    hall = models.ForeignKey("registry.Office", verbose_name="服务大厅", on_delete=models.PROTECT,
                             related_name="duty")
    district = models.ForeignKey("registry.Office", verbose_name="所属区", on_delete=models.PROTECT,
                                 related_name="+")
    day = models.DateField("日期")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="带班领导", on_delete=models.PROTECT,
                               related_name="duty_days")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="排班人", on_delete=models.PROTECT,
                           related_name="+")

    class Meta:
        verbose_name = "带班安排"
        verbose_name_plural = "带班安排"
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["hall", "day"], name="one_leader_on_duty_a_day")]

    @property
    def audit_district_code(self) -> str:
        return self.district.code


class CheckItem(models.TextChoices):
    """The measures a leader inspects (8, 11)."""

    MASKS_GLOVES = "masks_gloves", "工作人员佩戴口罩、手套"
    TEMPERATURE = "temperature", "入厅体温检测"
    DISINFECTION = "disinfection", "定时消毒"
    ISOLATION_ROOM = "isolation_room", "隔离室可用"
    POSTERS = "posters", "防疫宣传海报"


class Inspection(models.Model):
    """A leader's inspection of a hall against the checklist (11); ``checklist``: item -> in place."""

    hall = models.ForeignKey("registry.Office", verbose_name="服务大厅", on_delete=models.PROTECT,
                             related_name="inspections")
    district = models.ForeignKey("registry.Office", verbose_name="所属区", on_delete=models.PROTECT,
                                 related_name="+")
    day = models.DateField("检查日期")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="检查人", on_delete=models.PROTECT,
                                  related_name="+")
    checklist = models.JSONField("检查项目")
    notes = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "带班检查"
        verbose_name_plural = "带班检查"
        ordering = ["-day", "-pk"]

    @property
    def audit_district_code(self) -> str:
        return self.district.code


class Finding(models.Model):
    """A finding of an inspection and its fix (11)."""

    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.PROTECT,
                                   related_name="findings")
    item = models.CharField("检查项目", max_length=20, choices=CheckItem.choices)
    finding = models.TextField("发现问题")
    fix = models.TextField("整改措施", blank=True)
    fixed_on = models.DateField("整改日期", null=True, blank=True)
    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="整改人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "检查发现问题"
        verbose_name_plural = "检查发现问题"
        ordering = ["pk"]

    @property
    def audit_district_code(self) -> str:
        return self.inspection.audit_district_code


# --- Outreach (notice 10: 引导"不见面"办理) ---------------------------------------------------------


class Audience(models.TextChoices):
    """Who a message goes to."""

    DISTRICT_EMPLOYERS = "district_employers", "本区全部参保单位"
    EMPLOYER_PEOPLE = "employer_people", "某单位的全部在职参保人员"
    DOCUMENTS_OWED = "documents_owed", "有待补材料的申请人"
    RETIREES = "retirees", "退休人员"


class Purpose(models.TextChoices):
    """Whether a recipient may opt out (where the law allows): a service notice may be declined; a
    notice the agency must give (a document owed, a legal time limit) is sent regardless."""

    SERVICE = "service", "服务提示（可退订）"
    LEGAL = "legal", "法定告知（不可退订）"


class OutreachChannel(models.TextChoices):
    SMS = "sms", "短信"
    WECHAT = "wechat", "微信模板消息"
    EMAIL = "email", "电子邮件"
    LETTER = "letter", "纸质信函"


class EmployerContact(models.Model):
    """Where the agency writes to an employer (单位联系人): the outreach directory, one per employer."""

    employer = models.OneToOneField("registry.Employer", verbose_name="单位", on_delete=models.PROTECT,
                                    related_name="outreach_contact")
    person_name = models.CharField("联系人", max_length=50, blank=True)
    phone = EncryptedTextField("手机", max_length=20, blank=True)  # encrypted at rest (core.crypto)
    # Encrypted at rest (core.crypto), read only through the model (the outreach run).
    email = EncryptedTextField("电子邮箱", max_length=254, blank=True, validators=[validate_email])
    wechat_openid = EncryptedTextField("微信标识", max_length=64, blank=True)
    postal_address = EncryptedTextField("邮寄地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "单位联系方式"
        verbose_name_plural = "单位联系方式"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


class Outreach(models.Model):
    """A message to a group (10), drafted by one person and approved by a second before it is sent
    (maker-checker). ``subject``/``body`` hold ``{变量}`` placeholders filled per recipient."""

    class State(models.TextChoices):
        DRAFT = "draft", "待审核"
        APPROVED = "approved", "已批准发送"
        REJECTED = "rejected", "已退回"

    title = models.CharField("标题", max_length=100)
    audience = models.CharField("发送对象", max_length=20, choices=Audience.choices)
    district = models.ForeignKey("registry.Office", verbose_name="所属区", on_delete=models.PROTECT,
                                 related_name="+")
    employer = models.ForeignKey("registry.Employer", verbose_name="单位", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    channels = models.JSONField("发送渠道")
    purpose = models.CharField("性质", max_length=10, choices=Purpose.choices)
    subject = models.CharField("消息标题", max_length=100)
    body = models.TextField("消息内容")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="拟稿人", on_delete=models.PROTECT,
                              related_name="+")
    made_at = models.DateTimeField("拟稿时间")
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField("审核时间", null=True, blank=True)
    check_note = models.CharField("审核意见", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "批量通知"
        verbose_name_plural = "批量通知"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"批量通知 #{self.pk} {self.title}"

    @property
    def audit_district_code(self) -> str:
        return self.district.code


class OutreachRecipient(models.Model):
    """One recipient on one channel of an approved message, with its status; the electronic ones
    carry their outbox row (``cases.OutboxMessage``), whose state is the delivery status."""

    class Status(models.TextChoices):
        QUEUED = "queued", "已排队"
        LETTER = "letter", "纸质信函（待邮寄）"
        OPTED_OUT = "opted_out", "已退订，未发送"
        NO_ADDRESS = "no_address", "无联系方式，未发送"

    outreach = models.ForeignKey(Outreach, verbose_name="批量通知", on_delete=models.PROTECT,
                                 related_name="recipients")
    channel = models.CharField("渠道", max_length=10, choices=OutreachChannel.choices)
    name = models.CharField("收件人", max_length=200)
    address = EncryptedTextField("地址", max_length=200, blank=True)  # encrypted at rest (core.crypto)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    message = models.OneToOneField("cases.OutboxMessage", verbose_name="待发通知", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="outreach_recipient")

    class Meta:
        verbose_name = "通知收件人"
        verbose_name_plural = "通知收件人"
        ordering = ["pk"]

    @property
    def audit_district_code(self) -> str:
        return self.outreach.audit_district_code


# The blind-index kind of an opted-out address (core.crypto.blind_index keeps kinds apart).
OPT_OUT_KIND = "opt_out_address"


class OptOut(BlindIndexedModel):
    """A recipient who declined service notices on a channel (法定告知 are still sent).

    The address is encrypted at rest; one opt-out per channel and address is held by the keyed hash
    of the address (`address_hash`, core.crypto.blind_index of kind `OPT_OUT_KIND`), which is also
    what the outreach run compares, so nothing is decrypted to skip an address."""

    channel = models.CharField("渠道", max_length=10, choices=OutreachChannel.choices)
    address = EncryptedTextField("地址", max_length=200)
    address_hash = BlindIndexField(source="address", kind=OPT_OUT_KIND)
    district = models.ForeignKey("registry.Office", verbose_name="登记区", on_delete=models.PROTECT,
                                 related_name="+")
    reason = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "退订登记"
        verbose_name_plural = "退订登记"
        constraints = [models.UniqueConstraint(fields=["channel", "address_hash"], name="one_opt_out_per_address_hash")]

    @property
    def audit_district_code(self) -> str:
        return self.district.code
