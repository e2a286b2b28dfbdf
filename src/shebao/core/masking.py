"""Masking of personal data: ID numbers, bank accounts and phone numbers.

Masked is the default everywhere (pages, API, exports, logs); the full value only comes through
an explicit, recorded "show" action (see `shebao.core.services.personal_data_reveal`).

A number is masked however it is written: full-width digits, groups separated by spaces or
hyphens ("6222 0202 0011 2233 445", "+86 138 1234 5678", "138-1234-5678"), in a field or inside
free text (a remittance memo, a log line). The masked form is the compact one ("138****5678").
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from shebao.core.invisible import INVISIBLE_RE, table_name
from shebao.core.normalize import normalize_code, normalize_phone


def mask_id_number(value: str | None) -> str:
    """Keep the region (6) and the last 4 characters of a long number (15 or more: a citizen ID or a
    permit in its form); of a shorter document (a passport, a permit) the first character and the
    last 4, so that at least half is hidden (before, a 9- or 10-character passport was shown whole:
    6 + 4 characters of 10).

    >>> mask_id_number("11010519491231002X")
    '110105********002X'
    >>> mask_id_number("E123456789")
    'E*****6789'
    """
    if not value:
        return ""
    value = normalize_code(value)
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 2) + value[-1:] if len(value) > 2 else "*" * len(value)
    if len(value) < 15:
        return value[:1] + "*" * (len(value) - 5) + value[-4:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """>>> mask_phone("13812345678")
    '138****5678'
    """
    if not value:
        return ""
    value = normalize_phone(value)
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str | None) -> str:
    """>>> mask_bank_account("6222021234567890123")
    '6222***********0123'
    """
    if not value:
        return ""
    value = normalize_code(value)
    if len(value) <= 8:
        return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_bank_account}


def mask_tail(value: str | None, keep: int = 4) -> str:
    """All but the last ``keep`` characters starred (a landline: ``010-88886666`` → ``********6666``)."""
    text = str(value or "")
    return "*" * len(text) if len(text) <= keep else "*" * (len(text) - keep) + text[-keep:]


def mask_email(value: str | None) -> str:
    """An e-mail address with its local part hidden but its first character (``v***@example.com``);
    a value without ``@`` keeps its last four characters."""
    text = str(value or "")
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return mask_tail(text)
    return f"{local[0]}***@{domain}"


def mask_address(value: str | None, keep: int = 6) -> str:
    """A postal address with only its first ``keep`` characters (city and district) shown: the street,
    building and door are starred (``北京市朝阳区某某路1号`` → ``北京市朝阳区*****``)."""
    text = str(value or "")
    return text if len(text) <= keep else text[:keep] + "*" * min(len(text) - keep, 12)

# A run of digits (ASCII or full-width) in groups joined by one kind of separator (a space, an
# ideographic space, a hyphen or dash, a dot, a slash or an underscore, in either width: review-input7 F5,
# a memo "110105.1965.0713.1182" was shown whole), maybe with a +86/0086 prefix and a final X (GB 11643's
# check). A date ("2020.02.20", "2020/02/20") has too few digits to be a number of any kind.
_D = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\\-\uff0d.\uff0e/\uff0f_\u2010-\u2015]"
_RUN_RE = re.compile(
    rf"(?<![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
    rf"(?P<prefix>(?:[+\uff0b](?:86|\uff18\uff16)|0086)[ \u3000\-\uff0d]?)?"
    rf"(?P<run>{_D}+(?:(?P<sep>{_SEP}){_D}+(?:(?P=sep){_D}+)*)?(?:(?P=sep)?[XxＸｘ])?)"
    rf"(?![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
)
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# Every number masked has 11 digits at least (a mobile; an ID number 15 or 17 and its X, an account 12):
# a text with fewer digits holds none, which most texts (labels, dates, amounts, keys) show at once.
_NUMBER_DIGITS_MIN = 11
# ... and 30 characters at most (an account; an ID number is 18 with its X): no longer span is read.
_NUMBER_CHARS_MAX = 30
_NOT_DIGIT_RE = re.compile(r"[^0-9\uff10-\uff19]+")
_GROUP_SPLIT_RE = re.compile(_SEP)


def _mask_number(digits: str, tier: int) -> str | None:
    """The masked form of one compact number, or None if it is not a personal number of the tier:
    1 = an 18-character ID number or a mobile number, 2 = a 15-digit ID number or an account."""
    if tier == 1:
        if len(digits) == 18 and digits[:17].isdigit() and digits[17] in "0123456789X":
            return mask_id_number(digits)
        return mask_phone(digits) if _MOBILE_RE.fullmatch(digits) else None
    if not digits.isdigit():
        return None
    if len(digits) == 15:
        return mask_id_number(digits)
    return mask_bank_account(digits) if 12 <= len(digits) <= 30 else None


def _mask_run(run: str) -> str:
    """Mask a run of digit groups: as one number if it is one, else the longest numbers inside it.

    ID and mobile numbers are looked for before accounts, so "138 1234 5678 2" (a phone and a
    count) masks the phone rather than calling twelve digits an account.
    """
    groups = [g for g in _GROUP_SPLIT_RE.split(run) if g]
    sep = next((c for c in run if _GROUP_SPLIT_RE.match(c)), " ")
    if groups and normalize_code(groups[-1]) == "X" and len(groups) > 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    # Where each group starts in the run's characters without separators: a span of groups longer than
    # the longest number masked (`_NUMBER_CHARS_MAX`) is none, so it is never built. Before, every span
    # of every start was joined and read, cubic in the number of groups: a 9 KB address of "1-1-1-…"
    # held the log filter for minutes (review-input12 MASK). Each group has one character at least, so
    # at most `_NUMBER_CHARS_MAX` groups end a span from a start: linear in the run.
    starts = [0]
    for g in groups:
        starts.append(starts[-1] + len(g))
    for tier in (1, 2):
        whole = _mask_number(normalize_code(run), tier) if starts[-1] <= _NUMBER_CHARS_MAX else None
        if whole is not None:
            return whole
        out, i, found = [], 0, False
        while i < len(groups):
            last = bisect.bisect_right(starts, starts[i] + _NUMBER_CHARS_MAX) - 1
            for j in range(min(last, len(groups)), i, -1):
                masked = _mask_number(normalize_code("".join(groups[i:j])), tier)
                if masked is not None:
                    out.append(masked)
                    i, found = j, True
                    break
            else:
                out.append(groups[i])
                i += 1
        if found:
            return sep.join(out)
    return run


def mask_text(text: str) -> str:
    """Mask every ID number, mobile number or account number in free text (memos, logs, exports).

    >>> mask_text("身份证110105199001016113 手机138 1234 5678")
    '身份证110105********6113 手机138****5678'
    >>> mask_text("账号 6222 0202 0011 2233 445，电话 +86 138-1234-5678")
    '账号 6222***********3445，电话 +86 138****5678'
    """
    if not text:
        return text or ""
    if len(text) < _NUMBER_DIGITS_MIN or len(_NOT_DIGIT_RE.sub("", text)) < _NUMBER_DIGITS_MIN:
        return text

    def replace(m: re.Match[str]) -> str:
        masked = _mask_run(m.group("run"))
        return (m.group("prefix") or "") + masked if masked != m.group("run") else m.group(0)

    return _RUN_RE.sub(replace, text)


def holds_personal_number(text: str) -> bool:
    """True if `text` holds what `mask_text` masks: an ID number, a mobile number or an account number.

    Used to keep such numbers out of addresses (issue 16 §4: searches by personal number are posted,
    not put in URLs, where access logs and browser histories keep them).
    """
    return bool(text) and mask_text(text) != text


# An address in a log line (the access log's request line "GET /persons/?q=… HTTP/1.1", a message
# naming a path): its path and, after "?", its raw query string.
_ADDRESS_RE = re.compile(r"(?P<path>/[^\s?\"'<>]*)(?:\?(?P<query>[^\s\"'<>]*))?")
QUERY_WITHHELD = "?[查询参数已略去]"
# Query parameters that are credentials, never written to a log whatever they hold: an OpenID Connect
# authorization response's code and state (RFC 6749 §4.1.2, OIDC Core §3.1.2.5) and the tokens an
# implicit or hybrid flow or a link may carry (review-input11 F5: the identity callback's code was in the
# access log in clear).
SECRET_QUERY_KEYS = frozenset({"code", "state", "token", "id_token", "access_token", "refresh_token",
                               "session_state", "nonce", "otp"})


def _mask_address(m: re.Match[str]) -> str:
    from urllib.parse import unquote

    path, query = m.group("path"), m.group("query")
    if "%" in path:
        decoded = _digits_joined(unquote(path, errors="replace"))
        if decoded != path and (mask_text(decoded) != decoded or mask_text(path.replace("%", "")) != path.replace("%", "")):
            # A personal number percent-encoded in the path (full-width digits, a bidi prefix):
            # the decoded path, masked, with what is not printable written as its code point.
            path = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in mask_text(decoded))
    if query is None:
        return path
    from urllib.parse import parse_qsl

    from shebao.core.middleware import query_string_refused

    keys = {k.strip().lower() for k, _ in parse_qsl(query, keep_blank_values=True)}
    if query_string_refused(query) or keys & SECRET_QUERY_KEYS:
        return path + QUERY_WITHHELD
    return path + "?" + query


def mask_addresses(text: str) -> str:
    """Read every address in ``text`` as the query guard reads it (core.middleware.QueryGuardMiddleware):
    a query string the guard refuses (an ID, mobile or account number however written: percent-encoded
    full-width digits, "+" between groups, an "id:" or U+202E prefix, +86; or a control character) is
    replaced by "?[查询参数已略去]", as is one carrying a credential (`SECRET_QUERY_KEYS`: an OpenID
    Connect callback's code and state); a path is masked on its URL-decoded reading.

    >>> mask_addresses('"GET /persons/?q=110105+19650713+0892 HTTP/1.1" 400')
    '"GET /persons/?[查询参数已略去] HTTP/1.1" 400'
    """
    if "/" not in text:
        return text
    return _ADDRESS_RE.sub(_mask_address, text)


# Full-width digits as Django's request logger writes them: it escapes a path's non-ASCII characters
# (``log_response``: "Not Found: /x/\\uff11\\uff11…"), so an ID number typed in full-width digits
# reached the log whole, a run of escapes no number pattern reads (review-input12 F9). Read as the
# digits they are, and masked like any other number; full-width digits themselves are folded too.
_ESCAPED_WIDE_DIGIT_RE = re.compile(r"\\uff1([0-9])|([\uff10-\uff19])")


def _digits_unescaped(text: str) -> str:
    return _ESCAPED_WIDE_DIGIT_RE.sub(lambda m: m.group(1) or chr(ord(m.group(2)) - 0xFF10 + 0x30), text)


# What a log line may hide a number behind (review-input13 F3): a letter beside it ("?q=ID1101…",
# "/tel1371234…", or Django's escape "\\u202d" of a bidi control before it, whose last letter touches
# the digits), which `mask_text` takes for part of a code and passes over; or an invisible character (or
# Django's escape of one) between its digits ("110105\\u200b1965…", a soft hyphen). In a log line a run
# of digits is read between any two non-digits, and the invisible characters between digits are dropped.
_LOG_DIGITS_RE = re.compile(r"(?<![0-9\uff10-\uff19])[0-9\uff10-\uff19]{11,}[XxＸｘ]?(?![0-9\uff10-\uff19])")
_ESCAPE_RE = re.compile(r"\\u([0-9a-fA-F]{4})")
_CREDIT_CODE_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_BETWEEN_DIGITS_RE = re.compile(
    r"(?<=[0-9\uff10-\uff19])(?:" + INVISIBLE_RE.pattern + r"|\\u[0-9a-fA-F]{4})+(?=[0-9\uff10-\uff19])")


def _drop_between(m: re.Match[str]) -> str:
    kept = [e for e in _ESCAPE_RE.findall(m.group(0)) if not INVISIBLE_RE.fullmatch(chr(int(e, 16)))]
    return m.group(0) if kept or INVISIBLE_RE.sub("", _ESCAPE_RE.sub("", m.group(0))) else ""


def _digits_joined(text: str) -> str:
    """`text` with the invisible characters (or their escapes) that stand between two digits dropped."""
    return _BETWEEN_DIGITS_RE.sub(_drop_between, text) if len(text) >= _NUMBER_DIGITS_MIN else text


def _log_digits_masked(text: str) -> str:
    """Every run of 11 digits or more in `text` masked (`_mask_run`) even where a letter touches it:
    for log lines only (a code in a page or an export keeps its letters' neighbours as `mask_text`
    reads them). `text` has had its invisible characters between digits dropped (`_digits_joined`)."""
    if len(_NOT_DIGIT_RE.sub("", text)) < _NUMBER_DIGITS_MIN:
        return text

    def mask(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        while start > 0 and m.string[start - 1].isascii() and m.string[start - 1].isalnum():
            start -= 1
        while end < len(m.string) and m.string[end].isascii() and m.string[end].isalnum():
            end += 1
        token = m.string[start:end]
        if _CREDIT_CODE_RE.fullmatch(token) and not token.isdigit():
            return m.group(0)  # an employer's unified social credit code (GB 32100): no one's personal number
        return _mask_run(m.group(0))

    return _LOG_DIGITS_RE.sub(mask, text)


class MaskingLogFilter(logging.Filter):
    """Masks personal data in every log record before a handler writes it: addresses as the query
    guard reads them (`mask_addresses`), then every number in the text (`mask_text`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _log_digits_masked(mask_text(_digits_joined(mask_addresses(_digits_joined(
            _digits_unescaped(message))))))
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # A traceback quotes values (a failed lookup's ID number): format it here, masked; the
            # handler's formatter uses exc_text as it is.
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


# Characters never shown back to a reader: the one table of characters no one can see (core.invisible:
# C0/C1 controls but tab, LF and CR, lone surrogates, every Default_Ignorable_Code_Point of Unicode, the
# bidi controls and zero-width characters among them, the Hangul fillers, U+2028/9 and U+2800), which the
# database guard (core.inputs.text_problem) refuses too (review-input9 F1).
_UNSHOWABLE_RE = INVISIBLE_RE
ECHO_MAX = 30
_QUOTED_RE = re.compile(r"“([^“”]*)”")
_LONG_DIGITS_RE = re.compile(r"[0-9\uff10-\uff19]{11,}")


def echo(value: object, *, limit: int = ECHO_MAX) -> str:
    """What a message quotes of a value someone typed (“填写的是“…””): the text with the characters
    that cannot be shown removed (controls, bidi controls, zero-width), every ID, mobile or account
    number masked (mask_text), and cut to ``limit`` characters with "…" (review-input5 F7: a payroll
    month of 5,000 characters, a citizen ID and a U+202E were echoed whole into the page).

    What was removed is said after the text, by code point (review-input6 F12): "\\u202e2020-02" was
    quoted as “2020-02”, a value that looks right, beside the message that it is wrong.

    >>> echo("110105196507131772"), echo("9" * 50, limit=5), echo("2020-13")
    ('110105********1772', '999**…', '2020-13')
    >>> echo("\\u202e2020-02")
    '2020-02〔另有1个不可见字符未显示：U+202E〕'
    """
    text = re.sub(r"[\t\n\r]+", " ", str(value))
    removed = _UNSHOWABLE_RE.findall(text)
    text = mask_text(_UNSHOWABLE_RE.sub("", text))
    # A run of digits too long to be one number (three ID numbers typed together) is not read as a
    # personal number by mask_text, yet holds some: an echo never shows 11 digits in a row.
    text = _LONG_DIGITS_RE.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 7) + m.group()[-4:], text)
    text = text if len(text) <= limit else text[:limit] + "…"
    return text + unshown_note(removed)


def shown_text(value: object) -> str:
    """Typed text drawn again in its box (a refused form): as typed, less the characters never shown
    (`_UNSHOWABLE_RE`: bidi controls, zero-width, C0/C1 controls), which the message names instead.

    >>> shown_text("\\u202e110105\\u200b1965")
    '1101051965'
    """
    return _UNSHOWABLE_RE.sub("", str(value))


def typed_marked(value: object, *, limit: int = 60) -> str:
    """HTML of typed text as typed, each character no one can see shown in its place as its code point
    in a ``<mark class="invisible-char">`` (``王<mark …>U+3164</mark>五``), escaped; ``""`` when it holds
    none. A refused form draws its box without the character (`shown_text`) while the message names its
    position; this shows where it was (review F2: the clerk saw “王五” beside “第2位是不可见的字符”).
    At most ``limit`` characters of the text around the marks."""
    from django.utils.html import escape, format_html

    text = str(value or "")
    if not _UNSHOWABLE_RE.search(text):
        return ""
    parts, shown = [], 0
    for piece in re.split(f"({_UNSHOWABLE_RE.pattern})", text):
        if not piece:
            continue
        if _UNSHOWABLE_RE.fullmatch(piece):
            parts.append(format_html('<mark class="invisible-char" title="{}">{}</mark>',
                                     invisible_name(piece), f"U+{ord(piece):04X}"))
            continue
        room = max(limit - shown, 0)
        parts.append(escape(piece[:room] + ("…" if len(piece) > room else "")))
        shown += len(piece)
    return "".join(parts)


def char_named(ch: str) -> str:
    """One character a message names (第3位…): quoted when it can be shown (``“٣”``), else by its code
    point (``不可见的字符U+202E``), never the raw control itself, which would turn the message around
    it (review-input6 F12: the portal's sign-in said “‮” with a raw U+202E inside).

    An invisible character is named by its code point and what it is (`invisible_name`).

    >>> char_named("٣"), char_named("\\u202e"), char_named("\\x00")
    ('“٣”', '不可见的字符U+202E（从右向左覆盖）', '不可见的字符U+0000（控制字符）')
    """
    if _UNSHOWABLE_RE.fullmatch(ch) or unicodedata.category(ch)[0] in "CZ":
        return f"不可见的字符{invisible_name(ch)}"
    return f"“{ch}”"


def invisible_name(ch: str) -> str:
    """An invisible character by its code point and, where it has one, its Chinese name:
    ``U+202E（从右向左覆盖）``, ``U+0007（控制字符）``, ``U+3000``.

    >>> invisible_name("\\u200b"), invisible_name("\\ud800")
    ('U+200B（零宽空格）', 'U+D800（不成对的代理字符）')
    """
    point = f"U+{ord(ch):04X}"
    category = unicodedata.category(ch)
    name = table_name(ch) or {"Cc": "控制字符", "Cs": "不成对的代理字符", "Co": "私用区字符",
                                       "Cn": "未分配的字符"}.get(category, "")
    return f"{point}（{name}）" if name else point


def invisible_problem(value: str, label: str) -> str:
    """Why typed text holds a character no one can see, in Chinese, naming where and which
    (``通讯地址第4位是不可见的字符U+200B（零宽空格）…``), or ``""``. Tab, line feed and carriage
    return are not looked for (a box's spacing; the normalisers read them as spaces).

    One rule for every typed field: the business forms of the portal and the front desk and the
    API's content (`rules.business_fields`), the front desk's own boxes, and, by `char_named`, the
    sign-in boxes (`portal.forms.non_ascii_problem`). A page draws the box again without the
    character (`shown_text`), so the message says where it was (review-input7 F7: "不能含控制字符"
    with the U+200B left in the box).

    >>> invisible_problem("北京市\\u200b朝阳区", "通讯地址")
    '通讯地址第4位是不可见的字符U+200B（零宽空格），不能填写该字符，请核对后重新提交'
    >>> invisible_problem("北京市 朝阳区", "通讯地址")
    ''
    """
    m = _UNSHOWABLE_RE.search(value)
    if m is None:
        return ""
    return f"{label}第{m.start() + 1}位是{char_named(m.group())}，不能填写该字符，请核对后重新提交"


def invisible_problems(data: Any, labels: Mapping[str, str]) -> dict[str, str]:
    """{input name: `invisible_problem` message} for every posted input of ``labels`` (input name ->
    its Chinese label) holding a character no one can see; ``data``: a QueryDict (every value of a
    repeated input is read) or a plain mapping. The one helper of every form outside the business
    definitions (`core.forms.VisibleTextForm`, the staff pages' own boxes), which say the character
    and its position beside the box and draw the box again without it (`shown_data`).

    >>> invisible_problems({"name": "王\u200b五", "note": "好"}, {"name": "姓名", "note": "说明"})
    {'name': '姓名第2位是不可见的字符U+200B（零宽空格），不能填写该字符，请核对后重新提交'}
    """
    found: dict[str, str] = {}
    for name, label in labels.items():
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        for value in values:
            if isinstance(value, str) and (problem := invisible_problem(value, label)):
                found[name] = problem
                break
    return found


def shown_data(data: Any) -> Any:
    """Posted inputs as a page draws them again after a refusal: every text value less the characters
    no one can see (`shown_text`), which the error beside the input names by position and code point
    instead (review-input7 F7: the box kept the U+200B, and the person could not see what to delete).
    A QueryDict stays a QueryDict (every value of a repeated input), a mapping a dict; files are kept."""
    from django.http import QueryDict

    if isinstance(data, QueryDict):
        shown = QueryDict(mutable=True)
        for key, values in data.lists():
            shown.setlist(key, [shown_text(v) if isinstance(v, str) else v for v in values])
        return shown
    return {k: shown_text(v) if isinstance(v, str) else v for k, v in (data or {}).items()}


def unshown_note(removed: list[str]) -> str:
    """What an echo says of the characters it did not show: ``〔另有2个不可见字符未显示：U+202E、U+200B〕``
    (the first three code points, each once), or ``""``."""
    if not removed:
        return ""
    points = list(dict.fromkeys(f"U+{ord(c):04X}" for c in removed))
    shown = "、".join(points[:3]) + ("等" if len(points) > 3 else "")
    return f"〔另有{len(removed)}个不可见字符未显示：{shown}〕"


def echo_quotes(message: str, *, limit: int = 2 * ECHO_MAX) -> str:
    """A message made safe to show whoever wrote it: every quoted part (“…”, where a message quotes
    what was typed) goes through `echo`, and no character that cannot be shown stays anywhere in it.
    The rest of the message (the system's own words, a masked number, a tracking code) is kept."""
    text = _QUOTED_RE.sub(lambda m: f"“{echo(m.group(1), limit=limit)}”", str(message))
    return _UNSHOWABLE_RE.sub("", text)
