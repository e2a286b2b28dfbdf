"""The declared shape of what may be stored: text, dates and integers checked before any write.

Issue 16 §1: a lone surrogate in a case's facts was stored on SQLite and broke every case list;
text longer than its column answered 500 on PostgreSQL and was stored whole on SQLite; dates such
as 0001-01-01 or 9999-12-31 overflowed the deadline arithmetic; an id of 2⁶³ overflowed the
database's integer. These checks are the one place that says what the database accepts, used by
the API's fields (`shebao.api.fields`), the page forms and, as the last line, by a ``pre_save``
guard on every model of the project (`guard_instance`), so that no path (a page, the API, an
importer, a command) can write what the database would refuse or mangle.

Rules, each with the Chinese reason a person reads:

* text holds no NUL or other control character (tab, line feed and carriage return allowed) and
  no lone UTF-16 surrogate (U+D800..U+DFFF: not a character; PostgreSQL refuses it, SQLite stores
  bytes no reader can decode);
* text is no longer than its column (``max_length`` of the model field, counted in characters
  as both databases count them);
* a business date (applied on, signed at, called at, a bank's value date …) lies within
  ``BUSINESS_DATE_FROM`` .. today + ``BUSINESS_YEARS_AHEAD`` years: outside it, it is a typing error;
* an id is 1 .. 2⁶³-1 (a signed 64-bit column; ``ID_MAX``);
* a JSON document nests at most ``JSON_MAX_DEPTH`` levels.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from shebao.core.invisible import BIDI_CONTROLS, CONTROL_RE, INVISIBLE_RE

# Beijing's social insurance for enterprise workers dates from the 1990s; nothing this system
# handles (an application, a remittance, a signed letter) is older. A person's birth date is not a
# business date and is checked by the registry (registry.checks).
BUSINESS_DATE_FROM = dt.date(1990, 1, 1)
BUSINESS_YEARS_AHEAD = 1
ID_MAX = 2**63 - 1
JSON_MAX_DEPTH = 32
# Keys in one JSON body at most, all its objects together: a body of 200,000 unknown keys held a worker
# for 35 s (review-input12 F7). No request of the API names more than a few hundred.
JSON_MAX_KEYS = 10_000
INT_MAX = 2**63 - 1
# Free text (a note, a reason, a letter) in a column without a declared length: ten pages at most.
TEXT_MAX = 20_000

# What text may not hold: the one table of characters no one can see (core.invisible: C0 controls but
# tab, LF, CR; DEL; C1 controls; lone surrogates; every Default_Ignorable_Code_Point of Unicode, the bidi
# controls "\u202efdp.exe" shows as "exe.pdf" and the zero-width characters among them, the Hangul
# fillers; U+2028/9 and U+2800). Bad-input review 3, E4/E7; review-input9 F1: a name of U+3164 alone
# was stored, and U+00AD, U+180E, U+200C, U+200D, U+2060..U+2065 and U+FEFF passed this guard though the
# forms refused them.
_BAD_TEXT_RE = INVISIBLE_RE
_CONTROL_RE = CONTROL_RE


def text_problem(value: str, *, invisible: bool = True) -> str:
    """Why ``value`` cannot be stored as text, in Chinese, naming the first character at fault by its
    position (1-based), code point and Chinese name, or ``""``. With ``invisible=False`` only the control
    characters and lone surrogates are looked for, not the rest of the table (a posted page form: its
    view says those beside the field).

    >>> text_problem("王伟"), bool(text_problem("a\\x00b")), bool(text_problem("\\ud800"))
    ('', True, True)
    >>> text_problem("\\u202efdp.exe")
    '第1位是不可见的控制字符U+202E（从右向左覆盖），会改变文字的显示方向，请删除后重新提交'
    >>> text_problem("王\\u3164")
    '第2位是不可见的字符U+3164（韩文填充符），请删除后重新提交'
    """
    m = (_BAD_TEXT_RE if invisible else _CONTROL_RE).search(value)
    if m is None:
        return ""
    from shebao.core.masking import invisible_name

    ch, at = m.group(), m.start() + 1
    named = invisible_name(ch)  # one name table (core.invisible)
    if "\ud800" <= ch <= "\udfff":
        return f"第{at}位是无效字符{named}，请删除后重新提交"
    if ch in BIDI_CONTROLS:
        return f"第{at}位是不可见的控制字符{named}，会改变文字的显示方向，请删除后重新提交"
    if unicodedata.category(ch) == "Cc":
        return f"第{at}位是不可见的控制字符{named}，请删除后重新提交"
    return f"第{at}位是不可见的字符{named}，请删除后重新提交"


def strip_bad_text(value: str) -> str:
    """``value`` without the characters `text_problem` refuses: for showing or keeping a refused
    value beside its error (a staged roster row), never for accepting it."""
    return _BAD_TEXT_RE.sub("", value)


def empty_upload_problem(data: bytes, filename: str) -> str:
    """Why an uploaded file cannot be read at all, in Chinese, or ``""``: none chosen, or one chosen
    that holds nothing (review 3, E19: an empty file was answered "请选择要导入的文件" as if none
    had been chosen)."""
    if data:
        return ""
    if filename:
        return f"所选文件“{filename[-100:]}”是空文件（0字节），请检查后重新选择"
    return "请选择要导入的文件"


def clean_text(value: str, *, label: str, max_length: int | None = None, field: str = "") -> str:
    """``value`` if it may be stored in a column of ``max_length`` characters, else ValidationError
    naming ``label`` (the field's Chinese name) in Chinese, keyed by ``field`` when given."""
    from shebao.core.masking import invisible_problem

    # a character no one can see is named where it is (review-input8 F8: 本人\u200b提供 was refused
    # without its position), as the business forms say it (core.masking.invisible_problem)
    message = invisible_problem(value, label)
    if not message and (problem := text_problem(value)):
        message = f"{label}{problem}"
    if not message and max_length is not None and len(value) > max_length:
        message = f"{label}不能超过{max_length}个字符（现为{len(value)}个）"
    if message:
        raise ValidationError({field: message} if field else message)
    return value


def json_problem(value: Any, *, max_depth: int = JSON_MAX_DEPTH, check_ints: bool = True) -> str:
    """Why a JSON value (dicts, lists, str, numbers) cannot be stored, in Chinese, or ``""``: a string
    or key with a control character or lone surrogate, nesting deeper than ``max_depth``, or (with
    ``check_ints``) an integer beyond a 64-bit column.
    Iterative, so a 100,000-deep value is judged without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"嵌套层数超过{max_depth}层"
        kind = type(item)
        # The plain JSON types first, by exact type: this runs on every save of a JSON column, and
        # the abstract Mapping check below is several times slower than a type comparison.
        if kind is bool or kind is None.__class__ or (kind is int and -INT_MAX - 1 <= item <= INT_MAX):
            continue
        if kind is dict:
            for key, sub in item.items():
                if isinstance(key, str) and _BAD_TEXT_RE.search(key) is not None:
                    return text_problem(key)
                stack.append((sub, depth + 1))
            continue
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                if isinstance(key, str) and text_problem(key):
                    return text_problem(key)
                stack.append((sub, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((sub, depth + 1) for sub in item)
        elif check_ints and isinstance(item, int) and not isinstance(item, bool) \
                and not -INT_MAX - 1 <= item <= INT_MAX:
            return "数值超出允许范围"
        elif isinstance(item, float) and not math.isfinite(item):
            return "数值无效（NaN或无穷大）"
    return ""


def json_text_problem_at(value: Any) -> tuple[tuple[str, ...], str]:
    """Where in a JSON value the first string `text_problem` refuses stands, and why: ``(path, problem)``
    with the path's keys and list indexes as text (``("details", "insured_name")``), or ``((), "")`` when
    no string value is refused (a key, the nesting or a number may still be: `json_problem`). Called only
    once `json_problem` has refused the value, so that an API's answer names the field (review-input9 F1).
    Iterative and bounded by `JSON_MAX_DEPTH`, as `json_problem`."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if len(path) >= JSON_MAX_DEPTH:
            continue
        if isinstance(item, str):
            if problem := text_problem(item):
                return path, problem
        elif isinstance(item, Mapping):
            stack.extend((sub, (*path, str(key))) for key, sub in reversed(list(item.items())))
        elif isinstance(item, list | tuple):
            stack.extend((sub, (*path, str(i))) for i, sub in reversed(list(enumerate(item))))
    return (), ""


def digits_problem(text: str) -> str:
    """Why ``text`` is not a whole number written in ASCII digits alone, in Chinese, or ``""``
    (review F5: ``int`` and DRF read "3010.0", full-width "４８" and " 48 " as integers, so a typing
    slip or a float's spelling named another record than the one meant; each is refused, said why).

    >>> digits_problem("48"), digits_problem(" 48 "), digits_problem("４８"), digits_problem("3010.0")
    ('', '前后不能有空格', '应为半角数字0-9，不接受全角数字', '应为整数，不能带小数点')
    """
    if not text:
        return "不能为空"
    if text != text.strip():
        return "前后不能有空格"
    if text.isascii() and text.isdigit():
        return ""
    if "." in text or "．" in text:
        return "应为整数，不能带小数点"
    if any(ch.isdigit() or unicodedata.category(ch) == "Nd" for ch in text if not ch.isascii()):
        return "应为半角数字0-9，不接受全角数字"
    return "只能由数字0-9组成"


def id_problem(value: Any) -> str:
    """Why ``value`` (a JSON integer, or text from a form, an address or a file) is not a record id
    1 .. ``ID_MAX``, in Chinese without the field's label, or ``""``: text must be ASCII digits alone
    (`digits_problem`), a JSON number an integer (``3010.0`` and ``true`` refused)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return "应为整数编号"
    if isinstance(value, str):
        if problem := digits_problem(value):
            return problem
        if len(value) > 19:
            return "超出编号的范围"
        value = int(value)
    return "" if 1 <= value <= ID_MAX else "超出编号的范围"


def id_text(value: str) -> int | None:
    """An id written in a file, a header or a form field, or None when it is none.

    ``str.isdigit`` is not enough: it is true of "²" and "①", which ``int`` refuses (a 500), and of
    numbers past a signed 64-bit column; ``int`` reads " 48 " and "４８" (review F5). Only ASCII
    digits from 1 to ``ID_MAX``, nothing around them, are an id (`id_problem`).
    """
    if not isinstance(value, str) or id_problem(value):
        return None
    return int(value)


def number_text(value: Any) -> int | None:
    """A whole number 0 .. ``ID_MAX`` written in a form field (a record's version), or None when it is
    none: ASCII digits alone, as `id_text` (``int`` would read " 4 " and "４")."""
    if not isinstance(value, str) or digits_problem(value) or len(value) > 19:
        return None
    number = int(value)
    return number if number <= ID_MAX else None


def command_id(value: str) -> int:
    """An argparse ``type`` for a record id given to a command (``--payment 48``): `id_problem`'s
    refusal as the command's error, in Chinese."""
    import argparse

    if problem := id_problem(value):
        raise argparse.ArgumentTypeError(f"编号“{value[:20]}”无效：{problem}")
    return int(value)


def business_date_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The plausible business dates on ``today``: BUSINESS_DATE_FROM .. today + BUSINESS_YEARS_AHEAD years."""
    try:
        last = today.replace(year=today.year + BUSINESS_YEARS_AHEAD)
    except ValueError:  # 29 February
        last = today.replace(year=today.year + BUSINESS_YEARS_AHEAD, day=28)
    return BUSINESS_DATE_FROM, last


def business_date_problem(value: dt.date | dt.datetime, *, today: dt.date) -> str:
    """Why ``value`` is no plausible business date, in Chinese, or ``""``."""
    day = value.date() if isinstance(value, dt.datetime) else value
    first, last = business_date_range(today)
    if day < first:
        return f"早于{first:%Y-%m-%d}，不是有效的日期，请核对"
    if day > last:
        return f"晚于{last:%Y-%m-%d}，不是有效的日期，请核对"
    return ""


def happened_date_problem(value: dt.date | dt.datetime, *, today: dt.date) -> str:
    """Why ``value``, the date of something that has happened (an application received, a letter
    signed, a call made, money arrived at the bank, a decision taken), cannot be, in Chinese, or "".

    A plausible business date (`business_date_problem`) and not after ``today`` (a moment compared by
    its date in Beijing): a later one records what has not happened yet (review-input12 F4: the API
    took an application received, a call and a signature dated months ahead, a bank statement a value
    date ahead, the work-injury exchange a decision ahead)."""
    problem = business_date_problem(value, today=today)
    if problem:
        return problem
    day = timezone.localtime(value).date() if isinstance(value, dt.datetime) and timezone.is_aware(value) else (
        value.date() if isinstance(value, dt.datetime) else value)
    if day > today:
        return f"晚于今天（{today.isoformat()}），不能记载尚未发生的事，请核对"
    return ""


def check_happened_date(value: dt.date | dt.datetime, *, label: str, field: str = "") -> None:
    """ValidationError (Chinese, naming ``label``) unless ``value`` is a date that has happened by the
    business day (`happened_date_problem`, `core.clock`)."""
    from shebao.core import clock

    problem = happened_date_problem(value, today=clock.today())
    if problem:
        message = f"{label}{problem}"
        raise ValidationError({field: message} if field else message)


def check_business_date(value: dt.date | dt.datetime, *, label: str, field: str = "") -> None:
    """ValidationError (Chinese, naming ``label``) unless ``value`` is a plausible business date on
    the business day (`core.clock`)."""
    from shebao.core import clock

    problem = business_date_problem(value, today=clock.today())
    if problem:
        message = f"{label}{problem}"
        raise ValidationError({field: message} if field else message)


def form_id(data: Mapping[str, Any], name: str, *, label: str, required: bool = True) -> int | None:
    """A record id typed or chosen in a page form (``employer=…``, ``owed=…``): an integer 1 .. ID_MAX
    in ASCII digits alone (`id_problem`).

    Anything else (``abc``, ``2⁶³``, `` 48 ``, ``４８``, ``3010.0``, empty when required) is a
    ValidationError in Chinese naming why, keyed by
    ``name``; empty when not required is None.
    """
    raw = str(data.get(name) or "")
    if not raw.strip():
        if required:
            raise ValidationError({name: f"请选择{label}"})
        return None
    if problem := id_problem(raw):  # " 48 ", "４８", "3010.0" refused, not read as 48 (review F5)
        raise ValidationError({name: f"{label}编号“{raw[:20]}”无效：{problem}"})
    return int(raw)


def form_choice(data: Mapping[str, Any], name: str, choices: Mapping[str, str], *, label: str) -> str:
    """A choice made in a page form (a button's ``decision=approve``): one of ``choices`` (value →
    Chinese name). Anything else, a missing value included, is a ValidationError in Chinese keyed by
    ``name``: a forged ``decision=maybe`` must not be read as one of the choices (review-input3 E9)."""
    raw = str(data.get(name) or "").strip()
    if raw not in choices:
        shown = f"“{raw[:20]}”" if raw else ""
        raise ValidationError({name: f"{label}{shown}无效，应为{'、'.join(choices.values())}之一"})
    return raw


# The facts an application may state (rules.facts reads these and nothing else): the declared shape
# of Case.facts. A key outside it is refused, never stored and echoed (issue 16 §1: an ID number put in
# facts.person was shown in full by the API).
FACT_KEYS = frozenset({"period", "refund_kind", "fields", "declared_by", "person"})
PERSON_FACT_KEYS = frozenset({"gender", "birth_date", "cadre", "account_type", "beijing_pension_months",
                              "category"})
PERIOD_KEYS = frozenset({"from", "to"})


def facts_problems(facts: Any) -> dict[str, tuple[str, str]]:
    """{field: (Chinese, English)} for stated facts outside their declared shape (FACT_KEYS,
    PERSON_FACT_KEYS), with text a column cannot hold, or nested too deep; {} when they fit."""
    if facts is None:
        return {}
    if not isinstance(facts, Mapping):
        return {"facts": ("申请事项应为对象", "facts must be an object")}
    out: dict[str, tuple[str, str]] = {}
    for key in facts:
        if key not in FACT_KEYS:
            out[f"facts.{key}"] = (f"不认识的申请事项“{str(key)[:40]}”，可填：{'、'.join(sorted(FACT_KEYS))}",
                                   f"unknown fact {str(key)[:40]!r}")
    for name, allowed in (("person", PERSON_FACT_KEYS), ("period", PERIOD_KEYS)):
        part = facts.get(name)
        if part is None:
            continue
        if not isinstance(part, Mapping):
            out[f"facts.{name}"] = ("格式有误，应为对象", f"facts.{name} must be an object")
            continue
        for key in part:
            if key not in allowed:
                out[f"facts.{name}.{key}"] = (f"不认识的事项“{str(key)[:40]}”，可填：{'、'.join(sorted(allowed))}",
                                              f"unknown key {str(key)[:40]!r}")
    problem = json_problem(facts, max_depth=4)
    if problem and not out:
        out["facts"] = (f"申请事项{problem}", "facts hold text or nesting the database cannot take")
    return out


# --- The last line: every model write of the project -----------------------------------------------
def _label(field: Any) -> str:
    return str(getattr(field, "verbose_name", "") or field.name)


# What `field_problems` checks of each (model, field name), worked out once per process: this runs on
# every save of the project, and looking the field up and testing its classes each time cost more than
# the checks themselves. (kind, longest, field): kind "json", "text" (longest: its length or None),
# "int" or "" (nothing to check); None for a name the model has no field of.
_FIELD_KINDS: dict[tuple[type, str], tuple[str, int | None, Any] | None] = {}


def _field_kind(model: type, name: str) -> tuple[str, int | None, Any] | None:
    from django.db import models

    try:
        field = model._meta.get_field(name)  # type: ignore[attr-defined]
    except Exception:
        return None
    if isinstance(field, models.JSONField) or getattr(field, "holds_json", False):
        return "json", None, field
    if isinstance(field, models.CharField | models.TextField):
        return "text", field.max_length or (TEXT_MAX if isinstance(field, models.TextField) else None), field
    if isinstance(field, models.IntegerField):
        return "int", None, field
    return "", None, field


def field_problems(model: type, values: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """{field name: Chinese reason} for values a model's columns cannot hold: text with a control
    character or lone surrogate or longer than ``max_length``, JSON with such text or too deep,
    integers beyond a 64-bit column."""
    problems: dict[str, str] = {}
    kinds = _FIELD_KINDS
    for name, value in values:
        try:
            found = kinds[(model, name)]
        except KeyError:
            found = kinds[(model, name)] = _field_kind(model, name)
        if found is None or value is None:
            continue
        kind, longest, field = found
        # The label (a lazy translation, costly to render) only for a value refused: this runs on
        # every save of the project.
        if kind == "json":
            problem = json_problem(value)
            if problem:
                problems[name] = f"{_label(field)}{problem}"
        elif kind == "text" and isinstance(value, str):
            problem = text_problem(value)
            if problem:
                # Where and which, as every form says it (core.masking.invisible_problem): a staff page
                # whose text reached the model was told "含有不可见的控制字符" without the position.
                from shebao.core.masking import invisible_problem

                problems[name] = invisible_problem(value, str(_label(field))) or f"{_label(field)}{problem}"
                continue
            if longest is not None and len(value) > longest:
                problems[name] = f"{_label(field)}不能超过{longest}个字符（现为{len(value)}个）"
        elif kind == "int" and isinstance(value, int) and not isinstance(value, bool) \
                and not -INT_MAX - 1 <= value <= INT_MAX:
            problems[name] = f"{_label(field)}数值超出允许范围"
    return problems


def check_values(model: type, values: Mapping[str, Any]) -> None:
    """ValidationError (by field, Chinese) unless every value fits its column (`field_problems`):
    for writes that bypass ``save()`` (``QuerySet.update``, bulk or raw inserts)."""
    problems = field_problems(model, values.items())
    if problems:
        raise ValidationError(problems)


# Per model, the (name, attname) of its concrete fields that are not relations: what `guard_instance` reads.
_COLUMNS: dict[type, tuple[tuple[str, str], ...]] = {}


def guard_instance(sender: type, instance: Any, raw: bool = False, update_fields: Any = None,
                   **kwargs: Any) -> None:
    """``pre_save`` receiver for every model of the project: refuse (ValidationError, nothing
    written) a value its column cannot hold. Fixtures loaded raw are trusted."""
    if raw:
        return
    try:
        columns = _COLUMNS[type(instance)]
    except KeyError:
        columns = _COLUMNS[type(instance)] = tuple((f.name, f.attname) for f in instance._meta.concrete_fields
                                           if not f.is_relation)
    values = ((name, getattr(instance, attname)) for name, attname in columns
              if update_fields is None or name in update_fields or attname in update_fields)
    problems = field_problems(sender, values)
    if problems:
        raise ValidationError(problems)


class IdConverter:
    """The URL converter ``<id:pk>``: a record id of at most 18 digits (below 2⁶³), so an address such
    as ``/office/cases/99999999999999999999/`` is 404, never an overflow of the database's integer.
    Registered in core.apps; tests/core/test_input_shape.py holds that no route uses ``<int:…>``."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


PAGE_MAX = 10_000


def bank_account_text(value: Any, *, label: str, max_digits: int = 32) -> str:
    """A bank account number as typed (spaces, separators and full-width digits allowed, as
    `core.normalize.normalize_code` reads every identifier) -> its ASCII digits.

    ValueError (Chinese, naming ``label``) unless it is 8 to ``max_digits`` digits, and when it is a
    mainland citizen ID number (18 characters with a right check character, a division code and a real
    birth date; GB 11643-1999): an ID number typed into the account field would send money nowhere and
    store a personal number where an account is expected (review-input6 F10). Used by every form that
    pays money out: payroll declarations, immediate work-injury payments, survivors' pensions.
    """
    from shebao.core.masking import invisible_problem
    from shebao.core.normalize import normalize_code
    from shebao.registry.checks import reads_as_citizen_id

    if isinstance(value, str) and (why := invisible_problem(value, label)):
        raise ValueError(why)  # where, not "须为…位数字" (review-user8 F9)
    account = normalize_code(value)
    if len(account) == 18 and reads_as_citizen_id(account) is not None:
        raise ValueError(f"{label}填写的是居民身份证号码，请填写银行账号")
    if not (account.isascii() and account.isdigit()) or not 8 <= len(account) <= max_digits:
        raise ValueError(f"{label}须为8至{max_digits}位数字")
    return account


def page_number(query: Mapping[str, Any], *, name: str = "page", last: int = PAGE_MAX) -> int:
    """The page asked for in a list's address (``?page=3``): 1 .. ``last``; missing is 1. Anything
    else (``abc``, ``10³⁰``) is a ValidationError in Chinese (the page answers 400)."""
    raw = str(query.get(name) or "1").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 8 or not 1 <= int(raw) <= last:
        from shebao.core.masking import mask_text

        # The guard lets a plain figure through here (core.middleware.FIGURE_PARAMETERS): one that
        # reads as a phone or account number is echoed masked, like every number a page shows.
        raise ValidationError({name: f"页码“{mask_text(raw[:40])[:20]}”无效，应为1至{last}的整数"})
    return int(raw)


@dataclass(frozen=True)
class PageRows:
    """One page of a list: its rows, its number, whether another follows, and ``beyond``: the page
    asked for when it lay after the last one (then ``page`` is the last page and ``rows`` its rows)."""

    rows: list[Any]
    page: int
    has_next: bool
    beyond: int | None = None

    def context(self) -> dict[str, Any]:
        """What a list's template reads: rows, page, has_next, beyond (web/_page_beyond.html)."""
        return {"rows": self.rows, "page": self.page, "has_next": self.has_next, "beyond": self.beyond}


def page_rows(qs: Any, page: int, size: int) -> PageRows:
    """Page ``page`` (from `page_number`) of ``qs`` (ordered), ``size`` rows, fetching one row more
    instead of counting. A page after the last one is not an empty list ("没有符合条件的…" as if
    nothing matched: review-user6 F9, the queue's ?page=150): the last page is answered, with
    ``beyond`` naming the page asked for. Only then are the rows counted, up to the page asked for."""
    start = (page - 1) * size
    rows = list(qs[start:start + size + 1])
    if rows or page == 1:
        return PageRows(rows[:size], page, len(rows) > size)
    n = qs[:start].count()
    if n == 0:  # nothing at all: the list's own "还没有…" says so; "下面是最后一页" above nothing misleads (review-user7 F11)
        return PageRows([], 1, False)
    last = max(1, -(-n // size))
    start = (last - 1) * size
    return PageRows(list(qs[start:start + size]), last, False, beyond=page)


def no_such_day(year: int, month: int) -> str:
    """Why year-month-day is no calendar day, in Chinese: the month, or how many days the month has."""
    import calendar

    if not 1 <= month <= 12:
        return f"没有{month}月"
    if not 1 <= year <= 9999:
        return f"没有{year}年"
    return f"{year}年{month}月只有{calendar.monthrange(year, month)[1]}天"


# The one shape of a date typed as text: ASCII digits, YYYY-MM-DD (review-input13 F6: \d also took
# full-width digits and one-digit months, so "２０２０-０２-１９" and "2020-2-19", real days, were said
# not to exist; and Python's fromisoformat also takes the basic form "20200219").
_DAY_SHAPE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def date_text_problem(text: str, *, label: str = "日期", example: str = "2020-02-20") -> str:
    """Why ``text`` is no ISO date, in Chinese, or ``""``: a day the calendar does not have is said so
    (“2020-02-30”不存在：2020年2月只有29天), not called a format error (review-input12 F16)."""
    m = _DAY_SHAPE_RE.fullmatch(text)
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        if m:
            return ""
    shown = text[:20]
    if m:
        year, month, day_no = int(m.group(1)), int(m.group(2)), int(m.group(3))
        why = no_such_day(year, month) if day_no >= 1 or not 1 <= month <= 12 else f"没有{day_no}日"
        return f"{label}“{shown}”不存在：{why}"
    return f"{label}“{shown}”格式错误，应为年-月-日，如{example}"


def iso_date(text: str, *, label: str = "日期", example: str = "2020-02-20") -> dt.date:
    """``text`` (YYYY-MM-DD) as a date, or ValueError with `date_text_problem`'s Chinese reason."""
    why = date_text_problem(text, label=label, example=example)
    if why:
        raise ValueError(why)
    return dt.date.fromisoformat(text)


def read_date(raw: Any, *, label: str = "日期", example: str = "2020-02-20", plausible: bool = True,
              today: dt.date | None = None) -> dt.date | None:
    """The one reading of a date typed by a person (a page's form field, a page's or a command's
    parameter): full-width digits and spaces read (`normalize_date_text`), None when empty, else the
    day, or ValueError with the Chinese reason naming ``label`` and what was typed: a day the calendar
    does not have (日期“2020-02-30”不存在：2020年2月只有29天), another shape (格式错误), and with
    ``plausible`` a day outside the business range on ``today`` (default: the business day):
    日期“9999-12-31”晚于2021-02-20，不是有效的日期，请核对.

    Pages parsed dates on their own (``dt.date.fromisoformat`` and a None for any fault): 2020-02-30 was
    told 请填写日期, ２０２０-02-20 was refused, 9999-12-31 was read as today (bad-input review leftovers 3).
    A range of its own (a lift date: rules.epidemic) is checked by its caller with ``plausible=False``."""
    from shebao.core.normalize import normalize_date_text

    text = normalize_date_text(raw)
    if not text:
        return None
    day = iso_date(text, label=label, example=example)
    if plausible:
        if today is None:
            from shebao.core import clock

            today = clock.today()
        if why := business_date_problem(day, today=today):
            raise ValueError(f"{label}“{text}”{why}")
    return day


def form_date(raw: Any, *, label: str, field: str, required: bool = False, plausible: bool = True,
              example: str = "2020-02-20") -> dt.date | None:
    """A business date typed in a page form (`read_date`); None when empty and not required;
    ValidationError in Chinese keyed by ``field`` otherwise."""
    try:
        day = read_date(raw, label=label, plausible=plausible, example=example)
    except ValueError as e:
        raise ValidationError({field: str(e)}) from None
    if day is None and required:
        raise ValidationError({field: f"请填写{label}"})
    return day


_MOMENT_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def read_datetime(raw: Any, *, label: str, plausible: bool = True) -> dt.datetime | None:
    """A moment typed by a person (``2020-04-01T16:30`` as a datetime-local box sends it, or with a
    space; full-width digits read), aware in the site's time zone; None when empty; else ValueError in
    Chinese naming ``label``: a day that does not exist is said so as `read_date` says it, a time that
    is none (25:00) so, anything else a format error; with ``plausible`` the business range, judged on
    the day before the time zone arithmetic (which overflows near the years 1 and 9999)."""
    from django.utils import timezone

    from shebao.core.normalize import normalize_date_text

    text = normalize_date_text(raw)
    if not text:
        return None
    shown = text[:25]
    m = _MOMENT_RE.fullmatch(text)
    if m is None:
        # a day alone where a moment is asked: its own fault first (不存在), else the shape
        if _DAY_SHAPE_RE.fullmatch(text) and (why := date_text_problem(text, label=label)):
            raise ValueError(why)
        raise ValueError(f"{label}“{shown}”格式错误，应为年-月-日 时:分，如2020-02-20 10:30")
    day = iso_date(m.group(1), label=label)
    hour, minute, second = int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{label}“{shown}”的时间无效，应为时:分（00:00至23:59）")
    moment = dt.datetime(day.year, day.month, day.day, hour, minute, second)
    if plausible:
        from shebao.core import clock

        if why := business_date_problem(day, today=clock.today()):
            raise ValueError(f"{label}“{shown}”{why}")
    return timezone.make_aware(moment)


def form_datetime(raw: Any, *, label: str, field: str, required: bool = False) -> dt.datetime | None:
    """A business moment typed in a page form (`read_datetime`); None when empty and not required;
    ValidationError in Chinese keyed by ``field`` otherwise."""
    try:
        moment = read_datetime(raw, label=label)
    except ValueError as e:
        raise ValidationError({field: str(e)}) from None
    if moment is None and required:
        raise ValidationError({field: f"请填写{label}"})
    return moment


# A person's name (姓名, 户名): the one rule lives in core.person_name (normalize_person_name, the stored
# spelling; person_name_problem, why a typed name is refused), re-exported here for its callers.
from shebao.core.person_name import (  # noqa: E402, F401 (re-exported)
    HAN_ONLY_ID_TYPES,
    MIDDLE_DOT,
    NAME_JOINERS,
    normalize_person_name,
    person_name_checked,
    person_name_problem,
)

NAME_DOTS = MIDDLE_DOT  # the one 间隔号 stored (its look-alikes are read as it: core.person_name.DOT_LOOKALIKES)
NO_SPACE_ID_TYPES = HAN_ONLY_ID_TYPES


def phone_problem(value: str) -> str:
    """Why ``value`` is not a telephone number, in Chinese without the field's label, or ``""``: digits with
    dashes, spaces, brackets around an area code and a leading +, 7 to 20 digits in all (010-65123456,
    13812345678, +86 138 1234 5678, 010-65123456-8001)."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not re.fullmatch(r"\+?[\d\-\s()]+", text):
        return "应为电话号码（数字，可用“-”分隔区号和分机号）"
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 20:
        return f"应为7至20位数字的电话号码（现为{digits}位）"
    return ""
