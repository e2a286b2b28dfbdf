"""No bracket inside a bracket in anything people read (review-user13 (20): the late fee's state, itself
with a bracket, was put in brackets after the amount; a relief's citation put the clause's own brackets
inside its own).

A text that puts a value in brackets and cannot know whether the value has brackets of its own (a
document's clause, a rule's label, a reason typed by staff) writes ``bracketed(value)``: the value's
own brackets are said as commas (the clause 第一条 followed by its summary in brackets reads, in brackets,
第一条，summary). `nested(text)` says where a text has a bracket inside a bracket (the tests' check).
"""

from __future__ import annotations

import re

OPEN, CLOSE = "（(", "）)"
_PUNCT = "，。；：、,.;:）)」』”"
_AFTER_COMMA = re.compile(r"，\s+")


def flat(text: str) -> str:
    """``text`` with its own brackets said as commas: ``A（B）C`` -> ``A，B，C``; ``A（B）`` -> ``A，B``;
    ``A（B）。`` -> ``A，B。``. Brackets of document numbers (〔2020〕) and titles (《》) stay."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in OPEN:
            if out and out[-1] not in "，、；：":
                out.append("，")
        elif ch in CLOSE:
            nxt = text[i + 1:i + 2]
            if nxt and nxt not in _PUNCT:
                out.append("，")
        else:
            out.append(ch)
    return _AFTER_COMMA.sub("，", "".join(out))


def bracketed(text: str) -> str:
    """``（text）`` with no bracket inside it (`flat`); ``""`` for an empty text."""
    return f"（{flat(text)}）" if text else ""


def nested(text: str) -> list[str]:
    """Each place in ``text`` where a bracket opens inside another (full-width or ASCII), as the text
    around it; empty when there is none. An unmatched closing bracket resets the depth."""
    found, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            if depth == 0:
                start = i
            depth += 1
            if depth == 2:
                found.append(text[start:start + 60])
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif ch == "\n":
            depth = 0
    return found



__all__ = ["bracketed", "flat", "nested"]
