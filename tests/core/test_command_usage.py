"""Every ``shebao`` command says a usage error in Chinese (review-input13 F7): argparse answered an
unknown option with ``error: unrecognized arguments`` and a wrong choice with ``invalid choice``, the
rules commands with ``unknown option(s)`` and ``no pack``, a refusal was printed as ``CommandError: …``
and an unknown command as ``Unknown command``. The commands share `core.commands.ShebaoCommand` (its
parser `core.cli.ChineseArgumentParser`'s twin); the rules commands, which run without Django, parse with
`ChineseArgumentParser` itself.
"""

from __future__ import annotations

import argparse
import re

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from shebao.__main__ import main as shebao_main
from shebao.core.cli import usage_error_zh
from shebao.core.commands import ShebaoCommand
from shebao.rules.cli import main as rules_main

HAN = re.compile(r"[\u4e00-\u9fff]")
# what argparse, Django and the old rules options said in English
ENGLISH = re.compile(r"usage:|error:|unrecognized|invalid choice|invalid int|expected one|required:|"
                     r"unknown option|no pack|CommandError|Unknown command|Type '|is not a date", re.I)

PROJECT_COMMANDS = sorted(name for name, app in get_commands().items() if app.startswith("shebao."))
RULES_COMMANDS = ["audit_deadline", "decide", "late_fee", "retirement", "rules"]


def _said(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr()
    return out.out + out.err


def _chinese_only(text: str) -> None:
    assert HAN.search(text), text
    assert not ENGLISH.search(text), text


def test_every_command_of_the_project_is_a_shebao_command():
    assert len(PROJECT_COMMANDS) >= 30 and set(RULES_COMMANDS) <= set(PROJECT_COMMANDS)
    plain = [name for name in PROJECT_COMMANDS
             if not isinstance(load_command_class(get_commands()[name], name), ShebaoCommand)]
    assert plain == []


@pytest.mark.parametrize("name", PROJECT_COMMANDS)
def test_an_unknown_option_is_said_in_chinese_by_every_command(name, capsys):
    command = load_command_class(get_commands()[name], name)
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["shebao", name, "--no-such-option"])
    said = _said(capsys)
    assert exited.value.code == 2
    # a required argument missing is said first (assess --as-of)
    assert f"shebao {name}：无法识别的参数：--no-such-option" in said or f"shebao {name}：缺少必填的参数" in said, said
    _chinese_only(said)


@pytest.mark.parametrize(("argv", "expected"), [
    (["refund_file", "nope"], "shebao refund_file：参数 action：不是可选的值 'nope'（可选：'create', 'list', 'download'）"),
    (["refund_file"], "shebao refund_file：缺少必填的参数：action"),
    (["deliver", "--batch", "x"], "shebao deliver：参数 --batch：须为整数，收到 'x'"),
    (["deliver", "--batch"], "shebao deliver：参数 --batch：后面须跟一个值"),
    (["deliver", "--verbosity", "9"], "shebao deliver：参数 -v/--verbosity：不是可选的值 9（可选：0, 1, 2, 3）"),
    (["encryption_rotate", "--batch", "1.5"], "shebao encryption_rotate：参数 --batch：须为整数，收到 '1.5'"),
])
def test_each_kind_of_usage_error_is_said_in_chinese_after_the_usage(argv, expected, capsys):
    command = load_command_class(get_commands()[argv[0]], argv[0])
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["shebao", *argv])
    said = capsys.readouterr().err
    assert exited.value.code == 2
    assert said.startswith(f"用法：shebao {argv[0]} ") and said.rstrip("\n").endswith(expected), said
    _chinese_only(said)


def test_a_refusal_is_printed_in_its_own_words_not_as_commanderror(capsys):
    command = load_command_class(get_commands()["refund_file"], "refund_file")
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["shebao", "refund_file", "download"])
    assert exited.value.code == 1
    assert capsys.readouterr().err == "错误：请给出退费支付文件编号，如：shebao refund_file download 3 --output refunds.csv\n"
    deliver = load_command_class(get_commands()["deliver"], "deliver")
    with pytest.raises(SystemExit):
        deliver.run_from_argv(["shebao", "deliver", "--no-color", "--force-color"])
    assert capsys.readouterr().err == "错误：--no-color 与 --force-color 不能同时使用\n"


def test_call_command_raises_the_usage_error_in_chinese():
    with pytest.raises(CommandError) as refused:
        call_command("refund_file", "nope")
    assert str(refused.value).startswith("参数有误：参数 action：不是可选的值 'nope'")


def test_help_is_chinese_for_the_options_of_every_command(capsys):
    for name in PROJECT_COMMANDS:
        if name in RULES_COMMANDS:
            continue
        command = load_command_class(get_commands()[name], name)
        with pytest.raises(SystemExit):
            command.run_from_argv(["shebao", name, "--help"])
        said = capsys.readouterr().out
        assert said.startswith(f"用法：shebao {name} "), said
        assert "show this help" not in said and "Verbosity level" not in said, said
        for line in said.splitlines():
            if line.startswith("  ") and "  " in line.strip():  # an option and its help on one line
                assert HAN.search(line), (name, line)


@pytest.mark.parametrize("argv", [["nosuch"], ["help", "nosuch"]])
def test_an_unknown_command_is_said_in_chinese(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        shebao_main(["shebao", *argv])
    said = _said(capsys)
    assert exited.value.code == 1 and said.startswith("没有命令“nosuch”"), said
    _chinese_only(said)
    with pytest.raises(SystemExit):
        shebao_main(["shebao", "delivr"])
    assert "是否要用 deliver？" in _said(capsys)


def test_the_list_of_commands_is_introduced_in_chinese(capsys):
    shebao_main(["shebao"])
    said = _said(capsys)
    assert "可用的命令：" in said and "    refund_file" in said
    _chinese_only(said)


@pytest.mark.parametrize("name", RULES_COMMANDS)
def test_the_rules_commands_refuse_an_unknown_option_in_chinese(name, capsys):
    assert rules_main([name, "--no-such-option"]) == 2
    said = _said(capsys)
    assert said.startswith(f"用法：shebao {name} ") and f"shebao {name}：无法识别的参数：--no-such-option" in said
    _chinese_only(said)


@pytest.mark.parametrize(("argv", "expected"), [
    (["rules", "--pack", "nope"], "shebao rules：没有政策包“nope”，现有：base、beijing-2020-epidemic"),
    (["rules", "--on", "2020-13-01"], "shebao rules：参数 --on：日期“2020-13-01”不是日历上存在的日期"),
    (["rules", "--on", "0001-01-01"], "shebao rules：参数 --on：日期“0001-01-01”不在1990-01-01至2099-12-31之间，请核对"),
    (["rules", "--on"], "shebao rules：参数 --on：后面须跟一个值"),
    (["decide", "--explain", "x"], "shebao decide：无法识别的参数：x"),
    (["nosuch"], "shebao：没有规则命令“nosuch”"),
])
def test_the_rules_commands_say_each_usage_error_in_chinese(argv, expected, capsys):
    assert rules_main(argv) == 2
    said = _said(capsys)
    assert expected in said, said
    _chinese_only(said)


@pytest.mark.parametrize(("message", "zh"), [
    ("unrecognized arguments: --x", "无法识别的参数：--x"),
    ("the following arguments are required: action, file", "缺少必填的参数：action, file"),
    ("one of the arguments --a --b is required", "参数 --a --b 须填写其中一个"),
    ("argument --a: not allowed with argument --b", "参数 --a：不能与参数 --b 同时使用"),
    ("argument --a: ignored explicit argument 'x'", "参数 --a：不接受值 'x'"),
    ("argument --a: expected at most one argument", "参数 --a：后面最多跟一个值"),
    ("argument --a: expected at least one argument", "参数 --a：后面至少须跟一个值"),
    ("argument --a: expected 2 arguments", "参数 --a：后面须跟2个值"),
    ("argument --a: invalid float value: 'x'", "参数 --a：须为数字，收到 'x'"),
    ("argument --a: invalid date value: 'x'", "参数 --a：须为有效的date值，收到 'x'"),
    ("ambiguous option: --b could match --ba, --bb", "选项 --b 不明确，可能是 --ba, --bb"),
    ("argument --id: 编号“x”无效：须为数字", "参数 --id：编号“x”无效：须为数字"),
    ("something argparse may say one day", "参数有误（something argparse may say one day）"),
])
def test_every_message_of_argparse_is_translated(message, zh):
    assert usage_error_zh(message) == zh


def test_an_ambiguous_abbreviation_is_said_in_chinese(capsys):
    from shebao.core.cli import ChineseArgumentParser

    parser = ChineseArgumentParser(prog="shebao x")
    parser.add_argument("--batch")
    parser.add_argument("--bank")
    with pytest.raises(SystemExit):
        parser.parse_args(["--ba", "1"])
    said = capsys.readouterr().err
    assert "shebao x：选项 --ba 不明确，可能是 --batch, --bank" in said
    _chinese_only(said)
    assert isinstance(parser, argparse.ArgumentParser)
