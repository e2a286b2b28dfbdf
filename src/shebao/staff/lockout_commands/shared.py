"""What the lockout commands share: argument types and the Chinese answers."""

from __future__ import annotations

import argparse
import ipaddress

from shebao.core.masking import echo


def username_arg(text: str) -> str:
    """A user name as typed: not empty (django-axes reads "" as every user name)."""
    value = text.strip()
    if not value:
        raise argparse.ArgumentTypeError("用户名不能为空（为空时会解除所有账号的锁定；全部解除请用 shebao axes_reset）")
    if len(value) > 255:
        raise argparse.ArgumentTypeError(f"用户名过长（{len(value)}个字符，最多255个）")
    return value


def ip_arg(text: str) -> str:
    """An IPv4 or IPv6 address, as django-axes keeps it (not empty: django-axes reads "" as every address)."""
    value = text.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{echo(value)}”不是有效的IP地址（如 10.0.0.9）") from None


def days_arg(text: str) -> int:
    """A number of days: a whole number 0 .. 36,500 in ASCII digits."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 5 or int(value) > 36_500:
        raise argparse.ArgumentTypeError(f"须为0至36500的整数（天数），收到“{echo(text, limit=20)}”")
    return int(value)


def usernames_kept(typed: str) -> list[str]:
    """The user names django-axes may hold `typed` under: as typed, and as it keeps it now
    (`shebao.staff.lockout.stored_username`: a name that is no staff account's as a keyed hash)."""
    from shebao.staff.lockout import stored_username

    kept = stored_username(typed)
    return [typed] + ([kept] if kept and kept != typed else [])


def removed_line(what: str, count: int) -> str:
    """One line of the answer: the attempts removed for `what`, or that there were none."""
    if count:
        return f"{what}：已清除{count}条登录失败记录，锁定已解除"
    return f"{what}：没有登录失败记录（未被锁定），无需解除"
