"""The rules package stays pure: no Django anywhere, every number of the notice lives in data."""

from __future__ import annotations

import ast
from pathlib import Path

import shebao.rules

RULES_DIR = Path(shebao.rules.__file__).parent


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            names += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return names


def test_no_module_of_the_rules_package_imports_django() -> None:
    files = sorted(RULES_DIR.rglob("*.py"))
    assert files
    offenders = {str(f): n for f in files for n in _imports(f) if n == "django" or n.startswith("django.")}
    assert offenders == {}


def test_deciding_through_the_command_never_loads_django() -> None:
    import subprocess
    import sys

    code = (
        "import io, sys; from shebao.rules.cli import main; "
        "sys.stdin = io.StringIO('{\"business\": \"refund\", \"refund_kind\": \"other\", "
        "\"applied_on\": \"2020-02-10\"}\\n'); main(['decide']); print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "False"


def test_the_thresholds_of_the_notice_are_not_literals_in_the_code() -> None:
    # 2011-07, 120 months, 36 months, 2020-03-31, 0.05%: each lives in a pack with its clause id.
    for f in RULES_DIR.rglob("*.py"):
        text = f.read_text(encoding="utf-8")
        for literal in ("2011", "120", " 36", "2020-03-31", "10000", "0.0005"):
            code = [ln for ln in text.splitlines() if literal in ln and not ln.strip().startswith(("#", ">>>"))]
            assert not [ln for ln in code if '"""' not in ln and "e.g." not in ln and "Reading" not in ln
                        and "2020-01-31" not in ln], (f, literal, code)


def test_importing_the_rules_does_not_import_numpy_or_django() -> None:
    import subprocess
    import sys

    code = "import sys, shebao.rules; print('numpy' in sys.modules, 'django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
