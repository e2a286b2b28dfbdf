"""Benefits (待遇): retirees and their entitlement, the monthly payroll, arrears and recoveries (2.1),
work-injury benefits paid on the fast track (9).

Money is integer fen; months are ``YYYY-MM``. The one guard against paying a month twice is the
unique key of `PensionMonth` (retiree, month): a run, a re-run, a run killed half-way and re-run,
a retry of failed transfers all create or move these rows, never a second one for the same month.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.collection.models import LedgerTransaction
from shebao.core import clock
from shebao.core.fields import EncryptedTextField
from shebao.core.masking import mask_bank_account, mask_id_number
from shebao.registry.models import Office, Person, validate_month


class Retiree(models.Model):
    """A person drawing the basic pension, created by the new-retiree declaration (2.1)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常发放"
        SUSPENDED = "suspended", "暂停发放"
        ENDED = "ended", "终止发放"

    person = models.OneToOneField(Person, verbose_name="参保人员", on_delete=models.PROTECT, related_name="retiree")
    district = models.ForeignKey(Office, verbose_name="参保区", on_delete=models.PROTECT, related_name="+")
    retired_on = models.DateField("退休日期")
    retirement_month = models.CharField("退休年月", max_length=7, validators=[validate_month])
    age_months = models.PositiveSmallIntegerField("退休年龄（月）")
    declared_on = models.DateField("申报日期")
    case = models.OneToOneField("cases.Case", verbose_name="退休申报业务", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="retiree")
    bank_account = EncryptedTextField("养老金发放账号", max_length=32)  # encrypted at rest (core.crypto)
    status = models.CharField("发放状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    died_on = models.DateField("死亡日期", null=True, blank=True)
    # A retiree migrated from the old system: the last month the old system paid (YYYY-MM, "" for
    # none). No run pays a month up to it, as arrears or otherwise (benefits.payroll).
    paid_through = models.CharField("原系统已发放至", max_length=7, blank=True, default="", db_default="")
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "退休人员"
        verbose_name_plural = "退休人员"
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.retirement_month}退休）"

    @property
    def bank_account_masked(self) -> str:
        return mask_bank_account(self.bank_account)

    @property
    def audit_district_code(self) -> str:
        return self.district.code if self.district_id else ""


class Entitlement(models.Model):
    """The monthly pension at retirement and what it was computed from (rules/pension.py), or the
    amount of record when it was computed elsewhere (``source`` = record)."""

    class Source(models.TextChoices):
        FORMULA = "formula", "按国发〔2005〕38号公式计发"
        RECORD = "record", "按核定记录（外部核定）"

    retiree = models.OneToOneField(Retiree, verbose_name="退休人员", on_delete=models.PROTECT,
                                   related_name="entitlement")
    source = models.CharField("计发依据", max_length=10, choices=Source.choices)
    basic_fen = models.BigIntegerField("基础养老金（分）", default=0)
    account_fen = models.BigIntegerField("个人账户养老金（分）", default=0)
    transitional_fen = models.BigIntegerField("过渡性养老金（分）", default=0)
    monthly_fen = models.BigIntegerField("退休时月养老金（分）")
    average_wage_fen = models.BigIntegerField("计发基数（分）", null=True, blank=True)
    index_x10k = models.PositiveIntegerField("平均缴费指数×10000", null=True, blank=True)
    contribution_months = models.PositiveIntegerField("缴费月数（含视同）", null=True, blank=True)
    deemed_months = models.PositiveIntegerField("视同缴费月数", null=True, blank=True)
    account_balance_fen = models.BigIntegerField("个人账户储存额（分）", null=True, blank=True)
    divisor = models.PositiveSmallIntegerField("计发月数", null=True, blank=True)
    record_reference = models.CharField("核定记录编号", max_length=60, blank=True)
    parameters = models.JSONField("所用参数及依据", default=dict, blank=True)
    created_at = models.DateTimeField("核定时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "养老金待遇"
        verbose_name_plural = "养老金待遇"
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_fen__gte=0), name="entitlement_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.retiree_id} {self.monthly_fen}"

    @property
    def audit_district_code(self) -> str:
        return self.retiree.audit_district_code


class Suspension(models.Model):
    """A stop of payment (death, re-employment, failed verification) from ``from_month`` on; the
    resumption sets ``to_month`` (the last month stopped). Re-employment months are never paid;
    verification months are paid as arrears once resumed; death ends payment for good."""

    class Reason(models.TextChoices):
        DEATH = "death", "死亡"
        REEMPLOYMENT = "reemployment", "再就业"
        VERIFICATION = "verification", "未通过领取资格认证"

    retiree = models.ForeignKey(Retiree, verbose_name="退休人员", on_delete=models.PROTECT, related_name="suspensions")
    reason = models.CharField("原因", max_length=14, choices=Reason.choices)
    from_month = models.CharField("停发起始月", max_length=7, validators=[validate_month])
    to_month = models.CharField("停发终止月", max_length=7, blank=True, validators=[validate_month])
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "暂停发放"
        verbose_name_plural = "暂停发放"

    @property
    def audit_district_code(self) -> str:
        return self.retiree.audit_district_code


class PayrollRun(models.Model):
    """One payment run: the month's regular run (one per month), a retry of a run's failed transfers,
    or an immediate payment outside the monthly run (9's fast track)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "月度发放"
        SUPPLEMENTARY = "supplementary", "补发批次"
        RETRY = "retry", "失败重发"
        IMMEDIATE = "immediate", "即时支付（快速通道）"

    class Status(models.TextChoices):
        BUILDING = "building", "生成中"
        READY = "ready", "已生成支付文件"
        CLOSED = "closed", "结果已全部导入"

    month = models.CharField("发放月份", max_length=7, validators=[validate_month])
    kind = models.CharField("类型", max_length=14, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.BUILDING)
    retry_of = models.ForeignKey("self", verbose_name="重发自", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="retries")
    transfers_count = models.PositiveIntegerField("笔数", default=0)
    amount_fen = models.BigIntegerField("金额（分）", default=0)
    accrual = models.OneToOneField(LedgerTransaction, verbose_name="核定凭证", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_by_label = models.CharField("发起人", max_length=150)
    created_at = models.DateTimeField("发起时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "发放批次"
        verbose_name_plural = "发放批次"
        constraints = [
            models.UniqueConstraint(fields=["month"], condition=models.Q(kind="regular"),
                                    name="one_regular_run_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.get_kind_display()} #{self.pk}"

    @property
    def name_zh(self) -> str:
        """The run as every page names it: ``2020-02 月度发放`` (review-user14 (12): the portal said
        2020-02月发放批次 and the staff page 2020-02 月度发放#1)."""
        return f"{self.month} {self.get_kind_display()}"


class Transfer(models.Model):
    """One bank transfer to one payee in one run (支付明细): the months it pays (`PensionMonth`) or a
    work-injury benefit. A failed transfer is retried by a new transfer in a retry run, which takes
    its months over; the failed one stays as the record of the failure."""

    class Status(models.TextChoices):
        PENDING = "pending", "待银行结果"
        PAID = "paid", "支付成功"
        FAILED = "failed", "支付失败"

    class Kind(models.TextChoices):
        PENSION = "pension", "基本养老金"
        WORK_INJURY = "work_injury", "工伤保险待遇"

    run = models.ForeignKey(PayrollRun, verbose_name="批次", on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField("待遇类型", max_length=12, choices=Kind.choices, default=Kind.PENSION)
    person = models.ForeignKey(Person, verbose_name="收款人", on_delete=models.PROTECT, related_name="+")
    retiree = models.ForeignKey(Retiree, verbose_name="退休人员", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="transfers")
    bank_account = EncryptedTextField("收款账号", max_length=32)  # encrypted at rest (core.crypto)
    # The 户名 sent to the bank, kept when the transfer is made (every kind: a monthly run's pension lines,
    # in its INSERT ... SELECT too; a dependant's, a relative's) and sent as kept by the payment file
    # (payroll.payment_file_bytes): a change of the person's name, a relative registered afterwards or a
    # name corrected on a resend is the next transfer's payee, not this one's. With ``bank_account`` and
    # ``amount_fen`` it is what the line sent. benefits/0011 filled the rows made before.
    payee_name = models.CharField("发送银行的户名", max_length=100, blank=True, default="", db_default="")
    amount_fen = models.BigIntegerField("金额（分）")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    bank_reference = models.CharField("银行流水号", max_length=60, blank=True)
    paid_on = models.DateField("到账日期", null=True, blank=True)
    retried_by = models.OneToOneField("self", verbose_name="重发明细", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="retry_of")
    payment = models.ForeignKey(LedgerTransaction, verbose_name="支付凭证", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("生成时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "支付明细"
        verbose_name_plural = "支付明细"
        indexes = [models.Index(fields=["run", "status"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="transfer_positive")]

    @property
    def bank_account_masked(self) -> str:
        return mask_bank_account(self.bank_account)

    @property
    def audit_district_code(self) -> str:
        return self.person.district.code if self.person_id else ""


class PensionMonth(models.Model):
    """One month of one retiree's pension, paid by one transfer: unique per (retiree, month)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "当月"
        ARREARS = "arrears", "补发"

    retiree = models.ForeignKey(Retiree, verbose_name="退休人员", on_delete=models.PROTECT, related_name="months",
                                db_index=False)
    month = models.CharField("待遇所属月", max_length=7)
    amount_fen = models.BigIntegerField("金额（分）")
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    transfer = models.ForeignKey(Transfer, verbose_name="支付明细", on_delete=models.PROTECT, related_name="months")
    # The business date the amount was computed on: it holds the yearly adjustments whose notice was
    # issued by then (rules.pension.monthly_amount_fen known_on). NULL: written before this was kept.
    known_on = models.DateField("核定日期", null=True, blank=True)

    class Meta:
        verbose_name = "待遇月"
        verbose_name_plural = "待遇月"
        constraints = [models.UniqueConstraint(fields=["retiree", "month"], name="pension_month_once")]


class PensionTopUp(models.Model):
    """调整补发: what a month paid before a yearly adjustment's notice was issued is owed once it is
    (rules.pension.top_up_fen), paid by one transfer of a later run. ``adjustment`` is the effective
    date of the latest adjustment the month is brought up to; unique per (retiree, month,
    adjustment), so a run, a re-run or a retry never pays the same difference twice."""

    retiree = models.ForeignKey(Retiree, verbose_name="退休人员", on_delete=models.PROTECT, related_name="top_ups")
    month = models.CharField("待遇所属月", max_length=7)
    adjustment = models.CharField("调整生效日期", max_length=10)
    document = models.CharField("调整依据", max_length=200)
    amount_fen = models.BigIntegerField("金额（分）")
    known_on = models.DateField("核定日期")
    transfer = models.ForeignKey(Transfer, verbose_name="支付明细", on_delete=models.PROTECT, related_name="top_ups")

    class Meta:
        verbose_name = "调整补发"
        verbose_name_plural = "调整补发"
        constraints = [models.UniqueConstraint(fields=["retiree", "month", "adjustment"], name="pension_top_up_once"),
                       models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="top_up_positive")]


class Recovery(models.Model):
    """Months paid that were not owed (after death, during re-employment), to be recovered (追回)."""

    retiree = models.ForeignKey(Retiree, verbose_name="退休人员", on_delete=models.PROTECT, related_name="recoveries")
    months = models.JSONField("追回月份")
    amount_fen = models.BigIntegerField("追回金额（分）")
    reason = models.CharField("原因", max_length=200)
    entry = models.OneToOneField(LedgerTransaction, verbose_name="凭证", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "待遇追回"
        verbose_name_plural = "待遇追回"

    @property
    def audit_district_code(self) -> str:
        return self.retiree.audit_district_code


class PayrollFile(models.Model):
    """The payment file of a run for the bank (full account numbers): written owner-only beside its
    checksum, read only through `benefits.payroll.payroll_file_read`, purged like collection's files."""

    run = models.OneToOneField(PayrollRun, verbose_name="批次", on_delete=models.PROTECT, related_name="file")
    filename = models.CharField("文件名", max_length=100, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField("字节数")
    lines = models.PositiveIntegerField("笔数")
    amount_fen = models.BigIntegerField("金额（分）")
    written_at = models.DateTimeField("生成时间")
    keep_until = models.DateTimeField("保存至")
    purged_at = models.DateTimeField("删除时间", null=True, blank=True)
    purge_reason = models.CharField("删除原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "待遇支付文件"
        verbose_name_plural = "待遇支付文件"


class PayrollFileDownload(models.Model):
    class What(models.TextChoices):
        FILE = "file", "支付文件"
        SHA256 = "sha256", "校验文件"

    file = models.ForeignKey(PayrollFile, verbose_name="文件", on_delete=models.PROTECT, related_name="downloads")
    # the payment file itself (only after its release) or its checksum line: a bank result is taken
    # only for a file downloaded whole after release (releases.bank_send_problem)
    what = models.CharField("下载内容", max_length=10, choices=What.choices, default=What.FILE)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="下载人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("下载人（文字）", max_length=150)
    at = models.DateTimeField("下载时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "支付文件下载记录"
        verbose_name_plural = "支付文件下载记录"


class ResultFile(models.Model):
    """An imported bank result file of payroll transfers; its SHA-256 is unique (imported once)."""

    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    filename = models.CharField("文件名", max_length=255)
    lines = models.PositiveIntegerField("行数")
    imported_by_label = models.CharField("导入人", max_length=150)
    imported_at = models.DateTimeField("导入时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "待遇支付结果文件"
        verbose_name_plural = "待遇支付结果文件"


class ExchangeRecord(models.Model):
    """A decision received from another department by data exchange (2.3, 9): a work-injury
    recognition (工伤认定决定, HR department) or a disability assessment (劳动能力鉴定结论, the
    assessment committee). It stands in for the certificate an applicant would otherwise bring."""

    class Kind(models.TextChoices):
        RECOGNITION = "recognition", "工伤认定决定"
        ASSESSMENT = "assessment", "劳动能力鉴定结论"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    reference = models.CharField("文书编号", max_length=80, unique=True)
    person = models.ForeignKey(Person, verbose_name="参保人员", on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField("决定日期")
    injured_on = models.DateField("受伤（感染）日期", null=True, blank=True)
    medical_staff = models.BooleanField("医护及相关工作人员履职感染", default=False)
    grade = models.PositiveSmallIntegerField("伤残等级", null=True, blank=True)
    died_on = models.DateField("死亡日期", null=True, blank=True)
    source_file = models.CharField("来源文件", max_length=255)
    source_line = models.PositiveIntegerField("来源行号")
    imported_by_label = models.CharField("导入人", max_length=150)
    imported_at = models.DateTimeField("导入时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "数据交换记录（工伤）"
        verbose_name_plural = "数据交换记录（工伤）"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def audit_district_code(self) -> str:
        return self.person.district.code if self.person_id else ""


class WorkInjuryAward(models.Model):
    """The work-injury benefits of one fast-track case (9), computed by rules/work_injury.py from the
    exchange records, and the immediate run that pays them outside the monthly payroll.

    On a death the immediate payment (丧葬补助金, 一次性工亡补助金: 工伤保险条例 第三十九条第一款第（一）（三）项,
    paid to the close relatives, 近亲属) is booked on the worker who died and paid to the relative who
    receives it: ``payee_name``, ``payee_relation`` and ``payee_id_number`` (encrypted at rest) name
    them. Empty on a disability award (the worker is paid) and on a death award made before they were
    kept (shown as 未登记领取人, never filled in from the worker's own data)."""

    class PayeeRelation(models.TextChoices):
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        SIBLING = "sibling", "兄弟姐妹"
        GRANDPARENT = "grandparent", "祖父母、外祖父母"
        GRANDCHILD = "grandchild", "孙子女、外孙子女"

    case = models.OneToOneField("cases.Case", verbose_name="工伤待遇申领", on_delete=models.PROTECT,
                                related_name="work_injury_award")
    person = models.ForeignKey(Person, verbose_name="参保人员", on_delete=models.PROTECT, related_name="+")
    recognition = models.ForeignKey(ExchangeRecord, verbose_name="工伤认定决定", on_delete=models.PROTECT,
                                    related_name="+")
    assessment = models.ForeignKey(ExchangeRecord, verbose_name="劳动能力鉴定结论", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    wage_fen = models.BigIntegerField("本人工资（分）", default=0)
    disability_lump_sum_fen = models.BigIntegerField("一次性伤残补助金（分）", default=0)
    disability_monthly_fen = models.BigIntegerField("伤残津贴（分/月）", default=0)
    funeral_grant_fen = models.BigIntegerField("丧葬补助金（分）", default=0)
    death_lump_sum_fen = models.BigIntegerField("一次性工亡补助金（分）", default=0)
    medical_costs_fen = models.BigIntegerField("医疗费用（分）", default=0)
    amount_fen = models.BigIntegerField("即时支付金额（分）")
    parameters = models.JSONField("所用参数及依据", default=dict)
    run = models.OneToOneField(PayrollRun, verbose_name="即时支付批次", on_delete=models.PROTECT, related_name="+")
    payee_name = models.CharField("领取人姓名", max_length=50, blank=True, default="", db_default="")
    payee_relation = models.CharField("领取人与死者关系", max_length=12, blank=True, default="", db_default="",
                                      choices=PayeeRelation.choices)
    payee_id_number = EncryptedTextField("领取人证件号码", max_length=32, blank=True, default="",
                                         db_default="")  # encrypted at rest (core.crypto)
    created_at = models.DateTimeField("核定时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "工伤保险待遇核定"
        verbose_name_plural = "工伤保险待遇核定"

    @property
    def died(self) -> bool:
        """Whether the award is a death's (its assessment records the death)."""
        return self.assessment is not None and self.assessment.died_on is not None

    @property
    def payee_missing(self) -> bool:
        """A death award without its relative (made before they were kept): 未登记领取人."""
        return self.died and not self.payee_name

    @property
    def payee_id_number_masked(self) -> str:
        return mask_id_number(self.payee_id_number) if self.payee_id_number else ""

    @property
    def wage_basis(self) -> str:
        """How the disability award's 本人工资 was bounded, in Chinese, from the parameters the decision
        kept (工伤保险条例 第六十四条第二款: 60 % to 300 % of the regional average monthly wage); ""
        for a death award or one decided before the decision kept them."""
        from shebao.core.money import format_yuan

        average = (self.parameters or {}).get("wage.average_monthly_fen")
        if not self.disability_lump_sum_fen or not average:
            return ""
        return (f"依据《工伤保险条例》第六十四条第二款，本人工资低于统筹地区职工月平均工资{format_yuan(average['value'])}元"
                "的60%的按60%计，高于300%的按300%计")


class DisabilityAllowance(models.Model):
    """The monthly disability allowance (伤残津贴) of a grade 1-4 award (工伤保险条例 第三十五条), paid
    on the monthly payroll from the month after the assessment: the award's amount, or the minimum
    wage of the month when higher (rules/work_injury.disability_allowance_fen). Each month is paid
    once (`AllowanceMonth`, unique per allowance and month)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "按月发放"
        ENDED = "ended", "停发"

    award = models.OneToOneField(WorkInjuryAward, verbose_name="工伤待遇核定", on_delete=models.PROTECT,
                                 related_name="allowance")
    person = models.ForeignKey(Person, verbose_name="工伤职工", on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField("伤残等级")
    monthly_fen = models.BigIntegerField("核定伤残津贴（分/月）")
    from_month = models.CharField("起发月份", max_length=7, validators=[validate_month])
    bank_account = EncryptedTextField("发放账号", max_length=32)  # encrypted at rest (core.crypto)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField("核定时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "伤残津贴"
        verbose_name_plural = "伤残津贴"
        constraints = [models.CheckConstraint(condition=models.Q(monthly_fen__gt=0), name="allowance_positive"),
                       models.CheckConstraint(condition=models.Q(grade__gte=1, grade__lte=4), name="allowance_grades")]

    @property
    def bank_account_masked(self) -> str:
        return mask_bank_account(self.bank_account)

    @property
    def audit_district_code(self) -> str:
        return self.person.district.code if self.person_id else ""


class AllowanceMonth(models.Model):
    """One month of one disability allowance, paid by one transfer: unique per (allowance, month)."""

    allowance = models.ForeignKey(DisabilityAllowance, verbose_name="伤残津贴", on_delete=models.PROTECT,
                                  related_name="months", db_index=False)
    month = models.CharField("待遇所属月", max_length=7)
    amount_fen = models.BigIntegerField("金额（分）")
    # once retired (第三十五条第二款): the month's basic pension the allowance was set against; the
    # amount paid is the difference (0 before retirement: the allowance in full)
    pension_fen = models.BigIntegerField("当月基本养老金（分）", default=0, db_default=0)
    transfer = models.ForeignKey(Transfer, verbose_name="支付明细", on_delete=models.PROTECT,
                                 related_name="allowance_months")

    class Meta:
        verbose_name = "伤残津贴月"
        verbose_name_plural = "伤残津贴月"
        constraints = [models.UniqueConstraint(fields=["allowance", "month"], name="allowance_month_once")]


class SurvivorPension(models.Model):
    """The monthly pension of one dependant (供养亲属抚恤金) of a worker who died of a work injury
    (工伤保险条例 第三十九条第一款第（二）项), paid on the monthly payroll from the month after the death
    through ``last_month`` ("" while nothing ends it). The month's amount is computed for all the
    dependants of the same death eligible in that month together (rules/work_injury.survivor_pensions_fen:
    40 % / 30 % / +10 %, the sum at most the wage), so a share may change when another ends. Each
    month is paid once (`SurvivorMonth`, unique per pension and month)."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        OTHER = "other", "其他供养亲属"

    class Status(models.TextChoices):
        ACTIVE = "active", "按月发放"
        ENDED = "ended", "停发"

    award = models.ForeignKey(WorkInjuryAward, verbose_name="工伤待遇核定（因工死亡）", on_delete=models.PROTECT,
                              related_name="survivor_pensions")
    deceased = models.ForeignKey(Person, verbose_name="因工死亡职工", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("供养亲属姓名", max_length=50)
    id_number = EncryptedTextField("供养亲属证件号码", max_length=32)  # encrypted at rest (core.crypto)
    relation = models.CharField("与死者关系", max_length=8, choices=Relation.choices)
    birth_date = models.DateField("出生日期")
    lone = models.BooleanField("孤儿或孤寡老人（加发10%）", default=False)
    unable_to_work = models.BooleanField("完全丧失劳动能力", default=False)
    wage_fen = models.BigIntegerField("死者生前本人工资（分/月）")
    from_month = models.CharField("起发月份", max_length=7, validators=[validate_month])
    last_month = models.CharField("发放至", max_length=7, blank=True, validators=[validate_month])
    bank_account = EncryptedTextField("发放账号", max_length=32)  # encrypted at rest (core.crypto)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.ACTIVE)
    end_reason = models.CharField("停发原因", max_length=100, blank=True)
    created_at = models.DateTimeField("核定时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "供养亲属抚恤金"
        verbose_name_plural = "供养亲属抚恤金"
        constraints = [models.CheckConstraint(condition=models.Q(wage_fen__gt=0), name="survivor_wage_positive")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"

    @property
    def bank_account_masked(self) -> str:
        return mask_bank_account(self.bank_account)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def audit_district_code(self) -> str:
        return self.deceased.district.code if self.deceased_id else ""


class SurvivorMonth(models.Model):
    """One month of one survivors' pension, paid by one transfer: unique per (pension, month)."""

    pension = models.ForeignKey(SurvivorPension, verbose_name="供养亲属抚恤金", on_delete=models.PROTECT,
                                related_name="months", db_index=False)
    month = models.CharField("待遇所属月", max_length=7)
    amount_fen = models.BigIntegerField("金额（分）")
    transfer = models.ForeignKey(Transfer, verbose_name="支付明细", on_delete=models.PROTECT,
                                 related_name="survivor_months")

    class Meta:
        verbose_name = "供养亲属抚恤金月"
        verbose_name_plural = "供养亲属抚恤金月"
        constraints = [models.UniqueConstraint(fields=["pension", "month"], name="survivor_month_once")]
