"""Model fields for personal numbers encrypted at rest (core.crypto): the value and its blind index.

    bank_account = EncryptedTextField("银行账号", max_length=32, blank=True)
    bank_account_hash = BlindIndexField(source="bank_account", kind="bank_account")

    Employer.objects.filter(bank_account_hash=blind_index(number, kind="bank_account"))

`max_length` is the plain value's (checked by forms and the model guard); the column holds the
token (text). An equality lookup on the encrypted column itself could never match (a token is
random), so it is refused with an error naming the blind index, except against "" (no value).

A column looked up everywhere (a person's ID number) names its index, and its equality and `in`
lookups then go to the index instead (the value hashed as `blind_index` does, normalised first):

    id_number = EncryptedTextField("证件号码", max_length=32, indexed_by="id_number_hash")
    id_number_hash = BlindIndexField(source="id_number", kind="id_number", unique=True)

    Person.objects.filter(id_number=number)          # WHERE id_number_hash = blind_index(number)
    Contribution.objects.filter(person__id_number__in=numbers)

Any other lookup (startswith, contains, a comparison with another column or a subquery) still
raises `FieldError`, so a search that cannot work on tokens fails in tests instead of finding nobody.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In, IsNull

from shebao.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token (core.crypto), read back as plain text.

    `indexed_by`: the name of the BlindIndexField of this value on the same model; when given,
    `exact` and `in` lookups on this field are answered by that index (see the module's docstring)."""

    def __init__(self, *args: Any, indexed_by: str = "", **kwargs: Any) -> None:
        self.indexed_by = indexed_by
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if self.indexed_by:
            kwargs["indexed_by"] = self.indexed_by
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if self.indexed_by and lookup_name in ("exact", "iexact"):
            return IndexedExact
        if self.indexed_by and lookup_name == "in":
            return IndexedIn
        if lookup_name == "exact":
            return EncryptedExact
        if lookup_name in ("isnull",):
            return IsNull
        if lookup_name == "in":
            return EncryptedIn
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted: look it up by its blind index "
                         f"({self.name}_hash and core.crypto.blind_index), not by `{lookup_name}`")


class EncryptedJSONField(EncryptedTextField):
    """JSON (a dict or a list) stored as ONE Fernet token of its JSON text, read back as the value.

    For a JSON column that holds personal numbers and is never looked inside in SQL (an application's
    content, `cases.Case.details`: accounts, ID numbers, mobiles). A value written before (plain JSON
    text, not a token) is read as it is. No lookup but `isnull` (a token compares with nothing)."""

    holds_json = True

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        text = crypto.decrypt(value)
        if text is None or not isinstance(text, str):
            return text
        return json.loads(text) if text else None

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not crypto.is_token(value):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or crypto.is_token(value):
            return value
        return crypto.encrypt(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, cls=DjangoJSONEncoder)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted JSON: it cannot be looked inside "
                         f"or compared in the database (`{lookup_name}`)")


def _refuse(field: Any, value: Any) -> None:
    if value not in ("", None):
        raise FieldError(f"{field.model.__name__}.{field.name} is encrypted: compare its blind index "
                         f"({field.name}_hash = core.crypto.blind_index(...)), a token never equals another")


class EncryptedExact(Exact):
    def get_prep_lookup(self) -> Any:
        _refuse(self.lhs.output_field, self.rhs)
        return super().get_prep_lookup()


class EncryptedIn(In):
    def get_prep_lookup(self) -> Any:
        for value in self.rhs:
            _refuse(self.lhs.output_field, value)
        return super().get_prep_lookup()


def _on_index(lhs: Any, rhs: Any, many: bool) -> tuple[Any, Any]:
    """The lookup's left side moved to the blind index column of the same table alias, and its
    value(s) hashed as the index holds them. Refuses what cannot be hashed in Python (an expression,
    a subquery, another column)."""
    field = lhs.output_field
    index = field.model._meta.get_field(field.indexed_by)
    values = rhs if many else [rhs]
    if not isinstance(lhs, Col) or hasattr(values, "resolve_expression") \
            or any(hasattr(v, "resolve_expression") for v in values):
        raise FieldError(f"{field.model.__name__}.{field.name} is encrypted: compare a plain value (hashed into "
                         f"{index.name}), not an expression, a subquery or another column")
    hashed = [crypto.blind_index(None if v is None else str(v), kind=index.kind) for v in values]
    return Col(lhs.alias, index), (hashed if many else hashed[0])


class IndexedExact(Exact):
    """`field=value` on an encrypted field with a blind index: `field_hash = blind_index(value)`
    (`iexact` too: the index is of the normalised, upper-cased value)."""

    lookup_name = "exact"

    def __init__(self, lhs: Any, rhs: Any) -> None:
        lhs, rhs = _on_index(lhs, rhs, many=False)
        super().__init__(lhs, rhs)


class IndexedIn(In):
    """`field__in=values` on an encrypted field with a blind index: `field_hash IN (hashes)`."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        lhs, rhs = _on_index(lhs, rhs if hasattr(rhs, "resolve_expression") else list(rhs), many=True)
        super().__init__(lhs, rhs)


class BlindIndexedModel(models.Model):
    """A model with blind indexes: a save limited to `update_fields` that names a source field also
    saves its index, so the index never goes stale."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None:
            extra = {f.name for f in self._meta.concrete_fields
                     if isinstance(f, BlindIndexField) and f.source in set(fields)}
            kwargs["update_fields"] = list(dict.fromkeys([*fields, *sorted(extra)]))
        super().save(*args, **kwargs)


class BlindIndexField(models.CharField):
    """The keyed hash (core.crypto.blind_index) of another field's plain value, kept on every save
    and bulk create; "" when the value is empty."""

    def __init__(self, *args: Any, source: str = "", kind: str = "", **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("verbose_name", "检索用密钥散列")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        return name, path, args, kwargs

    def pre_save(self, model_instance: Any, add: bool) -> str:
        value = crypto.blind_index(getattr(model_instance, self.source), kind=self.kind)
        setattr(model_instance, self.attname, value)
        return value
