"""Staff accounts: a role and the office they work in, which fixes what they may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    MUNICIPAL_ADMIN = "municipal_admin", "市中心管理员"
    DISTRICT_CLERK = "district_clerk", "区经办人员"
    DISTRICT_REVIEWER = "district_reviewer", "区复核人员"
    AUDITOR = "auditor", "稽核人员"
    HALL_MANAGER = "hall_manager", "大厅主管"
    LEADER = "leader", "领导（只读）"


# Roles allowed to see a personal value unmasked, through the recorded "show" action.
REVEAL_ROLES = {Role.MUNICIPAL_ADMIN, Role.DISTRICT_CLERK, Role.DISTRICT_REVIEWER, Role.AUDITOR}
# Roles allowed to change registry data.
WRITE_ROLES = {Role.MUNICIPAL_ADMIN, Role.DISTRICT_CLERK, Role.DISTRICT_REVIEWER}


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.DISTRICT_CLERK)
    office = models.ForeignKey(
        "registry.Office", verbose_name="所在机构", null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)

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

    @property
    def can_reveal_personal_data(self) -> bool:
        return self.role in REVEAL_ROLES

    @property
    def can_write_registry(self) -> bool:
        return self.role in WRITE_ROLES
