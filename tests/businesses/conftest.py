from __future__ import annotations

import datetime as dt

import pytest

from shebao.registry.models import EmploymentSpell
from tests.collection.conftest import book_due


@pytest.fixture
def employed(db, employer_chaoyang, person_chaoyang):
    """张三 works for the 朝阳 employer since 2015."""
    return EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")


@pytest.fixture
def paid_due(employed, employer_chaoyang):
    """A pension due of 2019-12 of 1,000.00 yuan, paid on 2020-01-15."""
    return book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
