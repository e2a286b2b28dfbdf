"""A Django ``{# ... #}`` comment ends on its own line: one spread over two lines is printed on the page
as text (the front desk once showed its English comment to every clerk). Longer comments use
``{% comment %}``."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"


def test_no_template_opens_a_one_line_comment_it_does_not_close_on_that_line():
    found = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2:]
                if "#}" not in rest:
                    found.append(f"{path.relative_to(SRC)}:{n}: {line.strip()[:80]}")
                    break
                rest = rest[rest.index("#}") + 2:]
    assert found == []
