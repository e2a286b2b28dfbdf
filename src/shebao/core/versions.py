"""The version a page sends with a change of a versioned record (a case, a flag, a card order, an audit
case, a hall's day log, an outreach, an incident report).

A page's form carries the version it showed in a hidden input. What arrives is read once
(`posted_version`): a whole number in ASCII digits is the version; anything else is an
`UnreadVersion`, which the service refuses (`refuse_unread`) after it has checked who may act, so
the order of the answers stays 403, 400, 428, 409:

* no version at all (the input missing or empty): 428, "请刷新页面后重试" — applied blindly the change
  could overwrite what someone else did meanwhile;
* a version that is no number (``abc``, ``-1``, ``０``, 23 digits): 400.

A service called by code (a command, a job, a test) with ``None`` checks nothing, as before; a page never
passes ``None`` (review-input14 2: the hall day log was saved without any check when the version was
missing or garbled, only a well-formed stale number was refused).

>>> posted_version("4"), posted_version(" 4 "), posted_version(None)
(4, UnreadVersion(raw=' 4 '), UnreadVersion(raw=''))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shebao.core.errors import DomainError, PreconditionRequired


@dataclass(frozen=True)
class UnreadVersion:
    """A version a form sent that cannot be compared: missing (428) or malformed (400)."""

    raw: str

    def refusal(self) -> DomainError:
        if not self.raw.strip():
            return PreconditionRequired("页面未带版本号，无法确认您看到的是最新内容，请刷新页面后重试",
                                        "the change carries no version: reload the page", field="version")
        shown = self.raw if len(self.raw) <= 20 else self.raw[:20] + "…"
        return DomainError(f"版本号“{shown}”无效，请刷新页面后重试", "the version is not a whole number",
                           field="version")


def posted_version(raw: Any) -> int | UnreadVersion:
    """The version a form sent (``request.POST.get("version")``): an int, else an `UnreadVersion`."""
    from shebao.core.inputs import number_text

    text = raw if isinstance(raw, str) else ""
    number = number_text(text)
    return number if number is not None else UnreadVersion(text)


def refuse_unread(version: Any) -> None:
    """Raise the refusal of a version a form sent that cannot be read (428 missing, 400 malformed)."""
    if isinstance(version, UnreadVersion):
        raise version.refusal()
