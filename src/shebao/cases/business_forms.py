"""Forms and API schemas built from each business's definition (rules/businesses/<code>.yaml).

The front desk renders `form_fields(code)` and reads the clerk's input with `details_from_post`; the
API documents `details` with `details_openapi_schema()` and takes the same JSON. Both end in
`rules.business_fields.details_validate` (through `services.details_check`), so one definition
gives one validation whichever way an application arrives.

At the desk money is typed in yuan (1234.50) and becomes fen; a list of rows (``lines``) is typed
one row per line, its columns separated by commas (``110105…,8000``); a change (``changes``) is
the chosen items with a new value each (``new_<item>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from shebao.core.masking import (
    invisible_problem,
    mask_address,
    mask_bank_account,
    mask_email,
    mask_id_number,
    mask_phone,
    mask_tail,
    mask_text,
)
from shebao.core.money import format_yuan
from shebao.rules.business_fields import (
    CHANGE_CHOICES,
    FieldError,
    FieldSpec,
    Validated,
    definition,
    definitions,
    details_validate,
    json_schema,
    parse_yuan,
)
from shebao.rules.catalog import label, labels


@dataclass(frozen=True)
class DeskField:
    """One input of the front desk's form for a business: what the template draws."""

    spec: FieldSpec
    name: str  # the input's name
    widget: str  # text, select, checkboxes, textarea, month, period, date, changes
    value: Any  # what the clerk typed, to show again
    hint: str
    options: tuple[tuple[str, str], ...] | None = None  # the records to pick from (widget "picks")

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def choices(self) -> list[tuple[str, str]]:
        return list(self.options) if self.options is not None else self.spec.choices()


# The value a choice starts at when its form is first drawn (the input not yet in the data): the type of
# ID document is a resident ID card for nearly everyone who registers, and an 18-digit number that
# passes GB 11643 was refused with 请选择证件类型 (review-user5 F7). Once the input was posted, even
# left at 请选择, what the clerk chose stands.
FIRST_DRAWN = {"id_type": "citizen_id"}

_WIDGETS = {"choice": "select", "choices": "checkboxes", "lines": "textarea", "months": "textarea", "ids": "text",
            "period": "period", "date": "date", "month": "month", "changes": "changes"}


def _hint(spec: FieldSpec) -> str:
    if spec.type == "fen":
        return "单位：元，可含两位小数"
    if spec.type == "lines":
        cols = "、".join(i.label + ("（元）" if i.type == "fen" else "") for i in spec.items)
        return f"每行一条，依次填写{cols}，以逗号分隔"
    if spec.type == "months":
        return "每行或以逗号分隔一个月份，如2020-01"
    if spec.type == "ids":  # the definition's help says where the numbers are shown
        return spec.help or "多个编号以逗号分隔"
    return spec.help


def shown_data(data: QueryDict) -> QueryDict:
    """The posted inputs as a page draws them again after a refusal (`core.masking.shown_data`, the one
    rule of every form): every value less the characters no one can see, which the error beside the
    input names by position and code point instead. Used for every input of the business forms
    (portal and front desk) and the front desk's own boxes."""
    from shebao.core.masking import shown_data as shown

    return shown(data)


def form_fields(code: str, data: QueryDict | None = None, *,
                picks: dict[str, list[tuple[str, str]]] | None = None, part: str = "applicant") -> list[DeskField]:
    """The inputs the front desk asks for this business, in the definition's order.

    ``picks``: for a field of record numbers (``ids``), the records the applicant may name, as
    ``(number, label)``: drawn as boxes to tick instead of numbers to type (the portal's refund
    offers the employer's own paid dues, so it never types a number it cannot see). The values are
    drawn without the characters no one can see (`shown_data`)."""
    data = shown_data(data) if data is not None else QueryDict()
    picks = picks or {}
    out = []
    d = definition(code)
    for spec in (d.agency_fields if part == "agency" else d.applicant_fields):
        if spec.type == "ids" and spec.name in picks:
            chosen = [p.strip() for v in data.getlist(spec.name) for p in v.replace("，", ",").split(",")]
            out.append(DeskField(spec=spec, name=spec.name, widget="picks", value=[c for c in chosen if c],
                                 hint="", options=tuple((str(k), str(v)) for k, v in picks[spec.name])))
            continue
        if spec.type == "period":
            value: Any = {"from": data.get(f"{spec.name}_from", ""), "to": data.get(f"{spec.name}_to", "")}
        elif spec.type in ("choices",):
            value = data.getlist(spec.name)
        elif spec.type == "changes":
            names = dict(spec.choices())
            chosen = [f for f in data.getlist("fields") if f in names]
            # The new values typed so far, by input name (new_<item>), kept on every re-render: the
            # portal draws one input per item and fills it from here (a value typed is never cleared).
            typed = {f"new_{f}": data.get(f"new_{f}", "") for f in names}
            # ``rows``: the chosen items (the desk draws their inputs once chosen); ``items``: every item,
            # each with the input its value takes (the portal draws them all, one page without script).
            value = {"chosen": chosen, "rows": [change_row(f, names[f], data.get(f"new_{f}", "")) for f in chosen],
                     "items": [change_row(f, zh, data.get(f"new_{f}", ""), chosen=f in chosen)
                               for f, zh in names.items()],
                     **typed}
        elif spec.type == "choice" and spec.name not in data and spec.enum in FIRST_DRAWN:
            value = FIRST_DRAWN[spec.enum]
        else:
            value = data.get(spec.name, "")
        out.append(DeskField(spec=spec, name=spec.name, widget=_WIDGETS.get(spec.type, "text"), value=value,
                             hint=_hint(spec)))
    return out


@dataclass(frozen=True)
class ChangeRow:
    """One chosen field of a change of data (1.3a) and the input its new value takes."""

    field: str
    label: str
    input: str  # select, date, month, text
    choices: list[tuple[str, str]]
    value: str
    chosen: bool = False  # ticked for the change (the portal draws every item, ticked or not)

    @property
    def error_key(self) -> str:
        """The key of this item's error in a page's errors (`error_input`): ``changes.<field>``."""
        return f"changes.{self.field}"


def change_row(person_field: str, zh: str, typed: str, *, chosen: bool = False) -> ChangeRow:
    """The input of one field chosen for a change: a list to choose from, with the Chinese names,
    where the value is one of a few (gender, household type, contributor category, cadre status:
    review-user6 F2, the portal took them as codes typed into text boxes), a date picker for a date,
    a month, else text."""
    if person_field in CHANGE_CHOICES:
        return ChangeRow(person_field, zh, "select", list(CHANGE_CHOICES[person_field].items()), typed, chosen)
    if person_field == "gender":
        return ChangeRow(person_field, zh, "select", FieldSpec("gender", "choice", zh, enum="gender").choices(),
                         typed, chosen)
    if person_field == "birth_date":
        return ChangeRow(person_field, zh, "date", [], typed, chosen)
    if person_field == "employment_start":
        return ChangeRow(person_field, zh, "month", [], typed, chosen)
    return ChangeRow(person_field, zh, "text", [], typed, chosen)


def error_input(path: str) -> str:
    """The input a refusal's field path belongs to, as the pages key their errors: a row of a list
    goes to its box (``details.lines.2.base_fen`` -> ``lines``), one item of a change of data to that
    item's own input (``details.changes.gender`` -> ``changes.gender``: review-user6 F6, one wrong
    value marked all nineteen inputs), anything else to its field (``details.amount_fen`` ->
    ``amount_fen``, ``person`` -> ``person``). Used by the front desk and both portal forms."""
    parts = path.split(".")
    if parts[0] == "details" and len(parts) > 1:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "changes":
        return f"changes.{parts[1]}"
    return parts[0]


def error_field(key: str) -> str:
    """The business field an error key (`error_input`) belongs to: ``changes.gender`` -> ``changes``."""
    return key.split(".", 1)[0]


class DeskInputError(ValueError):
    """Inputs of a form that cannot even be read. `errors`: every such input as ``(field, reason)``
    (`field`, `zh`: the first); `partial`: the content read from all the other inputs, so that each
    of them is still judged on its own (review-input6 F8: one unreadable base hid every other field
    and the page said 缺少人员类别)."""

    def __init__(self, field: str, zh: str, *, errors: list[tuple[str, str]] | None = None,
                 partial: dict[str, Any] | None = None) -> None:
        super().__init__(zh)
        self.field, self.zh = field, zh
        self.errors = list(errors or [(field, zh)])
        self.partial = dict(partial or {})


def _desk_value(spec: FieldSpec, raw: str, where: str, label: str = "") -> Any:
    raw = raw.strip()
    if spec.type == "fen" and raw:
        if problem := invisible_problem(raw, label or spec.label):  # named, not "应为金额"
            raise DeskInputError(where, problem)
        try:
            return parse_yuan(raw)
        except ValueError:
            raise DeskInputError(where, f"{spec.label}应为金额（元），如1234.50") from None
    return raw


def details_from_post(code: str, data: QueryDict, *, part: str = "applicant") -> dict[str, Any]:
    """The JSON content of an application from the front desk's inputs (not yet validated: the
    definition's validation and the registry checks follow in `services.details_check`). Raises
    DeskInputError for what cannot even be read (an amount that is not yuan, a row's column count),
    after reading every input: it names each unreadable one and carries what the others gave."""
    out: dict[str, Any] = {}
    unreadable: list[tuple[str, str]] = []
    d = definition(code)
    for spec in (d.agency_fields if part == "agency" else d.applicant_fields):
        try:
            _read_input(spec, data, out)
        except DeskInputError as e:
            unreadable.append((e.field, e.zh))
    if unreadable:
        raise DeskInputError(*unreadable[0], errors=unreadable, partial=out)
    return out


def desk_read(code: str, data: QueryDict, *, today: Any) -> Validated:
    """A form's content, read (`details_from_post`) and validated (`details_validate`, the check of
    every road) in one: every field at fault gets its own reason, an unreadable one its own (not a
    "请填写" for the value it lost); ``details`` holds the fields that passed, so the rules' decision
    shows on them (their facts, `facts_from_details`)."""
    try:
        raw, unreadable = details_from_post(code, data), []
    except DeskInputError as e:
        raw, unreadable = e.partial, e.errors
    checked = details_validate(code, raw, today=today)
    lost = {f for f, _ in unreadable}
    errors = [FieldError(f, zh) for f, zh in unreadable]
    errors += [err for err in checked.errors if err.field.split(".")[0] not in lost]
    return Validated(checked.details, tuple(errors))


def desk_checks(code: str, checked: Validated, *, employer: Any, person: Any, applied_on: Any) -> list[FieldError]:
    """The registry checks (`cases.checks`) that still answer a form whose fields `checked` (`desk_read`)
    has some at fault: those that do not depend on them, so the page names every fault in one round
    (review-user13 (6)). Each error's field is ``details.<field>`` or the applicant (``person``)."""
    if checked.ok:
        return []  # the submission's own check (`services.details_check`) runs them all
    from shebao.cases.checks import CheckContext, checks_run

    return checks_run(CheckContext(business=code, employer=employer, person=person, details=checked.details,
                                   applied_on=applied_on), failed={e.field.split(".")[0] for e in checked.errors})


def _read_input(spec: FieldSpec, data: QueryDict, out: dict[str, Any]) -> None:
    """One input of the form into `out` (nothing when left empty); DeskInputError if unreadable."""
    if spec.type == "period":
        start, end = data.get(f"{spec.name}_from", "").strip(), data.get(f"{spec.name}_to", "").strip()
        if start or end:
            out[spec.name] = {"from": start, "to": end}
    elif spec.type == "choices":
        if data.getlist(spec.name):
            out[spec.name] = data.getlist(spec.name)
    elif spec.type == "changes":
        chosen = [f for f in data.getlist("fields") if f]
        if chosen:
            out[spec.name] = {f: data.get(f"new_{f}", "").strip() for f in chosen}
    elif spec.type in ("months", "ids"):
        # Typed (one box, commas or lines) or ticked (one value per box): read alike.
        typed = ",".join(data.getlist(spec.name))
        parts = [p.strip() for p in typed.replace("，", ",").replace("\n", ",").split(",")]
        if any(parts):
            out[spec.name] = [p for p in parts if p]
    elif spec.type == "lines":
        rows = []
        for n, line in enumerate(data.get(spec.name, "").splitlines(), start=1):
            if not line.strip():
                continue
            cells = [c.strip() for c in line.replace("，", ",").replace("\t", ",").split(",")]
            if len(cells) != len(spec.items):
                raise DeskInputError(spec.name, f"{spec.label}第{n}行应有{len(spec.items)}列"
                                                f"（{'、'.join(i.label for i in spec.items)}），现有{len(cells)}列")
            rows.append({item.name: _desk_value(item, cell, spec.name, f"{spec.label}第{n}行{item.label}")
                         for item, cell in zip(spec.items, cells, strict=True)})
        if rows:
            out[spec.name] = rows
    else:
        raw = data.get(spec.name, "")
        if raw.strip():
            out[spec.name] = _desk_value(spec, raw, spec.name)


def _shown(spec: FieldSpec, value: Any) -> str:
    if spec.type == "fen":
        return f"{format_yuan(value)}元"
    if spec.type == "bank_account":
        return mask_bank_account(value)
    if spec.type == "id_number":
        return mask_id_number(value)
    if spec.type == "mobile":
        return mask_phone(value)
    if spec.type == "choice":
        return label(spec.enum, value) if spec.enum else str(value)
    if spec.type == "choices":
        return "、".join(label(spec.enum, v) for v in value) if spec.enum else str(value)
    if spec.type == "period":
        return f"{value['from']}至{value['to']}"
    if spec.type in ("months", "ids"):
        return "、".join(str(v) for v in value)
    if spec.type == "lines":
        return "；".join("，".join(_shown(i, row.get(i.name)) for i in spec.items if i.name in row) for row in value)
    if spec.type == "changes":
        names = labels(spec.enum) if spec.enum else {}
        return "；".join(f"{names.get(k, k)}改为{_change_shown(k, v)}" for k, v in value.items())
    return str(value)


# How a change of a person's data shows each personal item (pages, the API, exports): numbers masked as
# everywhere, and the contact items too (review-input7 F4: a landline, an e-mail, an address and an
# emergency contact's mobile and ID number were shown whole to the hall manager and the leader). Any other
# free text goes through mask_text, which masks whatever personal number it holds.
CHANGE_MASKS = {"bank_account": mask_bank_account, "id_number": mask_id_number, "mobile": mask_phone,
                "phone": mask_tail, "email": mask_email, "address": mask_address, "emergency_contact": mask_text}


def change_items_masked(code: str, details: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The items of a change of a person's data (1.3a) that its pages show masked: (item, Chinese name,
    full value as a page shows it), in the application's order. What the handling clerk may reveal, the
    read recorded (`cases.services.case_change_reveal`; review-user11 F6: a new address could not be read
    by the clerk deciding on it)."""
    out = []
    for spec in definition(code).fields:
        if spec.type != "changes" or not isinstance(details.get(spec.name), dict):
            continue
        names = labels(spec.enum) if spec.enum else {}
        for item, value in details[spec.name].items():
            full = CHANGE_CHOICES[item].get(str(value), str(value)) if item in CHANGE_CHOICES else str(value)
            if _change_shown(item, value) != full:
                out.append((item, names.get(item, item), full))
    return out


def _change_masked(person_field: str, value: Any) -> Any:
    """One item of a change as the API shows it: a personal item masked, a code kept as the code."""
    if person_field in CHANGE_MASKS:
        return CHANGE_MASKS[person_field](value)
    return mask_text(value) if isinstance(value, str) and person_field not in CHANGE_CHOICES else value


def person_item_shown(person_field: str, value: Any) -> str:
    """One item of a person's registered data (a ``person_field`` of the catalog, 1.3a) as a page shows
    it: a listed value by its Chinese name (education ``20`` -> 大学本科教育), a personal item masked
    (CHANGE_MASKS), anything else as text. The person page's other items and change history read it."""
    if value is None or value == "":
        return "—"
    return _change_shown(person_field, value)


def _change_shown(person_field: str, value: Any) -> str:
    if person_field in CHANGE_CHOICES:
        return CHANGE_CHOICES[person_field].get(str(value), str(value))
    return str(_change_masked(person_field, value))


def details_display(code: str, details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value as shown) of an application's content, personal numbers masked. A refund's dues
    are named by what they are, month, insurance and amount with the number (review-user10 F4: the
    case read 所退费款 12; `collection.selectors.due_descriptions`, one query), each on its own line."""
    out = []
    for spec in definition(code).fields:
        if spec.name not in details:
            continue
        value = details[spec.name]
        if spec.type == "ids" and spec.name == "dues" and isinstance(value, list):
            from shebao.collection.selectors import due_descriptions

            named = due_descriptions(value)
            out.append((spec.label, "；".join(named.get(int(v)) if str(v).isdigit() and int(v) in named
                                             else f"编号{v}" for v in value)))
            continue
        out.append((spec.label, _shown(spec, value)))
    return out


def details_masked(code: str, details: dict[str, Any]) -> dict[str, Any]:
    """The content as the API shows it: bank accounts, ID and mobile numbers masked (1.2c: a refund's
    account is read in full only by the bank file)."""
    out = dict(details)
    for spec in definition(code).fields:
        if spec.name not in out:
            continue
        if spec.type == "bank_account":
            out[spec.name] = mask_bank_account(out[spec.name])
        elif spec.type == "id_number":
            out[spec.name] = mask_id_number(out[spec.name])
        elif spec.type == "mobile":
            out[spec.name] = mask_phone(out[spec.name])
        elif spec.type == "lines":
            out[spec.name] = [{k: (mask_id_number(v) if k == "id_number" else v) for k, v in row.items()}
                              for row in out[spec.name]]
        elif spec.type == "changes":
            out[spec.name] = {k: _change_masked(k, v) for k, v in out[spec.name].items()}
    return out


def details_openapi_schema() -> dict[str, Any]:
    """The OpenAPI schema of `details`: one object per business that carries content."""
    variants = []
    for code, d in definitions().items():
        if d.applicant_fields:
            schema = json_schema(code)
            schema["description"] = f"business={code}：{d.zh}"
            variants.append(schema)
    return {"oneOf": variants, "description": "业务所需内容，字段由业务定义（rules/businesses/<业务>.yaml）给出；"
                                              "金额为整数分，月份为YYYY-MM"}


# The types of field whose stored value a correction form does not draw back into its input: a bank
# account, an ID number, a mobile (shown masked everywhere else on the page; the full number is read
# only through the audited reveal). Left empty, the stored value stays (`details_kept`).
KEPT_TYPES = frozenset({"bank_account", "id_number", "mobile"})


def _kept(spec: FieldSpec) -> bool:
    """Whether a field's stored value is kept when its input is left empty (a personal number, or a
    list of rows with one in them)."""
    return spec.type in KEPT_TYPES or (spec.type == "lines" and any(i.type in KEPT_TYPES for i in spec.items))


def _typed_back(spec: FieldSpec, value: Any) -> str:
    """One stored value as the desk types it: money in yuan without separators (1234.50)."""
    if spec.type == "fen" and isinstance(value, int):
        return f"{value // 100}.{value % 100:02d}" if value >= 0 else f"-{format_yuan(-value).replace(',', '')}"
    return "" if value is None else str(value)


def details_prefill(code: str, details: dict[str, Any] | None) -> QueryDict:
    """The inputs of the business's form filled with an application's stored content, as the clerk
    would have typed it (`details_from_post` reads it back to the same content): money in yuan, a
    period as its two months, rows one per line, a change as the items ticked with their new values.
    A personal number (`KEPT_TYPES`: an account, an ID number, a mobile, rows holding one) is not
    drawn: its input stays empty and the stored value is kept unless another is typed."""
    data = QueryDict(mutable=True)
    details = details or {}
    for spec in definition(code).applicant_fields:
        value = details.get(spec.name)
        if value is None or _kept(spec):
            continue
        if spec.type == "period" and isinstance(value, dict):
            data[f"{spec.name}_from"], data[f"{spec.name}_to"] = str(value.get("from", "")), str(value.get("to", ""))
        elif spec.type == "choices" and isinstance(value, list):
            data.setlist(spec.name, [str(v) for v in value])
        elif spec.type == "changes" and isinstance(value, dict):
            data.setlist("fields", list(value))
            for item, new in value.items():
                if item not in CHANGE_MASKS:
                    data[f"new_{item}"] = "" if new is None else str(new)
        elif spec.type in ("months", "ids") and isinstance(value, list):
            data[spec.name] = ",".join(str(v) for v in value)
        elif spec.type == "lines" and isinstance(value, list):
            data[spec.name] = "\n".join(",".join(_typed_back(i, row.get(i.name)) for i in spec.items)
                                        for row in value if isinstance(row, dict))
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            data[spec.name] = _typed_back(spec, value)
    return data


def details_kept(code: str, read: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """A correction form's content (`details_from_post`) with the stored personal numbers kept where
    their input was left empty (`details_prefill` does not draw them): a field of `KEPT_TYPES` or
    rows holding one, and each new value of a change of a masked item (`CHANGE_MASKS`) still ticked."""
    out = dict(read)
    stored = stored or {}
    for spec in definition(code).applicant_fields:
        if spec.name not in stored:
            continue
        if _kept(spec) and spec.name not in out:
            out[spec.name] = stored[spec.name]
        elif spec.type == "changes" and isinstance(out.get(spec.name), dict) and isinstance(stored[spec.name], dict):
            out[spec.name] = {item: (stored[spec.name][item] if new == "" and item in CHANGE_MASKS
                                     and item in stored[spec.name] else new)
                              for item, new in out[spec.name].items()}
    return out


def kept_hints(code: str, details: dict[str, Any] | None) -> dict[str, str]:
    """{input name: hint} of the inputs a correction form leaves empty to keep what is stored: 已登记
    6222****3445，不更改请留空 (the value masked as the page shows it)."""
    details = details or {}
    hints = {}
    for spec in definition(code).applicant_fields:
        if spec.name in details and _kept(spec):
            hints[spec.name] = f"已登记{_shown(spec, details[spec.name])}，不更改请留空"
    return hints
