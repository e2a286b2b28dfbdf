"""django-axes' ``axes_list_attempts`` in Chinese (shebao.staff.lockout_commands)."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = ("列出登录失败记录：IP地址、用户名（非本系统工作人员的用户名只存散列，显示为 unknown:…，"
            "可原样交给 shebao axes_reset_username）、失败次数、最近一次失败的时间")

    def handle(self, *args: Any, **options: Any) -> None:
        attempts = AccessAttempt.objects.order_by("-attempt_time", "pk")
        if not attempts.exists():
            self.stdout.write("没有登录失败记录")
            return
        limit = settings.AXES_FAILURE_LIMIT
        self.stdout.write("IP地址\t用户名\t失败次数\t最近一次失败\t状态")
        for attempt in attempts.iterator():
            when = timezone.localtime(attempt.attempt_time).strftime("%Y-%m-%d %H:%M:%S")
            state = "已达锁定次数" if attempt.failures_since_start >= limit else "未锁定"
            self.stdout.write(f"{attempt.ip_address or '（无）'}\t{attempt.username or '（无）'}\t"
                              f"{attempt.failures_since_start}\t{when}\t{state}")
