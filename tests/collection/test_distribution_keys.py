"""The Citus plan of docs/scale.md, held to the code: every query of the hot paths names its shard.

`DISTRIBUTION` is the plan (table -> distribution column); the hot paths are run under Django's
CaptureQueriesContext and every statement that touches a distributed table must filter it by the
distribution key (an equality or IN on literal keys), or insert rows that carry it. A statement that
cannot yet is listed in `KNOWN_FAN_OUT` with the rewrite docs/scale.md gives it: a new one fails here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shebao.collection.selectors import employer_account, rights_record
from shebao.collection.services import dues_build, payment_receive
from shebao.core.policy import current_policy
from tests.collection.conftest import contribution
from tests.personas import SETUP

DOC = Path(__file__).resolve().parents[2] / "docs" / "scale.md"

# table -> the column its rows are distributed (and colocated) by. Employer-keyed tables are colocated
# with registry_employer (id); person-keyed ones with registry_person (id).
DISTRIBUTION = {
    "registry_employer": "id",
    "registry_employerfacts": "employer_id",
    "registry_contribution": "employer_id",
    "collection_due": "employer_id",
    "collection_deferral": "employer_id",
    "collection_payment": "employer_id",
    "collection_posting": "employer_id",
    "collection_allocation": "employer_id",  # column to add (docs/scale.md)
    "collection_deductionitem": "employer_id",
    "collection_refund": "employer_id",
    "registry_person": "id",
    "registry_pensionaccount": "person_id",
    "registry_employmentspell": "person_id",
    "registry_personhistory": "person_id",
    "collection_rightsstatement": "person_id",
}
REFERENCE_TABLES = ["registry_office", "core_announcement", "collection_reliefpublication", "staff_user"]

# Statements known to reach every shard today, as (table, a regular expression of the statement), with the
# rewrite of docs/scale.md §"Cross-shard statements and their rewrites". Nothing else may.
KNOWN_FAN_OUT = [
    # Django's save()/bulk_update() update by primary key alone: add the employer to the WHERE.
    ("collection_due", r'^UPDATE "collection_due" SET .* WHERE "collection_due"\."id" (=|IN)'),
    # The before-image of an audited bulk update reads by primary key alone: add the employer.
    ("collection_due", r'^SELECT "collection_due"\."id" AS "pk", .* WHERE "collection_due"\."id" IN \('),
    # The allocation has no employer column yet: inserts carry the payment and due only.
    ("collection_allocation", r'^INSERT INTO "collection_allocation"'),
    # The person's rights record reads contributions by person: look up the person's employers first.
    ("registry_contribution", r'FROM "registry_contribution" .*WHERE "registry_contribution"\."person_id" = \d+'),
]

TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def _routed(sql: str, table: str) -> bool:
    """Does the statement name one shard (or a literal set of keys) of `table`?"""
    col = DISTRIBUTION[table]
    if re.match(rf'^INSERT INTO "?{table}"? \([^)]*"?{col}"?[,)]', sql):
        return True  # every row carries its key
    return bool(re.search(rf'"?{table}"?\."?{col}"?\s*(=\s*\d+|IN\s*\(\s*\d+)', sql))


def _colocated_join(sql: str, table: str, routed: set[str]) -> bool:
    """Is `table` joined on its distribution column to the distribution column of a routed table?"""
    col = DISTRIBUTION[table]
    for other in routed:
        pair = (rf'"?{table}"?\."?{col}"?\s*=\s*"?{other}"?\."?{DISTRIBUTION[other]}"?',
                rf'"?{other}"?\."?{DISTRIBUTION[other]}"?\s*=\s*"?{table}"?\."?{col}"?')
        if any(re.search(p, sql) for p in pair):
            return True
    return False


def _fan_out(queries: list[dict]) -> list[tuple[str, str]]:
    """The statements that would reach every shard, as (table, statement), known ones left out."""
    out = []
    for q in queries:
        sql = q["sql"]
        if any(re.search(p, sql) for _, p in KNOWN_FAN_OUT):
            continue
        tables = set(TABLE.findall(sql)) & set(DISTRIBUTION)
        routed = {t for t in tables if _routed(sql, t)}
        out += [(t, sql[:300]) for t in sorted(tables - routed) if not _colocated_join(sql, t, routed)]
    return out


@pytest.fixture
def city(db, employer_chaoyang, person_chaoyang, person_haidian):
    contribution(person_chaoyang, employer_chaoyang, "2019-11", 1_000_000, paid_on=dt.date(2019, 11, 20))
    contribution(person_chaoyang, employer_chaoyang, "2019-12", 1_000_000)
    contribution(person_haidian, employer_chaoyang, "2019-12", 800_000)
    dues_build(actor=SETUP, months=["2019-11", "2019-12"])
    return employer_chaoyang


def test_the_employer_statement_reads_only_its_employers_shard(city):
    with CaptureQueriesContext(connection) as captured:
        account = employer_account(employer=city, as_of=dt.date(2020, 3, 1), policy=current_policy())
    assert account.dues and len(captured.captured_queries) > 2
    assert _fan_out(captured.captured_queries) == []


def test_a_payment_received_writes_only_its_employers_shard(city):
    with CaptureQueriesContext(connection) as captured:
        payment_receive(employer=city, amount_fen=50_000, received_on=dt.date(2020, 1, 10), source="remittance",
                        actor=SETUP, reference="DIST-1")
    sqls = [q["sql"] for q in captured.captured_queries]
    assert any(s.startswith('UPDATE "collection_due"') for s in sqls)  # a due was settled (and split)
    assert _fan_out(captured.captured_queries) == []


def test_the_rights_record_is_the_one_known_cross_shard_read(city, person_chaoyang):
    with CaptureQueriesContext(connection) as captured:
        months = rights_record(person=person_chaoyang, as_of=dt.date(2020, 3, 1), policy=current_policy())
    assert months
    assert _fan_out(captured.captured_queries) == []
    assert any(re.search(KNOWN_FAN_OUT[-1][1], q["sql"]) for q in captured.captured_queries)


def test_the_checker_catches_a_statement_without_the_key():
    sql = 'SELECT "collection_due"."id" FROM "collection_due" WHERE "collection_due"."month_no" = 600'
    assert _fan_out([{"sql": sql}]) == [("collection_due", sql)]
    keyed = sql + ' AND "collection_due"."employer_id" = 7'
    assert _fan_out([{"sql": keyed}]) == []
    joined = ('SELECT 1 FROM "collection_due" INNER JOIN "registry_employer" ON ("collection_due"."employer_id" = '
              '"registry_employer"."id") WHERE "registry_employer"."id" = 7')
    assert _fan_out([{"sql": joined}]) == []
    assert _fan_out([{"sql": joined.replace('"registry_employer"."id" = 7', '"registry_employer"."district_id" = 7')}])


def test_the_plan_in_docs_names_every_distributed_and_reference_table():
    text = DOC.read_text(encoding="utf-8")
    for table, column in DISTRIBUTION.items():
        assert f"`{table}`" in text and column in text, table
    for table in REFERENCE_TABLES:
        assert f"`{table}`" in text, table
