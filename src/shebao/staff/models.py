"""Staff accounts: a role and the office they work in, which fixes what they may see."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models

from shebao.core import clock


class Role(models.TextChoices):
    MUNICIPAL_ADMIN = "municipal_admin", "市中心管理员"
    DISTRICT_CLERK = "district_clerk", "区经办人员"
    DISTRICT_REVIEWER = "district_reviewer", "区复核人员"
    AUDITOR = "auditor", "稽核人员"
    HALL_MANAGER = "hall_manager", "大厅主管"
    LEADER = "leader", "领导"
    # The municipal center's collection desk (3.1, 3.2): deduction runs and their bank files, the
    # bank's result files, remittance statements, assessment runs. Nobody else handles bank files.
    COLLECTION_CLERK = "collection_clerk", "征缴经办人员"

# What each role may do is the permission table's (core/permissions.py), the one place for it.


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.DISTRICT_CLERK)
    office = models.ForeignKey(
        "registry.Office", verbose_name="所在机构", null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    # AbstractUser's default is timezone.now; every stored time stamp comes from the business clock.
    # last_login is set by staff.apps (the sign-in signal) on the same clock.
    date_joined = models.DateTimeField("加入时间", default=clock.now)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def district(self):
        """The district whose data this user sees; None means the whole city (municipal center)."""
        if self.office is None:
            return None
        return self.office.district

    @property
    def sees_whole_city(self) -> bool:
        return self.office is not None and self.office.kind == "municipal_center"


TOKEN_PREFIX = "shb_"
SHOWN_PREFIX = 10  # characters of a key kept in clear, to list and revoke it by


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str:
    return token[:SHOWN_PREFIX]


class ApiToken(models.Model):
    """A key for a system that calls the API on a staff account's behalf (an intake platform, a batch).

    Only the SHA-256 of the key is kept: a leaked table lets no one call the API. The key itself is
    shown once, when it is made (`shebao api_token`). A SHA-256 check costs microseconds, where HTTP
    Basic would run the password hash (hundreds of milliseconds) on every call.
    """

    user = models.ForeignKey(User, verbose_name="工作人员", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    digest = models.CharField("密钥摘要", max_length=64, unique=True, editable=False)
    prefix = models.CharField("密钥前缀", max_length=12, editable=False)
    created_at = models.DateTimeField("创建时间", default=clock.now, editable=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口密钥"
        verbose_name_plural = "接口密钥"

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.name}）"

    @staticmethod
    def new_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
