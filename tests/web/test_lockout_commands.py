"""django-axes' commands answer in Chinese and really lift the lockout (bad-input review leftovers 1).

``shebao axes_reset_username clerk_cy`` answered ``1 attempts removed.`` (django-axes' own command:
axes comes before shebao in INSTALLED_APPS, and Django takes the first app's). Now
`shebao.staff.lockout_commands`, listed before axes, holds each of django-axes' commands as a
`ShebaoCommand`: the answer, the usage and a usage error are Chinese; a name django-axes keeps only as
a keyed hash is found by the name typed; an empty name, which django-axes reads as every name, is
refused. tests/core/test_command_usage.py walks them with the other commands of the project.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import axes
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.utils import timezone

from shebao.core.commands import ShebaoCommand
from shebao.staff import lockout
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db
ID_NUMBER = "11010519491231002X"
AXES_COMMANDS = ["axes_list_attempts", "axes_reset", "axes_reset_failure_logs", "axes_reset_ip",
                 "axes_reset_ip_username", "axes_reset_logs", "axes_reset_username"]
ENGLISH = re.compile(r"attempts? removed|No attempts|logs? removed|No logs|usage:|error:", re.I)
HAN = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    said = out.getvalue()
    assert HAN.search(said) and not ENGLISH.search(said), said
    return said


def lock(client, username: str) -> None:
    for _ in range(5):
        client.post("/login/", {"username": username, "password": "guess-" + "x" * 8})
    r = client.post("/login/", {"username": username, "password": PASSWORD})
    assert r.status_code == 429


def test_every_command_of_django_axes_is_the_projects_in_chinese():
    shipped = sorted(p.stem for p in (Path(axes.__file__).parent / "management" / "commands").glob("axes_*.py"))
    assert shipped == AXES_COMMANDS  # a new one in a later django-axes is added here too
    commands = get_commands()
    for name in AXES_COMMANDS:
        assert commands[name] == "shebao.staff.lockout_commands", name
        assert isinstance(load_command_class(commands[name], name), ShebaoCommand)


def test_reset_username_lifts_the_lockout_and_says_so_in_chinese(client, clerk_chaoyang, reviewer_chaoyang):
    lock(client, "clerk_cy")
    lock(client, "reviewer_cy")
    said = run("axes_reset_username", "clerk_cy")
    assert said == "用户名“clerk_cy”：已清除1条登录失败记录，锁定已解除\n"
    assert not AccessAttempt.objects.filter(username="clerk_cy").exists()
    assert AccessAttempt.objects.filter(username="reviewer_cy").exists()  # the other account stays locked
    r = client.post("/login/", {"username": "clerk_cy", "password": PASSWORD})
    assert r.status_code == 302
    assert run("axes_reset_username", "clerk_cy", "nobody") == (
        "用户名“clerk_cy”：没有登录失败记录（未被锁定），无需解除\n"
        "用户名“nobody”：没有登录失败记录（未被锁定），无需解除\n")


def test_a_name_kept_as_a_keyed_hash_is_found_by_the_name_typed(client):
    lock(client, ID_NUMBER)
    [kept] = AccessAttempt.objects.values_list("username", flat=True)
    assert kept == lockout.stored_username(ID_NUMBER) != ID_NUMBER
    said = run("axes_reset_username", ID_NUMBER)
    assert said == "用户名“110105********002X”：已清除1条登录失败记录，锁定已解除\n"  # the number masked
    assert not AccessAttempt.objects.exists()


def test_an_empty_user_name_is_refused_and_no_lockout_is_lifted(client, clerk_chaoyang):
    lock(client, "clerk_cy")
    for argv in (["axes_reset_username", " "], ["axes_reset_ip_username", "127.0.0.1", ""]):
        with pytest.raises(CommandError) as refused:
            call_command(*argv)
        assert "用户名不能为空" in str(refused.value)
    with pytest.raises(CommandError) as refused:
        call_command("axes_reset_ip", "")
    assert "不是有效的IP地址" in str(refused.value)
    assert AccessAttempt.objects.filter(username="clerk_cy").count() == 1


def test_reset_ip_and_ip_username_and_all(client, clerk_chaoyang, reviewer_chaoyang):
    lock(client, "clerk_cy")
    assert run("axes_reset_ip", "10.0.0.9") == "IP地址 10.0.0.9：没有登录失败记录（未被锁定），无需解除\n"
    assert run("axes_reset_ip_username", "127.0.0.1", "reviewer_cy") == (
        "IP地址 127.0.0.1 上的用户名“reviewer_cy”：没有登录失败记录（未被锁定），无需解除\n")
    assert run("axes_reset_ip_username", "127.0.0.1", "clerk_cy") == (
        "IP地址 127.0.0.1 上的用户名“clerk_cy”：已清除1条登录失败记录，锁定已解除\n")
    assert not AccessAttempt.objects.exists()
    lock(client, "clerk_cy")
    assert run("axes_reset_ip", "127.0.0.1") == "IP地址 127.0.0.1：已清除1条登录失败记录，锁定已解除\n"
    assert not AccessAttempt.objects.exists()
    lock(client, "clerk_cy")
    lock(client, "reviewer_cy")
    assert run("axes_reset") == "已清除全部2条登录失败记录，所有账号的锁定已解除\n"
    assert not AccessAttempt.objects.exists()
    assert run("axes_reset") == "没有登录失败记录，无需解除\n"


def test_list_attempts_has_a_chinese_header(client, clerk_chaoyang):
    assert run("axes_list_attempts") == "没有登录失败记录\n"
    lock(client, "clerk_cy")
    header, row = run("axes_list_attempts").splitlines()
    assert header == "IP地址\t用户名\t失败次数\t最近一次失败\t状态"
    # five failures and the sixth sign-in, refused while locked
    assert row.startswith("127.0.0.1\tclerk_cy\t6\t") and row.endswith("\t已达锁定次数")


def test_the_logs_are_removed_by_age_in_whole_days(client, clerk_chaoyang):
    old = timezone.now() - dt.timedelta(days=40)
    for model in (AccessLog, AccessFailureLog):
        model.objects.create(username="clerk_cy", ip_address="10.0.0.9", user_agent="ua", http_accept="*/*",
                             path_info="/login/", **({"locked_out": False} if model is AccessFailureLog else {}))
        model.objects.update(attempt_time=old)
    assert run("axes_reset_logs", "--age", "60") == "没有60天以前的登录日志记录，无需删除\n"
    assert run("axes_reset_logs") == "已删除1条30天以前的登录日志记录\n"
    assert run("axes_reset_failure_logs") == "已删除1条30天以前的登录失败日志记录\n"
    assert not AccessLog.objects.exists() and not AccessFailureLog.objects.exists()
    with pytest.raises(CommandError) as refused:
        call_command("axes_reset_logs", "--age", "-5")
    assert "须为0至36500的整数（天数）" in str(refused.value)


def test_a_usage_error_on_the_command_line_is_chinese(capsys):
    command = load_command_class(get_commands()["axes_reset_username"], "axes_reset_username")
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["shebao", "axes_reset_username"])
    said = capsys.readouterr().err
    assert exited.value.code == 2
    assert said.startswith("用法：shebao axes_reset_username ") and "缺少必填的参数：username" in said, said
