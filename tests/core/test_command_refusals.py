"""A command's refusal is one Chinese line and exit status 1, never a traceback (review-input14 3:
``shebao api_token --name $'x\\x01y'`` printed a 44-line English traceback of the service's
ValidationError); files named on the command line are refused for what they are (``/dev/null`` was
"找不到文件"); a count is never negative (``demo_setup --cases -5`` was taken)."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

from shebao.staff.models import ApiToken
from tests.nothing_written import nothing_written


def _run(capsys, *argv: str) -> tuple[int, str]:
    command = load_command_class(get_commands()[argv[0]], argv[0])
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["shebao", *argv])
    return exited.value.code, capsys.readouterr().err


def _execute(capsys, *argv: str) -> tuple[int, str]:
    """As `_run`, without run_from_argv closing the test's database connection at its end."""
    command = load_command_class(get_commands()[argv[0]], argv[0])
    options = vars(command.create_parser("shebao", argv[0]).parse_args(argv[1:]))
    args = options.pop("args", ())
    command._called_from_command_line = True
    with pytest.raises(SystemExit) as exited:
        command.execute(*args, **options)
    return exited.value.code, capsys.readouterr().err


@pytest.mark.parametrize("name", ["x\x01y", "a" * 5000])
def test_a_refused_api_token_name_is_one_chinese_line(db, capsys, municipal_admin, name):
    with nothing_written():
        code, said = _execute(capsys, "api_token", "--user", municipal_admin.username, "--name", name)
    assert code == 1
    assert said.startswith("错误：用途") and said.count("\n") == 1, said
    assert "Traceback" not in said and "ValidationError" not in said
    assert len(said) < 300
    assert ApiToken.objects.count() == 0


def test_a_file_that_is_no_regular_file_is_said_so(db, capsys, tmp_path):
    code, said = _run(capsys, "import_remittances", "/dev/null")
    assert (code, said) == (1, "错误：“/dev/null”不是普通文件（设备、管道等），请指定要导入的文件\n")
    code, said = _run(capsys, "import_remittances", str(tmp_path))
    assert code == 1 and said == f"错误：“{tmp_path}”是目录，不是文件，请指定要导入的文件\n"
    code, said = _run(capsys, "import_remittances", str(tmp_path / "none.csv"))
    assert code == 1 and said == f"错误：找不到文件：{tmp_path / 'none.csv'}\n"
    code, said = _run(capsys, "work_injury_import", str(tmp_path / "none.jsonl"))
    assert code == 1 and said == f"错误：找不到文件：{tmp_path / 'none.jsonl'}\n"


def test_a_negative_count_is_a_usage_error(db, capsys):
    code, said = _run(capsys, "demo_setup", "--cases", "-5")
    assert code == 2 and said.rstrip("\n").endswith("参数 --cases：须为0至100000的整数，收到“-5”"), said
