"""Properties beyond the examples, on random ledgers (hypothesis):
the batch assessment and the single-due function agree; allocation conserves money; fees and
relief are never negative."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.collection import ledger
from shebao.collection.assessment import assessment_compute
from shebao.collection.models import Allocation, Due, Payment
from shebao.collection.reconcile import books_reconcile
from shebao.collection.services import credit_apply, payment_receive
from shebao.rules import late_fee_for_due, load_policy
from shebao.rules.dates import month_index
from tests import personas
from tests.collection.conftest import book_due
from tests.personas import SETUP

MONTHS = [f"{y}-{m:02d}" for y, m in [(2019, 10), (2019, 11), (2019, 12)] + [(2020, k) for k in range(1, 13)]]
DAYS = st.dates(min_value=dt.date(2019, 10, 1), max_value=dt.date(2021, 6, 30))
DUE = st.tuples(st.integers(0, 2), st.sampled_from(MONTHS), st.integers(0, 50_000_000), st.none() | DAYS)
LIFTED = st.none() | st.dates(min_value=dt.date(2020, 2, 1), max_value=dt.date(2021, 1, 31))
READING = st.sampled_from(["lost_from_due_date", "only_days_after_makeup_deadline"])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def three_employers(db):
    return [personas.make_employer(f"北京随机单位{i}", serial=300 + i,
                                   district_code=("110105", "110108", "110105")[i]) for i in range(3)]


def _policy(lifted: dt.date | None, reading: str):
    overrides = {"exemption_lost_reading": reading}
    if lifted is not None:
        overrides["epidemic_lifted_on"] = lifted.isoformat()
    return load_policy(overrides=overrides)


@SETTINGS
@given(dues=st.lists(DUE, max_size=40), as_of=DAYS, lifted=LIFTED, reading=READING)
def test_batch_and_single_due_paths_agree_on_random_ledgers(three_employers, dues, as_of, lifted, reading):
    Due.objects.all().delete()
    policy = _policy(lifted, reading)
    Due.objects.bulk_create([
        Due(employer=three_employers[e], month=m, month_no=month_index(m), insurance="pension", employer_fen=a,
            personal_fen=0, amount_fen=a, paid_on=p) for e, m, a, p in dues])
    result = assessment_compute(as_of=as_of, policy=policy)
    batch = {int(e): (int(a), int(f), int(w)) for e, a, f, w in zip(
        result.figures.employer_id, result.figures.arrears_fen, result.figures.late_fee_fen,
        result.figures.waived_fen, strict=True)}
    single: dict[int, list[int]] = {}
    for due in Due.objects.filter(amount_fen__gt=0, month_no__lte=month_index(f"{as_of:%Y-%m}")):
        paid = due.paid_on is not None and due.paid_on <= as_of
        fee = late_fee_for_due(due.month, due.amount_fen, paid_on=due.paid_on if paid else None,
                               as_of=None if paid else as_of, policy=policy)
        acc = single.setdefault(due.employer_id, [0, 0, 0])
        acc[0] += due.amount_fen if (not paid and fee.due_on < as_of) else 0
        acc[1] += fee.late_fee_fen
        acc[2] += fee.waived_fen
    single_nonzero = {e: tuple(v) for e, v in single.items() if any(v)}
    batch_nonzero = {e: v for e, v in batch.items() if any(v)}
    assert batch_nonzero == single_nonzero


@SETTINGS
@given(dues=st.lists(DUE, max_size=30), lifted=LIFTED, reading=READING,
       as_of=st.dates(min_value=dt.date(2019, 10, 1), max_value=dt.date(2030, 12, 31)))
def test_fees_and_relief_are_never_negative(three_employers, dues, lifted, reading, as_of):
    Due.objects.all().delete()
    Due.objects.bulk_create([
        Due(employer=three_employers[e], month=m, month_no=month_index(m), insurance="pension", employer_fen=a,
            personal_fen=0, amount_fen=a, paid_on=p) for e, m, a, p in dues])
    f = assessment_compute(as_of=as_of, policy=_policy(lifted, reading)).figures
    assert (f.late_fee_fen >= 0).all() and (f.waived_fen >= 0).all() and (f.arrears_fen >= 0).all()


ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("due"), st.sampled_from(MONTHS), st.integers(1, 1_000_000)),
    st.tuples(st.just("pay"), DAYS, st.integers(1, 1_500_000)),
    st.tuples(st.just("credit"), DAYS, st.just(0)),
), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_allocation_conserves_money_every_fen_is_allocated_or_held_as_credit(three_employers, actions):
    # Each example starts from the same books: the fixture's employers are shared between
    # examples, so one example's leftover credit must not decide the next one's outcome.
    with transaction.atomic():
        _allocation_conserves_money(three_employers[0], actions)
        transaction.set_rollback(True)


def _assert_oldest_first(employer) -> None:
    """Each payment settled its dues oldest first: no due it left open was older than one it paid,
    among the dues that existed when it was received (booked before it: a lower primary key)."""
    for payment in Payment.objects.filter(employer=employer).exclude(source="history"):
        paid = [a.due for a in payment.allocations.select_related("due") if a.amount_fen > 0]
        if not paid:
            continue
        newest_paid = max((d.month_no, d.insurance) for d in paid)
        last_pk = max(d.pk for d in paid)
        left_open = Due.objects.filter(employer=employer, paid_on__isnull=True, amount_fen__gt=0, pk__lt=last_pk,
                                       split_from__isnull=True)
        assert all((d.month_no, d.insurance) >= newest_paid for d in left_open), (payment, list(left_open))


def _allocation_conserves_money(employer, actions) -> None:
    booked = int(sum(Due.objects.filter(employer=employer).values_list("amount_fen", flat=True)))
    received = 0
    for kind, when, amount in actions:
        if kind == "due":
            book_due(employer, when, amount)  # books a due only: credit held stays held until used
            booked += amount
            continue
        held_before = -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer.pk)
        if kind == "pay":
            payment_receive(actor=SETUP, employer=employer, amount_fen=amount, received_on=when, source="remittance")
            received += amount
        else:
            credit_apply(actor=SETUP, employer=employer, on=when)
        # Money is never put aside while a due is open (3.1, 3.2: the oldest dues first): a payment
        # adds to the credit only when it paid every open due, and using the credit leaves either no
        # credit or no open due.
        open_fen = sum(Due.objects.filter(employer=employer, paid_on__isnull=True).values_list("amount_fen", flat=True))
        credit = -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=employer.pk)
        assert credit >= 0
        if kind == "pay":
            assert credit <= held_before or open_fen == 0, f"{credit - held_before} fen put aside, {open_fen} open"
        else:
            assert credit == 0 or open_fen == 0, f"{credit} fen held while {open_fen} fen are open"
        _assert_oldest_first(employer)
    # Splits never create or lose money; every settled due is allocated in full.
    assert sum(Due.objects.filter(employer=employer).values_list("amount_fen", flat=True)) == booked
    r = books_reconcile()
    assert r.ok, r.problems
    assert r.figures["received_fen"] == r.figures["allocated_fen"] + r.figures["employer_credit_fen"]
    assert int(sum(Payment.objects.exclude(source__in=["credit"]).values_list("amount_fen", flat=True))) >= received
    assert all(a.amount_fen > 0 for a in Allocation.objects.all())
