"""One rule, one place: the back office's sheet (web/shebao.css) and the portal's (portal/portal.css) share
no rule; the form controls both sides use (the Chinese file picker of web/forms.js, checkbox and radio
labels, a form error at its input) live in web/controls.css, which both base pages load (review-user4:
the file picker and checkbox-label rules were copied into both sheets and could drift apart)."""

from __future__ import annotations

import re
from pathlib import Path

from django.template.loader import get_template

STATIC = Path(__file__).resolve().parents[2] / "src" / "shebao"
SHEETS = {"web": STATIC / "web/static/web/shebao.css", "portal": STATIC / "portal/static/portal/portal.css",
          "controls": STATIC / "web/static/web/controls.css"}


def rules(path: Path) -> dict[str, str]:
    """Selector -> declarations (whitespace folded) of every rule of the sheet, @media blocks included
    (keyed with their condition)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    out: dict[str, str] = {}

    def walk(body: str, prefix: str) -> None:
        i = 0
        while i < len(body):
            brace = body.find("{", i)
            if brace < 0:
                return
            head = " ".join(body[i:brace].split())
            depth, j = 1, brace + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(body[j], 0)
                j += 1
            inner = body[brace + 1:j - 1]
            if head.startswith("@"):
                walk(inner, prefix + head + " ")
            else:
                for selector in head.split(","):
                    out[prefix + " ".join(selector.split())] = " ".join(inner.split())
            i = j

    walk(text, "")
    return out


def test_no_rule_is_written_in_both_sheets():
    web, portal = rules(SHEETS["web"]), rules(SHEETS["portal"])
    same = sorted(s for s in set(web) & set(portal) if web[s] == portal[s])
    assert not same, f"the same rule in shebao.css and portal.css (move it to web/controls.css): {same}"


def test_shared_controls_live_in_controls_css_only():
    controls = rules(SHEETS["controls"])
    for selector in (".file-picker", ".file-picker-input", ".file-picker-button", ".file-picker-name",
                     "label:has(> input[type=checkbox])", ".field-error", '[aria-invalid="true"]'):
        assert selector in controls, selector
        for side in ("web", "portal"):
            assert selector not in rules(SHEETS[side]), (side, selector)


def test_both_base_pages_load_the_shared_sheet_before_their_own():
    for template, own in (("web/base.html", "web/shebao.css"), ("portal/base.html", "portal/portal.css")):
        source = Path(get_template(template).origin.name).read_text(encoding="utf-8")
        assert source.index("web/controls.css") < source.index(own), template
