"""One word for one thing, on every page, PDF and message (review-user13 (2), (13)): the variants a reader
met for the same thing cannot come back into a template or a string of the source.

- 电话核实, the notice's and the glossary's word (tests/data/glossary.md), not 电话核验;
- 申请编号 for a case's number everywhere (the number is given when the application is made, before and
  whether or not it is accepted), not 受理编号;
- a date people read is YYYY-MM-DD on every page, PDF statement, receipt and certificate (what most pages
  used): no ``Y年n月j日`` in a template, no ``%Y年%m月%d日`` or ``{d.year}年{d.month}月{d.day}日`` in the
  source. The rules' statements quote the notice in its own words (rules.wording.date_zh: 延长至2020年4月30日)
  and a letter is dated as letters are (the audit decision, the outreach letter);
- a refund's state in the words of collection.refund_words: never 待支付, a bare 待退款, 已办结（已退款）.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"

# (what, pattern, files it may stay in: paths relative to src/shebao)
REJECTED: list[tuple[str, re.Pattern[str], set[str]]] = [
    ("电话核实（通知与术语表的用词），不是电话核验", re.compile("电话核验"), set()),
    ("申请编号，不是受理编号", re.compile("受理编号"), set()),
    ("日期写作YYYY-MM-DD（模板）", re.compile(r"Y年n月j日|Y年m月d日"), set()),
    ("日期写作YYYY-MM-DD（%Y-%m-%d）", re.compile(r"%Y年%m月%d日|\.year\}年\{[^}]*\.month\}月\{[^}]*\.day\}日"),
     {"rules/wording.py", "backoffice/audit_letter.py", "backoffice/outreach.py"}),
    ("退费状态用 collection.refund_words 的用词", re.compile(r"待支付|(?<!已核准，)待退款|已办结（已退款）"),
     {"collection/refund_words.py"}),
]


def _sources() -> list[Path]:
    return [p for p in SRC.rglob("*") if p.suffix in (".py", ".html", ".txt", ".js")
            and "migrations" not in p.parts and "__pycache__" not in p.parts]


def test_no_template_or_string_uses_a_rejected_variant():
    found = []
    for path in _sources():
        rel = path.relative_to(SRC).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what, pattern, allowed in REJECTED:
                if rel not in allowed and pattern.search(line):
                    found.append(f"{rel}:{n}: {what}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_the_scan_sees_each_variant():
    """Each pattern finds what it is meant to refuse, and lets the chosen word through."""
    said = {what: pattern for what, pattern, _ in REJECTED}
    assert all(p.search(s) for p, s in zip(said.values(), (
        "电话核验已完成", "受理编号12", '{{ d|date:"Y年n月j日" }}', "{day.year}年{day.month}月{day.day}日",
        "待支付退费"), strict=True))
    refund = said["退费状态用 collection.refund_words 的用词"]
    assert not refund.search("已核准，待退款") and refund.search("尚有待退款100元")
    assert not any(p.search("电话核实 申请编号12 2020-03-02 已退款") for p in said.values())


def test_no_source_text_puts_a_bracket_in_a_bracket():
    """review-user13 (20): no text written in a template, a string or a pack has a bracket inside a bracket
    (“（…（…））”); the values a text puts in brackets go through rules.brackets.bracketed, and the pages
    are checked as rendered (tests/visible_text.py bracket_problems, in page_problems)."""
    from shebao.rules.brackets import nested

    found = []
    for path in [*_sources(), *SRC.rglob("*.yaml")]:
        rel = path.relative_to(SRC).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # full-width brackets only (code's own parentheses are ASCII); a pattern's [^（）] is no text
            text = re.sub(r"\[\^?[^\]]*\]", "", line).translate({ord("("): None, ord(")"): None})
            if hits := nested(text):
                found.append(f"{rel}:{n}: {hits[0]}")
    assert not found, "\n".join(found)
