"""The refund room reads only the applications that compete (issue 14, 1.2c): the dues each refund
names are kept in plain numbers (`cases.RefundDue`) beside the encrypted details, so a decision follows
shared dues in an index and decrypts only the applications it counts. Before, every decision decrypted
every refund application in handling in the city (`_holdings` read them all)."""

from __future__ import annotations

import datetime as dt
import importlib

from shebao.cases import services
from shebao.cases.models import Case, RefundDue
from shebao.collection.refundable import _holdings, refund_room, refundable_each
from shebao.core.fields import EncryptedJSONField
from tests.businesses.test_refund import APPLIED, refund_details
from tests.businesses.walk import submit
from tests.collection.conftest import book_due


def _named(case: Case) -> set[int]:
    return set(RefundDue.objects.filter(case=case).values_list("due_id", flat=True))


def test_the_index_follows_the_dues_a_refund_names(clerk_chaoyang, person_chaoyang, paid_due, employer_chaoyang):
    older = book_due(employer_chaoyang, "2019-11", 50_000, paid_on=dt.date(2019, 12, 15))
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due, amount_fen=10_000))
    assert _named(case) == {paid_due.pk}
    services.case_details_correct(case=case, actor=clerk_chaoyang, details={"dues": [older.pk]},
                                  reason="来电更正所退费款", partial=True)
    assert _named(case) == {older.pk}
    assert refund_room([older.pk]).room_fen == 50_000 - 10_000
    assert refund_room([paid_due.pk]).room_fen == 100_000  # the corrected case no longer holds it


def test_a_decision_decrypts_only_the_applications_it_counts(monkeypatch, clerk_chaoyang, person_chaoyang,
                                                             employer_chaoyang, paid_due):
    """Three dues: A and B shared by two applications (connected through B), C named by four others.
    Deciding A counts the two and decrypts nothing of the four."""
    due_b = book_due(employer_chaoyang, "2019-11", 50_000, paid_on=dt.date(2019, 12, 15))
    due_c = book_due(employer_chaoyang, "2019-10", 80_000, paid_on=dt.date(2019, 11, 15))
    one = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                 details={**refund_details(paid_due, amount_fen=20_000), "dues": [paid_due.pk, due_b.pk]})
    two = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                 details=refund_details(due_b, amount_fen=40_000))
    for _ in range(4):
        submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
               details=refund_details(due_c, amount_fen=10_000))
    reads = []
    original = EncryptedJSONField.from_db_value

    def counted(self, value, expression, connection):
        out = original(self, value, expression, connection)
        reads.append(out)
        return out

    monkeypatch.setattr(EncryptedJSONField, "from_db_value", counted)
    held = _holdings([paid_due.pk], None)
    assert [h.case_id for h in held] == [one.pk, two.pk]
    assert len(reads) == 2  # the two connected, nothing of the four on due C
    room = refund_room([paid_due.pk])
    # 1,000.00 + 500.00 on the books; one and two hold 600.00 together, all of it fits beside A's room.
    assert room.room_fen == 150_000 - 60_000
    assert {h.case_id for h in room.holding} == {one.pk, two.pk}
    assert refundable_each([paid_due.pk, due_b.pk, due_c.pk]) == {
        paid_due.pk: refund_room([paid_due.pk]).room_fen, due_b.pk: refund_room([due_b.pk]).room_fen,
        due_c.pk: 80_000 - 40_000}


def test_closed_and_booked_refunds_hold_nothing(clerk_chaoyang, reviewer_chaoyang, person_chaoyang, paid_due):
    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due, amount_fen=30_000))
    assert refund_room([paid_due.pk]).room_fen == 70_000
    services.case_reject(case=case, actor=clerk_chaoyang, reason="申请人撤回退费申请")
    assert _named(Case.objects.get(pk=case.pk)) == {paid_due.pk}  # the index stays; the status decides
    assert refund_room([paid_due.pk]).room_fen == 100_000


def test_the_migration_fills_the_index_for_cases_stored_before(clerk_chaoyang, person_chaoyang, paid_due):
    from django.apps import apps

    case = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                  details=refund_details(paid_due, amount_fen=30_000))
    RefundDue.objects.all().delete()
    assert refund_room([paid_due.pk]).room_fen == 100_000  # without its row the case is not seen
    importlib.import_module("shebao.cases.migrations.0016_refund_due").fill(apps, None)
    assert _named(case) == {paid_due.pk}
    assert refund_room([paid_due.pk]).room_fen == 70_000
