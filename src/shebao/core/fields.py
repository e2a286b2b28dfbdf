"""Model fields for personal numbers encrypted at rest (core.crypto): the value and its blind index.

    bank_account = EncryptedTextField("银行账号", max_length=32, blank=True)
    bank_account_hash = BlindIndexField(source="bank_account", kind="bank_account")

    Employer.objects.filter(bank_account_hash=blind_index(number, kind="bank_account"))

`max_length` is the plain value's (checked by forms and the model guard); the column holds the
token (text). An equality lookup on the encrypted column itself could never match (a token is
random), so it is refused with an error naming the blind index, except against "" (no value).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, In, IsNull

from shebao.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token (core.crypto), read back as plain text."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return EncryptedExact
        if lookup_name in ("isnull",):
            return IsNull
        if lookup_name == "in":
            return EncryptedIn
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted: look it up by its blind index "
                         f"({self.name}_hash and core.crypto.blind_index), not by `{lookup_name}`")


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
