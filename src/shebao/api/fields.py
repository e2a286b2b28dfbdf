"""The API's input fields, declared once: what people type is normalised, then checked against what
the database holds (`shebao.core.normalize`, `shebao.core.inputs`).

* `MonthField`: ``2019/1``, ``２０１９－０８``, ``2019年8月`` read as ``YYYY-MM`` as at the front desk;
* `BusinessDateField` / `BusinessDateTimeField`: a date within the plausible business range
  (`core.inputs.business_date_range`), never 0001-01-01 or 9999-12-31;
* `IdField`: a record id 1 .. 2⁶³-1;
* `StrictSerializer`: the base of every request body (unknown keys, floats for integers and anything
  but JSON true/false for a yes/no refused), `StrictBooleanField`: a yes/no that confirms an action;
* `model_text`: a CharField whose ``max_length`` is the model column's.

DRF's CharField already refuses NUL and lone surrogates; the JSON parser (`api.parsers`) refuses
them anywhere in a body, keys and free-form objects included.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from shebao.core import inputs
from shebao.core.normalize import normalize_month


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2020-01",
                      "description": "月份“年-月”（也接受2020/1、2020年1月、全角数字）"})
class MonthField(serializers.CharField):
    """A month as typed, normalised (`core.normalize.normalize_month`) to ``YYYY-MM`` and checked by
    the rules' own parser (`rules.dates.month_index`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        from shebao.rules.dates import InputError, month_index

        text = normalize_month(super().to_internal_value(data))
        try:
            month_index(text, self.field_name or "month")
        except InputError as e:
            raise serializers.ValidationError(e.zh or str(e), code="invalid_month") from None
        return text


def _range_help() -> str:
    return (f"不早于{inputs.BUSINESS_DATE_FROM.isoformat()}，不晚于业务日期后{inputs.BUSINESS_YEARS_AHEAD}年")


def _check(value: dt.date | dt.datetime, label: str) -> None:
    try:
        inputs.check_business_date(value, label=label)
    except DjangoValidationError as e:
        raise serializers.ValidationError(e.messages[0], code="implausible_date") from None


class CalendarDateField(serializers.DateField):
    """A date ``YYYY-MM-DD`` (full-width digits read: ２０２０-02-01 is 2020-02-01, review-input14 6); a day
    the calendar does not have (2020-02-30) is said not to exist, not called a format error (review-input12
    F16: `core.inputs.date_text_problem`). Its range is the service's to judge (an epidemic's lifted date:
    `cases.services.lift_date_refusal`, 422)."""

    def to_internal_value(self, value: Any) -> dt.date:
        if isinstance(value, str):
            from shebao.core.normalize import normalize_date_text

            value = normalize_date_text(value)
            if why := inputs.date_text_problem(value):
                raise serializers.ValidationError(why, code="no_such_day" if "不存在" in why else "invalid")
        return super().to_internal_value(value)


@extend_schema_field({"type": "string", "format": "date", "description": "日期（" + _range_help() + "）"})
class BusinessDateField(CalendarDateField):
    """A business date within the plausible range (`core.inputs.business_date_problem`), read as
    `CalendarDateField` reads it."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        _check(day, "日期")
        return day


@extend_schema_field({"type": "string", "format": "date-time", "description": "时间（" + _range_help() + "）"})
class BusinessDateTimeField(serializers.DateTimeField):
    """A business moment within the plausible range (`core.inputs.business_date_problem`)."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str):
            # Python reads years 1..9999; a moment near either end overflows the time zone's
            # arithmetic, so the day is judged before DRF makes it aware.
            try:
                day = dt.date.fromisoformat(value[:10])
            except ValueError:
                day = None
            if day is not None:
                _check(day, "时间")
        moment = super().to_internal_value(value)
        _check(moment, "时间")
        return moment


class IdField(serializers.IntegerField):
    """A record's id: an integer 1 .. 2⁶³-1 (a 64-bit column); beyond it 400, never an overflow. A JSON
    integer, or from a form a string of ASCII digits alone: DRF's IntegerField read "3010.0", "４８" and
    " 48 " as ids (review F5), each now 400 at the field, said why (`core.inputs.id_problem`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", inputs.ID_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and (problem := inputs.id_problem(data)):
            raise serializers.ValidationError(f"编号“{_shown(data)}”无效：{problem}", code="invalid_id")
        return super().to_internal_value(data)


def model_text(model: type, field: str, **kwargs: Any) -> serializers.CharField:
    """A CharField as long as the model's column ``model.field`` (TextFields: unbounded unless
    ``max_length`` is given)."""
    column = model._meta.get_field(field)  # type: ignore[attr-defined]
    if column.max_length is not None:
        kwargs.setdefault("max_length", column.max_length)
    return serializers.CharField(**kwargs)


NOT_AN_INTEGER = "应为整数（JSON数字，不带小数点），不接受小数、true/false"
NOT_DIGITS = "应为整数：“{shown}”{why}"
NOT_A_JSON_INTEGER = "应为JSON整数（不加引号，如141），不接受文字“{shown}”"
NOT_UTF8 = "第{at}位起的内容不是有效的UTF-8编码文字（无法识别的字符），请以UTF-8编码重新提交"
NOT_A_BOOLEAN = "应为JSON的true或false，不接受文字“{shown}”、数字或其他值"


def _shown(value: Any) -> str:
    from shebao.core.masking import mask_text

    return mask_text(str(value)[:20])


@extend_schema_field({"type": "boolean"})
class StrictBooleanField(serializers.BooleanField):
    """A yes/no that confirms or decides an action: JSON ``true`` or ``false`` only. DRF's BooleanField
    also takes ``"true"``, ``"1"``, ``1`` and ``"on"`` (review-input9 F5: ``{"confirm": "true"}`` and
    ``{"confirm": 1}`` ran the 补减免, which moves money); here anything else is 400 at the field."""

    def to_internal_value(self, data: Any) -> bool:
        if data is True or data is False:
            return data
        raise serializers.ValidationError(NOT_A_BOOLEAN.format(shown=_shown(data)), code="not_a_boolean")


# How many unknown keys of one object a refusal names (the rest are counted).
UNKNOWN_LISTED = 20


class StrictSerializer(serializers.Serializer):
    """The API's one base of an input body (every request body is one, nested objects included;
    tests/api/test_strict_input.py walks the API to hold it so):

    * a key the serializer does not declare is refused, named in Chinese with the keys it takes
      (review-input9 F4: ``"dry_run": true`` sent to the merge was ignored and the merge done);
    * an integer field (an id, a version, an amount in fen) takes a JSON integer, or a string of
      ASCII digits alone from a form, never a float (``2007.0`` was read as 2007) nor ``true``/``false``,
      nor ``"3010.0"``, ``"４８"`` or ``" 48 "`` (review F5);
    * a yes/no field takes JSON ``true``/``false`` only (`StrictBooleanField`), whatever its class;
    * a form's text whose bytes were no UTF-8 (decoded by Django as U+FFFD) is refused at its field.

    Every fault is answered at once, with the declared fields' own errors: 400 problem details with an
    entry per key."""

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, list[serializers.ErrorDetail]] = {}
        if isinstance(data, dict) or hasattr(data, "getlist"):  # a JSON object, or a form's QueryDict
            # The first UNKNOWN_LISTED unknown keys are named, the keys taken said once, the rest counted:
            # each of 200,000 unknown keys repeated the whole list (6 MB, 35 s: review-input12 F7).
            unknown = sorted(str(k) for k in data if k not in self.fields)
            for i, key in enumerate(unknown[:UNKNOWN_LISTED]):
                taken = f"，可填：{'、'.join(self.fields)}" if i == 0 else ""
                errors[key[:40]] = [serializers.ErrorDetail(f"不认识的项目“{_shown(key[:40])}”{taken}",
                                                            code="unknown_field")]
            if len(unknown) > UNKNOWN_LISTED:
                errors[api_settings.NON_FIELD_ERRORS_KEY] = [serializers.ErrorDetail(
                    f"另有{len(unknown) - UNKNOWN_LISTED}个不认识的项目未逐一列出", code="unknown_field")]
            for name, field in self.fields.items():
                if name not in data or field.read_only:
                    continue
                value = data[name]
                if isinstance(field, serializers.IntegerField) and isinstance(value, bool | float):
                    errors[name] = [serializers.ErrorDetail(NOT_AN_INTEGER, code="not_an_integer")]
                elif (isinstance(field, serializers.IntegerField) and isinstance(value, str)
                      and not hasattr(data, "getlist")):
                    # JSON has numbers: "141" for an id is a client's fault that a form's text is not
                    # (review-input12 F11: "person": "141" was taken as person 141)
                    errors[name] = [serializers.ErrorDetail(NOT_A_JSON_INTEGER.format(shown=_shown(value)),
                                                            code="not_an_integer")]
                elif (isinstance(field, serializers.IntegerField) and isinstance(value, str)
                      and (why := inputs.digits_problem(value.removeprefix("-")))):
                    # a form's "3010.0", "４８" or " 48 ": DRF reads each as a number (review F5)
                    errors[name] = [serializers.ErrorDetail(NOT_DIGITS.format(shown=_shown(value), why=why),
                                                            code="not_an_integer")]
                elif hasattr(data, "getlist") and isinstance(value, str) and "\ufffd" in value:
                    # A form's bytes that were no UTF-8: Django decodes them as U+FFFD, which would be
                    # stored as garbage and quoted back as “���” (review-input11 F2).
                    errors[name] = [serializers.ErrorDetail(NOT_UTF8.format(at=value.index("\ufffd") + 1),
                                                            code="not_utf8")]
                elif (isinstance(field, serializers.BooleanField) and not isinstance(field, StrictBooleanField)
                      and not isinstance(value, bool)):
                    errors[name] = [serializers.ErrorDetail(NOT_A_BOOLEAN.format(shown=_shown(value)),
                                                            code="not_a_boolean")]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as e:
            if errors and isinstance(e.detail, dict):
                raise serializers.ValidationError({**e.detail, **errors}) from None
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


PERSON_FACT_TYPES: dict[str, tuple[type, ...]] = {
    "gender": (str,), "birth_date": (str,), "cadre": (bool,), "account_type": (str,),
    "beijing_pension_months": (int,), "category": (str,),
}


def person_facts_clean(data: Any) -> dict[str, Any]:
    """Facts of a person not (yet) in the registry (1.4) in their declared shape: only the keys
    the rules read (`core.inputs.PERSON_FACT_KEYS`), each a plain JSON scalar (text at most 40
    characters, without control characters); ValidationError by key otherwise. The rules check the
    values themselves (enums, dates) with their own Chinese messages."""
    if not isinstance(data, dict):
        raise serializers.ValidationError("参保人员信息应为对象", code="invalid")
    errors: dict[str, str] = {}
    unknown = 0
    for key, value in data.items():
        if key not in inputs.PERSON_FACT_KEYS:
            unknown += 1  # named up to UNKNOWN_LISTED, the keys taken said once (review-input12 F7)
            if unknown <= UNKNOWN_LISTED:
                taken = f"，可填：{'、'.join(sorted(inputs.PERSON_FACT_KEYS))}" if unknown == 1 else ""
                errors[str(key)[:40]] = f"不认识的参保人员信息“{str(key)[:40]}”{taken}"
        elif value is None or isinstance(value, float | list | dict):
            errors[key] = "应为文字、整数或是/否"
        elif isinstance(value, str):
            problem = inputs.text_problem(value) or ("不能超过40个字符" if len(value) > 40 else "")
            if problem:
                errors[key] = problem
        elif isinstance(value, int) and not isinstance(value, bool) and not -inputs.INT_MAX <= value <= inputs.INT_MAX:
            errors[key] = "数值超出允许范围"
    if unknown > UNKNOWN_LISTED:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = f"另有{unknown - UNKNOWN_LISTED}个不认识的参保人员信息未逐一列出"
    if errors:
        raise serializers.ValidationError(errors, code="invalid")
    return dict(data)


@extend_schema_field({"type": "object", "additionalProperties": False, "description": "未登记人员的信息（1.4）",
                      "properties": {
                          "gender": {"type": "string", "enum": ["male", "female"]},
                          "birth_date": {"type": "string", "format": "date"},
                          "cadre": {"type": "boolean"},
                          "account_type": {"type": "string", "maxLength": 40},
                          "beijing_pension_months": {"type": "integer", "minimum": 0, "maximum": 1200},
                          "category": {"type": "string", "maxLength": 40}}})
class PersonFactsField(serializers.Field):
    """`person_facts_clean` as a DRF field."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        return person_facts_clean(data)

    def to_representation(self, value: Any) -> Any:
        return value
