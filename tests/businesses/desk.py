"""What the front desk needs for a refund: the person employed, a paid due, and the refund's own fields."""

from __future__ import annotations

import datetime as dt

from shebao.registry.models import Employer, EmploymentSpell
from tests import personas
from tests.collection.conftest import book_due


def refund_fields(person, amount: str = "300.00", month: str = "2019-12") -> dict[str, str]:
    """The refund's fields as the desk posts them (yuan typed), for a due of 1,000.00 yuan paid by the
    朝阳 test employer, which employs `person` (both made here if missing)."""
    employer = Employer.objects.filter(credit_code=personas.credit_code(1)).first() or personas.make_employer()
    EmploymentSpell.objects.get_or_create(person=person, employer=employer, defaults={"from_month": "2015-01"})
    due = book_due(employer, month, 100_000, paid_on=dt.date(2020, 1, 15))
    return {"amount_fen": amount, "dues": str(due.pk), "payee_name": person.name, "bank_name": "中国工商银行北京朝阳支行",
            "bank_account": "6222020000001234567"}
