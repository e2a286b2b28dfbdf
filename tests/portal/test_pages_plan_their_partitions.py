"""The portal's pages ask the database a fixed number of times, however long the records (issue 15's bench:
an employer with 20 years of ledger, a person with 20 years of contributions), and on PostgreSQL, where
contributions and ledger postings are partitioned by month, every read of those tables names the months
it needs so that the planner plans their partitions alone: planning 240 monthly partitions cost ~35 ms
a query (bench/bench_portal.py). One read may plan every partition: the rights page's
whole-record totals and years (`collection.selectors.rights_page`). The employer's balances come from the running
balances (`collection.AccountBalance`), not from its postings.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shebao.collection.selectors import rights_page, rights_statement_content
from shebao.core.policy import current_policy
from shebao.registry.partitions import partitions_ensure
from shebao.rules.dates import month_index, month_str
from tests.collection.conftest import book_due
from tests.portal.conftest import sign_in_employer, sign_in_person
from tests.portal.test_rights_by_year import record

pytestmark = pytest.mark.django_db

PARTITION = re.compile(r"\b(registry_contribution|collection_posting)_(p\d{4}_\d{2}|default)\b")
PARTITIONED = ("registry_contribution", "collection_posting")
# Queries per page for the records below (a page that reads more per row, or per month, grows here). The
# rights page reads the employers' dues of the record's months once (review F3: they decide what is paid).
# The person's home asks once whether the person draws a pension (review-user14 (12): a pensioner is not
# offered the residents' pension).
QUERIES = {"/portal/employer/": 5, "/portal/employer/account/": 13, "/portal/employer/cases/": 6,
           "/portal/employer/declarations/": 10, "/portal/employer/messages/": 6,
           "/portal/person/": 6, "/portal/person/rights/": 9, "/portal/person/rights/?year=2005": 9,
           "/portal/person/cases/": 6, "/portal/person/messages/": 6}
# The rights page (any year) has one read of every partition: the whole record's totals and years.
WHOLE_RECORD = ["/portal/person/rights/", "/portal/person/rights/?year=2005"]


def _months(n: int, last: str = "2020-06") -> list[str]:
    return [month_str(month_index(last) - k) for k in range(n)]


def _partitions_planned(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return len({m.group(0) for row in cursor.fetchall() for m in PARTITION.finditer(row[0])})


def _walk(clients: dict[str, object]) -> dict[str, list[str]]:
    out = {}
    for url in QUERIES:
        client = clients["employer" if url.startswith("/portal/employer/") else "person"]
        client.get(url)  # warm: the session's and the policy's caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        out[url] = [q["sql"] for q in captured.captured_queries]
    return out


def test_each_page_reads_a_fixed_number_of_times_and_plans_only_the_months_it_shows(
        client, settings, admin_chaoyang, employer_chaoyang, insured):
    settings.SHEBAO_TODAY = dt.date(2020, 7, 20)
    partitions_ensure(months=_months(240))
    record(insured, employer_chaoyang, 240)  # 20 years of contributions through the employer
    for month in _months(48):  # and four years of its dues, each with its ledger entry
        book_due(employer_chaoyang, month, 1_000, paid_on=dt.date(2020, 1, 5) if month < "2019-06" else None)
    person = type(client)()
    sign_in_employer(client, settings, admin_chaoyang)
    sign_in_person(person, settings, insured)

    walked = _walk({"employer": client, "person": person})
    counts = {url: len(sqls) for url, sqls in walked.items()}
    assert counts == QUERIES, counts
    if connection.vendor != "postgresql":
        return  # SQLite: no partitions; the counts above are the whole check
    wide = {}
    for url, sqls in walked.items():
        for sql in sqls:
            if sql.lstrip().upper().startswith("SELECT") and any(f'"{t}"' in sql for t in PARTITIONED):
                n = _partitions_planned(sql)
                if n > 13:  # a year's months and the month after (a range's bound), at most
                    wide.setdefault(url, []).append((n, sql[:200]))
    assert list(wide) == WHOLE_RECORD and all(len(reads) == 1 for reads in wide.values()), wide
    assert all('"registry_contribution"."paid_on"' in reads[0][1] for reads in wide.values())  # the totals' read


def test_the_rights_pages_totals_are_the_statements(employer_chaoyang, employer_haidian, insured):
    """The whole record's totals on the page (one light read) equal the statement's (every month's
    status): months paid on time, late, settled by the dues, open, and after the day asked about."""
    from tests.collection.conftest import contribution

    record(insured, employer_chaoyang, 30, last="2020-03")
    contribution(insured, employer_haidian, "2020-01", 600_000)  # a second employer the same month
    contribution(insured, employer_haidian, "2020-04", 600_000)  # settled by its dues, below
    contribution(insured, employer_haidian, "2020-05", 600_000)  # open
    contribution(insured, employer_haidian, "2020-06", 600_000, paid_on=dt.date(2020, 8, 1))  # after as_of
    book_due(employer_haidian, "2020-04", 5_000, paid_on=dt.date(2020, 5, 20))
    book_due(employer_haidian, "2020-05", 5_000)
    as_of = dt.date(2020, 7, 20)
    whole = rights_statement_content(person=insured, as_of=as_of, policy=current_policy())
    page = rights_page(person=insured, as_of=as_of, policy=current_policy())
    assert page["totals"] == whole["totals"]
    assert page["totals"]["pension"]["months"] == 31  # 30 months, 2020-01 once, 2020-04 settled
    assert page["years"] == ["2020", "2019", "2018", "2017"] and page["year"] == "2020"
    assert page["lines"] == [line for line in whole["lines"] if line["month"].startswith("2020")]
    older = rights_page(person=insured, as_of=as_of, policy=current_policy(), year="2017")
    assert [line["month"] for line in older["lines"]] == ["2017-10", "2017-11", "2017-12"]
    assert older["totals"] == whole["totals"]
