"""The base of every ``shebao`` management command: usage, usage errors and refusals in Chinese.

Django's `BaseCommand` parses with argparse, which says ``error: unrecognized arguments: --x`` and
``invalid choice`` in English, names its own options' help in English, and prints a refusal as
``CommandError: …`` (review-input13 F7). A command of the project subclasses `ShebaoCommand`
instead (tests/core/test_command_usage.py walks them all): its parser is `ShebaoCommandParser` (the
twin of `shebao.core.cli.ChineseArgumentParser`), its program name ``shebao NAME``, and a
`CommandError` reaches the terminal as ``错误：…`` (the command's own Chinese text). The ``shebao``
script runs them through `ShebaoManagementUtility`, which says an unknown command and the list of
commands in Chinese.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from difflib import get_close_matches
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import ManagementUtility, get_commands
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
)

from shebao.core.cli import ChineseHelpFormatter, ChineseParserMixin, usage_error_zh
from shebao.core.errors import DomainError


def refusal_line(e: Exception) -> str:
    """A service's refusal as one line of Chinese: a ValidationError's messages (by field or not),
    a DomainError's ``zh``, a PermissionDenied's text, joined with "；"."""
    if isinstance(e, DomainError):
        return "；".join(zh for _field, zh, _en in e.entries())
    if isinstance(e, ValidationError):
        return "；".join(e.messages)
    return str(e) or "无权进行此操作"


def read_input_file(name: str) -> bytes:
    """The bytes of a file named on the command line, or a CommandError saying in Chinese why not: it
    does not exist, it is a directory, it is no regular file (``/dev/null``, a pipe: "找不到文件" was
    said of those, review-input14 3), it may not be read (never the OS's English ``strerror``)."""
    path = Path(name)
    shown = name if len(name) <= 80 else name[:80] + "…"
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise CommandError(f"“{shown}”是目录，不是文件，请指定要导入的文件")
        if not stat.S_ISREG(mode):
            raise CommandError(f"“{shown}”不是普通文件（设备、管道等），请指定要导入的文件")
        return path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"找不到文件：{shown}") from None
    except PermissionError:
        raise CommandError(f"无权读取文件：{shown}") from None
    except OSError:
        raise CommandError(f"无法读取文件：{shown}（文件名有误或磁盘错误）") from None


def count_arg(text: str) -> int:
    """An argparse ``type`` for a count given to a command (``--cases 40``): a whole number 0 .. 100,000
    in ASCII digits (``-5`` was taken silently, review-input14 3)."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 6 or int(value) > 100_000:
        raise argparse.ArgumentTypeError(f"须为0至100000的整数，收到“{text[:20]}”")
    return int(value)

def port_arg(text: str) -> int:
    """An argparse ``type`` for a TCP port given to a command (``--port 8001``): a whole number 1 .. 65535
    in ASCII digits (``-1`` and ``99999`` were taken and failed later with a Python traceback, bad-input
    review A16 2)."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 5 or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"须为1至65535的整数，收到“{text[:20]}”")
    return int(value)


def web_address_arg(text: str) -> str:
    """An argparse ``type`` for a web site's address given to a command (``--portal
    http://127.0.0.1:8000``): ``http(s)://主机[:端口]``, nothing else (no path, query, user or space);
    returned without a trailing slash."""
    from urllib.parse import urlsplit

    refused = argparse.ArgumentTypeError(f"门户网址须为 http(s)://主机[:端口]，收到“{text[:80]}”")
    if not text or not text.isascii() or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise refused
    try:
        url = urlsplit(text)
        port = url.port
    except ValueError:  # a port that is no number or beyond 65535
        raise refused from None
    if (url.scheme not in ("http", "https") or not url.hostname or url.username is not None
            or url.password is not None or url.path not in ("", "/") or url.query or url.fragment
            or port == 0 or text.endswith((":", ":/"))):
        raise refused
    return text.rstrip("/")


# Django's own options of every command (BaseCommand.create_parser), by destination
BASE_OPTIONS_ZH = {
    "version": "显示版本号并退出",
    "verbosity": "输出详细程度：0=最少，1=正常，2=详细，3=非常详细",
    "settings": "设置模块的Python路径，如 shebao.config.settings；不填时用环境变量 DJANGO_SETTINGS_MODULE",
    "pythonpath": "加入Python路径的目录",
    "traceback": "出错时显示完整的调用栈",
    "no_color": "输出不加颜色",
    "force_color": "输出一律加颜色",
    "skip_checks": "跳过系统检查",
}


class ShebaoHelpFormatter(ChineseHelpFormatter, DjangoHelpFormatter):
    """Django's order of options (its own last), the usage line beginning ``用法：``."""


class ShebaoCommandParser(ChineseParserMixin, CommandParser):
    """Django's `CommandParser` with Chinese usage errors: on the command line printed after the usage
    line (exit status 2); from `call_command` a `CommandError` in Chinese."""

    def error(self, message: str) -> NoReturn:
        zh = usage_error_zh(message)
        if self.called_from_command_line:
            self.usage_error(zh)
        raise CommandError(f"参数有误：{zh}")


class ShebaoCommand(BaseCommand):
    """A management command whose usage, usage errors and refusals are Chinese."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", ShebaoHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a CommandParser by name; ShebaoCommandParser adds methods only, no state
        parser.__class__ = ShebaoCommandParser
        assert isinstance(parser, ShebaoCommandParser)
        parser.prog = f"shebao {subcommand}"
        parser._chinese_titles()
        for action in parser._actions:
            if action.dest in BASE_OPTIONS_ZH and action.help != argparse.SUPPRESS:
                action.help = BASE_OPTIONS_ZH[action.dest]
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            if options.get("force_color") and options.get("no_color"):
                raise CommandError("--no-color 与 --force-color 不能同时使用")
            return super().execute(*args, **options)
        except SystemCheckError:
            raise  # Django's run_from_argv prints the checks' own report
        except CommandError as e:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            # run_from_argv would print "CommandError: <text>"; the text alone, in Chinese
            self.stderr.write(f"错误：{e}")
            sys.exit(e.returncode)
        except (ValidationError, DomainError, PermissionDenied) as e:
            # A service's refusal (a name with a control character, a key of 5,000 characters) is one
            # Chinese line and exit status 1, as a CommandError: it was a 44-line English traceback with
            # the reason on its last line (review-input14 3).
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            self.stderr.write(f"错误：{refusal_line(e)}")
            sys.exit(1)


class ShebaoManagementUtility(ManagementUtility):
    """Django's ``manage.py`` as the ``shebao`` script: an unknown command, and the list ``shebao``
    alone or ``shebao help`` prints, in Chinese."""

    def __init__(self, argv: list[str] | None = None) -> None:
        super().__init__(argv)
        self.prog_name = "shebao"

    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only:
            return str(super().main_help_text(commands_only=True))
        listed = str(super().main_help_text()).split("\n")
        start = next((i for i, line in enumerate(listed) if line.startswith("Available subcommands")), 0)
        body = [line for line in listed[start + 1:] if not line.startswith("Note that only Django")]
        note = ([f"（设置有误，只列出Django自带的命令：{self.settings_exception}）"]
                if self.settings_exception is not None else [])
        return "\n".join(["", "输入 shebao help 命令名 查看某个命令的用法。", "", "可用的命令：", *body, *note])

    def fetch_command(self, subcommand: str) -> BaseCommand:
        commands = get_commands()
        if subcommand not in commands:
            if os.environ.get("DJANGO_SETTINGS_MODULE"):
                from django.conf import settings

                settings.INSTALLED_APPS  # noqa: B018 - an unconfigured setting is said first, as Django does
            near = get_close_matches(subcommand, commands)
            sys.stderr.write(f"没有命令“{subcommand[:40]}”" + (f"，是否要用 {near[0]}？" if near else "")
                             + "\n输入 shebao help 查看全部命令。\n")
            sys.exit(1)
        return super().fetch_command(subcommand)
