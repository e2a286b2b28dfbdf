"""Case handling (业务经办): applications from every channel, their decision, and what happened to them.

The workflow of each handling mode is a table in `workflows.py`; these models only hold state.
Writes go through `services.py` (one transaction each: the change, its transition row, its audit
row and its outbox message); nothing here has logic in save().
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import validate_email
from django.db import models

from shebao.cards.card_words import CARD_CASE_STATUS_ZH
from shebao.collection.refund_words import REFUND_STATUS_ZH
from shebao.core import clock
from shebao.core.fields import BlindIndexField, EncryptedJSONField, EncryptedTextField
from shebao.core.masking import mask_phone
from shebao.core.models import AppendOnlyModel
from shebao.core.normalize import normalize_code
from shebao.rules.catalog import label


class Channel(models.TextChoices):
    # 0.4: every application records the channel it came by.
    ONLINE = "online", label("channel", "online")
    MOBILE = "mobile", label("channel", "app")  # the catalog calls it app
    WECHAT = "wechat", label("channel", "wechat")
    EMAIL = "email", label("channel", "email")
    FAX = "fax", label("channel", "fax")
    POST = "post", label("channel", "post")
    COUNTER = "counter", label("channel", "counter")


class Mode(models.TextChoices):
    DIRECT = "direct", label("mode", "direct")
    COMMITMENT = "commitment", label("mode", "commitment")
    DEFERRED_DOCUMENTS = "deferred_documents", label("mode", "deferred_documents")
    REMOTE_DOCUMENTS = "remote_documents", label("mode", "remote_documents")
    POSTPONED = "postponed", label("mode", "postponed")
    REGULAR = "regular", label("mode", "regular")


class Status(models.TextChoices):
    SUBMITTED = "submitted", "已提交待受理"
    IN_REVIEW = "in_review", "审核中"
    DOCUMENTS_OUTSTANDING = "documents_outstanding", "容缺待补材料"
    POSTPONED = "postponed", "暂缓（待恢复联审）"
    AWAITING_COPIES = "awaiting_copies", "待单位邮寄复印件"
    DISTRICT_RECEIVED = "district_received", "区中心已收件"
    DISTRICT_REVIEWED = "district_reviewed", "区中心已审核"
    MAILED_TO_CENTER = "mailed_to_center", "已寄市中心"
    CENTER_RECEIVED = "center_received", "市中心已收件"
    ORIGINALS_OWED = "originals_owed", "已办理，待补原件"
    COMPLETED = "completed", "已办结"
    REJECTED = "rejected", "不予受理/驳回"


class ApplicantKind(models.TextChoices):
    EMPLOYER = "employer", label("applicant", "employer")
    PERSON = "person", label("applicant", "person")


# The businesses that give a person a document number: a registration names a new person's number,
# a change of data may give a person a new one. Only one open application may give a number at a time
# (review-input4 F4: one new number was pending in three registrations and a change of another
# person's number; only one could ever complete, the number being unique in the registry).
GIVES_ID_NUMBER = ("insured_registration", "person_change")
CLOSED = ("completed", "rejected")  # Status.COMPLETED, Status.REJECTED: no step leads out of them


def number_given(business: str, details: dict | None) -> str:
    """The document number an application of `business` gives a person (normalised as
    `core.normalize.normalize_code`), or ``""``: a registration's ``insured_id_number``, a change's
    ``changes.id_number`` (GIVES_ID_NUMBER)."""
    details = details if isinstance(details, dict) else {}
    if business == "insured_registration":
        return normalize_code(str(details.get("insured_id_number") or ""))
    if business == "person_change":
        changes = details.get("changes")
        return normalize_code(str((changes if isinstance(changes, dict) else {}).get("id_number") or ""))
    return ""


class Case(models.Model):
    """One application (申请) and its handling."""

    business = models.CharField("业务", max_length=60, db_index=True)
    business_zh = models.CharField("业务名称", max_length=100)
    applicant_kind = models.CharField("申请人类型", max_length=10, choices=ApplicantKind.choices)
    employer = models.ForeignKey("registry.Employer", verbose_name="单位", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="cases")
    person = models.ForeignKey("registry.Person", verbose_name="参保人员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="cases")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    applied_on = models.DateField("申请日期")
    # The application as the rules read it (decision-examples.jsonl form), registry facts included.
    facts = models.JSONField("申请事实", default=dict)
    # What the business carries (its fields in rules/businesses/<code>.yaml), validated on submission:
    # the refund's amount and account, a change's new values, the months and bases of a back-payment.
    # Encrypted at rest as one token (it holds accounts, ID numbers, mobiles: core.fields); never
    # looked inside in SQL.
    details = EncryptedJSONField("申请内容", default=dict, blank=True)
    # The blind index (core.crypto, kind id_number: the same hash as registry.Person.id_number_hash) of
    # the number the application gives a person (`number_given`), "" for none. An open application
    # holds its number alone (the constraint `case_one_open_per_id_number`: two submitted at once cannot
    # both pass, review-input5 F10), and the check `id_number_not_pending` is one indexed query instead of
    # decrypting every open case.
    id_number_given_hash = BlindIndexField(source="id_number_given", kind="id_number",
                                           verbose_name="所给证件号码检索散列")
    # The decision, stored as made: never recomputed silently (a new pack does not change old cases).
    mode = models.CharField("办理方式", max_length=20, choices=Mode.choices)
    clauses = models.JSONField("依据条款", default=list)
    requires = models.JSONField("办理要求", default=list)
    explanation_zh = models.TextField("决定说明")
    explanation_en = models.TextField("Explanation", blank=True)
    pack = models.CharField("政策包", max_length=60)
    pack_version = models.CharField("政策包版本", max_length=40)
    parameters = models.JSONField("所用参数", default=dict)
    rule_id = models.CharField("规则", max_length=60, blank=True)
    # 0.4: the back office of the applicant's district handles the case.
    office = models.ForeignKey("registry.Office", verbose_name="经办机构", on_delete=models.PROTECT,
                               related_name="cases")
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("办理时限", null=True, blank=True)
    # 9: work-injury cases of medical staff move ahead of every queue (higher first).
    priority = models.SmallIntegerField("优先级", default=0)
    flagged = models.BooleanField("有7.4标记", default=False)
    remote_review_required = models.BooleanField("疫情后须复核（2.2）", default=False)
    documents_due_on = models.DateField("容缺材料补交期限", null=True, blank=True)
    resumed_on = models.DateField("恢复办理日期", null=True, blank=True)
    outcome = models.TextField("办理结果记录", blank=True)
    rejection_reason = models.TextField("驳回理由", blank=True)
    # Where notifications go (core.crypto, never looked up): encrypted at rest as the phone is.
    contact_email = EncryptedTextField("通知邮箱", max_length=254, blank=True, validators=[validate_email])
    contact_phone = EncryptedTextField("通知手机", max_length=20, blank=True)  # encrypted at rest (core.crypto)
    contact_wechat = EncryptedTextField("微信标识", max_length=64, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField("幂等键", max_length=100, null=True, blank=True)
    request_hash = models.CharField("请求摘要", max_length=64, blank=True)
    # Optimistic concurrency: every transition bumps it; a stale writer gets 409.
    version = models.PositiveIntegerField("版本", default=1)
    # The business clock's time (core.clock.now: a training copy's cases are dated its business date),
    # set by the services; the ORM's auto_now would stamp the machine's clock instead.
    created_at = models.DateTimeField("提交时间", default=clock.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=clock.now, editable=False)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "业务申请"
        verbose_name_plural = "业务申请"
        constraints = [
            # A retried submission returns the first application, never a second one.
            models.UniqueConstraint(fields=["submitted_by", "idempotency_key"], name="case_idempotency_key_unique"),
            # A portal applicant has no staff account (submitted_by is NULL, and NULLs never clash):
            # its keys carry the account or person (cases.services.portal_idempotency_key) and are
            # unique by themselves, so a double-submitted portal form makes one case (issue 15).
            models.UniqueConstraint(fields=["idempotency_key"], name="case_portal_idempotency_key_unique",
                                    condition=models.Q(submitted_by__isnull=True,
                                                       idempotency_key__startswith="portal:")),
            # One open application gives a number at a time (GIVES_ID_NUMBER; checks.id_number_not_pending
            # refuses the second with its reasons; this holds two submitted at the same moment).
            models.UniqueConstraint(fields=["id_number_given_hash"], name="case_one_open_per_id_number",
                                    condition=~models.Q(id_number_given_hash="") & ~models.Q(status__in=CLOSED)),
        ]
        indexes = [
            models.Index(fields=["office", "status", "-priority", "created_at"]),
            # The back-office queue: priority cases first (9), then by deadline, within an office.
            models.Index(fields=["office", "-priority", "deadline", "id"], name="case_queue_order"),
            models.Index(fields=["mode", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.business_zh}"

    def save(self, *args, **kwargs) -> None:
        """Save, and keep a refund's `RefundDue` rows equal to the dues its details name (whenever the
        details may have changed: a full save or one whose `update_fields` names them)."""
        adding = self._state.adding
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if self.business == "refund" and (fields is None or "details" in fields):
            refund_dues_index(self, new=adding)

    # What a completed refund's status says, by where its money stands (collection.Refund.status): the
    # case is completed when the refund is approved, but nothing is refunded until the bank pays it.
    # The words are the refund's own (collection.refund_words, the one table: review-user13 (2)).
    REFUND_SHOWN = REFUND_STATUS_ZH

    def get_status_display(self) -> str:
        """The status as every page, list, message and API answer says it: the workflow's, except that a
        completed refund follows its money (review-user12 F14: a refund read 已办结 while unpaid). One read
        of the refund's status for a completed refund (a selected refund is used as is)."""
        shown = dict(Status.choices).get(self.status, self.status)
        if self.status != Status.COMPLETED or self.pk is None:
            return shown
        from django.apps import apps

        if self.business == "card_replacement":
            # the card's case follows its card until delivered (cards.card_words, review-user14 (5))
            cache = self._state.fields_cache
            if "card_order" in cache:
                step = cache["card_order"].status if cache["card_order"] is not None else None
            else:
                step = apps.get_model("cards", "CardOrder").objects.filter(case_id=self.pk).values_list(
                    "status", flat=True).first()
            return CARD_CASE_STATUS_ZH.get(step or "", shown)
        if self.business != "refund":
            return shown

        cache = self._state.fields_cache
        if "refund" in cache:  # selected with the case (cases.selectors.case_list): None is "no refund row"
            money = cache["refund"].status if cache["refund"] is not None else None
        else:
            money = apps.get_model("collection", "Refund").objects.filter(case_id=self.pk).values_list(
                "status", flat=True).first()
        return self.REFUND_SHOWN.get(money or "", shown)

    @property
    def outcome_zh(self) -> str:
        """办理结果 as pages show it: a completed refund says where its money stands, in the refund's own
        words and amount (review-user14 (4): the portal said 已按申请办理, the clerk's record, while the
        money was unpaid, beside a status of 已核准，待退款); any other case the outcome recorded."""
        if self.business != "refund" or self.status != Status.COMPLETED or self.pk is None:
            return self.outcome
        amount = (self.details or {}).get("amount_fen")
        from shebao.core.money import format_yuan

        said = f"退费{format_yuan(int(amount))}元" if isinstance(amount, int) else "退费"
        return f"{said}{self.get_status_display()}"

    @property
    def id_number_given(self) -> str:
        """The number this application gives a person (`number_given`), ``""`` for none."""
        return number_given(self.business, self.details)

    @property
    def audit_district_code(self) -> str:
        return self.office.code if self.office_id else ""

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)


def refund_dues_named(details: dict | None) -> set[int]:
    """The due ids a refund's details name (``details["dues"]``), whole numbers only (the field's
    validation refuses anything else before a case is stored)."""
    dues = (details or {}).get("dues") or []
    return {d for d in dues if isinstance(d, int) and not isinstance(d, bool)} if isinstance(dues, list) else set()


def refund_dues_index(case: Case, *, new: bool = False) -> None:
    """Make `case`'s `RefundDue` rows the dues its details name: rows no longer named are deleted and
    new ones inserted (nothing written when they agree). `new`: the case was just inserted (it has no
    rows, none are read)."""
    want = refund_dues_named(case.details)
    have = set() if new else set(RefundDue.objects.filter(case_id=case.pk).values_list("due_id", flat=True))
    if have - want:
        RefundDue.objects.filter(case_id=case.pk, due_id__in=have - want).delete()
    if want - have:
        RefundDue.objects.bulk_create([RefundDue(case_id=case.pk, due_id=d) for d in sorted(want - have)])


class RefundDue(models.Model):
    """A due a refund application (退费, 1.2c) names, in plain numbers beside the encrypted details.

    `collection.refundable.refund_room` must count every refund in handling that competes for the same
    dues; the details are encrypted (one token per case), so without this index each decision decrypted
    every refund application in handling in the city. With it, a decision reads only the applications
    connected to its dues through shared dues (an indexed lookup by due). Kept by `Case.save`
    (`refund_dues_index`); migration cases 0016 filled it for the cases stored before.
    """

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.CASCADE, related_name="refund_dues")
    # No foreign key: a due named is checked by the refund's checks, and a due's row is never deleted.
    due_id = models.BigIntegerField("应缴费款编号", db_index=True)

    class Meta:
        verbose_name = "退费所涉应缴费款"
        verbose_name_plural = "退费所涉应缴费款"
        constraints = [models.UniqueConstraint(fields=["case", "due_id"], name="refund_due_once")]


class CaseEffect(AppendOnlyModel):
    """The effect of a completed case on the books (cases/effects), recorded once.

    The unique (case, effect) row is written in the transaction of the completion before the effect
    runs: a second completion, or a retry after a crash, finds it and posts nothing again.
    """

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.PROTECT, related_name="effects")
    effect = models.CharField("业务效果", max_length=60)
    summary_zh = models.TextField("结果说明")
    result = models.JSONField("结果", default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("操作人（文字）", max_length=150)
    at = models.DateTimeField("时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "业务效果"
        verbose_name_plural = "业务效果"
        constraints = [models.UniqueConstraint(fields=["case", "effect"], name="case_effect_once")]


class CaseTransition(AppendOnlyModel):
    """Every state change: who, when, from, to, note."""

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField("操作", max_length=40)
    from_status = models.CharField("原状态", max_length=24, blank=True)
    to_status = models.CharField("新状态", max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("操作人（文字）", max_length=150)
    actor_role = models.CharField("角色", max_length=20, blank=True)
    at = models.DateTimeField("时间", default=clock.now, editable=False)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"
        ordering = ["at", "pk"]


class CommitmentLetter(AppendOnlyModel):
    """1.2, 4.2: the commitment letter that replaces documents. The hash fixes what was committed to."""

    case = models.OneToOneField(Case, verbose_name="申请", on_delete=models.PROTECT, related_name="commitment_letter")
    text = models.TextField("承诺内容")
    signer = models.CharField("承诺人", max_length=100)
    signed_at = models.DateTimeField("签署时间")
    sha256 = models.CharField("SHA-256", max_length=64)
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    captured_at = models.DateTimeField("录入时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "承诺书"
        verbose_name_plural = "承诺书"


class PhoneCheck(AppendOnlyModel):
    """1.2c: staff confirm a refund by phone with the insured person before it is paid."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "已核实"
        NOT_REACHED = "not_reached", "未接通"
        DENIED = "denied", "本人否认"

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.PROTECT, related_name="phone_checks")
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核实人", on_delete=models.PROTECT,
                                  related_name="+")
    phone = EncryptedTextField("拨打号码", max_length=20)  # encrypted at rest (core.crypto)
    called_at = models.DateTimeField("通话时间")
    outcome = models.CharField("结果", max_length=12, choices=Outcome.choices)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "电话核实"
        verbose_name_plural = "电话核实"
        ordering = ["called_at", "pk"]

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


def document_path(instance: Document, filename: str) -> str:
    """Where an upload is kept under MEDIA_ROOT: ``cases/<year>/<month>/<filename>`` of the business
    date (core.clock), not the wall clock's (review 3, E15: a 2020 case's files sat in cases/2026/11/)."""
    today = clock.today()
    return f"cases/{today.year:04d}/{today.month:02d}/{filename}"


class Document(AppendOnlyModel):
    """A document in a case: an upload, or a page received by fax or e-mail and attached by staff."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "上传"
        FAX = "fax", "传真"
        EMAIL = "email", "电子邮件"
        POST = "post", "邮寄复印件"
        COUNTER = "counter", "窗口收取"

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.PROTECT, related_name="documents")
    name = models.CharField("材料名称", max_length=100)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.UPLOAD)
    file = models.FileField("文件", upload_to=document_path)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "材料"
        verbose_name_plural = "材料"
        ordering = ["uploaded_at", "pk"]


class OwedDocument(models.Model):
    """A document the case still needs: the 1.3 list owed, 4.2 originals, or regular documents.

    It is satisfied by an upload or by a data-exchange record (2.3), then reviewed.
    """

    class Kind(models.TextChoices):
        REQUIRED = "required", "办理所需材料"
        DEFERRED = "deferred", "容缺后补材料（1.3）"
        ORIGINAL = "original", "待补原件（4.2）"

    class State(models.TextChoices):
        OWED = "owed", "未收到"
        RECEIVED = "received", "已收到"
        ACCEPTED = "accepted", "审核通过"
        REFUSED = "refused", "审核不通过"

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.PROTECT, related_name="owed_documents")
    name = models.CharField("材料名称", max_length=100)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OWED)
    due_on = models.DateField("补交期限", null=True, blank=True)
    document = models.ForeignKey(Document, verbose_name="对应材料", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    # 2.3: what can be obtained from another body by data exchange needs no original.
    exchange_source = models.CharField("数据共享来源", max_length=100, blank=True)
    exchange_reference = models.CharField("数据共享凭证号", max_length=100, blank=True)
    received_at = models.DateTimeField("收到时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "应补材料"
        verbose_name_plural = "应补材料"
        ordering = ["pk"]


class Mailing(models.Model):
    """4.2 near retirement: one leg of the copies' journey (employer → district → municipal center)."""

    class Leg(models.TextChoices):
        EMPLOYER_TO_DISTRICT = "employer_to_district", "单位寄区中心"
        DISTRICT_TO_CENTER = "district_to_center", "区中心寄市中心"

    case = models.ForeignKey(Case, verbose_name="申请", on_delete=models.PROTECT, related_name="mailings")
    leg = models.CharField("环节", max_length=24, choices=Leg.choices)
    tracking_number = models.CharField("邮件号", max_length=40, blank=True)
    sent_on = models.DateField("寄出日期", null=True, blank=True)
    received_at = models.DateTimeField("收件时间", null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="收件人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "邮寄记录"
        verbose_name_plural = "邮寄记录"
        constraints = [models.UniqueConstraint(fields=["case", "leg"], name="mailing_one_per_leg")]


class Flag(models.Model):
    """7.4 (and 2.2): an operation done by hand or outside the system, reviewed after the epidemic."""

    class Kind(models.TextChoices):
        MANUAL_OPERATION = "manual_operation", "手工应急操作"
        OUTSIDE_SYSTEM = "outside_system", "系统外经办"
        REMOTE_DOCUMENTS = "remote_documents", "传真/邮件材料先行办理（2.2）"

    class Stage(models.TextChoices):
        FLAGGED = "flagged", "已标记"
        QUEUED = "queued", "待复核"
        REVIEWED = "reviewed", "已复核"
        SETTLED = "settled", "已清理"
        AUDITED = "audited", "已内审"

    case = models.ForeignKey(Case, verbose_name="申请", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="flags")
    office = models.ForeignKey("registry.Office", verbose_name="经办机构", on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    description = models.TextField("说明")
    stage = models.CharField("阶段", max_length=10, choices=Stage.choices, default=Stage.FLAGGED, db_index=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="标记人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField("标记时间", default=clock.now, editable=False)
    queued_at = models.DateTimeField("进入复核队列", null=True, blank=True)
    review_outcome = models.TextField("复核结论", blank=True)
    settle_outcome = models.TextField("清理结论", blank=True)
    audit_outcome = models.TextField("内审结论", blank=True)
    last_actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最后处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "7.4标记"
        verbose_name_plural = "7.4标记"
        ordering = ["raised_at", "pk"]

    @property
    def audit_district_code(self) -> str:
        return self.office.code if self.office_id else ""


class EpidemicLift(models.Model):
    """One application of the lifting announcement's effects. A correction of the lifted date is a new
    row naming the one it corrects; the latest (highest ``sequence``) is in force, every row is kept.
    The unique sequence lets one of two simultaneous runs through."""

    sequence = models.PositiveIntegerField("执行序号", unique=True)
    lifted_on = models.DateField("疫情解除日期")
    corrects = models.ForeignKey("self", verbose_name="更正的执行记录", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrected_by")
    announcement = models.ForeignKey("core.Announcement", verbose_name="公告", on_delete=models.PROTECT,
                                     related_name="+")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="执行人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField("执行时间", default=clock.now, editable=False)
    summary = models.JSONField("影响", default=dict)

    class Meta:
        verbose_name = "疫情解除执行记录"
        verbose_name_plural = "疫情解除执行记录"
        ordering = ["sequence"]


class OutboxMessage(models.Model):
    """A notification written in the transaction of the change it reports, delivered by `shebao deliver`.

    Delivery is at least once: a worker leases a row, sends, then marks it sent; a worker killed in
    between leaves the lease to expire and the message is sent again with the same `message_id`,
    which the receiver uses to drop the repeat.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "电子邮件"
        SMS = "sms", "短信"
        WECHAT = "wechat", "微信"

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        DEAD = "dead", "发送失败"

    message_id = models.UUIDField("消息编号", default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name="申请", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="outbox")
    event = models.CharField("事件", max_length=40)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    # The address the message must reach (a mobile, an e-mail, a WeChat id): encrypted at rest
    # (core.crypto), never looked up by value, read by the sender through the model.
    recipient = EncryptedTextField("收件人", max_length=200)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", db_index=True)
    lease_until = models.DateTimeField("租约到期", null=True, blank=True)
    lease_token = models.CharField("租约", max_length=36, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", default=clock.now, editable=False)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "待发通知"
        verbose_name_plural = "待发通知"
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
