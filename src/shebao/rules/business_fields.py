"""The definition of each business (业务定义): the fields it carries, the registry checks it must
pass and the effect it has on completion, as data in ``rules/businesses/<code>.yaml`` beside the
catalog entry (``catalog.yaml``, which keeps its name, applicants, channels, documents and facts).

Pure Python, no Django: this reads the definitions and validates an application's content
(``details``) against them. The front desk, the API and the self-service portal build their forms
from the same definition (``shebao.cases.business_forms``); the registry checks and the effects are
named here and implemented by ``shebao.cases.checks`` and ``shebao.cases.effects``.

A definition file::

    business: refund              # the catalog code
    effect: refund.payable        # the effect run on completion (cases/effects/<family>.py)
    checks: [refund_within_paid]  # registry checks run at submission and again on completion
    person: insured               # the business is about one person of the registry (see PERSON_KINDS)
    fields:
      - {name: amount_fen, type: fen, label: 退费金额, min: 1}
      - {name: refund_kind, type: choice, enum: refund_kind, label: 退费类型, fact: refund_kind}

Field types and the JSON value each validates to:

======================  =====================================================================
``text``                a trimmed string (``max_length``, default 200)
``choice``              one value of the catalog enum ``enum``
``choices``             a non-empty list of values of ``enum`` (no repeats)
``fen``                 money in integer fen (``min``/``max``); the front desk types yuan
``int``                 an integer (``min``/``max``)
``ids``                 a non-empty list of record numbers (positive integers, no repeats)
``month``               ``YYYY-MM``
``months``              a non-empty list of ``YYYY-MM``, sorted, no repeats
``period``              ``{"from": "YYYY-MM", "to": "YYYY-MM"}`` with from <= to
``date``                ``YYYY-MM-DD`` (``birth: true``: a person's birth date, from 1900; else from 1990)
``mobile``              a mainland mobile number (11 digits, 1[3-9]…; +86 dropped)
``bank_account``        8 to 30 digits (spaces and dashes dropped)
``id_number``           a document number (citizen ID numbers: GB 11643 check character)
``lines``               a non-empty list of rows, each validated by the ``items`` fields
``changes``             ``{person_field: new value}`` for fields of the enum ``enum``
======================  =====================================================================

``fact: <name>`` marks a field the rules read (``period``, ``refund_kind``, ``fields`` (the keys of a
``changes`` field), ``person.category``): its value is copied into the application's facts.

Adding a business: add its catalog entry (catalog.yaml), a definition file here, the checks it
names (cases/checks.py) and its effect (cases/effects/<family>.py, see that package's docstring).

>>> definition("refund").field("amount_fen").label
'退费金额'
>>> details_validate("refund", {"refund_kind": "overpayment", "amount_fen": 0, "dues": [1],
...                  "payee_name": "张三", "bank_name": "工行", "bank_account": "6222 0000 1111"},
...                  today=dt.date(2020, 2, 20)).errors
(FieldError(field='amount_fen', zh='退费金额不能小于0.01元'),)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from shebao.core.inputs import (
    BUSINESS_DATE_FROM,
    id_problem,
    iso_date,
    normalize_person_name,
    person_name_problem,
    phone_problem,
)
from shebao.core.masking import char_named, invisible_problem
from shebao.core.money import amount_cap_problem
from shebao.core.normalize import (
    normalize_code,
    normalize_date_text,
    normalize_month,
    normalize_phone,
    normalize_text,
)

from .catalog import business as catalog_business
from .catalog import catalog
from .code_lists import EDUCATIONS, ETHNICITIES, MARITAL_STATUSES
from .yamlload import Located, PackError, load_yaml

DEFINITIONS_DIR = Path(__file__).parent / "businesses"
FIELD_TYPES = frozenset({"text", "choice", "choices", "fen", "int", "ids", "month", "months", "period", "date",
                         "mobile", "bank_account", "id_number", "lines", "changes"})
_FIELD_KEYS = {"name", "type", "label", "required", "fact", "enum", "min", "max", "max_length", "items", "help",
               "past", "by", "example", "birth"}
# ``by:`` of a field: who gives its value. ``applicant`` (the default): the application carries it, at
# the front desk, in the portal and through the API. ``agency``: the agency works it out itself while
# handling the case (a retiree's average contribution index, account balance, the amount of record),
# so no applicant is asked for it and an application carrying it is refused; staff record it
# (``assessment_validate``, cases.services.case_assessment_record).
FIELD_SOURCES = ("applicant", "agency")
# The earliest month any business may name: the Labour Insurance Regulations of 1951 began social
# insurance in the PRC, so no contribution, account or working month lies before. No month of a
# business lies after the month of the application's day (back-payments, transfers, backfills and a
# registration's start are months past or present).
EARLIEST_MONTH = "1951-01"
# The earliest day of a date field. A birth date (``birth: true`` of the field) may go back to 1900: nobody
# born before is alive, the registry's oldest person is younger (rules.dates.BIRTH_DATE_FROM). Every other
# date of a business (a diagnosis, a retirement, a day received) is a business date, from 1990 as every
# business date of the project (core.inputs.BUSINESS_DATE_FROM): bad-input review 16, 1 (a COVID diagnosis
# dated 1900-01-02 was taken).
BIRTH_DATE_FROM = dt.date(1900, 1, 1)
EARLIEST_DATE = BIRTH_DATE_FROM  # the earliest of any date field (a birth date's)
DATE_YEARS_AHEAD = 1  # a date of a business (retirement) lies at most a year after the application
_DEF_KEYS = {"business", "effect", "checks", "fields", "person"}
# ``person:`` of a definition: the business is about one person of the registry, named by the case
# (at the front desk and in the portal by the ID number; in the API by the person's record). Every
# such application names the person, and when an employer applies, the person is its own (the
# check ``person_of_employer``, cases/checks.py):
#   employee  -- employed by the employer in the month of the application (an open employment spell
#                covering it): a change of data, a retirement, a transfer in, a work-injury claim;
#   insured   -- insured by the employer at some time (any employment spell with it): a refund of its
#                dues, a back-payment, a transfer out or a backfill of months past.
PERSON_KINDS = {"employee": "在本单位在职参保", "insured": "在本单位参保过"}
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
MAX_LINES = 10_000  # one application; a larger declaration is a roster import


@dataclass(frozen=True)
class FieldSpec:
    """One field of a business: its name (the JSON key), type, Chinese label and constraints."""

    name: str
    type: str
    label: str
    required: bool = True
    fact: str | None = None
    enum: str | None = None
    min: int | None = None
    max: int | None = None
    max_length: int = 200
    items: tuple[FieldSpec, ...] = ()
    help: str = ""
    past: bool = False  # a date that cannot lie after the application's day (a birth date)
    by: str = "applicant"  # who gives the value: the applicant, or the agency (FIELD_SOURCES)
    # a text field's plausible value (``example:`` of the definition, required of every text field and
    # never its own label: review-user10 F7, the demo's refunds read 收款人户名 / 开户银行 as the values)
    example: str = ""
    # a person's birth date: earliest 1900 (BIRTH_DATE_FROM); any other date field is a business date,
    # earliest core.inputs.BUSINESS_DATE_FROM. Declared by the definition (``birth: true``), never read
    # from the field's name.
    birth: bool = False

    @property
    def earliest_date(self) -> dt.date:
        """The earliest day this date field takes: a birth date's floor, or a business date's."""
        return BIRTH_DATE_FROM if self.birth else BUSINESS_DATE_FROM

    def choices(self) -> list[tuple[str, str]]:
        """``(value, Chinese name)`` of a choice field's enum, in the catalog's order."""
        from .catalog import choices

        return choices(self.enum) if self.enum else []


@dataclass(frozen=True)
class Definition:
    """A business's definition: the catalog entry's code, name and documents, and its fields,
    registry checks and effect."""

    code: str
    zh: str
    documents: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    checks: tuple[str, ...]
    effect: str | None
    person: str | None = None  # one of PERSON_KINDS: the business is about one person of the registry

    @property
    def names_person(self) -> bool:
        """The application names one person of the registry (``person:`` of the definition)."""
        return self.person is not None

    @property
    def applicant_fields(self) -> tuple[FieldSpec, ...]:
        """The fields an application carries (what the front desk, the portal and the API ask for)."""
        return tuple(f for f in self.fields if f.by == "applicant")

    @property
    def agency_fields(self) -> tuple[FieldSpec, ...]:
        """The fields the agency works out and records while handling (never asked of the applicant)."""
        return tuple(f for f in self.fields if f.by == "agency")

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.code} has no field {name!r}")


@dataclass(frozen=True)
class FieldError:
    field: str  # the field's path: amount_fen, lines.2.base_fen
    zh: str  # the reason, naming the field in Chinese


@dataclass(frozen=True)
class Validated:
    """The clean content (JSON values) and the errors; ``ok`` when there are none (only then is
    ``details`` the whole content: with errors it holds the fields that passed)."""

    details: dict[str, Any]
    errors: tuple[FieldError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class DetailsError(ValueError):
    """An application's content failed its definition; ``errors`` name each field and reason."""

    def __init__(self, errors: tuple[FieldError, ...] | list[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("；".join(e.zh for e in self.errors))


def _spec(raw: Any, where: Located, enums: dict[str, tuple[str, ...]]) -> FieldSpec:
    if not isinstance(raw, Located):
        raise where.error("a field is a mapping")
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise raw.error(f"unknown field keys {sorted(unknown)}", min(unknown))
    for req in ("name", "type", "label"):
        if req not in raw:
            raise raw.error(f"a field needs {req!r}")
    if raw["type"] not in FIELD_TYPES:
        raise raw.error(f"unknown field type {raw['type']!r}", "type")
    if raw["type"] in ("choice", "choices", "changes") and raw.get("enum") not in enums:
        raise raw.error(f"field {raw['name']!r} needs a catalog enum", "enum")
    if raw.get("by", "applicant") not in FIELD_SOURCES:
        raise raw.error(f"by is one of {list(FIELD_SOURCES)}", "by")
    if raw.get("by") == "agency" and raw.get("required", True):
        raise raw.error(f"field {raw['name']!r} given by the agency cannot be required of the application", "by")
    if raw["type"] == "text" and not str(raw.get("example", "")).strip():
        raise raw.error(f"text field {raw['name']!r} needs an example (a plausible value, not its label)", "name")
    if "example" in raw and label_as_value(str(raw["example"]), str(raw["label"])):
        raise raw.error(f"field {raw['name']!r}'s example is its own label", "example")
    if raw.get("birth") and raw["type"] != "date":
        raise raw.error(f"field {raw['name']!r}: only a date field is a birth date", "birth")
    items = tuple(_spec(i, raw, enums) for i in raw.get("items") or ())
    if raw["type"] == "lines" and not items:
        raise raw.error(f"lines field {raw['name']!r} needs items", "items")
    return FieldSpec(name=str(raw["name"]), type=str(raw["type"]), label=str(raw["label"]),
                     required=bool(raw.get("required", True)), fact=raw.get("fact"), enum=raw.get("enum"),
                     min=raw.get("min"), max=raw.get("max"), max_length=int(raw.get("max_length", 200)),
                     items=items, help=str(raw.get("help", "")), past=bool(raw.get("past", False)),
                     by=str(raw.get("by", "applicant")), example=str(raw.get("example", "")),
                     birth=bool(raw.get("birth", False)))


def label_as_value(value: str, label: str) -> bool:
    """Whether ``value`` is only the field's own label (``开户银行`` typed or stored as the bank's name),
    compared as a person types it: full- and half-width alike (NFKC), spaces, a colon and a leading
    新的/新 ignored. Such a value says nothing: a form's label copied, or a generator's placeholder
    (review-user10 F7). Pure.

    >>> label_as_value(" 开户银行： ", "开户银行"), label_as_value("中国银行", "开户银行")
    (True, False)
    """
    import unicodedata

    def key(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text or "").split()).rstrip(":：").casefold()

    v = key(value)
    return bool(v) and v in {key(label), key(label).removeprefix("新的"), key(label).removeprefix("新")}


def _load(path: Path) -> tuple[str, tuple[FieldSpec, ...], tuple[str, ...], str | None, str | None]:
    data = load_yaml(path)
    if not isinstance(data, Located) or "business" not in data:
        raise PackError(path, 1, "a definition names its business")
    unknown = set(data) - _DEF_KEYS
    if unknown:
        raise data.error(f"unknown keys {sorted(unknown)}", min(unknown))
    code = str(data["business"])
    if path.stem != code:
        raise data.error(f"file {path.name} defines {code!r}: name the file after the business", "business")
    enums = catalog().enums
    fields = tuple(_spec(f, data, enums) for f in data.get("fields") or ())
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise data.error("duplicate field name", "fields")
    person = data.get("person")
    if person is not None and person not in PERSON_KINDS:
        raise data.error(f"person is one of {sorted(PERSON_KINDS)}", "person")
    return code, fields, tuple(str(c) for c in data.get("checks") or ()), data.get("effect"), person


@lru_cache(maxsize=1)
def definitions() -> dict[str, Definition]:
    """Every business's definition by code; a business without a file has no fields and no effect."""
    loaded = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.yaml")):
        code, fields, checks, effect, person = _load(path)
        try:
            catalog_business(code)
        except KeyError:
            raise PackError(path, 1, f"{code!r} is not a business of the catalog") from None
        loaded[code] = (fields, checks, effect, person)
    out = {}
    for b in catalog().businesses:
        fields, checks, effect, person = loaded.get(b.code, ((), (), None, None))
        out[b.code] = Definition(code=b.code, zh=b.zh, documents=b.documents, fields=fields, checks=checks,
                                 effect=effect, person=person)
    return out


def definition(code: str) -> Definition:
    """The definition of a catalog business; ``KeyError`` for an unknown code."""
    try:
        return definitions()[code]
    except KeyError:
        raise KeyError(f"unknown business {code!r}") from None


def details_label(path: tuple[str, ...] | list[str], business: str | None = None) -> str:
    """The Chinese label of a place in an application's content (``("diagnosed_on",)``, a row's item
    ``("lines", "2", "base_fen")`` as 第3行月缴费基数), by ``business``'s definition, or when it is not
    known by every definition naming that field alike; ``""`` when none says. For a refusal said before
    the definition is read (a control character in the API's body: bad-input review 16, 2)."""
    codes = [business] if business in definitions() else list(definitions())
    labels = set()
    for code in codes:
        fields = {f.name: f for f in definitions()[code].fields}
        spec = fields.get(path[0]) if path else None
        if spec is None:
            continue
        if len(path) == 3 and spec.type == "lines" and path[1].isdigit():
            item = {f.name: f for f in spec.items}.get(path[2])
            labels.add(f"{spec.label}第{int(path[1]) + 1}行{item.label}" if item else "")
        else:
            labels.add(spec.label)
    return labels.pop() if len(labels) == 1 else ""


# --- Validation --------------------------------------------------------------------------------
class _Bad(Exception):
    def __init__(self, zh: str) -> None:
        self.zh = zh


def _visible(value: Any, label: str) -> None:
    """Refuse typed text holding a character no one can see (U+200B, U+202E, U+00AD…), naming where
    and which (`core.masking.invisible_problem`): before any type's own reading, which would
    otherwise answer "应为11位手机号码" or "不能含控制字符" for a value that looks right (review-input7
    F7). A list's texts (months, numbers) are looked at each."""
    for text in (value if isinstance(value, list) else [value]):
        if isinstance(text, str) and (problem := invisible_problem(text, label)):
            raise _Bad(problem)


def parse_yuan(text: str) -> int:
    """Yuan as typed at a counter (1234.5, ￥1,234.50, １２３４元) in integer fen; no floats.

    >>> parse_yuan("1,234.5"), parse_yuan("0.07"), parse_yuan("￥８")
    (123450, 7, 800)
    """
    from shebao.core.normalize import normalize_number_text

    t = normalize_number_text(text)
    m = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?", t)
    if not m:
        raise ValueError(f"not an amount in yuan: {text!r}")
    return int(m.group(1).replace(",", "")) * 100 + int((m.group(2) or "0").ljust(2, "0"))


def _month(value: Any, label: str, today: dt.date) -> str:
    """A month as typed, read as the rules read months (their Chinese wording of a refusal), from
    EARLIEST_MONTH to the month of `today` (the application's day)."""
    from .dates import InputError, month_index

    _visible(value, label)
    text = normalize_month(value) if isinstance(value, str) else str(value)
    try:
        month_index(text)
    except InputError as e:
        raise _Bad(label + e.zh.removeprefix("费款所属期")) from None
    if text < EARLIEST_MONTH:
        raise _Bad(f"{label}“{text}”早于{EARLIEST_MONTH}，不可能是社会保险的月份，请核对")
    current = f"{today.year:04d}-{today.month:02d}"
    if text > current:
        raise _Bad(f"{label}“{text}”晚于本月（{current}），不能申报未来的月份")
    return text


def _int(value: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _Bad(f"{label}应为整数")
    if isinstance(value, str):
        # Full-width digits read as digits, spaces around ignored; a separator inside is NOT dropped as an
        # ID number's would be: "1-3" or "1 3" is not 13, and "-1" stays negative (review-input4 F3).
        text = unicodedata.normalize("NFKC", value).strip()
        if not re.fullmatch(r"-?\d{1,18}", text):
            raise _Bad(f"{label}应为整数")
        value = int(text)
    return value


def _fen_words(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元" if fen >= 0 else f"-{-fen // 100}.{-fen % 100:02d}元"


# The JSON value each type is given as, and what a person is told it should be. A value of another JSON
# type is said so, with what was received (bad-input review 16, 5: a date sent as the number 20200210
# was answered 确诊日期“”格式错误).
_JSON_SHAPES: dict[str, tuple[tuple[type, ...], str]] = {
    "text": ((str,), "文本"),
    "choice": ((str,), "文本（选项的代码）"),
    "choices": ((list,), "列表（选项的代码）"),
    "fen": ((int, str), "整数（以分为单位）"),
    "int": ((int, str), "整数"),
    "ids": ((list,), "列表（记录编号）"),
    "month": ((str,), "文本“年-月”"),
    "months": ((list,), "列表（每项为文本“年-月”）"),
    "period": ((dict,), "对象{\"from\": \"年-月\", \"to\": \"年-月\"}"),
    "date": ((str,), "文本“年-月-日”"),
    "mobile": ((str,), "文本"),
    "bank_account": ((str,), "文本"),
    "id_number": ((str,), "文本"),
    "lines": ((list,), "列表（每项为一行的对象）"),
    "changes": ((dict,), "对象（信息项: 新值）"),
}


def json_kind(value: Any) -> str:
    """The JSON type of ``value`` in Chinese, as a person is told what was received."""
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, str):
        return "文本"
    if isinstance(value, list | tuple):
        return "列表"
    if isinstance(value, dict):
        return "对象"
    return "空值" if value is None else "无法识别的值"


def _shape(spec: FieldSpec, value: Any, label: str) -> None:
    """Refuse a value of another JSON type than the field's (`_JSON_SHAPES`), saying what was received."""
    kinds, expected = _JSON_SHAPES[spec.type]
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise _Bad(f"{label}应为{expected}，收到的是{json_kind(value)}")


def _one(spec: FieldSpec, value: Any, label: str, today: dt.date) -> Any:
    t = spec.type
    _visible(value, label)
    _shape(spec, value, label)
    if t == "text":
        if not isinstance(value, str):
            raise _Bad(f"{label}应为文字")
        text = normalize_text(value)
        if not text:
            raise _Bad(f"请填写{label}")
        if len(text) > spec.max_length:
            raise _Bad(f"{label}不能超过{spec.max_length}个字符（现为{len(text)}个）")
        if label_as_value(text, spec.label):  # review-user10 F7: the field's name is not its value
            raise _Bad(f"{label}填写的是栏目名称“{text}”，请填写实际的{spec.label}")
        for i, ch in enumerate(text, start=1):
            if not ch.isprintable():  # a private-use or unassigned character, a separator of lines
                raise _Bad(f"{label}第{i}位是{char_named(ch)}，不能填写该字符，请核对后重新提交")
        if spec.name in PERSON_NAME_FIELDS:
            # the stored spelling (core.person_name: NFKC, the 间隔号's look-alikes as U+00B7), which the
            # document's rule judges below when the definition has the document type (NAME_DOCUMENT_FIELDS)
            if spec.name not in NAME_DOCUMENT_FIELDS and (why := person_name_problem(text)):
                raise _Bad(f"{label}{why}")
            text = normalize_person_name(text)
        if spec.name in PHONE_FIELDS and (why := phone_problem(text)):
            raise _Bad(f"{label}{why}")
        return text
    if t == "choice":
        names = dict(spec.choices())
        if value is None or (isinstance(value, str) and not value.strip()):  # nothing chosen (review-user7 F11)
            raise _Bad(f"请选择{label}")
        if not isinstance(value, str) or value not in names:  # a list or object is no choice (and unhashable)
            raise _Bad(f"{label}应为以下之一：{'、'.join(names.values())}")
        return value
    if t == "choices":
        names = dict(spec.choices())
        if not isinstance(value, list) or not value:
            raise _Bad(f"请选择{label}")
        bad = [v for v in value if not isinstance(v, str) or v not in names]
        if bad or len(set(value)) != len(value):
            raise _Bad(f"{label}含无效或重复的选项")
        return list(value)
    if t in ("fen", "int"):
        try:
            n = _int(value, label)
        except _Bad:
            if t == "fen":  # the API's content: an amount is whole fen, which "应为整数" alone does not say
                raise _Bad(f"{label}应为以分为单位的整数，如500000表示5000.00元") from None
            raise
        show = _fen_words if t == "fen" else str
        if spec.min is not None and n < spec.min:
            raise _Bad(f"{label}不能小于{show(spec.min)}")
        if spec.max is not None and n > spec.max:
            raise _Bad(f"{label}不能大于{show(spec.max)}")
        if t == "fen" and n < 0:
            raise _Bad(f"{label}超出合理范围")
        if t == "fen" and (problem := amount_cap_problem(n, label=label)):  # 10^12 fen, not 2^46 (review-input14 1)
            raise _Bad(problem)
        return n
    if t == "ids":
        if not isinstance(value, list) or not value:
            raise _Bad(f"请填写{label}")
        # an id is a JSON integer or ASCII digits alone: "3010.0", "４８" or " 48 " is no id (review F5),
        # though an amount typed at the desk may be full-width (`_int`)
        for v in value:
            if why := id_problem(v):
                raise _Bad(f"{label}中的编号“{str(v)[:20]}”无效：{why}")
        ids = [int(v) for v in value]
        if len(set(ids)) != len(ids):
            raise _Bad(f"{label}应为不重复的正整数编号")
        return ids
    if t == "month":
        return _month(value, label, today)
    if t == "months":
        if not isinstance(value, list) or not value:
            raise _Bad(f"请填写{label}")
        months = [_month(v, label, today) for v in value]
        if len(set(months)) != len(months):
            raise _Bad(f"{label}有重复的月份")
        return sorted(months)
    if t == "period":
        if not isinstance(value, dict):
            raise _Bad(f"请填写{label}的起止月份")
        start = _month(value.get("from"), f"{label}起始月", today)
        end = _month(value.get("to"), f"{label}终止月", today)
        if start > end:
            raise _Bad(f"{label}终止月（{end}）早于起始月（{start}）")
        return {"from": start, "to": end}
    if t == "date":
        # NFKC and trimmed, its hyphens kept (normalize_code took them out, and Python's fromisoformat
        # read what was left, "20200220", in its basic form: the shape is now the one date shape)
        text = normalize_date_text(value) if isinstance(value, str) else ""
        if value is None or (isinstance(value, str) and not text):
            raise _Bad(f"请填写{label}")
        try:  # a day the calendar does not have is said so, another shape too, as every date (core.inputs)
            day = iso_date(text, label=label)
        except ValueError as e:
            raise _Bad(str(e)) from None
        if day < spec.earliest_date:
            raise _Bad(f"{label}“{value.strip()}”早于{spec.earliest_date.isoformat()}，不在合理范围内，请核对")
        if spec.past and day > today:
            raise _Bad(f"{label}“{day}”晚于今天（{today}），请核对")
        if day.year > today.year + DATE_YEARS_AHEAD:
            raise _Bad(f"{label}“{day}”晚于{today.year + DATE_YEARS_AHEAD}年，不在合理范围内，请核对")
        return day.isoformat()
    if t == "mobile":
        phone = normalize_phone(value) if isinstance(value, str) else ""
        if not MOBILE_RE.fullmatch(phone):
            raise _Bad(f"{label}应为11位中国大陆手机号码（1开头，第二位3至9）")
        return phone
    if t == "bank_account":
        acct = normalize_code(value) if isinstance(value, str) else ""
        if not re.fullmatch(r"\d{8,30}", acct):
            raise _Bad(f"{label}应为8至30位数字")
        return acct
    if t == "id_number":
        number = normalize_code(value) if isinstance(value, str) else ""
        if not re.fullmatch(r"[0-9A-Z]{5,32}", number):
            raise _Bad(f"{label}应为5至32位字母或数字")
        return number
    if t == "lines":
        if not isinstance(value, list) or not value:
            raise _Bad(f"请填写{label}（至少一行）")
        if len(value) > MAX_LINES:
            raise _Bad(f"{label}超过{MAX_LINES}行，请使用花名册导入")
        return value  # rows are validated by _lines, which names each row
    if t == "changes":
        names = dict(spec.choices())
        if not isinstance(value, dict) or not value:
            raise _Bad(f"请填写{label}")
        bad = [k for k in value if k not in names]
        if bad:
            raise _Bad(f"{label}含无效的信息项：{'、'.join(map(str, bad))}")
        return {k: value[k] for k in names if k in value}  # catalog order; values checked by change_value
    raise AssertionError(t)  # pragma: no cover - types are checked when the definition is loaded


def _fields(specs: tuple[FieldSpec, ...], data: dict[str, Any], prefix: str, row: str,
            errors: list[FieldError], today: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in specs:
        path = f"{prefix}{spec.name}"
        label = f"{row}{spec.label}"
        value = data.get(spec.name)
        if value in (None, "", [], {}):
            if spec.required:
                verb = "请选择" if spec.type in ("choice", "choices", "changes") else "请填写"
                errors.append(FieldError(path, f"{verb}{label}"))
            continue
        try:
            clean = _one(spec, value, label, today)
        except _Bad as bad:
            errors.append(FieldError(path, bad.zh))
            continue
        if spec.type == "lines":
            rows = []
            for i, item in enumerate(clean, start=1):
                if not isinstance(item, dict):
                    errors.append(FieldError(f"{path}.{i}", f"{label}第{i}行格式有误"))
                    continue
                rows.append(_fields(spec.items, item, f"{path}.{i}.", f"{label}第{i}行", errors, today))
            clean = rows
        elif spec.type == "changes":
            for key, new in list(clean.items()):
                try:
                    clean[key] = change_value(key, new, today=today)
                except _Bad as bad:
                    errors.append(FieldError(f"{path}.{key}", f"{dict(spec.choices())[key]}：{bad.zh}"))
        out[spec.name] = clean
    return out


# Text fields that hold a person's name or a telephone number, by field name (the definitions' insured_name
# and recipient_name, a person change's name and phone): held to core.inputs.person_name_problem and
# phone_problem (review-input8 F5: 😀😀 was approved into the registry as a name, 😀 as a phone).
PERSON_NAME_FIELDS = frozenset({"name", "insured_name", "recipient_name"})
# A name field and the field of the same definition that gives the person's document type: the name is judged
# once the whole content is read (details_validate), by that document's rule ("" when the type is not given).
NAME_DOCUMENT_FIELDS = {"insured_name": "insured_id_type"}
PHONE_FIELDS = frozenset({"phone"})

# 1.3a: the form of the new value of each person field (person_field enum of the catalog).
_CHANGE_TYPES: dict[str, FieldSpec] = {
    "mobile": FieldSpec("mobile", "mobile", "新手机号码"),
    "phone": FieldSpec("phone", "text", "新联系电话", max_length=30),
    "id_number": FieldSpec("id_number", "id_number", "新证件号码"),
    "birth_date": FieldSpec("birth_date", "date", "新出生日期", past=True, birth=True),
    "employment_start": FieldSpec("employment_start", "month", "新参加工作时间"),
    "gender": FieldSpec("gender", "choice", "新性别", enum="gender"),
    "bank_account": FieldSpec("bank_account", "bank_account", "新银行账户"),
    "name": FieldSpec("name", "text", "新姓名", max_length=100),
}
# Items that take one of a few values: the registry's own codes, and the national standards' code lists
# for ethnicity, education and marital status (rules.code_lists; review-user7 F11: typed as free text,
# "汉" and "汉族" were two ethnicities). Every form draws them as a list (cases.business_forms.change_row).
CHANGE_CHOICES: dict[str, dict[str, str]] = {
    "household_type": {"urban": "城镇", "rural": "农业", "none": "无（境外人员）"},
    "contributor_category": {"employee": "在职职工", "flexible": "灵活就业人员", "retiree": "退休人员"},
    "cadre_status": {"true": "是", "false": "否"},
    "ethnicity": ETHNICITIES,
    "education": EDUCATIONS,
    "marital_status": MARITAL_STATUSES,
}


def change_value(person_field: str, value: Any, *, today: dt.date) -> Any:
    """The new value of one person field (1.3a), validated by its kind; raises _Bad with the reason."""
    _visible(value, "")  # the caller names the item: "通讯地址：第4位是不可见的字符U+200B（零宽空格）…"
    if person_field in CHANGE_CHOICES:
        names = CHANGE_CHOICES[person_field]
        text = normalize_text(str(value)).lower() if isinstance(value, (str, bool)) else ""
        if not text:
            raise _Bad("请选择新值")
        if text in names:
            return text
        by_name = {zh: code for code, zh in names.items()}
        if text in by_name:  # the Chinese name typed or sent for its code (an API client, a pasted value)
            return by_name[text]
        shown = "、".join(names.values()) if len(names) <= 10 else "、".join(list(names.values())[:3]) + "等"
        raise _Bad(f"应为列表中的一项（{shown}），请从列表中选择")
    if person_field == "postal_code":
        code = normalize_code(value) if isinstance(value, str) else ""
        if not re.fullmatch(r"\d{6}", code):
            raise _Bad("应为6位数字")
        return code
    if person_field == "email":
        text = normalize_text(value) if isinstance(value, str) else ""
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) or len(text) > 254:
            raise _Bad("格式有误")
        return text
    spec = _CHANGE_TYPES.get(person_field, FieldSpec(person_field, "text", "新值", max_length=200))
    return _one(spec, value, spec.label, today)


def details_validate(code: str, data: Any, *, today: dt.date) -> Validated:
    """Validate an application's content against its business's definition.

    ``today``: the application's day (the business date): no month after its month, no date of a
    ``past`` field after it, none more than a year after it, none before 1990 (a birth date: 1900; months: 1951).

    ``data``: the content as received (JSON-like). Returns the clean content (months ``YYYY-MM``,
    money in integer fen, numbers normalised) and every error with its field path and a Chinese
    reason naming the field. Keys the definition does not know are refused, so that nothing a
    clerk typed is silently dropped.
    """
    d = definition(code)
    if not isinstance(data, dict):
        return Validated({}, (FieldError("details", "申请内容格式有误"),))
    errors: list[FieldError] = []
    known = {f.name for f in d.applicant_fields}
    agency = {f.name: f for f in d.agency_fields}
    for key in sorted(set(data) - known):
        if key in agency:  # the agency's to work out: an applicant's figure is not taken (review U3)
            errors.append(FieldError(str(key), f"{agency[key].label}由经办机构核定，申请时不填写"))
        else:
            errors.append(FieldError(str(key), f"{d.zh}没有“{key}”这一项"))
    clean = _fields(d.applicant_fields, data, "", "", errors, today)
    # A name typed with its document type is held to that document's rule (core.inputs.person_name_problem:
    # no space on a 居民身份证, a passport's Latin name with its spaces), on every road that submits it.
    labels = {f.name: f.label for f in d.applicant_fields}
    for name_field, type_field in NAME_DOCUMENT_FIELDS.items():
        if name_field in clean and (why := person_name_problem(clean[name_field], id_type=clean.get(type_field, ""))):
            errors.append(FieldError(name_field, f"{labels[name_field]}{why}"))
            del clean[name_field]
    # With errors, `details` holds the fields that passed (a form shows the rules' decision on them).
    return Validated(clean, tuple(errors))


def assessment_validate(code: str, data: Any, *, today: dt.date) -> Validated:
    """Validate what the agency records while handling a case: its definition's ``by: agency``
    fields only (each optional; the effect says on completion what it still lacks). Keys that are
    not agency fields are refused. Returns the clean values, as `details_validate` does."""
    d = definition(code)
    if not isinstance(data, dict) or not d.agency_fields:
        return Validated({}, (FieldError("details", f"{d.zh}没有须由经办机构核定的项目"),))
    known = {f.name for f in d.agency_fields}
    errors = [FieldError(str(k), f"“{k}”不是{d.zh}的核定项目") for k in sorted(set(data) - known)]
    clean = _fields(d.agency_fields, data, "", "", errors, today)
    return Validated(clean, tuple(errors))


def facts_from_details(code: str, details: dict[str, Any]) -> dict[str, Any]:
    """The facts the rules read, taken from the fields marked ``fact`` (``person.x`` nests)."""
    facts: dict[str, Any] = {}
    for spec in definition(code).fields:
        if spec.fact is None or spec.name not in details:
            continue
        value = details[spec.name]
        if spec.type == "changes":
            value = list(value)
        if spec.fact.startswith("person."):
            facts.setdefault("person", {})[spec.fact.split(".", 1)[1]] = value
        else:
            facts[spec.fact] = value
    return facts


def facts_stated_twice(business: str, stated: dict[str, Any], from_details: dict[str, Any]) -> list[FieldError]:
    """The facts an application states twice with different values: once in `facts` (what the API
    lets a caller state for the rules) and once in its content (`details`, the fields marked ``fact``,
    as `facts_from_details` gives them). Each is a FieldError at ``details.<field>`` naming both values
    in Chinese; the same value stated twice (a list in another order too) is no conflict. Every key
    that can be in both is compared: a top-level fact (period, refund_kind, fields, ...) and each
    ``person.<x>`` fact. Pure; [] when they agree.

    >>> [e.zh for e in facts_stated_twice("individual_back_payment",
    ...     {"period": {"from": "2019-11", "to": "2020-01"}}, {"period": {"from": "2019-10", "to": "2019-12"}})]
    ['补缴期间填写了两次且不一致：申请事实（facts.period）为“2019-11至2020-01”，申请内容为“2019-10至2019-12”；请只填写一处，或两处填写相同']
    >>> facts_stated_twice("refund", {"refund_kind": "overpayment"}, {"refund_kind": "overpayment"})
    []
    """
    return [FieldError(
        f"details.{spec.name}",
        f"{spec.label}填写了两次且不一致：申请事实（facts.{spec.fact}）为“{_fact_text(spec, a)}”，"
        f"申请内容为“{_fact_text(spec, b)}”；请只填写一处，或两处填写相同")
        for spec, a, b in _facts_differing(business, stated, from_details)]


def facts_decided_changed(business: str, decided: dict[str, Any], from_details: dict[str, Any]) -> list[FieldError]:
    """The facts a correction of a case's content (`cases.services.case_details_correct`) would
    change under the decision already taken on them: `decided` is the case's facts (``Case.facts``,
    what the rules decided its mode, requirements and clauses on), `from_details` the corrected
    content's facts (`facts_from_details`). Each fact the case holds with another value is a
    FieldError at ``details.<field>`` naming both values in Chinese; a fact the case does not hold
    yet is no change here (its caller asks the rules whether it changes the decision). Pure.

    >>> [e.zh for e in facts_decided_changed("refund", {"refund_kind": "overpayment"},
    ...                                      {"refund_kind": "base_difference"})]
    ['退费类型是本申请办理决定的依据（已按“多缴退费”决定办理方式和要求），补正为“基数差退费”会改变办理决定；请驳回后按补正的内容重新申请']
    >>> facts_decided_changed("refund", {}, {"refund_kind": "overpayment"})
    []
    """
    return [FieldError(f"details.{spec.name}",
                       f"{spec.label}是本申请办理决定的依据（已按“{_fact_text(spec, a)}”决定办理方式和要求），"
                       f"补正为“{_fact_text(spec, b)}”会改变办理决定；请驳回后按补正的内容重新申请")
            for spec, a, b in _facts_differing(business, decided, from_details)]


def _facts_differing(business: str, stated: dict[str, Any],
                     from_details: dict[str, Any]) -> list[tuple[FieldSpec, Any, Any]]:
    """(field, stated value, content's value) of each fact given in both with different values."""
    out = []
    for spec in definition(business).fields:
        if spec.fact is None:
            continue
        head, _, tail = spec.fact.partition(".")
        if tail:
            mine, theirs = (from_details.get(head) or {}), stated.get(head)
            if not isinstance(theirs, dict) or tail not in mine or tail not in theirs:
                continue
            a, b = theirs[tail], mine[tail]
        else:
            if head not in from_details or head not in stated:
                continue
            a, b = stated[head], from_details[head]
        if a in (None, "", [], {}) or _same_fact(a, b):
            continue
        out.append((spec, a, b))
    return out


def _same_fact(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return sorted(map(str, a)) == sorted(map(str, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    return a == b or (not isinstance(a, (dict, list)) and str(a) == str(b))


def _fact_text(spec: FieldSpec, value: Any) -> str:
    """A fact's value as a clerk reads it: a period as 2019-11至2020-01, a choice by its Chinese
    label, a list joined by 、."""
    labels = dict(spec.choices()) if spec.type in ("choice", "choices", "changes") else {}
    if isinstance(value, dict) and set(value) >= {"from", "to"}:
        return f"{value.get('from')}至{value.get('to')}"
    if isinstance(value, (list, tuple)):
        return "、".join(str(labels.get(v, v)) for v in value)
    if labels and value in labels:
        return str(labels[value])
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)[:60]


EXAMPLE_FEN = 500_000  # 5,000 yuan: a monthly base inside every year's floor and ceiling of the packs
EXAMPLE_MOBILE = "13800138000"
EXAMPLE_BANK_ACCOUNT = "6222020200112233445"
# A new value of each person field (1.3a) that its check takes; a field not listed gets a text.
_CHANGE_EXAMPLES: dict[str, Any] = {
    "mobile": "13900139000", "phone": "010-65000000", "postal_code": "100020", "email": "zhangsan@example.cn",
    "household_type": "urban", "contributor_category": "employee", "cadre_status": "true", "gender": "male",
    "bank_account": "6217000010001234567", "birth_date": "1975-05-01", "employment_start": "1995-07",
    "id_number": "110105197505010019", "name": "张三丰", "ethnicity": "回族", "education": "20", "marital_status": "20",
}


def details_example(code: str, *, today: dt.date, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """Content that passes `details_validate` for business `code`, built from its definition alone:
    every required applicant field (a definition whose fields are all optional gets its first), each a
    plain value of its type (the first choice of an enum, 5,000 yuan, the month before `today`'s, `today`, a
    mainland mobile, a citizen ID number with its GB 11643 check character). ``given`` replaces fields
    by name (a period, a refund kind; for a ``changes`` field, the list of person fields to change).

    The registry checks (employment, contributions, dues) are not consulted: a caller that must pass
    them gives those fields. Used for the API's documented example and by tests, so a new business
    has a valid example without more code.

    >>> details_validate("refund", details_example("refund", today=dt.date(2020, 2, 20)),
    ...                  today=dt.date(2020, 2, 20)).ok
    True
    """
    d = definition(code)
    given = dict(given or {})
    specs = [f for f in d.applicant_fields if f.required] or list(d.applicant_fields[:1])
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.name in given and spec.type != "changes":
            out[spec.name] = given.pop(spec.name)
        else:
            out[spec.name] = _example_value(spec, today, given.pop(spec.name, None))
    out.update(given)
    return out


def _example_value(spec: FieldSpec, today: dt.date, wanted: Any = None) -> Any:
    # The month before `today`'s: over, as a transfer or a backfill requires, and past, as a back-payment.
    month = f"{today.year - (today.month == 1):04d}-{(today.month - 2) % 12 + 1:02d}"
    t = spec.type
    if t == "text":
        return spec.example[: spec.max_length]
    if t == "choice":
        return spec.choices()[0][0]
    if t == "choices":
        return [spec.choices()[0][0]]
    if t in ("fen", "int"):
        low, high = spec.min if spec.min is not None else 0, spec.max
        value = max(low, EXAMPLE_FEN if t == "fen" else 1)
        return min(value, high) if high is not None else value
    if t == "ids":
        return [1]
    if t == "month":
        return month
    if t == "months":
        return [month]
    if t == "period":
        return {"from": month, "to": month}
    if t == "date":
        return today.isoformat()
    if t == "mobile":
        return EXAMPLE_MOBILE
    if t == "bank_account":
        return EXAMPLE_BANK_ACCOUNT
    if t == "id_number":
        return _citizen_id("11010519900601003")
    if t == "lines":
        return [{item.name: _example_value(item, today) for item in spec.items if item.required}]
    if t == "changes":
        keys = list(wanted) if wanted else [spec.choices()[0][0]]
        return {k: _CHANGE_EXAMPLES.get(k, dict(spec.choices()).get(k, "示例")[:20] + "（新）") for k in keys}
    raise AssertionError(t)  # pragma: no cover - types are checked when the definition is loaded


def _citizen_id(first17: str) -> str:
    """The 18-character citizen ID number of `first17` with its GB 11643-1999 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def json_schema(code: str) -> dict[str, Any]:
    """The JSON schema of a business's content, for the API's documentation (OpenAPI)."""
    return _schema_object(definition(code).applicant_fields, title=definition(code).zh)


def _schema_object(specs: tuple[FieldSpec, ...], *, title: str = "") -> dict[str, Any]:
    props = {s.name: _schema(s) for s in specs}
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False,
                           "required": [s.name for s in specs if s.required]}
    if title:
        out["title"] = title
    return out


def _schema(s: FieldSpec) -> dict[str, Any]:
    month = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}
    base: dict[str, Any]
    if s.type in ("text", "id_number", "bank_account", "mobile"):
        base = {"type": "string", "maxLength": s.max_length if s.type == "text" else 32}
    elif s.type == "choice":
        base = {"type": "string", "enum": [v for v, _ in s.choices()]}
    elif s.type == "choices":
        base = {"type": "array", "items": {"type": "string", "enum": [v for v, _ in s.choices()]}, "minItems": 1}
    elif s.type in ("fen", "int"):
        base = {"type": "integer", **({"minimum": s.min} if s.min is not None else {}),
                **({"maximum": s.max} if s.max is not None else {})}
    elif s.type == "ids":
        base = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}
    elif s.type == "month":
        base = month
    elif s.type == "months":
        base = {"type": "array", "items": month, "minItems": 1}
    elif s.type == "period":
        base = {"type": "object", "properties": {"from": month, "to": month}, "required": ["from", "to"]}
    elif s.type == "date":
        base = {"type": "string", "format": "date"}
    elif s.type == "lines":
        base = {"type": "array", "items": _schema_object(s.items), "minItems": 1, "maxItems": MAX_LINES}
    else:  # changes
        base = {"type": "object", "properties": {v: _change_schema(v, zh) for v, zh in s.choices()},
                "additionalProperties": False, "minProperties": 1}
    return {**base, "description": s.label + (f"（{s.help}）" if s.help else "")}


def _change_schema(person_field: str, zh: str) -> dict[str, Any]:
    """One item of a change (1.3a) in the API's schema: a listed item's codes, with their names."""
    names = CHANGE_CHOICES.get(person_field)
    if not names:
        return {"type": "string", "description": zh}
    return {"type": "string", "enum": list(names), "description": f"{zh}：" + "、".join(
        v if v == n else f"{v} {n}" for v, n in names.items())}
