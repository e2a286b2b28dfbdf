"""Collection (征缴): dues, payments, the double-entry ledger, bank files and assessment runs.

Money is integer fen everywhere. The ledger (`LedgerTransaction`, `Posting`) and the allocations
are append-only: a mistake is corrected by a reversing transaction that names its author and
reason, never by changing or deleting a row. A due that is paid in part is split into the paid
part and the open remainder, so that every due is settled by exactly one payment and carries one
payment date: Reading 0.3b charges the late fee on "the overdue amount" up to "the payment date".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models

from shebao.collection.refund_words import REFUND_STATUS_ZH
from shebao.core import clock
from shebao.core.fields import EncryptedTextField
from shebao.core.models import AppendOnlyModel
from shebao.registry.models import Employer, Office

INSURANCE_CHOICES = [
    ("pension", "养老保险"),
    ("unemployment", "失业保险"),
    ("medical", "医疗保险"),
    ("maternity", "生育保险"),
    ("work_injury", "工伤保险"),
]
# Allocation order within one month: oldest month first, then this order (pension first).
INSURANCE_ORDER = {code: i for i, (code, _) in enumerate(INSURANCE_CHOICES)}


class Due(models.Model):
    """What one employer owes for one insurance type and one contribution month (应缴).

    `month_no` is the rules core's month index (months since 1970-01), kept beside the `YYYY-MM`
    label so that the assessment reads plain integers in bulk.
    """

    # Indexed by (employer, month_no) below; a second index on the key alone would only slow loads.
    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="dues",
                                 db_index=False)
    month = models.CharField("费款所属期", max_length=7)
    month_no = models.IntegerField("月序号")
    insurance = models.CharField("险种", max_length=20, choices=INSURANCE_CHOICES)
    employer_fen = models.BigIntegerField("单位缴费（分）")
    personal_fen = models.BigIntegerField("个人缴费（分）")
    amount_fen = models.BigIntegerField("应缴金额（分）")
    persons = models.PositiveIntegerField("人数", default=0)
    # Set when the due is settled; a partial payment splits the due first (see module docstring).
    paid_on = models.DateField("实缴日期", null=True, blank=True)
    split_from = models.ForeignKey("self", verbose_name="拆分自", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField("生成时间", default=clock.now, editable=False)
    # Relief of the employer share under a relief pack's rule ("<pack>/<rule id>", rules/relief.py):
    # taken off `employer_fen` and `amount_fen` when the due was built or reduced; when the due had
    # been paid before the pack was published, it was credited to the employer instead (`relief_credited`).
    relief_fen = models.BigIntegerField("减免单位缴费（分）", default=0, db_default=0)
    relief_rule = models.CharField("减免依据（政策包/条目）", max_length=100, blank=True, default="", db_default="")
    relief_credited = models.BooleanField("减免已退至预缴余额", default=False, db_default=False)
    # A granted deferral's new due date (no late fee before it): the employer share only.
    deferred_to = models.DateField("缓缴至", null=True, blank=True)
    deferral = models.ForeignKey("Deferral", verbose_name="缓缴申请", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="dues", db_index=False)

    class Meta:
        verbose_name = "应缴费款"
        verbose_name_plural = "应缴费款"
        indexes = [
            models.Index(fields=["employer", "month_no"]),
            # Covers the assessment's read: the months' dues unpaid or paid after a day, with the
            # employer and amount, straight from the index (see assessment.dues_read).
            models.Index(fields=["month_no", "paid_on", "employer", "amount_fen"], name="due_assessment_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="due_amount_not_negative"),
            # 2**46 fen is 700 billion yuan: above it a due is a data error (and the assessment
            # packs amounts into 47 bits, see assessment.MONTH_BITS).
            models.CheckConstraint(condition=models.Q(amount_fen__lt=2**46), name="due_amount_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.month} {self.get_insurance_display()} {self.amount_fen}"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


class ReliefPublication(AppendOnlyModel):
    """A relief pack put in force (rules/relief.py): when, by whom, and what it relieved at once.

    Dues built from then on carry the pack's relief; dues built before it were reduced (unpaid) or
    credited to the employer (paid) in the publishing transaction, with their ledger entry.
    """

    pack = models.CharField("政策包", max_length=60, unique=True)
    version = models.CharField("版本", max_length=40)
    title = models.CharField("名称", max_length=200)
    published_on = models.DateField("发布日期")
    published_by_label = models.CharField("发布人", max_length=150)
    dues = models.PositiveIntegerField("当即减免应缴笔数", default=0)
    employers = models.PositiveIntegerField("当即减免单位数", default=0)
    reduced_fen = models.BigIntegerField("减少欠缴（分）", default=0)
    credited_fen = models.BigIntegerField("退至预缴余额（分）", default=0)
    transaction = models.OneToOneField("LedgerTransaction", verbose_name="凭证", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="relief_publication")
    # The rules (``<pack>/<rule id>``) whose document was issued by ``published_on``: what the
    # publication applied. A rule issued later applies from its day (`ReliefReapplication`).
    rules_known = models.JSONField("发布日已印发文件的条目", default=list)
    created_at = models.DateTimeField("记录时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "减免缓缴政策包发布"
        verbose_name_plural = "减免缓缴政策包发布"
        ordering = ["published_on", "pk"]

    def __str__(self) -> str:
        return f"{self.pack} {self.version}"


class ReliefReapplication(AppendOnlyModel):
    """Relief under a published pack's rules whose document was issued after the dues were decided
    (补减免: a later notice, such as 人社部发〔2020〕49号 extending the exemption): which document, on
    which business day, what it relieved, and the ledger entry (open dues reduced, paid ones credited to
    the employer). One row per document and run that relieved something
    (`collection.relief.relief_known_apply`); a run with nothing newly known writes nothing.
    """

    pack = models.CharField("政策包", max_length=60)
    document = models.CharField("依据文件", max_length=300)
    document_issued_on = models.DateField("文件印发日期")
    applied_on = models.DateField("执行日期")
    applied_by_label = models.CharField("执行人", max_length=150)
    rules = models.JSONField("适用条目", default=list)
    dues = models.PositiveIntegerField("减免应缴笔数", default=0)
    employers = models.PositiveIntegerField("减免单位数", default=0)
    reduced_fen = models.BigIntegerField("减少欠缴（分）", default=0)
    credited_fen = models.BigIntegerField("退至预缴余额（分）", default=0)
    transaction = models.OneToOneField("LedgerTransaction", verbose_name="凭证", on_delete=models.PROTECT,
                                       related_name="relief_reapplication")
    created_at = models.DateTimeField("记录时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "减免政策包补减免"
        verbose_name_plural = "减免政策包补减免"
        ordering = ["applied_on", "pk"]

    def __str__(self) -> str:
        return f"{self.pack} {self.document_issued_on}"


class ReliefPublicationRequest(models.Model):
    """A request to publish a relief pack (the maker) and its decision by a second person (the checker).

    Publishing relieves money of every district at once (open dues reduced, paid ones credited back),
    so one member of the center's staff asks, with the what-if's figures of that moment recorded, and
    another approves (`collection.relief.relief_pack_publish_decide`): the pack is published then.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "待复核"
        APPROVED = "approved", "已复核发布"
        DECLINED = "declined", "复核未通过"

    pack = models.CharField("政策包", max_length=60)
    reason = models.CharField("申请说明", max_length=200)
    relief_fen = models.BigIntegerField("申请时试算减免（分）", default=0)
    employers = models.PositiveIntegerField("申请时试算单位数", default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("申请时间", default=clock.now, editable=False)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    note = models.CharField("复核意见", max_length=200, blank=True)
    publication = models.OneToOneField(ReliefPublication, verbose_name="发布记录", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="request")

    class Meta:
        verbose_name = "减免缓缴政策包发布申请"
        verbose_name_plural = "减免缓缴政策包发布申请"
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["pack"], condition=models.Q(outcome="pending"),
                                               name="relief_publication_one_pending")]

    def __str__(self) -> str:
        return f"{self.pack} {self.outcome}"


class Deferral(models.Model):
    """An employer's application to defer the employer share of named months (缓缴), and its decision.

    Registered by the district's staff, approved or refused by a second person (a reviewer); approval
    splits each open due of those months and the rule's insurance types into the employer share
    (deferred to `due_until`, no late fee before it) and the personal share (due as normal).
    """

    class Status(models.TextChoices):
        APPLIED = "applied", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "不予批准"

    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="deferrals")
    pack = models.CharField("政策包", max_length=60)
    rule = models.CharField("缓缴条目", max_length=60)
    months = models.JSONField("缓缴的费款所属期")
    due_until = models.DateField("缓缴至")
    reason = models.CharField("申请理由", max_length=300)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.APPLIED)
    applied_on = models.DateField("申请日期")
    applied_by_label = models.CharField("登记人", max_length=150)
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decided_by_label = models.CharField("审批人", max_length=150, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    dues_deferred = models.PositiveIntegerField("缓缴应缴笔数", default=0)
    deferred_fen = models.BigIntegerField("缓缴金额（分）", default=0)
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "缓缴申请"
        verbose_name_plural = "缓缴申请"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.pack}/{self.rule} {','.join(self.months)} -> {self.due_until}"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


class LedgerTransaction(AppendOnlyModel):
    """One balanced journal entry: its postings sum to zero fen."""

    class Kind(models.TextChoices):
        DUES = "dues", "核定应缴"
        PAYMENT = "payment", "收款"
        CREDIT_APPLIED = "credit_applied", "预缴冲抵"
        REVERSAL = "reversal", "冲正"
        REFUND = "refund", "退费核准"
        REFUND_PAID = "refund_paid", "退费支付"
        BENEFIT_ACCRUAL = "benefit_accrual", "待遇核定"
        BENEFIT_PAYMENT = "benefit_payment", "待遇支付"
        BENEFIT_RECOVERY = "benefit_recovery", "待遇追回"
        RELIEF = "relief", "减免社会保险费"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    occurred_on = models.DateField("记账日期")
    memo = models.CharField("摘要", max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记账人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField("记账人（文字）", max_length=150, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)
    reverses = models.OneToOneField("self", verbose_name="冲正的分录", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    created_at = models.DateTimeField("创建时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "记账凭证"
        verbose_name_plural = "记账凭证"

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.occurred_on}"


def booking_month(occurred_on: dt.date | str) -> str:
    """The month 'YYYY-MM' of a booking date (a `LedgerTransaction.occurred_on`, a date or its ISO text):
    the month a posting belongs to, the key `collection_posting` is partitioned by (docs/scale.md)."""
    day = occurred_on if isinstance(occurred_on, dt.date) else dt.date.fromisoformat(str(occurred_on)[:10])
    return f"{day.year:04d}-{day.month:02d}"


def _postings_dated(postings: list[Posting]) -> None:
    """Set each posting's `month` from its transaction's booking date (one query for the transactions not
    already loaded on the postings). Every posting written through the ORM passes here."""
    field = Posting._meta.get_field("transaction")
    unread = {p.transaction_id for p in postings if not field.is_cached(p) and p.transaction_id is not None}
    booked = dict(LedgerTransaction.objects.filter(pk__in=unread).values_list("pk", "occurred_on")) if unread else {}
    for p in postings:
        day = p.transaction.occurred_on if field.is_cached(p) else booked.get(p.transaction_id)
        if day is not None:
            p.month = booking_month(day)


class PostingQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Django's bulk_create, each posting's `month` set from its transaction first."""
        objs = list(objs)
        _postings_dated(objs)
        return super().bulk_create(objs, *args, **kwargs)


class Posting(AppendOnlyModel):
    """One line of a transaction: a signed amount on an account (debit positive, credit negative).

    Accounts: `bank` (money received), `receivable` (what employers owe, per employer),
    `employer_credit` (money received and not yet allocated, per employer), `income:<insurance>`,
    `relief:<insurance>` (contributions relieved by a relief pack: debit, against income or receivable).

    `month` is the month 'YYYY-MM' of the transaction's booking date (`occurred_on`), the key the table
    is partitioned by on PostgreSQL (collection 0020). It is never chosen by a caller: `save` and
    `bulk_create` set it from the transaction (`_postings_dated`); the two set-based inserts of
    `collection.services` (a month's dues entry, history payments) write the same month in SQL.
    """

    transaction = models.ForeignKey(LedgerTransaction, verbose_name="凭证", on_delete=models.PROTECT,
                                    related_name="postings")
    account = models.CharField("科目", max_length=40)
    employer = models.ForeignKey(Employer, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    amount_fen = models.BigIntegerField("金额（分，借正贷负）")
    month = models.CharField("记账月份", max_length=7, editable=False)

    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = "分录行"
        verbose_name_plural = "分录行"
        indexes = [models.Index(fields=["account", "employer"])]

    def save(self, *args, **kwargs):
        if self._state.adding:
            _postings_dated([self])
        super().save(*args, **kwargs)


class AccountBalance(models.Model):
    """The running balance of one employer's account in the ledger (debit positive, integer fen): the
    sum of every posting ever made on (`account`, `employer`), kept by the database itself.

    A trigger on `collection_posting` (migration collection 0021: on PostgreSQL one statement-level
    trigger reading the statement's new rows, on SQLite a row trigger) adds each inserted posting's
    amount, whatever wrote it (the ORM, `bulk_create` or the set-based inserts of
    `collection.services`); postings are never updated or deleted (append-only), so nothing else
    changes a balance. Postings without an employer (bank, income) have none here.

    Why: on PostgreSQL postings are partitioned by month, and summing an employer's postings plans
    every monthly partition (240 months of ledger: ~35 ms of planning per balance, three per account
    statement; bench/bench_portal.py, issue 15). Reading this row plans one index scan. A month's
    partition detached to an archive keeps its amounts here: the balance is the employer's, not the
    attached partitions'. Read through `collection.ledger.employer_balances`.
    """

    account = models.CharField("科目", max_length=40)
    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)
    balance_fen = models.BigIntegerField("余额（分，借正贷负）")

    class Meta:
        verbose_name = "单位科目余额"
        verbose_name_plural = "单位科目余额"
        constraints = [models.UniqueConstraint(fields=["employer", "account"], name="account_balance_once")]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.account} {self.balance_fen}"


class BankFile(AppendOnlyModel):
    """An imported bank file. Its SHA-256 is unique: importing the same file twice changes nothing."""

    class Kind(models.TextChoices):
        DEDUCTION_RESULT = "deduction_result", "银行扣款结果"
        REMITTANCE_STATEMENT = "remittance_statement", "银行汇款对账单"
        REFUND_RESULT = "refund_result", "退费支付结果"

    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    sha256 = models.CharField("文件摘要", max_length=64, unique=True)
    filename = models.CharField("文件名", max_length=255)
    lines = models.PositiveIntegerField("行数")
    imported_at = models.DateTimeField("导入时间", default=clock.now, editable=False)
    imported_by_label = models.CharField("导入人", max_length=150, blank=True)

    class Meta:
        verbose_name = "银行文件"
        verbose_name_plural = "银行文件"


class Payment(AppendOnlyModel):
    """Money received from (or credit applied for) one employer, with its ledger transaction."""

    class Source(models.TextChoices):
        BANK_DEDUCTION = "bank_deduction", "银行扣款"
        REMITTANCE = "remittance", "银行汇款"
        CREDIT = "credit", "预缴余额冲抵"
        # paid before this system, brought over with the account (review-user14 (15): "历史已缴" meant
        # nothing to an HR clerk)
        HISTORY = "history", "原系统已缴（数据转入）"

    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="payments")
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    amount_fen = models.BigIntegerField("金额（分）")
    received_on = models.DateField("到账日期")
    reference = models.CharField("银行流水号", max_length=64, blank=True)
    transaction = models.OneToOneField(LedgerTransaction, verbose_name="凭证", on_delete=models.PROTECT,
                                       related_name="payment")
    created_at = models.DateTimeField("记录时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "收款"
        verbose_name_plural = "收款"
        indexes = [models.Index(fields=["employer", "received_on"])]
        constraints = [
            # The ledger never holds the same bank transfer twice (issue 12): one payment per bank reference.
            models.UniqueConstraint(fields=["source", "reference"], condition=~models.Q(reference=""),
                                    name="payment_bank_reference_once"),
        ]


class PaymentReversal(models.Model):
    """A reversal of a payment asked for by one person and decided by another (issue 16 §3: money out
    needs a maker and a checker, whatever their roles). The reversing entry is booked only on approval."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待复核"
        APPROVED = "approved", "已复核冲正"
        DECLINED = "declined", "复核未通过"

    payment = models.ForeignKey(Payment, verbose_name="收款", on_delete=models.PROTECT, related_name="reversals")
    reason = models.CharField("冲正原因", max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("申请时间", default=clock.now, editable=False)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    note = models.CharField("复核意见", max_length=200, blank=True)
    reversal = models.OneToOneField(LedgerTransaction, verbose_name="冲正凭证", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal_request")

    class Meta:
        verbose_name = "收款冲正申请"
        verbose_name_plural = "收款冲正申请"
        constraints = [
            # One open request per payment: a second person decides on one thing at a time.
            models.UniqueConstraint(fields=["payment"], condition=models.Q(outcome="pending"),
                                    name="payment_reversal_one_pending"),
        ]

    @property
    def audit_district_code(self) -> str:
        return self.payment.employer.audit_district_code


class Allocation(AppendOnlyModel):
    """Part of a payment applied to one due; a reversal appends a negative allocation."""

    payment = models.ForeignKey(Payment, verbose_name="收款", on_delete=models.PROTECT, related_name="allocations")
    due = models.ForeignKey(Due, verbose_name="应缴", on_delete=models.PROTECT, related_name="allocations")
    amount_fen = models.BigIntegerField("金额（分）")
    created_at = models.DateTimeField("分配时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "收款分配"
        verbose_name_plural = "收款分配"


class DeductionRun(models.Model):
    """A bank-deduction run (3.1): one item per employer with an agreement and open dues."""

    created_at = models.DateTimeField("生成时间", default=clock.now, editable=False)
    created_by_label = models.CharField("生成人", max_length=150, blank=True)
    retry_of = models.ForeignKey("self", verbose_name="重试自", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="retries")

    class Meta:
        verbose_name = "银行扣款批次"
        verbose_name_plural = "银行扣款批次"


class DeductionFile(models.Model):
    """The request file of a deduction run, for the bank: one line per item, the FULL account number.

    The bytes live on disk under `SHEBAO_BANK_FILE_DIR` (with `<name>.sha256` beside them, in the
    `sha256sum` format); this row keeps the checksum, who may fetch it is decided by
    the permission table (`core.permissions`), every download is a `DeductionFileDownload` row with its audit event,
    and `purged_at` says when (and `purge_reason` why) the bytes were deleted.
    """

    run = models.OneToOneField(DeductionRun, verbose_name="批次", on_delete=models.PROTECT, related_name="request_file")
    filename = models.CharField("文件名", max_length=100)
    sha256 = models.CharField("SHA-256校验值", max_length=64)
    size = models.PositiveIntegerField("字节数")
    lines = models.PositiveIntegerField("明细行数")
    amount_fen = models.BigIntegerField("合计金额（分）")
    written_at = models.DateTimeField("生成时间")
    keep_until = models.DateTimeField("最迟删除时间")
    purged_at = models.DateTimeField("删除时间", null=True, blank=True)
    purge_reason = models.CharField("删除原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "银行扣款请求文件"
        verbose_name_plural = "银行扣款请求文件"


class DeductionFileDownload(AppendOnlyModel):
    """One download of a deduction request file (or of its checksum): who, when."""

    file = models.ForeignKey(DeductionFile, verbose_name="文件", on_delete=models.PROTECT, related_name="downloads")
    what = models.CharField("内容", max_length=10, choices=[("file", "请求文件"), ("sha256", "校验文件")])
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="下载人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("下载人（文字）", max_length=150)
    at = models.DateTimeField("下载时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "扣款请求文件下载记录"
        verbose_name_plural = "扣款请求文件下载记录"


class DeductionItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待扣款"
        SUCCEEDED = "succeeded", "扣款成功"
        FAILED = "failed", "扣款失败"
        RETRIED = "retried", "已重试"

    run = models.ForeignKey(DeductionRun, verbose_name="批次", on_delete=models.PROTECT, related_name="items")
    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField("扣款金额（分）")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    payment = models.OneToOneField(Payment, verbose_name="收款", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="deduction_item")

    class Meta:
        verbose_name = "扣款明细"
        verbose_name_plural = "扣款明细"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


class RemittanceLine(models.Model):
    """A credit line of the bank statement (3.2); unmatched lines wait for staff."""

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", "待匹配"
        MATCHED = "matched", "已匹配"
        # The same transfer as an earlier line (value date, amount, payer account, credit code) under
        # another reference: held for staff, never credited automatically (importers.duplicate_key).
        DUPLICATE = "duplicate", "疑似重复"
        # Staff confirmed it is the earlier transfer again: kept for the record, never credited.
        REJECTED = "rejected", "确认重复，不入账"

    bank_file = models.ForeignKey(BankFile, verbose_name="文件", on_delete=models.PROTECT, related_name="+")
    line_no = models.PositiveIntegerField("行号")
    # Unique among lines taken as they are; a line reusing a received reference for another transfer
    # is kept, held for staff, as a duplicate of that line (importers.import_remittances).
    bank_reference = models.CharField("银行流水号", max_length=64, db_index=True)
    value_date = models.DateField("到账日期")
    amount_fen = models.BigIntegerField("金额（分）")
    payer_name = models.CharField("付款人", max_length=200, blank=True)
    payer_account = EncryptedTextField("付款账号", max_length=40, blank=True)  # encrypted at rest (core.crypto)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    # Payers write ID, phone and account numbers here: encrypted at rest (core.crypto), read by the
    # importer as imported (the reference is recognised before the row is stored), shown masked.
    memo = EncryptedTextField("附言", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.UNMATCHED)
    employer = models.ForeignKey(Employer, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    matched_by = models.CharField("匹配方式", max_length=40, blank=True)
    payment = models.OneToOneField(Payment, verbose_name="收款", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="remittance_line")
    duplicate_of = models.ForeignKey("self", verbose_name="疑似重复于", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "汇款流水"
        verbose_name_plural = "汇款流水"
        indexes = [models.Index(fields=["status", "value_date"])]
        constraints = [models.UniqueConstraint(fields=["bank_reference"], condition=models.Q(duplicate_of__isnull=True),
                                               name="remittance_reference_once")]

    @property
    def payer_account_masked(self) -> str:
        from shebao.core.masking import mask_bank_account

        return mask_bank_account(self.payer_account)

    @property
    def memo_masked(self) -> str:
        """The memo with any ID, phone or account number in it masked (payers write them there)."""
        from shebao.core.masking import mask_text

        return mask_text(self.memo)

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code if self.employer_id else ""


class AssessmentRun(AppendOnlyModel):
    """A stored city-wide assessment as of a date, with the policy it used.

    The per-employer figures are stored as one array (`figures`, see `employer_figures`): a run of
    the whole city is a hundred thousand employers or more, written once and always read whole, so
    one binary column is written in milliseconds where as many rows took most of the run's time.
    Per-district totals are rows (`AssessmentDistrict`), for the pages and reports.
    """

    FIGURE_COLUMNS = ("employer_id", "district_id", "arrears_fen", "overdue_dues", "late_fee_fen", "waived_fen")

    as_of = models.DateField("核定日")
    policy_name = models.CharField("政策包", max_length=60)
    policy_version = models.CharField("政策版本", max_length=40)
    lifted_on = models.DateField("疫情解除日期（当时公告）", null=True, blank=True)
    announcements = models.JSONField("已适用公告", default=list)
    dues = models.BigIntegerField("应缴笔数")
    employers_in_arrears = models.PositiveIntegerField("欠费单位数")
    arrears_fen = models.BigIntegerField("欠费（分）")
    late_fee_fen = models.BigIntegerField("滞纳金（分）")
    waived_fen = models.BigIntegerField("减免（分）")
    seconds = models.FloatField("耗时（秒）")
    # NumPy .npy bytes of an int64 array, one row per employer with arrears, a fee or relief,
    # columns FIGURE_COLUMNS, sorted by employer.
    figures = models.BinaryField("单位明细（数组）")
    created_at = models.DateTimeField("运行时间", default=clock.now, editable=False)
    created_by_label = models.CharField("运行人", max_length=150, blank=True)

    class Meta:
        verbose_name = "征缴核定批次"
        verbose_name_plural = "征缴核定批次"
        ordering = ["-created_at", "-pk"]

    def employer_figures(self) -> Any:
        """The per-employer figures as an (n, 6) int64 array (columns FIGURE_COLUMNS)."""
        import io

        import numpy as np

        return np.load(io.BytesIO(bytes(self.figures)), allow_pickle=False)


class AssessmentDistrict(AppendOnlyModel):
    """One district's totals in a run."""

    run = models.ForeignKey(AssessmentRun, verbose_name="批次", on_delete=models.PROTECT, related_name="districts")
    district = models.ForeignKey(Office, verbose_name="区", on_delete=models.PROTECT, related_name="+")
    employers_in_arrears = models.PositiveIntegerField("欠费单位数")
    arrears_fen = models.BigIntegerField("欠费（分）")
    late_fee_fen = models.BigIntegerField("滞纳金（分）")
    waived_fen = models.BigIntegerField("减免（分）")

    class Meta:
        verbose_name = "核定分区合计"
        verbose_name_plural = "核定分区合计"
        constraints = [models.UniqueConstraint(fields=["run", "district"], name="assessment_district_once")]


class AssessmentJob(models.Model):
    """An assessment started from the pages: its progress while it runs, then the run it stored."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    as_of = models.DateField("核定日")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    stage = models.CharField("当前步骤", max_length=100, blank=True)
    error = models.CharField("失败原因", max_length=300, blank=True)
    run = models.OneToOneField(AssessmentRun, verbose_name="核定批次", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="job")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_by_label = models.CharField("发起人（文字）", max_length=150)
    created_at = models.DateTimeField("发起时间", default=clock.now, editable=False)
    updated_at = models.DateTimeField("最近更新", default=clock.wall_now, editable=False)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "征缴核定任务"
        verbose_name_plural = "征缴核定任务"
        ordering = ["-pk"]

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Refund(models.Model):
    """A refund (退费, 1.2c) approved by its case: a payable to the payee until the bank pays it.

    On approval the ledger moves the amount from income to `refund_payable` (per employer); the
    bank's result file settles it (`refund_payable` against `bank`). A refund cancelled before it is
    paid is reversed by a reversing entry that names who and why. `items` say which dues it refunds:
    never more, per due, than was paid for it (allocations) less what other refunds took.
    """

    class Status(models.TextChoices):
        # The words of collection.refund_words, the one table of them (review-user13 (2)).
        PAYABLE = "payable", REFUND_STATUS_ZH["payable"]
        IN_FILE = "in_file", REFUND_STATUS_ZH["in_file"]
        PAID = "paid", REFUND_STATUS_ZH["paid"]
        FAILED = "failed", REFUND_STATUS_ZH["failed"]
        CANCELLED = "cancelled", REFUND_STATUS_ZH["cancelled"]

    case = models.OneToOneField("cases.Case", verbose_name="申请", on_delete=models.PROTECT, related_name="refund")
    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField("退费类型", max_length=20)
    amount_fen = models.BigIntegerField("退费金额（分）")
    payee_name = models.CharField("收款人户名", max_length=100)
    bank_name = models.CharField("开户银行", max_length=100)
    bank_account = EncryptedTextField("收款银行账号", max_length=32)  # encrypted at rest (core.crypto)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PAYABLE, db_index=True)
    approval = models.OneToOneField(LedgerTransaction, verbose_name="核准凭证", on_delete=models.PROTECT,
                                    related_name="refund_approved")
    settlement = models.OneToOneField(LedgerTransaction, verbose_name="支付凭证", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="refund_paid")
    payment_file = models.ForeignKey("RefundPaymentFile", verbose_name="支付文件", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="refunds")
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    created_at = models.DateTimeField("核准时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "退费"
        verbose_name_plural = "退费"
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="refund_amount_positive")]

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code

    @property
    def bank_account_masked(self) -> str:
        from shebao.core.masking import mask_bank_account

        return mask_bank_account(self.bank_account)


class RefundItem(AppendOnlyModel):
    """The part of a refund taken from one due (its insurance's income is debited)."""

    refund = models.ForeignKey(Refund, verbose_name="退费", on_delete=models.PROTECT, related_name="items")
    due = models.ForeignKey(Due, verbose_name="应缴", on_delete=models.PROTECT, related_name="refund_items")
    amount_fen = models.BigIntegerField("金额（分）")

    class Meta:
        verbose_name = "退费明细"
        verbose_name_plural = "退费明细"


class RefundPaymentFile(AppendOnlyModel):
    """A bank payment file of approved refunds (one line each), and the import of its result."""

    filename = models.CharField("文件名", max_length=100)
    sha256 = models.CharField("SHA-256校验值", max_length=64)  # the same refunds again: the same bytes
    lines = models.PositiveIntegerField("明细行数")
    amount_fen = models.BigIntegerField("合计金额（分）")
    created_by_label = models.CharField("生成人", max_length=150)
    created_at = models.DateTimeField("生成时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "退费支付文件"
        verbose_name_plural = "退费支付文件"


class RightsStatement(AppendOnlyModel):
    """A printed statement of a person's rights record (个人权益记录单, 4.1) with its verification code.

    What was issued is kept as issued (`content`: the lines and totals, and its SHA-256), so anyone
    holding the paper can check the code on the public page, and the agency can show later exactly
    what it stated on that day, whatever has been paid or corrected since.
    """

    class Channel(models.TextChoices):
        OFFICE = "office", "经办机构打印"
        PORTAL = "portal", "网上服务自助打印"

    person = models.ForeignKey("registry.Person", verbose_name="参保人员", on_delete=models.PROTECT,
                               related_name="rights_statements")
    code = models.CharField("验证码", max_length=12, unique=True)
    as_of = models.DateField("截至日期")
    first_month = models.CharField("起始所属期", max_length=7, blank=True)
    last_month = models.CharField("截止所属期", max_length=7, blank=True)
    content = models.JSONField("记录单内容")
    content_sha256 = models.CharField("内容摘要（SHA-256）", max_length=64)
    channel = models.CharField("出具方式", max_length=10, choices=Channel.choices)
    issued_at = models.DateTimeField("出具时间")
    issued_by_label = models.CharField("出具人", max_length=150)

    class Meta:
        verbose_name = "个人权益记录单"
        verbose_name_plural = "个人权益记录单"
        indexes = [models.Index(fields=["person", "issued_at"])]

    def __str__(self) -> str:
        return f"个人权益记录单 {self.code_display}"

    @property
    def audit_district_code(self) -> str:
        return self.person.district.code if self.person_id else ""

    @property
    def code_display(self) -> str:
        from shebao.core.codes import verification_code_display

        return verification_code_display(self.code)


class PaymentFileRelease(AppendOnlyModel):
    """A money-out bank file released for sending by a second person (issue 16 §3, maker and checker):
    the pension payroll's payment file of a run (2.1) or a refund payment file (1.2c). Until released it
    cannot be downloaded for the bank, and no bank result is taken for it. `made_by` is the maker
    found in the audit trail when released (None for a system job); `released_by` is never the maker."""

    class Kind(models.TextChoices):
        PAYROLL = "payroll", "养老金发放支付文件"
        REFUND = "refund", "退费支付文件"

    kind = models.CharField("文件类型", max_length=10, choices=Kind.choices)
    file_pk = models.CharField("文件编号", max_length=20)
    made_by_label = models.CharField("生成人", max_length=150, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核放行人", on_delete=models.PROTECT,
                                    related_name="+")
    released_by_label = models.CharField("复核放行人（文字）", max_length=150)
    released_at = models.DateTimeField("放行时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "支付文件复核放行"
        verbose_name_plural = "支付文件复核放行"
        constraints = [models.UniqueConstraint(fields=["kind", "file_pk"], name="payment_file_released_once")]


class RefundFileDownload(AppendOnlyModel):
    """One download of a released refund payment file (full accounts): who, when."""

    file = models.ForeignKey(RefundPaymentFile, verbose_name="文件", on_delete=models.PROTECT, related_name="downloads")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="下载人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("下载人（文字）", max_length=150)
    at = models.DateTimeField("下载时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "退费支付文件下载记录"
        verbose_name_plural = "退费支付文件下载记录"


class RemittanceMatchRequest(models.Model):
    """A match of a remittance that one person asks for and a second person decides (issue 16 §3): the
    statement line's payer (its account or credit code) is a registered employer other than the one
    chosen, or one of another district. The payment is booked only on approval."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待复核"
        APPROVED = "approved", "已复核匹配"
        DECLINED = "declined", "复核未通过"

    line = models.ForeignKey(RemittanceLine, verbose_name="汇款流水", on_delete=models.PROTECT,
                             related_name="match_requests")
    employer = models.ForeignKey(Employer, verbose_name="拟匹配单位", on_delete=models.PROTECT, related_name="+")
    why = models.CharField("须复核的原因", max_length=300)
    reason = models.CharField("申请说明", max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField("申请时间", default=clock.now, editable=False)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    note = models.CharField("复核意见", max_length=200, blank=True)
    payment = models.OneToOneField(Payment, verbose_name="收款", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="match_request")

    class Meta:
        verbose_name = "汇款匹配复核申请"
        verbose_name_plural = "汇款匹配复核申请"
        constraints = [models.UniqueConstraint(fields=["line"], condition=models.Q(outcome="pending"),
                                               name="remittance_match_one_pending")]


class Declaration(models.Model):
    """An employer's monthly declaration (月报): its hires, leavers and every employee's base for one
    contribution month, staged from an HR roster file (.xlsx, or CSV in UTF-8/GB18030) and committed
    all or nothing (`collection.declarations`).

    Staged, each row is checked and its errors kept (`DeclarationRow.errors`); only a declaration
    without an error is committed: the spells of hires and leavers, a contribution row per person,
    and the month's dues with their ledger entry, in one transaction. One committed declaration per
    employer and month.
    """

    class Status(models.TextChoices):
        STAGED = "staged", "待提交"
        COMMITTED = "committed", "已提交"
        DISCARDED = "discarded", "已作废"

    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="declarations")
    month = models.CharField("费款所属期", max_length=7)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.STAGED)
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("SHA-256校验值", max_length=64)
    rows = models.PositiveIntegerField("明细行数", default=0)
    error_rows = models.PositiveIntegerField("有错误的行数", default=0)
    file_errors = models.JSONField("文件错误", default=list, blank=True)
    hires = models.PositiveIntegerField("增员人数", default=0)
    leavers = models.PositiveIntegerField("减员人数", default=0)
    contributors = models.PositiveIntegerField("缴费人数", default=0)
    amount_fen = models.BigIntegerField("应缴合计（分）", default=0)
    staged_by_label = models.CharField("上传人", max_length=150)
    staged_at = models.DateTimeField("上传时间")
    committed_by_label = models.CharField("提交人", max_length=150, blank=True)
    committed_at = models.DateTimeField("提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "单位月报"
        verbose_name_plural = "单位月报"
        ordering = ["-staged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "month"], condition=models.Q(status="committed"),
                                    name="declaration_committed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.month} {self.status}"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


class DeclarationRow(models.Model):
    """One row of a staged declaration as the file gave it (normalised), the person it names and its
    errors (Chinese, each naming the column): the staging table the staff page shows."""

    class Change(models.TextChoices):
        STAY = "stay", "在职"
        HIRE = "hire", "增员"
        LEAVE = "leave", "减员"

    declaration = models.ForeignKey(Declaration, verbose_name="月报", on_delete=models.CASCADE,
                                    related_name="lines")
    line_no = models.PositiveIntegerField("行号")
    id_number = EncryptedTextField("证件号码", max_length=40)  # encrypted at rest (core.crypto); never looked up
    name = models.CharField("姓名", max_length=100)
    change = models.CharField("变动类型", max_length=6, choices=Change.choices, blank=True)
    base_fen = models.BigIntegerField("缴费基数（分）", null=True, blank=True)
    person = models.ForeignKey("registry.Person", verbose_name="参保人员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", db_index=False)
    errors = models.JSONField("错误", default=list, blank=True)

    class Meta:
        verbose_name = "月报明细"
        verbose_name_plural = "月报明细"
        ordering = ["declaration", "line_no"]
        indexes = [models.Index(fields=["declaration", "line_no"])]

    @property
    def id_number_masked(self) -> str:
        from shebao.core.masking import mask_id_number

        return mask_id_number(self.id_number)

    @property
    def audit_district_code(self) -> str:
        return self.declaration.audit_district_code
