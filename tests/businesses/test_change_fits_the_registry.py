"""review-input7 F8: a change of 民族 took up to 200 characters on every road, and only completing the
case refused them, with Django's message naming no field (Person.ethnicity holds 20). Every item of a
change that lands in a column of the person's record is held, at submission, to what that column keeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models

from shebao.registry.models import Person
from shebao.rules.business_fields import _CHANGE_TYPES, CHANGE_CHOICES, details_validate
from shebao.rules.catalog import labels

TODAY = dt.date(2020, 2, 20)


def _column_items() -> list[tuple[str, int]]:
    items = []
    for name in labels("person_field"):
        try:
            column = Person._meta.get_field(name)
        except Exception:  # kept in other_data, without a column of its own
            continue
        if isinstance(column, models.CharField) and column.max_length:
            items.append((name, column.max_length))
    return items


def test_the_walk_finds_the_columns():
    assert dict(_column_items())["ethnicity"] == 20


@pytest.mark.parametrize("name, width", _column_items())
def test_each_change_item_is_held_to_its_column(name, width):
    if name in CHANGE_CHOICES or (name in _CHANGE_TYPES and _CHANGE_TYPES[name].type in ("choice", "date", "mobile")):
        return  # a code or a date: shorter than any column by construction
    spec = _CHANGE_TYPES.get(name)
    assert spec is not None and spec.max_length is not None and spec.max_length <= width, (name, spec)
    too_long = "族" * (width + 1)
    errors = details_validate("person_change", {"changes": {name: too_long}}, today=TODAY).errors
    assert errors and str(width) in errors[0].zh, errors
    assert details_validate("person_change", {"changes": {name: "族" * width}}, today=TODAY).ok
