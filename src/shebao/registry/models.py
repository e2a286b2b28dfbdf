"""The registry: offices, employers, insured people, pension accounts, spells and contributions.

It carries every fact the notice's rules need: account type (1.2a/b, 1.3b), the months of
pension contributions in Beijing (1.2a, 1.3b), birth date and gender (1.3b, 4.2), cadre or
worker (4.2), the special groups of 1.4, and the payment method (3.1, 3.2).

Writes go through `services.py`, which records the audit trail; nothing here has logic in save().
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from shebao.core import clock, crypto
from shebao.core.fields import BlindIndexedModel, BlindIndexField, EncryptedJSONField, EncryptedTextField
from shebao.core.masking import mask_bank_account, mask_id_number, mask_phone
from shebao.core.models import AppendOnlyModel
from shebao.registry.checks import CodeError, parse_citizen_id, validate_credit_code
from shebao.rules.catalog import choices as _catalog_choices
from shebao.rules.catalog import label

MONTH_VALIDATOR_MSG = "月份应为YYYY-MM格式"


def validate_month(value: str) -> None:
    from shebao.rules.dates import InputError, month_index

    try:
        month_index(value, "calendar_month")
    except InputError as e:
        raise ValidationError(e.zh) from None


def validate_credit_code_field(value: str) -> None:
    """The form of a GB 32100 code; its check character is checked by `employer_register`, which
    alone may accept a legacy code that fails it (with a recorded override)."""
    try:
        validate_credit_code(value, legacy_check_character=True)
    except CodeError as e:
        raise ValidationError(str(e), code=e.reason) from None


class Office(models.Model):
    class Kind(models.TextChoices):
        MUNICIPAL_CENTER = "municipal_center", "市社保中心"
        DISTRICT_CENTER = "district_center", "区社保中心"
        AGENT_OFFICE = "agent_office", "代办机构"

    code = models.CharField("机构代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Relative size of the district, used by the generator to spread employers and people.
    weight = models.PositiveIntegerField("规模权重", default=1)

    class Meta:
        verbose_name = "经办机构"
        verbose_name_plural = "经办机构"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def district(self) -> Office | None:
        """The district an office belongs to; None for the municipal center (it sees all)."""
        if self.kind == self.Kind.DISTRICT_CENTER:
            return self
        if self.kind == self.Kind.AGENT_OFFICE:
            return self.parent
        return None

    @property
    def audit_district_code(self) -> str:
        d = self.district
        return d.code if d else ""


class Employer(BlindIndexedModel):
    class PaymentMethod(models.TextChoices):
        BANK_DEDUCTION = "bank_deduction", "银行扣款"
        REMITTANCE = "remittance", "银行汇款"

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True,
                                   validators=[validate_credit_code_field])
    name = models.CharField("单位名称", max_length=200, db_index=True)
    # Pinyin initials of the name (北京华信科技有限公司 → bjhxkjyxgs) for the clerk's search.
    name_initials = models.CharField("单位名称拼音首字母", max_length=100, blank=True, editable=False)
    district = models.ForeignKey(Office, verbose_name="所属区", on_delete=models.PROTECT, related_name="employers")
    payment_method = models.CharField("缴费方式", max_length=20, choices=PaymentMethod.choices,
                                      default=PaymentMethod.BANK_DEDUCTION)
    # Encrypted at rest (core.crypto); looked up by its blind index (a payer's account on a statement).
    bank_account = EncryptedTextField("银行账号", max_length=32, blank=True)
    bank_account_hash = BlindIndexField(source="bank_account", kind="bank_account")
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    industry_class = models.PositiveSmallIntegerField("工伤行业类别", default=1)
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)
    # A code issued before 2016 whose check character does not follow GB 32100, accepted by staff:
    # who, why and when (shown as a warning wherever the employer is shown).
    credit_code_override_reason = models.CharField("信用代码校验例外原因", max_length=200, blank=True, db_default="")
    credit_code_override_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="例外确认人", null=True,
                                                blank=True, on_delete=models.PROTECT, related_name="+")
    credit_code_override_at = models.DateTimeField("例外确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "参保单位"
        verbose_name_plural = "参保单位"
        indexes = [models.Index(fields=["district", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_district_code(self) -> str:
        return self.district.code if self.district_id else ""

    @property
    def bank_account_masked(self) -> str:
        return mask_bank_account(self.bank_account)

    @property
    def credit_code_warning(self) -> str:
        """The visible warning of a legacy credit code accepted by override, else ""."""
        if not self.credit_code_override_at:
            return ""
        who = self.credit_code_override_by.get_username() if self.credit_code_override_by_id else "系统"
        return (f"统一社会信用代码未通过GB 32100校验位检验，系{who}于{self.credit_code_override_at:%Y-%m-%d}"
                f"按例外登记（原因：{self.credit_code_override_reason}）")


class EmployerFacts(AppendOnlyModel):
    """An employer's unit type, size class and industry from a date on (dated, append-only history).

    A relief pack reads the facts in force for a contribution month (or on the pack's fixed date,
    `rules.relief.ReliefPack.facts_fixed_on`). Size classes follow the SME standard 工信部联企业〔2011〕
    300号 (中小企业划型标准规定); industries are GB/T 4754-2017 codes (section letter and division
    digits, e.g. "H62" 餐饮业). A correction is a new row from the same date: the latest row wins.
    """

    class UnitType(models.TextChoices):
        ENTERPRISE = "enterprise", "企业"
        INDIVIDUAL_BUSINESS = "individual_business", "以单位方式参保的个体工商户"
        SOCIAL_ORGANIZATION = "social_organization", "社会组织（民办非企业单位、社会团体等）"
        PUBLIC_INSTITUTION = "public_institution", "事业单位"
        GOVERNMENT = "government", "机关"

    class SizeClass(models.TextChoices):
        LARGE = "large", "大型"
        MEDIUM = "medium", "中型"
        SMALL = "small", "小型"
        MICRO = "micro", "微型"
        UNCLASSIFIED = "", "未划型"

    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="facts")
    effective_from = models.DateField("起始日期")
    unit_type = models.CharField("单位类型", max_length=30, choices=UnitType.choices, default=UnitType.ENTERPRISE)
    size_class = models.CharField("企业规模（划型）", max_length=10, choices=SizeClass.choices, blank=True,
                                  default=SizeClass.UNCLASSIFIED)
    industry = models.CharField("国民经济行业代码", max_length=8, blank=True, default="",
                                help_text="GB/T 4754-2017，如H62（餐饮业）")
    source = models.CharField("依据", max_length=200, blank=True, default="")
    recorded_by_label = models.CharField("登记人", max_length=150, blank=True, default="")
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "单位类型与规模"
        verbose_name_plural = "单位类型与规模"
        indexes = [models.Index(fields=["employer", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.effective_from} {self.unit_type} {self.size_class} {self.industry}"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


def id_region_of(number: str | None) -> str:
    """The first six characters of a document number of 15 or more (a citizen ID's region, GB 11643),
    kept in clear for the search by the start of a number: the masked form shows them already
    (`mask_id_number`). "" for a shorter document (a passport, a permit), whose start is not shown."""
    number = number or ""
    return number[:6] if len(number) >= 15 else ""


class IdRegionField(models.CharField):
    """`id_region_of(id_number)`, kept on every save and bulk create (as BlindIndexField keeps its
    hash), so a row written by `bulk_create` is found by the start of its number too."""

    def pre_save(self, model_instance: Any, add: bool) -> str:
        value = id_region_of(model_instance.id_number)
        setattr(model_instance, self.attname, value)
        return value


class Person(BlindIndexedModel):
    class IdType(models.TextChoices):
        CITIZEN_ID = "citizen_id", "居民身份证"
        HMT_PERMIT = "hmt_permit", "港澳台居民居住证/通行证"
        FOREIGN_PERMIT = "foreign_permit", "外国人永久居留证/工作许可"
        PASSPORT = "passport", "护照"

    class Gender(models.TextChoices):
        MALE = "male", label("gender", "male")
        FEMALE = "female", label("gender", "female")

    class HukouType(models.TextChoices):
        URBAN = "urban", "城镇"
        RURAL = "rural", "农业"
        NONE = "none", "无（境外人员）"

    class Category(models.TextChoices):
        STANDARD = "standard", label("category", "standard")
        HMT = "hmt", label("category", "hmt")
        FOREIGNER = "foreigner", label("category", "foreigner")
        PART_TIME = "part_time", label("category", "part_time")

    class ContributorCategory(models.TextChoices):
        EMPLOYEE = "employee", "在职职工"
        FLEXIBLE = "flexible", "灵活就业人员"
        RETIREE = "retiree", "退休人员"

    id_type = models.CharField("证件类型", max_length=20, choices=IdType.choices, default=IdType.CITIZEN_ID)
    # Encrypted at rest (core.crypto); looked up, and kept unique, through its keyed hash
    # (`filter(id_number=…)` is answered by `id_number_hash`: core.fields).
    id_number = EncryptedTextField("证件号码", max_length=32, indexed_by="id_number_hash")
    id_number_hash = BlindIndexField(source="id_number", kind="id_number", unique=True, verbose_name="证件号码")
    # The region (first six) of a long number, in clear as the masked form shows it: the search by
    # the start of a number (`registry.selectors.person_search`).
    id_region = IdRegionField("证件号前六位", max_length=6, blank=True, db_index=True, editable=False)
    # The last four characters of the document number, for the clerk's "last four" search.
    id_last4 = models.CharField("证件号后四位", max_length=4, db_index=True, editable=False)
    name = models.CharField("姓名", max_length=100, db_index=True)
    # Pinyin initials of the name (张三 → zs) for the clerk's search.
    name_initials = models.CharField("姓名拼音首字母", max_length=40, db_index=True, editable=False)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    hukou_type = models.CharField("户籍性质", max_length=10, choices=HukouType.choices, default=HukouType.URBAN)
    contributor_category = models.CharField("缴费人员类别", max_length=20, choices=ContributorCategory.choices,
                                            default=ContributorCategory.EMPLOYEE)
    is_cadre = models.BooleanField("干部身份", default=False)
    phone = EncryptedTextField("手机号码", max_length=20, blank=True)  # encrypted at rest (core.crypto)
    category = models.CharField("人员类别", max_length=20, choices=Category.choices, default=Category.STANDARD)
    nationality = models.CharField("国籍/地区", max_length=40, default="中国")
    district = models.ForeignKey(Office, verbose_name="参保区", on_delete=models.PROTECT, related_name="persons")
    # Registered data without a column of its own (address, postal code, e-mail, education, ...,
    # 1.3a): person_field code -> value, changed only by a recorded change (PersonHistory). Null (bulk
    # loads that do not name the column) reads as none. Encrypted at rest as one token (it holds a
    # bank account, a landline, an emergency contact: core.fields.EncryptedJSONField); never looked
    # inside in SQL.
    other_data = EncryptedJSONField("其他登记信息", null=True, blank=True, default=dict)
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)
    # A person registered twice and merged into the record kept (`registry.merge.person_merge`):
    # never deleted, its dependent rows moved to `merged_into`, its own trail left where it was.
    merged_into = models.ForeignKey("self", verbose_name="已合并至", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_from", editable=False)
    merged_at = models.DateTimeField("合并时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "参保人员"
        verbose_name_plural = "参保人员"
        indexes = [models.Index(fields=["district", "name"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(gender__in=["male", "female"]), name="person_gender_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @staticmethod
    def merged_text(merged_into_id: int | None) -> str:
        """The one wording of where a merged record's business went: "已合并至人员#N，请在保留的记录上办理",
        N the record kept at the END of its merge chain (`registry.selectors.kept_record`: A merged into
        B merged into C names C, where the business is done); "" for a record not merged (the API's
        merged_note, the refusals of `merged_refusal`, the person search's export)."""
        from shebao.registry.selectors import kept_record_pk

        kept = kept_record_pk(merged_into_id)
        return f"已合并至人员#{kept}，请在保留的记录上办理" if kept else ""

    def merged_refusal(self) -> str:
        """Why nothing may be written to this record, in Chinese: it was registered twice and merged
        (`registry.merge`), so its rows now belong to the record kept; "" when it was not. Reads the
        stored row, not this instance, which may predate the merge."""
        merged_into = Person.objects.filter(pk=self.pk).values_list("merged_into", flat=True).first()
        return f"该人员为重复登记，{Person.merged_text(merged_into)}" if merged_into else ""

    def _derive_index(self) -> None:
        self.id_number_hash = crypto.blind_index(self.id_number, kind="id_number")
        self.id_region = id_region_of(self.id_number)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keeps the region (and, through BlindIndexedModel, the hash) with the number, a narrow
        save (`update_fields=["id_number"]`) included."""
        self._derive_index()
        fields = kwargs.get("update_fields")
        if fields is not None and "id_number" in fields and "id_region" not in fields:
            kwargs["update_fields"] = [*fields, "id_region"]
        super().save(*args, **kwargs)

    def validate_unique(self, exclude: Any = None) -> None:
        """The number is unique through its hash: checked on the hash of the number as it is now,
        and reported at the number (the same "具有 证件号码 的 参保人员 已存在。")."""
        self._derive_index()
        if exclude and "id_number" not in exclude:  # a form leaves out the hash, never the number's check
            exclude = set(exclude) - {"id_number_hash"}
        try:
            super().validate_unique(exclude=exclude)
        except ValidationError as e:
            errors = e.update_error_dict({})
            if "id_number_hash" in errors:
                errors.setdefault("id_number", []).extend(errors.pop("id_number_hash"))
            raise ValidationError(errors) from None

    def clean(self) -> None:
        """A citizen ID number fixes gender and birth date: they may never disagree (GB 11643)."""
        if self.id_type == self.IdType.CITIZEN_ID:
            try:
                cid = parse_citizen_id(self.id_number)
            except CodeError as e:
                raise ValidationError({"id_number": str(e)}) from None
            self.id_number = cid.number
            if self.birth_date and self.birth_date != cid.birth_date:
                raise ValidationError({"birth_date": f"出生日期与证件号码不一致（号码中为{cid.birth_date}）"})
            if self.gender and self.gender != cid.gender:
                raise ValidationError({"gender": "性别与证件号码第17位不一致"})

    @property
    def audit_district_code(self) -> str:
        return self.district.code if self.district_id else ""

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class PersonHistory(AppendOnlyModel):
    """One change of a person's registered data (1.3a): the field, the old and the new value, the
    case that changed it (its number) and who completed it. Never changed or deleted."""

    person = models.ForeignKey(Person, verbose_name="参保人员", on_delete=models.PROTECT, related_name="history")
    field = models.CharField("信息项", max_length=40)
    field_zh = models.CharField("信息项名称", max_length=40)
    # Encrypted at rest: a change of ID number, phone or account keeps both values (core.crypto).
    old_value = EncryptedTextField("原值", blank=True)
    new_value = EncryptedTextField("新值", blank=True)
    case_number = models.PositiveBigIntegerField("申请编号", null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("操作人（文字）", max_length=150)
    at = models.DateTimeField("时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "登记信息变更记录"
        verbose_name_plural = "登记信息变更记录"
        ordering = ["at", "pk"]

    @property
    def audit_district_code(self) -> str:
        return self.person.audit_district_code


class PersonMerge(models.Model):
    """One merge of a person registered twice (`registry.merge.person_merge`): which record was merged
    into which, and exactly which rows moved (`moved`: model label -> the pks moved, the pension
    account's months under "registry.AccountMonth"), so that a merge made the wrong way can be undone
    row for row (`registry.merge.person_unmerge`). Merges made before this record existed have none,
    and are not undone (the service says why). Undoing fills `undone_*`; the row is never deleted."""

    keep = models.ForeignKey(Person, verbose_name="保留的记录", on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(Person, verbose_name="被合并的记录", on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField("迁移的记录", default=dict)
    merged_at = models.DateTimeField("合并时间")
    merged_by_label = models.CharField("合并人", max_length=150)
    reason = models.CharField("合并理由", max_length=200)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by_label = models.CharField("撤销人", max_length=150, blank=True)
    undo_reason = models.CharField("撤销理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "参保人员合并记录"
        verbose_name_plural = "参保人员合并记录"
        ordering = ["-merged_at", "-pk"]

    @property
    def audit_district_code(self) -> str:
        return self.other.audit_district_code


class PersonNameWord(models.Model):
    """One word of a Latin-script name (a foreigner's, notice 1.4), lower-cased, so that a clerk
    finds "John SMITH" by `smith` with an indexed prefix match (`registry.names.name_words`)."""

    person = models.ForeignKey(Person, verbose_name="参保人员", on_delete=models.CASCADE, related_name="name_words")
    word = models.CharField("姓名单词", max_length=100, db_index=True)

    class Meta:
        verbose_name = "姓名单词"
        verbose_name_plural = "姓名单词"
        constraints = [models.UniqueConstraint(fields=["person", "word"], name="person_name_word_unique")]


class PensionAccount(models.Model):
    class AccountType(models.TextChoices):
        GENERAL = "general", label("account_type", "general")
        TEMPORARY = "temporary", label("account_type", "temporary")

    person = models.OneToOneField(Person, verbose_name="参保人员", on_delete=models.PROTECT,
                                  related_name="pension_account")
    account_type = models.CharField("账户类型", max_length=10, choices=AccountType.choices)
    opened_on = models.DateField("开户日期")
    district = models.ForeignKey(Office, verbose_name="开户区", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "养老保险账户"
        verbose_name_plural = "养老保险账户"

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_account_type_display()}"

    @property
    def audit_district_code(self) -> str:
        return self.district.code if self.district_id else ""


class EmploymentSpell(models.Model):
    person = models.ForeignKey(Person, verbose_name="参保人员", on_delete=models.PROTECT, related_name="spells")
    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="spells")
    from_month = models.CharField("起始月", max_length=7, validators=[validate_month])
    to_month = models.CharField("终止月", max_length=7, blank=True, validators=[validate_month])

    class Meta:
        verbose_name = "参保经历"
        verbose_name_plural = "参保经历"
        indexes = [models.Index(fields=["employer", "from_month"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_month="") | models.Q(to_month__gte=models.F("from_month")),
                name="spell_period_not_reversed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name} @ {self.employer.name} {self.from_month}–{self.to_month or '至今'}"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


class Contribution(models.Model):
    """One person's contributions through one employer for one month.

    One row carries every insurance type (its base and its employer and personal amounts), because
    the monthly declaration is made per person and month; a city of a million people over two
    years is then 24 million rows rather than 120 million. `INSURANCE_TYPES` lists the columns.
    """

    # No index of their own: the unique key (person, employer, month) serves look-ups by person and
    # (employer, month) those by employer (docs/scale.md; tests/registry/test_contribution_partitions.py
    # checks the plans), and every index is one more write per contribution row.
    person = models.ForeignKey(Person, verbose_name="参保人员", on_delete=models.PROTECT, related_name="contributions",
                               db_index=False)
    employer = models.ForeignKey(Employer, verbose_name="单位", on_delete=models.PROTECT, related_name="contributions",
                                 db_index=False)
    month = models.CharField("费款所属期", max_length=7, validators=[validate_month])
    pension_base_fen = models.BigIntegerField("养老缴费基数（分）")
    pension_employer_fen = models.BigIntegerField("养老单位（分）")
    pension_personal_fen = models.BigIntegerField("养老个人（分）")
    unemployment_base_fen = models.BigIntegerField("失业缴费基数（分）")
    unemployment_employer_fen = models.BigIntegerField("失业单位（分）")
    unemployment_personal_fen = models.BigIntegerField("失业个人（分）")
    medical_base_fen = models.BigIntegerField("医疗缴费基数（分）")
    medical_employer_fen = models.BigIntegerField("医疗单位（分）")
    medical_personal_fen = models.BigIntegerField("医疗个人（分）")
    maternity_base_fen = models.BigIntegerField("生育缴费基数（分）")
    maternity_employer_fen = models.BigIntegerField("生育单位（分）")
    work_injury_base_fen = models.BigIntegerField("工伤缴费基数（分）")
    work_injury_employer_fen = models.BigIntegerField("工伤单位（分）")
    paid_on = models.DateField("实缴日期", null=True, blank=True)

    INSURANCE_TYPES = ("pension", "unemployment", "medical", "maternity", "work_injury")

    class Meta:
        verbose_name = "缴费记录"
        verbose_name_plural = "缴费记录"
        constraints = [
            models.UniqueConstraint(fields=["person", "employer", "month"], name="contribution_unique_month"),
        ]
        # The unique key (person, employer, month) serves look-ups by person; this one serves employers.
        # On PostgreSQL the table is partitioned by month (migration 0019, registry.partitions): both
        # include the month, as a partitioned table's unique keys must.
        indexes = [models.Index(fields=["employer", "month"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.employer_id} {self.month}"

    @property
    def audit_district_code(self) -> str:
        return self.employer.audit_district_code


class AccountMonth(models.Model):
    """One month of a person's basic pension individual account (个人账户记录): the base and the
    amount credited to the account for that month, and where it came from.

    The account's book (4.1, 4.2): a month transferred in from another region (转入, with that
    region), a month filled from original records (账户补填), or a Beijing contribution month put on
    the book when it moves out. A transfer out (转出) keeps the row and marks it moved, naming the
    case and the region it went to: an account's months and balance are its rows not moved out
    (`registry.accounts.account_summary`), plus Beijing's paid contribution months not yet on it.
    """

    class Source(models.TextChoices):
        CONTRIBUTION = "contribution", "本市缴费"
        TRANSFER_IN = "transfer_in", "外地转入"
        BACKFILL = "backfill", "账户补填"

    account = models.ForeignKey(PensionAccount, verbose_name="养老保险账户", on_delete=models.PROTECT,
                                related_name="months")
    month = models.CharField("所属月份", max_length=7, validators=[validate_month])
    base_fen = models.BigIntegerField("缴费基数（分）", default=0)
    amount_fen = models.BigIntegerField("记账金额（分）")
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    region = models.CharField("转出地", max_length=100, blank=True)
    case = models.ForeignKey("cases.Case", verbose_name="申请", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="account_months")
    moved_out_case = models.ForeignKey("cases.Case", verbose_name="转出申请", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="account_months_moved_out")
    moved_out_region = models.CharField("转入地", max_length=100, blank=True)
    moved_out_at = models.DateTimeField("转出时间", null=True, blank=True)
    created_at = models.DateTimeField("记账时间")

    class Meta:
        verbose_name = "个人账户记录"
        verbose_name_plural = "个人账户记录"
        ordering = ["account", "month", "pk"]
        constraints = [
            # A month is on an account once, until it moves out (it may come back by a later transfer in).
            models.UniqueConstraint(fields=["account", "month"], condition=models.Q(moved_out_at__isnull=True),
                                    name="account_month_once"),
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0) & models.Q(base_fen__gte=0),
                                   name="account_month_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month}"

    @property
    def audit_district_code(self) -> str:
        return self.account.audit_district_code


class ResidentPension(models.Model):
    """A person's enrolment in the residents' basic pension (城乡居民基本养老保险, 6.1): registered,
    changed, cancelled, or receiving the pension after a claim.

    A person has at most one enrolment that is not cancelled. Writes go through
    `registry.resident_pension`, which keeps the history in the audit trail with the case of each
    change.
    """

    class State(models.TextChoices):
        ACTIVE = "active", "参保缴费"
        RECEIVING = "receiving", "领取待遇"
        CANCELLED = "cancelled", "已注销"

    person = models.ForeignKey(Person, verbose_name="参保人员", on_delete=models.PROTECT,
                               related_name="resident_pensions")
    district = models.ForeignKey(Office, verbose_name="参保区", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.ACTIVE)
    contribution_grade_fen = models.BigIntegerField("年缴费档次（分）")
    bank_name = models.CharField("开户银行", max_length=100)
    bank_account = EncryptedTextField("银行账号", max_length=32)  # encrypted at rest (core.crypto)
    registered_on = models.DateField("参保登记日期")
    registered_case = models.ForeignKey("cases.Case", verbose_name="参保登记申请", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    last_case = models.ForeignKey("cases.Case", verbose_name="最近办理的申请", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    cancelled_on = models.DateField("注销日期", null=True, blank=True)
    cancel_reason = models.CharField("注销原因", max_length=20, blank=True,
                                     choices=_catalog_choices("resident_pension_cancel_reason"))
    claim_from_month = models.CharField("待遇起始月", max_length=7, blank=True, validators=[validate_month])
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "城乡居民养老保险参保记录"
        verbose_name_plural = "城乡居民养老保险参保记录"
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=~models.Q(state="cancelled"),
                                    name="resident_pension_one_open"),
            models.CheckConstraint(condition=models.Q(contribution_grade_fen__gt=0),
                                   name="resident_pension_grade_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_state_display()}"

    @property
    def audit_district_code(self) -> str:
        return self.district.code if self.district_id else ""

    @property
    def bank_account_masked(self) -> str:
        return mask_bank_account(self.bank_account)
