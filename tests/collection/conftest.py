"""Helpers for the collection tests: contribution rows and dues booked with their ledger entry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from shebao.collection import ledger
from shebao.collection.ledger import Line
from shebao.collection.models import Due, LedgerTransaction
from shebao.registry.models import Contribution, Employer, Person
from shebao.registry.rates import rates_in_force
from shebao.rules.dates import month_index
from tests.personas import SETUP

DATA = Path(__file__).resolve().parent.parent / "data"


def jsonl(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def contribution(person: Person, employer: Employer, month: str, base_fen: int,
                 paid_on: dt.date | None = None) -> Contribution:
    """A declared contribution row, its amounts computed as the generator does."""
    r = rates_in_force(dt.date(int(month[:4]), int(month[5:]), 1))
    pb = min(max(base_fen, r.pension_floor_fen), r.ceiling_fen)
    mb = min(max(base_fen, r.medical_floor_fen), r.ceiling_fen)
    return Contribution.objects.create(
        person=person, employer=employer, month=month, pension_base_fen=pb,
        pension_employer_fen=r.share(pb, r.pension_employer), pension_personal_fen=r.share(pb, r.pension_personal),
        unemployment_base_fen=pb, unemployment_employer_fen=r.share(pb, r.unemployment_employer),
        unemployment_personal_fen=r.share(pb, r.unemployment_personal), medical_base_fen=mb,
        medical_employer_fen=r.share(mb, r.medical_employer),
        medical_personal_fen=r.share(mb, r.medical_personal) + r.medical_personal_fixed_fen,
        maternity_base_fen=mb, maternity_employer_fen=r.share(mb, r.maternity_employer), work_injury_base_fen=pb,
        work_injury_employer_fen=int(r.work_injury_share(pb, employer.industry_class)), paid_on=paid_on)


def book_due(employer: Employer, month: str, amount_fen: int, *, insurance: str = "pension",
             paid_on: dt.date | None = None) -> Due:
    """An open due with its ledger entry (receivable against income), as `dues_build` books it.

    With `paid_on`, the due is settled by a payment received that day.
    """
    due = Due.objects.create(employer=employer, month=month, month_no=month_index(month), insurance=insurance,
                             employer_fen=amount_fen, personal_fen=0, amount_fen=amount_fen)
    ledger.ledger_post(actor=SETUP, kind=LedgerTransaction.Kind.DUES, occurred_on=dt.date(2020, 1, 1), lines=[
        Line(ledger.RECEIVABLE, employer.pk, amount_fen), Line(ledger.income_account(insurance), None, -amount_fen)])
    if paid_on is not None:
        from shebao.collection.services import payment_receive

        payment_receive(actor=SETUP, employer=employer, amount_fen=amount_fen, received_on=paid_on, source="remittance")
        due.refresh_from_db()
    return due


@pytest.fixture
def remittance_employer(db):
    from tests import personas

    return personas.make_employer("北京朝阳汇款测试有限公司", serial=11, payment_method="remittance")


@pytest.fixture
def deduction_employer(db):
    from tests import personas

    return personas.make_employer("北京朝阳扣款测试有限公司", serial=12, payment_method="bank_deduction",
                                  bank_account="6222021234567890123")
