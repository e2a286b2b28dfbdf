"""Command-line usage in Chinese: the one argument parser of every ``shebao`` command (review-input13 F7).

argparse says a usage error in English (``error: unrecognized arguments: --x``, ``argument action:
invalid choice: 'a' (choose from ...)``, ``usage:``) and so did the rules commands' own option
checks. `ChineseArgumentParser` says each in Chinese, naming what was typed, then the usage line
(``用法：``); `usage_error_zh` translates one argparse message. Plain Python (no Django): the rules
commands (`shebao.rules.cli`) parse with it without starting Django; the Django commands with
`shebao.core.commands.ShebaoCommand`, whose parser is this one's twin.

>>> usage_error_zh("unrecognized arguments: --x --y")
'无法识别的参数：--x --y'
>>> usage_error_zh("argument action: invalid choice: 'a' (choose from 'create', 'list')")
"参数 action：不是可选的值 'a'（可选：'create', 'list'）"
>>> usage_error_zh("argument --batch: invalid int value: 'x'")
"参数 --batch：须为整数，收到 'x'"
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

# argparse's messages (Python 3.11 to 3.13: argparse.py, every ``_()`` an error is made of), each
# as a pattern and its Chinese. An argument's own message (``argument X: ...``) is translated inside.
_TYPES_ZH = {"int": "整数", "float": "数字", "open": "可打开的文件"}
_MESSAGES: tuple[tuple[re.Pattern[str], Any], ...] = tuple((re.compile(p, re.S), zh) for p, zh in (
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
    (r"the following arguments are required: (.*)", r"缺少必填的参数：\1"),
    (r"one of the arguments (.*) is required", r"参数 \1 须填写其中一个"),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"不是可选的值 \1（可选：\2）"),
    (r"expected one argument", "后面须跟一个值"),
    (r"expected at most one argument", "后面最多跟一个值"),
    (r"expected at least one argument", "后面至少须跟一个值"),
    (r"expected (\d+) arguments?", r"后面须跟\1个值"),
    (r"invalid (\w+) value: (.*)", lambda m: f"须为{_TYPES_ZH.get(m[1], '有效的' + m[1] + '值')}，收到 {m[2]}"),
    (r"not allowed with argument (.*)", r"不能与参数 \1 同时使用"),
    (r"ignored explicit argument (.*)", r"不接受值 \1"),
    (r"ambiguous option: (.*) could match (.*)", r"选项 \1 不明确，可能是 \2"),
    (r"unexpected option string: (.*)", r"意外的选项 \1"),
    (r"can't open '(.*)': (.*)", r"无法打开文件“\1”：\2"),
    (r"unknown parser (.*) \(choices: (.*)\)", r"没有子命令 \1（可选：\2）"),
))
_ARGUMENT = re.compile(r"argument (.+?): (.*)", re.S)


def usage_error_zh(message: str) -> str:
    """argparse's ``message`` in Chinese; a message already holding Chinese (a type function's own
    refusal) as it is; any other still said in Chinese first, with the original after it."""
    if m := _ARGUMENT.fullmatch(message):
        return f"参数 {m[1]}：{usage_error_zh(m[2])}"
    for pattern, zh in _MESSAGES:
        if m := pattern.fullmatch(message):
            return m.expand(zh) if isinstance(zh, str) else zh(m)
    if re.search(r"[\u4e00-\u9fff]", message):
        return message
    return f"参数有误（{message}）"


class ChineseHelpFormatter(argparse.HelpFormatter):
    """The usage line begins ``用法：``."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParserMixin:
    """What makes an argparse parser speak Chinese: usage line, group titles, ``-h``'s help and every
    usage error (`usage_error_zh`), printed as ``PROG：error`` after the usage line, exit status 2."""

    def _chinese_titles(self) -> None:
        self._positionals.title = "位置参数"  # type: ignore[attr-defined]
        self._optionals.title = "选项"  # type: ignore[attr-defined]
        for action in self._actions:  # type: ignore[attr-defined]
            if isinstance(action, argparse._HelpAction):
                action.help = "显示本帮助并退出"

    def usage_error(self, message: str) -> NoReturn:
        """Print the usage and ``message`` (already Chinese) to stderr, exit with status 2."""
        self.print_usage(sys.stderr)  # type: ignore[attr-defined]
        self.exit(2, f"{self.prog}：{message}\n")  # type: ignore[attr-defined]


class ChineseArgumentParser(ChineseParserMixin, argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose usage and usage errors are Chinese.

    >>> p = ChineseArgumentParser(prog="shebao rules")
    >>> _ = p.add_argument("--on")
    >>> p.format_usage()
    '用法：shebao rules [-h] [--on ON]\\n'
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, **kwargs)
        self._chinese_titles()

    def error(self, message: str) -> NoReturn:
        self.usage_error(usage_error_zh(message))
