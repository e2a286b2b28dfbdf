"""The portal's own records (issue 15): employers' portal accounts, sign-in codes, the sign-in trail.

Portal accounts are kept apart from staff accounts (`staff.User`): they are not Django users, never
reach `request.user`, and a staff session is never a portal session (`portal.access`).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from shebao.core import clock
from shebao.core.fields import EncryptedTextField
from shebao.core.masking import mask_phone
from shebao.core.models import AppendOnlyModel


class EmployerAccount(models.Model):
    """A person who acts for an employer in the portal: its administrator or one of its HR clerks.

    Signs in with the employer's credit code, the account's login name and password, and a one-time
    code sent to the account's mobile (the second factor, at every sign-in). The administrator adds
    and disables the clerks (`portal.services.employer_clerk_add`, `employer_clerk_disable`); staff
    open the administrator's account (`employer_admin_create`).
    """

    class Role(models.TextChoices):
        ADMIN = "employer_admin", "单位管理员"
        CLERK = "employer_clerk", "单位经办人"

    employer = models.ForeignKey("registry.Employer", verbose_name="单位", on_delete=models.PROTECT,
                                 related_name="portal_accounts")
    login = models.CharField("登录名", max_length=40)
    display_name = models.CharField("姓名", max_length=50)
    role = models.CharField("账户类型", max_length=20, choices=Role.choices)
    mobile = EncryptedTextField("手机号码", max_length=20)  # encrypted at rest (core.crypto)
    password = models.CharField("密码（摘要）", max_length=128)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("开通时间", default=clock.now, editable=False)
    created_by_label = models.CharField("开通人", max_length=150)
    disabled_at = models.DateTimeField("停用时间", null=True, blank=True)
    disabled_by_label = models.CharField("停用人", max_length=150, blank=True)

    class Meta:
        verbose_name = "单位网上办事账户"
        verbose_name_plural = "单位网上办事账户"
        constraints = [
            models.UniqueConstraint(fields=["employer", "login"], name="portal_account_login_unique"),
            # Logins differ by more than case within an employer (bad-input review D11): sign-in
            # compares them without case, so ``clerk1`` and ``CLERK1`` would be one account.
            models.UniqueConstraint(Lower("login"), "employer", name="portal_account_login_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.get_role_display()}）"

    @property
    def mobile_masked(self) -> str:
        return mask_phone(self.mobile)

    @property
    def audit_district_code(self) -> str:
        return self.employer.district.code if self.employer_id else ""


class SignInCode(models.Model):
    """A one-time sign-in code sent by SMS: kept only as a keyed hash, valid five minutes, used once.

    `subject` names whose code it is without personal data (a person's: the lock key of the number
    typed, "portal-person:<keyed hash>", registered or not; "employer_account:<pk>");
    `attempts` counts wrong entries (the code is void after `portal.codes.MAX_ATTEMPTS`). The rows
    of the last hour are also what limits sending (per subject and per address, `portal.codes`).
    """

    class Purpose(models.TextChoices):
        PERSON = "person", "个人登录"
        EMPLOYER = "employer", "单位登录（第二步）"

    purpose = models.CharField("用途", max_length=10, choices=Purpose.choices)
    subject = models.CharField("对象", max_length=60, db_index=True)
    code_hash = models.CharField("验证码摘要", max_length=64)
    sent_to = models.CharField("发送号码（遮蔽）", max_length=20)
    ip_address = models.GenericIPAddressField("请求地址", null=True, blank=True)
    created_at = models.DateTimeField("发送时间", db_index=True)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)

    class Meta:
        verbose_name = "登录验证码"
        verbose_name_plural = "登录验证码"
        indexes = [models.Index(fields=["ip_address", "created_at"])]


class SignInEvent(AppendOnlyModel):
    """The portal's sign-in trail: every code sent or refused, every sign-in, failure, lockout and
    sign-out. Names the subject masked (`subject_label`) and by key, never by a full ID number."""

    class Outcome(models.TextChoices):
        CODE_SENT = "code_sent", "已发送验证码"
        CODE_LIMITED = "code_limited", "发送过于频繁，未发送"
        CODE_UNKNOWN = "code_unknown", "证件号码未登记或无手机号码，未发送"
        SIGNED_IN = "signed_in", "登录成功"
        WRONG_PASSWORD = "wrong_password", "密码或账户不正确"
        WRONG_CODE = "wrong_code", "验证码不正确或已失效"
        LOCKED = "locked", "已锁定，拒绝登录"
        SIGNED_OUT = "signed_out", "退出登录"

    at = models.DateTimeField("时间", default=clock.now, editable=False, db_index=True)
    kind = models.CharField("登录类型", max_length=10, choices=SignInCode.Purpose.choices)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices)
    subject = models.CharField("对象", max_length=60, blank=True, db_index=True)
    subject_label = models.CharField("对象（遮蔽）", max_length=150, blank=True)
    ip_address = models.GenericIPAddressField("地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=200, blank=True)

    class Meta:
        verbose_name = "网上办事登录记录"
        verbose_name_plural = "网上办事登录记录"


class IdentityCheck(AppendOnlyModel):
    """The trail of the identity check of 6.1 (face recognition in the city's identity app, through
    OpenID Connect: `portal.person_identity`): every answer from the provider, passed or refused
    with its reason (state, token, ID token's signature/issuer/audience/nonce, another person)."""

    person = models.ForeignKey("registry.Person", verbose_name="参保人员", on_delete=models.PROTECT,
                               related_name="identity_checks")
    at = models.DateTimeField("时间", default=clock.now, editable=False, db_index=True)
    passed = models.BooleanField("通过")
    subject = models.CharField("身份认证标识", max_length=100, blank=True)
    reason = models.CharField("未通过原因", max_length=200, blank=True)
    actor_label = models.CharField("操作人", max_length=150)

    class Meta:
        verbose_name = "身份核验记录"
        verbose_name_plural = "身份核验记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"身份核验 {'通过' if self.passed else '未通过'}"
