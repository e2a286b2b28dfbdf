"""Every form of every page leaves checking to the server, whose errors are Chinese and placed at
their fields (review U15: an English browser showed its own "Please fill out this field")."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"
FORM = re.compile(r"<form\b(?:[^>{]|\{[^}]*\})*>", re.S)


def test_every_form_tag_carries_novalidate():
    missing = []
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".html", ".py"):
            continue
        for m in FORM.finditer(path.read_text(encoding="utf-8")):
            if "novalidate" not in m.group(0):
                missing.append(f"{path.relative_to(SRC)}: {m.group(0)[:80]}")
    assert not missing, "\n".join(missing)


def test_every_page_loads_the_forms_script_that_dresses_file_inputs_in_chinese():
    forms_js = (SRC / "web" / "static" / "web" / "forms.js").read_text(encoding="utf-8")
    assert "选择文件" in forms_js and "未选择文件" in forms_js and "noValidate = true" in forms_js
    for base in ("web/templates/web/base.html", "portal/templates/portal/base.html"):
        assert "{% static 'web/forms.js' %}" in (SRC / base).read_text(encoding="utf-8"), base
