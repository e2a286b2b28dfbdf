"""The set-based dues build means what the rules core means, person by person (issue 21).

`collection.services.dues_build` computes every share in SQL, summed per employer, month and payment
day. Here random declarations (hypothesis: any base, zero, below the floors, above the ceiling, any
industry class, several payment days, unpaid months) are built, and every due must equal the sum over
its people of `registry.rates.contribution_shares` (the per-person form of the `base` pack's rates,
floors and ceilings), to the fen, with its head count. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.collection.models import Due
from shebao.collection.services import dues_build
from shebao.registry.generator import GenerateOptions, generate
from shebao.registry.models import Contribution, Employer
from shebao.registry.rates import contribution_rates, contribution_shares
from tests.personas import SETUP

MONTHS = ["2019-12", "2020-01", "2020-02"]
BASES = ("pension", "unemployment", "medical", "maternity", "work_injury")


@pytest.fixture
def city(db):
    generate(GenerateOptions(employers=3, persons=14, from_month=MONTHS[0], months=len(MONTHS), seed=21,
                             batch_employers=3, arrears_share=0.5))
    rows = list(Contribution.objects.order_by("pk").values_list("pk", "employer_id", "month"))
    employers = list(Employer.objects.order_by("pk").values_list("pk", flat=True))
    return rows, employers


def _declaration(n_rows: int, n_employers: int):
    base = st.one_of(st.sampled_from([0, 1, 250_000, 99_999_999]), st.integers(0, 6_000_000))
    paid_day = st.one_of(st.none(), st.integers(1, 3))  # a few payment days, or not paid
    return st.tuples(st.lists(st.tuples(base, paid_day), min_size=n_rows, max_size=n_rows),
                     st.lists(st.integers(0, 9), min_size=n_employers, max_size=n_employers))


def _expected(rows, declared, industry_of) -> dict:
    """Every due as the rules core gives it: per person, then summed per employer, month and day."""
    out: dict = defaultdict(lambda: [0, 0, 0])
    for (_, employer, month), (base, day) in zip(rows, declared, strict=True):
        paid_on = None if day is None else dt.date(int(month[:4]), int(month[5:]), day)
        shares = contribution_shares(contribution_rates(month=month), [base], [industry_of[employer]])
        for insurance in BASES:
            employer_fen, personal_fen = (int(v[0]) for v in shares[insurance])
            due = out[(employer, month, paid_on, insurance)]
            due[0] += employer_fen
            due[1] += personal_fen
            due[2] += 1
    return {k: (e, p, e + p, n) for k, (e, p, n) in out.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_every_due_is_the_sum_of_its_peoples_shares_by_the_rules_core(city, data):
    rows, employers = city
    declared, industry = data.draw(_declaration(len(rows), len(employers)))
    industry_of = dict(zip(employers, industry, strict=True))
    with transaction.atomic():
        objs = []
        for (pk, _, month), (base, day) in zip(rows, declared, strict=True):
            obj = Contribution(pk=pk, paid_on=None if day is None else dt.date(int(month[:4]), int(month[5:]), day))
            for k in BASES:
                setattr(obj, f"{k}_base_fen", base)
            objs.append(obj)
        Contribution.objects.bulk_update(objs, [f"{k}_base_fen" for k in BASES] + ["paid_on"])
        for pk, klass in industry_of.items():
            Employer.objects.filter(pk=pk).update(industry_class=klass)
        dues_build(months=MONTHS, actor=SETUP)
        built = {(d.employer_id, d.month, d.paid_on, d.insurance): (d.employer_fen, d.personal_fen, d.amount_fen,
                                                                   d.persons)
                 for d in Due.objects.all()}
        transaction.set_rollback(True)
    assert built == _expected(rows, declared, industry_of)
