"""The set-based dues builder (issue 21) gives exactly what the row-by-row builder gave, to the fen.

Random cities (the generator, then contribution rows disturbed: bases below the floor, above the
ceiling and zero, several payment days per employer-month, unpaid rows, industry classes outside
1..8, employer facts and a relief pack in force, employers holding credit, employer-months already
built) are built twice from the same state, once by `tests/collection/dues_reference.py` (the
builder as it was) and once by `collection.services.dues_build`; dues, ledger, payments,
allocations, audit events and the result must be equal. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import numpy as np
import pytest
from django.db import transaction

from shebao.collection.models import Allocation, Due, LedgerTransaction, Payment, Posting
from shebao.collection.relief import employer_facts_record, relief_pack_publish
from shebao.collection.services import dues_build, payment_receive
from shebao.core.models import AuditEvent
from shebao.registry.generator import GenerateOptions, generate
from shebao.registry.models import Contribution, Employer
from tests.collection.dues_reference import dues_build_reference
from tests.personas import SETUP

MONTHS = ["2019-12", "2020-01", "2020-02", "2020-03", "2020-04"]


def _city(seed: int) -> None:
    """A generated city, then disturbed so every branch of the arithmetic is reached."""
    generate(GenerateOptions(employers=12, persons=160, from_month="2019-12", months=5, seed=seed,
                             batch_employers=5, arrears_share=0.3))
    rng = np.random.default_rng(seed)
    rows = list(Contribution.objects.order_by("pk"))
    for row in rows:
        draw = rng.random()
        if draw < 0.15:  # any base, each insurance its own: zero, below the floors, above the ceiling
            for k in Contribution.INSURANCE_TYPES:
                setattr(row, f"{k}_base_fen", int(rng.choice([0, 1, 250_000, 400_000, 1_234_567, 5_000_000,
                                                              99_999_999])))
        if draw > 0.8:  # another payment day in the same month, or not paid
            row.paid_on = None if rng.random() < 0.4 else dt.date(int(row.month[:4]), int(row.month[5:]),
                                                                   int(rng.integers(1, 28)))
    Contribution.objects.bulk_update(rows, [f"{k}_base_fen" for k in Contribution.INSURANCE_TYPES] + ["paid_on"])
    employers = list(Employer.objects.order_by("pk"))
    for i, employer in enumerate(employers):
        employer.industry_class = int(rng.integers(0, 10))
        if i % 3 == 0:
            unit_type = str(rng.choice(["enterprise", "enterprise", "social_organization"]))
            size_class = str(rng.choice(["large", "medium", "small", "micro", ""]))
            employer_facts_record(employer=employer, effective_from=dt.date(2019, 1, 1), actor=SETUP,
                                  unit_type=unit_type,
                                  # a size class is an enterprise's only (工信部联企业〔2011〕300号)
                                  size_class=size_class if unit_type == "enterprise" else "",
                                  industry=str(rng.choice(["", "H62", "C13", "P83"])))
    Employer.objects.bulk_update(employers, ["industry_class"])
    if seed % 2 == 0:
        relief_pack_publish(pack="relief-2020-covid", actor=SETUP, on=dt.date(2020, 3, 8))
    unpaid = set(Contribution.objects.filter(paid_on__isnull=True).values_list("employer_id", flat=True))
    for employer in [e for e in employers if e.pk in unpaid][:2]:  # money held as credit pays new dues at once
        payment_receive(employer=employer, amount_fen=int(rng.integers(1, 3_000_000)), received_on=dt.date(2019, 11, 1),
                        source="remittance", actor=SETUP, reference=f"T{seed}{employer.pk}")


def _books() -> dict[str, object]:
    """Everything a build writes, keyed by meaning rather than by key values (sequences differ)."""
    dues = {d.pk: (d.employer_id, d.month, d.month_no, d.insurance, d.employer_fen, d.personal_fen, d.amount_fen,
                   d.persons, d.paid_on, d.relief_fen, d.relief_rule, d.relief_credited, d.split_from_id is not None)
            for d in Due.objects.all()}
    txns = {t.pk: (t.kind, t.occurred_on, t.memo, t.author_label, t.reason) for t in LedgerTransaction.objects.all()}
    payments = {p.pk: (p.employer_id, p.source, p.amount_fen, p.received_on, p.reference, txns[p.transaction_id])
                for p in Payment.objects.all()}
    return {
        "dues": Counter(dues.values()),
        "postings": Counter((txns[p.transaction_id], p.account, p.employer_id, p.amount_fen)
                            for p in Posting.objects.all()),
        "transactions": Counter(txns.values()),
        "payments": Counter(payments.values()),
        "allocations": Counter((payments[a.payment_id], dues[a.due_id], a.amount_fen) for a in Allocation.objects.all()),
        # Reasons may name a key ("收款#12分配"): PostgreSQL's sequences are not rolled back between the runs.
        "audit": Counter((e.model, e.action, e.count, re.sub(r"#\d+", "#", e.reason), e.actor_label)
                         for e in AuditEvent.objects.all()),
    }


def _run(builder) -> tuple[dict[str, object], list[tuple[int, int, int, int]]]:
    """Build in a savepoint that is rolled back: first a few employers' early months, then everything."""
    with transaction.atomic():
        ids = list(Employer.objects.order_by("pk").values_list("pk", flat=True)[:3])
        results = [builder(months=MONTHS[:2], actor=SETUP, employer_ids=ids), builder(months=MONTHS, actor=SETUP)]
        books = _books()
        transaction.set_rollback(True)
    return books, [(r.dues, r.amount_fen, r.history_payments, r.skipped_pairs) for r in results]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_set_based_dues_equal_the_row_by_row_builder_to_the_fen(seed):
    _city(seed)
    old_books, old_results = _run(dues_build_reference)
    new_books, new_results = _run(dues_build)
    assert new_results == old_results
    assert old_results[1][0] > 0 and old_results[1][2] > 0  # dues and history payments were built
    for part in old_books:
        assert new_books[part] == old_books[part], part
    assert any(k[9] for k in new_books["dues"]) == (seed % 2 == 0)  # relief reached when the pack is in force
    assert any(k[12] for k in new_books["dues"])  # a credit split a due


def test_an_empty_employer_list_builds_nothing(db):
    result = dues_build(months=MONTHS, actor=SETUP, employer_ids=[])
    assert (result.dues, result.history_payments) == (0, 0)
    assert not Due.objects.exists() and not LedgerTransaction.objects.exists()
