"""Employers' monthly declarations (月报) from an HR roster file: staged, checked row by row, committed
all or nothing, and turned into the month's dues.

A roster file is an .xlsx workbook (its first sheet, read with openpyxl) or a CSV file in UTF-8 or
GB18030 (GBK), whose first row names the columns in Chinese:

    证件号码, 姓名, 变动类型 (增员 / 减员 / 在职, blank = 在职), 缴费基数（元）

Staging (`declaration_stage`) stores every row in the staging table (`DeclarationRow`) with its
errors; nothing else is written. The checks, set-based (a handful of queries per 5,000 rows):

* the ID number is a valid mainland number (GB 11643, `registry.checks.parse_citizen_id`) when it
  looks like one, names a registered person, and the name agrees with the registry (no other name
  is ever shown: the file's own name is the only one on the page);
* employment in that month: a person 在职 (or whose base is declared) is employed by this employer
  in that month; a hire (增员) is employed by no one in that month; a leaver (减员) has an open spell
  here that began before the month (the spell ends with the month before: no contribution from the
  month of leaving);
* the base is yuan with at most two decimals, within the lowest floor and the ceiling in force for
  that month (the `base` pack: `pension_base_floor_fen`, `base_ceiling_fen`); each insurance type is
  then charged on its own floor as the monthly dues build does;
* a number appears once in a file; no contribution row exists yet for the person, employer and month.

The month itself must have rates in force, not be after the current month, and the employer must
have no dues for it yet (a later correction is a back-payment, 1.1a-1.1c).

Committing (`declaration_commit`) re-runs the checks under lock (the registry may have changed since
the upload) and, only if no row has an error, writes in one transaction: hires' spells from the
month, leavers' spells ended, one contribution row per person, and the month's dues by the same
set-based build as every month's (`collection.services`), relief and ledger entry included.

Why a staging table of our own rather than django-import-export or tablib: the rows must survive
between the upload and the clerk's decision (the page pages through a 100,000-row roster's errors),
the checks are set-based across rows and against the registry (duplicates, spells, existing
contributions), and the commit is one bulk transaction; import-export validates and saves row by
row through model instances (the per-row baseline of `bench/bench_declarations.py`), and tablib is
only a reader, which openpyxl and the csv module already are.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from shebao.collection.importers import (
    UNREADABLE_WORKBOOK,
    _decode,
    _Refuse,
    csv_error_zh,
    not_a_table,
    parse_amount_fen,
    workbook_extent_problem,
)
from shebao.collection.models import Declaration, DeclarationRow, Due
from shebao.collection.services import INSURANCES, dues_build
from shebao.core import clock, crypto
from shebao.core.audit import audit_bulk_create, audit_create, audit_update, audited_update_all, snapshot
from shebao.core.bulk import copy_rows
from shebao.core.inputs import normalize_person_name, person_name_problem, strip_bad_text, text_problem
from shebao.core.money import format_yuan
from shebao.core.normalize import normalize_code, normalize_month, normalize_text
from shebao.core.permissions import (
    ActionRefused,
    PortalActor,
    SystemActor,
    actor_label,
    portal_may_act_on,
    require,
)
from shebao.registry.checks import CodeError, legacy_citizen_id, parse_citizen_id
from shebao.registry.models import Contribution, Employer, EmploymentSpell, Person
from shebao.registry.rates import contribution_rates, contribution_shares
from shebao.registry.selectors import kept_record
from shebao.rules.dates import InputError, month_add, month_index, month_of_date

MAX_ROWS = 200_000
DUES_JOB = SystemActor("declaration_commit", "单位月报提交后核定当月应缴")
MAX_BYTES = 40 * 1024 * 1024
CHUNK = 5000

# Column headings an HR system writes, normalised (NFKC, no spaces), to the row's fields.
HEADINGS = {
    "证件号码": "id_number", "身份证号码": "id_number", "身份证号": "id_number", "公民身份号码": "id_number",
    "姓名": "name",
    "变动类型": "change", "增减变动": "change", "人员变动": "change",
    "缴费基数(元)": "base", "缴费基数": "base", "月缴费基数(元)": "base", "缴费工资基数(元)": "base",
    "缴费工资(元)": "base",
}
REQUIRED = ("id_number", "name", "base")
HEADING_ZH = {"id_number": "证件号码", "name": "姓名", "change": "变动类型", "base": "缴费基数（元）"}
CHANGES = {"": "stay", "在职": "stay", "正常": "stay", "在册": "stay", "基数申报": "stay",
           "增员": "hire", "新增": "hire", "新参保": "hire", "增加": "hire",
           "减员": "leave", "减少": "leave", "停保": "leave", "离职": "leave"}


@dataclass
class StagedRow:
    line_no: int
    id_number: str
    name: str
    change: str
    base_fen: int | None
    errors: list[str]
    person_id: int | None = None


# --- Reading the file ------------------------------------------------------------------------------
def _xlsx_values(data: bytes) -> list[tuple[int, list[Any]]]:
    """The first sheet's rows, read by calamine (Rust): openpyxl's pure-Python XML parsing takes
    ten times as long on a 100,000-row roster."""
    from python_calamine import CalamineWorkbook

    extent = workbook_extent_problem(data, max_rows=MAX_ROWS + 2)
    if extent:
        raise _Refuse([(1, extent)])
    try:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # a damaged or encrypted workbook: the reader raises many kinds
        raise _Refuse([(1, UNREADABLE_WORKBOOK)]) from None
    return [(i, list(row)) for i, row in enumerate(rows[:MAX_ROWS + 2], start=1)]


def _csv_values(data: bytes) -> list[tuple[int, list[Any]]]:
    text = _decode(data, None)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for values in reader:
            out.append((start, values))
            start = reader.line_num + 1
            if len(out) > MAX_ROWS + 1:
                break
    except csv.Error as e:
        raise _Refuse([(start, csv_error_zh(e))]) from None
    return out


def _cell_text(value: Any, field: str) -> tuple[str, str]:
    """(text, error) of one cell: Excel numbers read exactly (Decimal of their repr), an ID number
    Excel stored as a number of more than 15 digits refused (its digits are lost)."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, bool):
        return str(value), ""
    if isinstance(value, int | float):
        if field == "id_number":
            if value != int(value) or len(str(abs(int(value)))) > 15:
                return "", "是Excel存成数值的长号码，超过15位的数字已丢失，请将该列设为文本后重新导出"
            return str(int(value)), ""
        return format(Decimal(repr(value)), "f"), ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat(), ""
    return str(value), ""


def read_roster(data: bytes) -> tuple[list[StagedRow], list[str]]:
    """The rows of a roster file (each with the errors of its own cells) and the file's errors.

    File errors (unreadable, no heading of a required column, no rows, more than 200,000 rows) mean
    nothing can be staged. Shapes: `StagedRow.base_fen` integer fen or None; `change` one of
    stay / hire / leave, or "" with an error.
    """
    if not data:
        return [], ["文件为空"]
    if len(data) > MAX_BYTES:
        return [], [f"文件超过{MAX_BYTES // 1024 // 1024}MB，请分批申报"]
    binary = not_a_table(data)
    if binary:
        return [], [binary]
    try:
        raw = _xlsx_values(data) if data[:4] == b"PK\x03\x04" else _csv_values(data)
    except _Refuse as e:
        return [], [f"第{n}行：{msg}" for n, msg in e.errors[:20]]
    raw = [(n, v) for n, v in raw if any(normalize_text(c) for c in v if c is not None)]
    if not raw:
        return [], ["文件为空"]
    head_no, head = raw[0]
    columns: dict[str, int] = {}
    for i, h in enumerate(head):
        key = HEADINGS.get(normalize_text(h).lstrip("\ufeff").replace(" ", "").replace("（", "(").replace("）", ")"))
        if key and key not in columns:
            columns[key] = i
    missing = [HEADING_ZH[k] for k in REQUIRED if k not in columns]
    if missing:
        return [], [f"第{head_no}行（表头）缺少列：{'、'.join(missing)}。应有的列：证件号码、姓名、变动类型、缴费基数（元）"]
    if len(raw) - 1 > MAX_ROWS:
        return [], [f"文件超过{MAX_ROWS}行，请分批申报"]
    if len(raw) == 1:
        return [], ["文件没有数据行"]
    rows: list[StagedRow] = []
    for line_no, values in raw[1:]:
        errors: list[str] = []
        cells: dict[str, str] = {}
        for key, i in columns.items():
            text, err = _cell_text(values[i] if i < len(values) else None, key)
            if err:
                errors.append(f"{HEADING_ZH[key]}：{err}")
            problem = text_problem(text)
            if problem:
                # A NUL or a bidi control (U+202E) in a cell: a row error naming the column, and the
                # cell is kept without it (the staging table is written by COPY, past the models'
                # guard; PostgreSQL refuses a NUL outright). Bad-input review 3, E4.
                errors.append(f"{HEADING_ZH[key]}：{problem}")
                text = strip_bad_text(text)
            cells[key] = normalize_text(text)
        id_number = normalize_code(cells.get("id_number", ""))[:40]
        typed_name = cells.get("name", "")
        name = typed_name[:100]
        # A name is judged as everywhere (core.person_name) and never cut silently: 贾 and 5,000 combining
        # accents was stored cut at 100, =HYPERLINK(…) taken as a name (review-input14 8).
        if len(typed_name) > 100:
            errors.append(f"姓名：不能超过100个字符（现为{len(typed_name)}个）")
        elif typed_name and (why := person_name_problem(typed_name)):
            errors.append(f"姓名：{why}")
        change_text = cells.get("change", "").replace(" ", "")
        change = CHANGES.get(change_text, "")
        if change_text not in CHANGES:
            errors.append(f"变动类型：“{change_text[:20]}”应为增员、减员或在职")
        base_fen: int | None = None
        base_text = cells.get("base", "")
        if base_text:
            try:
                base_fen = parse_amount_fen(base_text)
            except ValueError as e:
                errors.append(f"缴费基数：{e}")
        elif change != "leave":
            errors.append("缴费基数：请填写（元）")
        if not id_number:
            errors.append("证件号码：请填写")
        if not name:
            errors.append("姓名：请填写")
        rows.append(StagedRow(line_no, id_number, name, change, base_fen, errors))
    return rows, []


# --- Checking the rows against the registry -----------------------------------------------------------
def first_declarable_month(*, employer: Employer, not_before: str | None = None) -> str | None:
    """The first month ``YYYY-MM`` `employer` can declare: the month of its registration (`Employer.created_at`,
    登记时间, in Beijing time), or the first month its books hold a due or a contribution when that is earlier
    (an employer entered after it was insured: migrated records). A month before it, when the employer was
    no contributor, cannot be declared (review-user4 U10: the form offered 2019-02..06 to an employer whose
    books start in 2019-07). A registration stamped after the business date (records entered on a training
    copy whose date is set back) bounds nothing; None when nothing bounds.

    `not_before` ('YYYY-MM'): the caller asks only about that month and later ones (the form's window,
    one month's check). When the registration or a due already puts the start at or before it, that
    month is answered (at or before `not_before`, not necessarily the first) and the contributions are not
    read: on PostgreSQL they are partitioned by month, and a look-up of an employer's first contribution
    plans every monthly partition (~35 ms on 240 months: bench/bench_portal.py, issue 15). Otherwise
    the contributions are read before that start only (the planner prunes the partitions after it).
    One query (the first due) when the start is found by then; two otherwise."""
    found = []
    if employer.created_at and timezone.localdate(employer.created_at) <= clock.today():
        found.append(month_of_date(timezone.localdate(employer.created_at)))
    first_due = Due.objects.filter(employer=employer).order_by("month").values_list("month", flat=True).first()
    if first_due:
        found.append(first_due)
    bound = min(found) if found else None
    if not_before is not None and bound is not None and bound <= not_before:
        return bound
    earlier = Contribution.objects.filter(employer=employer)
    if bound is not None:
        earlier = earlier.filter(month__lt=bound)  # only months that would move the start back
    first = earlier.order_by("month").values_list("month", flat=True).first()
    if first:
        found.append(first)
    return min(found) if found else None


def month_problems(*, employer: Employer, month: str) -> list[str]:
    """Why no declaration of `month` can be made for `employer` now ([] if it can): a month that is not
    ``YYYY-MM``, later than this month, before the employer's registration (`first_declarable_month`),
    without rates, or already declared, assessed or contributed (corrected by a back-payment instead)."""
    try:
        month_index(month)
    except InputError as e:
        return [e.zh]
    if month > month_of_date(clock.today()):
        return [f"费款所属期：{month}晚于本月，不能申报"]
    try:
        contribution_rates(month=month)
    except LookupError:
        return [f"费款所属期：{month}没有适用的缴费基数上下限和费率，不能申报"]
    first = first_declarable_month(employer=employer, not_before=month)
    if first and month < first:
        return [f"费款所属期：{month}早于{employer.name}参保登记的{first}，不能申报"]
    if Declaration.objects.filter(employer=employer, month=month, status=Declaration.Status.COMMITTED).exists():
        return [f"费款所属期：{employer.name}{month}的月报已提交，不能重复申报（补报或更正请办理单位申报月报补缴）"]
    if Due.objects.filter(employer=employer, month=month).exists():
        return [f"费款所属期：{employer.name}{month}的应缴费款已核定，不能再申报（补报或更正请办理单位申报月报补缴）"]
    if Contribution.objects.filter(employer=employer, month=month).exists():
        return [f"费款所属期：{employer.name}{month}已有缴费记录，不能再申报（补报或更正请办理单位申报月报补缴）"]
    return []


_UNSET: Any = object()


def declarable_months(*, employer: Employer, back: int = 12, first: Any = _UNSET) -> list[str]:
    """The months, newest first, of the current one and the `back` before it, from the employer's
    registration on (`first_declarable_month`), that `employer` can still declare (`month_problems` finds
    nothing): what the upload form offers and pre-selects (review 3, U7: the form's default month was one
    already assessed, and the next one later than this month; review-user4 U10: months before the
    employer's registration were offered). Five queries at most whatever `back` is, three when the
    caller passes the `first_declarable_month` it already read (asked with `not_before` the window's
    first month, `month_add(today's month, -back)`). Every read of the contributions names months the
    window bounds, so that PostgreSQL plans their partitions alone (on 240 monthly partitions a read
    by employer alone spent ~35 ms planning: bench/bench_portal.py)."""
    current = month_of_date(clock.today())
    if first is _UNSET:
        first = first_declarable_month(employer=employer, not_before=month_add(current, -back))
    months = [m for m in (month_add(current, -i) for i in range(back + 1)) if not first or m >= first]
    taken = (set(Due.objects.filter(employer=employer, month__in=months).values_list("month", flat=True))
             | set(Declaration.objects.filter(employer=employer, month__in=months,
                                              status=Declaration.Status.COMMITTED).values_list("month", flat=True))
             | set(Contribution.objects.filter(employer=employer, month__in=months).values_list("month", flat=True)
                   .distinct()))
    out = []
    for month in months:
        if month in taken:
            continue
        try:
            contribution_rates(month=month)
        except LookupError:
            continue
        out.append(month)
    return out


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _among(qs: QuerySet, field: str, values: list[Any]) -> Iterable[QuerySet]:
    """`qs` narrowed to rows whose `field` is one of `values`, as querysets to read in turn. On
    PostgreSQL one query whatever the count, the values sent as one array (``= ANY(%s)``): an IN list
    of 5,000 parameters cost more to build (Django prepares each, psycopg splits the statement at each
    placeholder) than to run, 9 of the 20 s a 20,000-row roster's checks took. Elsewhere IN lists of
    `CHUNK` (SQLite's limit on parameters)."""
    if connection.vendor == "postgresql":
        quote, meta = connection.ops.quote_name, qs.model._meta
        column = f"{quote(meta.db_table)}.{quote(meta.get_field(field).column)}"
        yield qs.filter(RawSQL(f"{column} = ANY(%s)", (list(values),), output_field=BooleanField()))
        return
    for chunk in _chunks(values):
        yield qs.filter(**{f"{field}__in": chunk})


def _base_check(row: StagedRow, month: str, floor: int, ceiling: int) -> None:
    """Add the row's error when its base (fen) lies outside `month`'s limits (a leaver's is not read)."""
    if row.base_fen is not None and row.change != "leave":
        if row.base_fen < floor:
            row.errors.append(f"缴费基数：{format_yuan(row.base_fen)}元低于{month}的缴费基数下限"
                              f"{format_yuan(floor)}元")
        elif row.base_fen > ceiling:
            row.errors.append(f"缴费基数：{format_yuan(row.base_fen)}元高于{month}的缴费基数上限"
                              f"{format_yuan(ceiling)}元")


def rows_check(*, employer: Employer, month: str, rows: list[StagedRow], matched: bool = False) -> None:
    """Fill each row's `person_id` and add its errors (see the module docstring); reads only.

    `matched=True` is the commit's re-check of rows staged without an error: each row's `person_id`
    is the person its number matched on upload (numbers are unique, well formed and registered by
    then), so the person is read by key, not the number decrypted and matched again; everything the
    registry or the books may have changed since (a merge, the name, the spells, the month's
    contributions, the base limits) is checked again as on upload.
    """
    r = contribution_rates(month=month)
    floor, ceiling = min(r.pension_floor_fen, r.medical_floor_fen), r.ceiling_fen
    today = clock.today()
    first_line: dict[str, int] = {}
    # A number refused as a citizen ID (its check character, its date) is a typing error, told once:
    # not also "未登记参保人员", which sent the HR clerk to registration (review-user5 F9).
    misread: set[int] = set()
    for row in rows:
        if matched:
            _base_check(row, month, floor, ceiling)
            continue
        # A first-generation 15-digit ID number is the person's 18-character one (GB 11643-1999 §8;
        # review-input4 F8): read, compared and staged in the form the registry holds.
        row.id_number = legacy_citizen_id(row.id_number) or row.id_number
        if row.id_number in first_line:
            row.errors.append(f"证件号码：与第{first_line[row.id_number]}行重复")
        elif row.id_number:
            first_line[row.id_number] = row.line_no
        if len(row.id_number) == 18 and row.id_number[:17].isdigit():
            try:
                parse_citizen_id(row.id_number, today=today)
            except CodeError as e:
                row.errors.append(f"证件号码：{e}")
                misread.add(row.line_no)
        _base_check(row, month, floor, ceiling)
    if matched:
        # The key of each row is the person it matched on upload.
        hashes: dict[str, Any] = {}
        for row in rows:
            hashes[row.id_number], row.person_id = row.person_id, None
        lookup, field = Person.objects.all(), Person._meta.pk.name
    else:
        # Looked up by the blind index (the number is encrypted: core.crypto), keyed by hash so that
        # nothing is decrypted for the match.
        hashes = {row.id_number: crypto.blind_index(row.id_number, kind="id_number") for row in rows if row.id_number}
        lookup, field = Person.objects.all(), "id_number_hash"
    people: dict[Any, tuple[int, str]] = {}
    merged: dict[Any, int] = {}
    for part in _among(lookup, field, sorted({h for h in hashes.values() if h is not None})):
        for pk, h, name, into in part.values_list("pk", field, "name", "merged_into"):
            people[h] = (pk, name)
            if into is not None:
                merged[h] = into
    # A record registered twice and merged (registry.merge) is declared on the record kept, never on
    # the merged shell (review-user8 F1's class: every look-up by number follows merged_into).
    for h, into in merged.items():
        kept = kept_record(Person.objects.filter(pk=into).first())
        if kept is not None:
            people[h] = (kept.pk, kept.name)
    for row in rows:
        found = people.get(hashes.get(row.id_number, ""))
        if row.id_number and found is None and row.line_no not in misread:
            row.errors.append("证件号码：未登记参保人员（新参保人员请先办理参保登记）")
        elif found is not None:
            row.person_id = found[0]
            # compared as the one rule spells a name (core.person_name: 张•三 is 张·三, review-input9 F2)
            if normalize_person_name(found[1]).replace(" ", "") != normalize_person_name(row.name).replace(" ", ""):
                row.errors.append("姓名：与该证件号码登记的姓名不一致")
    ids = [row.person_id for row in rows if row.person_id]
    prev = month_add(month, -1)
    here: dict[int, list[tuple[str, str]]] = defaultdict(list)  # spells at this employer
    elsewhere: set[int] = set()  # employed by another employer in the month
    contributed: set[int] = set()
    for part in _among(EmploymentSpell.objects.all(), "person", ids):
        for pid, emp, frm, to in part.values_list("person_id", "employer_id", "from_month", "to_month"):
            if emp == employer.pk:
                here[pid].append((frm, to))
            elif frm <= month and (not to or to >= month):
                elsewhere.add(pid)
    for part in _among(Contribution.objects.filter(employer=employer, month=month), "person", ids):
        contributed |= set(part.values_list("person_id", flat=True))
    for row in rows:
        pid = row.person_id
        if pid is None:
            continue
        spells = here.get(pid, [])
        covers = any(frm <= month and (not to or to >= month) for frm, to in spells)
        if row.change == "hire":
            if covers:
                row.errors.append(f"变动类型：{month}已在本单位参保，不应再增员（应填在职）")
            elif pid in elsewhere:
                row.errors.append(f"变动类型：{month}仍在其他单位参保，须原单位先办理减员")
        elif row.change == "leave":
            if not any(frm <= prev and not to for frm, to in spells):
                row.errors.append(f"变动类型：没有{prev}起在本单位的在职参保记录，不能减员")
        elif row.change == "stay" and not covers:
            row.errors.append(f"变动类型：{month}不在本单位参保（新入职请填增员）")
        if pid in contributed and row.change != "leave":
            row.errors.append(f"{month}已有本单位的缴费记录，不能重复申报")


# --- Services ------------------------------------------------------------------------------------
def _require(actor: Any, action: str, employer: Employer) -> None:
    """The permission table's answer, and for an employer's portal account (issue 15: it uploads its
    own monthly declaration online) that the employer is its own (`portal_may_act_on`)."""
    require(actor, action, district_id=employer.district_id)
    if isinstance(actor, PortalActor) and not portal_may_act_on(actor, employer_id=employer.pk, person_id=None):
        raise ActionRefused("只能申报本单位的月报", "a portal account declares for its own employer", action=action)


def _rows_of(declaration: Declaration) -> list[StagedRow]:
    """The staged rows as `rows_check(matched=True)` reads them: the number stays encrypted (a row is
    keyed by its line, `id_number` holds the line number as text) and `person_id` is the person the
    upload matched."""
    return [StagedRow(ln, str(ln), name, ch, base, [], pid) for ln, name, ch, base, pid in
            declaration.lines.order_by("line_no").values_list("line_no", "name", "change", "base_fen", "person")]


def declaration_stage(*, employer: Employer, month: str, data: bytes, filename: str, actor: Any) -> Declaration:
    """Stage a roster file as `employer`'s declaration of `month` (YYYY-MM, typed forms normalised).

    Returns the staged declaration: its rows, each with its errors (`error_rows` counts them). Any
    declaration of the same employer and month still staged is discarded by it (one upload of a
    month awaits a decision at a time; its audit row says it was replaced).
    Raises ValidationError (Chinese, nothing stored) when the file or the month cannot be staged at
    all (unreadable file, missing column, no rows, a month declared or assessed already).
    Permission `declaration.stage` in the employer's district, or the employer's own portal account
    (administrator or HR clerk: the same checks, online).
    """
    _require(actor, "declaration.stage", employer)
    month = normalize_month(month)
    problems = month_problems(employer=employer, month=month)
    if problems:
        raise ValidationError(problems)
    rows, file_errors = read_roster(data)
    if file_errors:
        raise ValidationError(file_errors)
    rows_check(employer=employer, month=month, rows=rows)
    with transaction.atomic():
        # A newer upload of the month replaces the staged ones before it (bad-input review 3, E18: 33
        # uploads left 20 staged declarations on the employer's list): they are discarded, audited,
        # and their rows kept with them; only the newest can be committed.
        older = list(Declaration.objects.select_for_update().filter(
            employer=employer, month=month, status=Declaration.Status.STAGED))
        for old in older:
            before = snapshot(old)
            old.status = Declaration.Status.DISCARDED
            old.save(update_fields=["status"])
            audit_update(actor=actor, instance=old, before=before, reason=f"已重新上传{month}月报，作废此前未提交的上传")
        declaration = Declaration.objects.create(
            employer=employer, month=month, filename=(filename or "roster")[-200:],
            sha256=hashlib.sha256(data).hexdigest(), rows=len(rows),
            error_rows=sum(1 for row in rows if row.errors), staged_by_label=actor_label(actor),
            staged_at=clock.now(), **_counts(rows))
        _rows_write(declaration, rows)
        audit_create(actor=actor, instance=declaration, reason=f"上传{employer.name}{month}月报（{len(rows)}行）")
    return declaration


def _counts(rows: list[StagedRow]) -> dict[str, int]:
    return {"hires": sum(1 for row in rows if row.change == "hire"),
            "leavers": sum(1 for row in rows if row.change == "leave"),
            "contributors": sum(1 for row in rows if row.change in ("hire", "stay"))}


@dataclass(frozen=True)
class _Key:
    pk: int


def _insert(model: Any, names: list[str], values: list[tuple[Any, ...]], keys: Any) -> list[int]:
    """Insert rows (column names, tuples) in bulk (`core.bulk.copy_rows`: COPY on PostgreSQL) and
    return the new keys (`keys()` reads them back). Model instances cost more than the insert itself
    at 100,000 rows."""
    copy_rows(model._meta.db_table, names, values)
    return list(keys())


def _rows_write(declaration: Declaration, rows: list[StagedRow]) -> None:
    """The staging rows, in bulk (COPY on PostgreSQL), the ID number encrypted as the field would."""
    names = ["declaration_id", "line_no", "id_number", "name", "change", "base_fen", "person_id", "errors"]
    # encrypt_many: the same Fernet tokens as the field's encrypt, a chunk at a time (a third of
    # the time of one Fernet call per row); an empty number stays empty as the field keeps it.
    # (a value already a token is kept, as `crypto.encrypt` keeps it).
    plain = [row.id_number for row in rows if row.id_number and not crypto.is_token(row.id_number)]
    tokens = iter(crypto.encrypt_many(plain) if plain else [])

    def stored(number: str) -> str:
        return next(tokens) if number and not crypto.is_token(number) else number

    _insert(DeclarationRow, names, [
        (declaration.pk, row.line_no, stored(row.id_number), row.name, row.change, row.base_fen, row.person_id,
         json.dumps(row.errors, ensure_ascii=False)) for row in rows], list)


class CommitRefused(ValidationError):
    """The declaration still has rows with errors (they are stored on its rows): nothing committed."""

    def __init__(self, declaration: Declaration) -> None:
        self.declaration = declaration
        super().__init__(f"月报有{declaration.error_rows}行错误，未提交任何数据；请改正后重新上传")


def declaration_commit(*, declaration: Declaration, actor: Any) -> Declaration:
    """Commit a staged declaration all or nothing: spells, contributions and the month's dues.

    A declaration staged with row errors is refused (`CommitRefused`) as it stands. Otherwise the
    checks run again under lock; if any row now has an error, the errors are stored on the rows
    and `CommitRefused` (a ValidationError) is raised: nothing else is written. Permission
    `declaration.commit` in the employer's district. Returns the committed declaration (its
    `amount_fen` is the month's dues after relief).
    """
    employer = declaration.employer
    _require(actor, "declaration.commit", employer)
    with transaction.atomic():
        Employer.objects.select_for_update().filter(pk=employer.pk).first()  # one commit per employer at a time
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.status != Declaration.Status.STAGED:
            raise ValidationError(f"月报{declaration.get_status_display()}，不能提交")
        problems = month_problems(employer=employer, month=declaration.month)
        if problems:
            raise ValidationError(problems)
        if declaration.error_rows:
            # Errors found on upload stand until a corrected file is uploaded: some come from the file's
            # own cells (a control character, an amount that is no amount), which the stored rows no
            # longer show and a re-check could not find again.
            raise CommitRefused(declaration)
        rows = _rows_of(declaration)
        rows_check(employer=employer, month=declaration.month, rows=rows, matched=True)
        bad = [row for row in rows if row.errors]
        if not bad:
            return _commit(declaration, rows, actor=actor)
        before = snapshot(declaration)
        declaration.error_rows = len(bad)
        declaration.save(update_fields=["error_rows"])
        by_line = {row.line_no: row.errors for row in rows}
        objs = list(declaration.lines.all())
        for o in objs:
            o.errors = by_line.get(o.line_no, [])
        DeclarationRow.objects.bulk_update(objs, ["errors"], batch_size=2000)
        audit_update(actor=actor, instance=declaration, before=before, reason="提交月报时重新检查，发现错误，未提交")
    raise CommitRefused(declaration)


def _commit(declaration: Declaration, rows: list[StagedRow], *, actor: Any) -> Declaration:
    employer, month = declaration.employer, declaration.month
    reason = f"{employer.name}{month}月报#{declaration.pk}"
    hires = [EmploymentSpell(person_id=row.person_id, employer=employer, from_month=month)
             for row in rows if row.change == "hire"]
    EmploymentSpell.objects.bulk_create(hires, batch_size=2000)
    audit_bulk_create(actor=actor, model=EmploymentSpell, objs=hires, reason=f"{reason}增员")
    leaver_ids = [row.person_id for row in rows if row.change == "leave"]
    ended = []
    for part in _among(EmploymentSpell.objects.filter(employer=employer, to_month=""), "person", leaver_ids):
        ended += list(part.select_related("employer__district"))
    audited_update_all(actor=actor, objs=ended, values={"to_month": month_add(month, -1)}, reason=f"{reason}减员")

    paying = [row for row in rows if row.change in ("hire", "stay")]
    shares = contribution_shares(contribution_rates(month=month), [row.base_fen for row in paying],
                                 np.full(len(paying), employer.industry_class, dtype=np.int64))
    pension, medical = shares["bases"]
    clipped = {"pension": pension, "unemployment": pension, "medical": medical, "maternity": medical,
               "work_injury": pension}
    cols = {f"{k}_base_fen": clipped[k].tolist() for k in INSURANCES}
    cols |= {f"{k}_employer_fen": shares[k][0].tolist() for k in INSURANCES}
    cols |= {f"{k}_personal_fen": shares[k][1].tolist() for k in ("pension", "unemployment", "medical")}
    names = ["person_id", "employer_id", "month", *cols]
    values = [(row.person_id, employer.pk, month, *(v[i] for v in cols.values())) for i, row in enumerate(paying)]
    pks = _insert(Contribution, names, values,
                  lambda: Contribution.objects.filter(employer=employer, month=month).values_list("pk", flat=True))
    audit_bulk_create(actor=actor, model=Contribution, objs=[_Key(pk) for pk in pks], reason=reason)
    # The month's dues by the one set-based build every month's dues come from (relief, ledger entry,
    # credit applied), run as the declaration's own system step: the clerk commits, the system assesses.
    built = dues_build(months=[month], employer_ids=[employer.pk], actor=DUES_JOB)

    before = snapshot(declaration)
    declaration.status = Declaration.Status.COMMITTED
    declaration.committed_by_label = actor_label(actor)
    declaration.committed_at = clock.now()
    declaration.amount_fen = built.amount_fen
    declaration.error_rows = 0
    declaration.save(update_fields=["status", "committed_by_label", "committed_at", "amount_fen", "error_rows"])
    audit_update(actor=actor, instance=declaration, before=before,
                 reason=f"提交月报：增员{declaration.hires}人，减员{declaration.leavers}人，"
                        f"缴费{declaration.contributors}人，应缴{format_yuan(built.amount_fen)}元")
    return declaration


@transaction.atomic
def declaration_discard(*, declaration: Declaration, actor: Any) -> Declaration:
    """Discard a staged declaration (its rows are kept with it, marked 已作废). Permission
    `declaration.stage` in the employer's district (whoever may upload may withdraw an upload)."""
    _require(actor, "declaration.stage", declaration.employer)
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != Declaration.Status.STAGED:
        raise ValidationError(f"月报{declaration.get_status_display()}，不能作废")
    before = snapshot(declaration)
    declaration.status = Declaration.Status.DISCARDED
    declaration.save(update_fields=["status"])
    audit_update(actor=actor, instance=declaration, before=before, reason="作废未提交的月报")
    return declaration
