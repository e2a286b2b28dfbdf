"""A suspension announcement moves the deadlines of 100,000 open audit cases (7.1), on durable
PostgreSQL (fsync, synchronous commit and full-page writes on: tests/pgtemp.py --durable).

The deadline of an audit case is never stored: it is derived from the case's opening day, its time
limit and its suspensions, 7.1's general suspension among them (operations.selectors). Announcing
the resumption is one durable commit (the policy announcement); what moves is every open case's
deadline, which the queues read. Measured in the same run:

* fast path: the announcement published (``core.policy.announcement_publish``), then the deadline of
  every open case computed at once (``operations.selectors.open_case_deadlines``);
* per-row baseline: each case loaded through the ORM with its suspensions and its deadline computed
  one at a time (``operations.selectors.case_deadline``, the case page's path), on a sample, scaled.

Both paths must agree on every sampled case. Target: the fast path under 10 s for 100,000 cases.

    python bench/bench_audit_suspension.py [--cases 100000] [--sample 3000]

Figures are merged into bench/results.json under "audit_suspension".
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import merge_results

SOURCES = ["hotline_12345", "director_mailbox", "letter", "walk_in", "inspection", "data_analysis"]


def _load(n: int, connection, Employer, AuditCase, AuditSuspension, Office, User) -> None:
    """``n`` running cases over 2019-10-08 .. 2020-01-23 (opened before the suspension), most from
    complaints, one in ten extended, one in twenty with its own earlier suspension."""
    from tests.personas import credit_code

    districts = list(Office.objects.filter(kind=Office.Kind.DISTRICT_CENTER).values_list("pk", flat=True))
    Employer.objects.bulk_create([Employer(credit_code=credit_code(700_000 + i, "110105"), name=f"稽核基准单位{i}",
                                           name_initials="jhjzdw", district_id=districts[i % len(districts)])
                                  for i in range(500)])
    employers = list(Employer.objects.filter(name__startswith="稽核基准单位").values_list("pk", "district_id"))
    user, _ = User.objects.get_or_create(username="bench_auditor", defaults={
        "role": "auditor", "office": Office.objects.get(code="110000")})
    first = dt.date(2019, 10, 8)
    buf = io.StringIO()
    for i in range(n):
        emp, district = employers[i % len(employers)]
        opened = first + dt.timedelta(days=(i * 7919) % 108)
        state = "opened" if i % 3 else "investigated"
        buf.write(f"{SOURCES[i % 6 if i % 10 else 4]}\t{district}\t{emp}\t\t\t投诉{i}\t\t{state}\t{opened}\t{opened}\t"
                  f"{'t' if i % 10 == 0 else 'f'}\t\t\t\\N\t\\N\t1\t{user.pk}\n")
    buf.seek(0)
    cols = ("source", "district_id", "employer_id", "complainant_name", "complainant_phone", "summary",
            "documents_kept", "state", "registered_on", "opened_on", "extended", "findings", "decision", "decided_on",
            "closed_on", "version", "created_by_id")
    with connection.cursor() as c, c.copy(f"COPY {AuditCase._meta.db_table} ({', '.join(cols)}) FROM STDIN") as copy:
        copy.write(buf.read())
    ids = list(AuditCase.objects.order_by("pk").values_list("pk", "opened_on")[::20])
    AuditSuspension.objects.bulk_create(
        [AuditSuspension(case_id=pk, starts_on=opened + dt.timedelta(days=3), ends_on=opened + dt.timedelta(days=12),
                         reason="等待账册", by=user) for pk, opened in ids], batch_size=5000)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=3_000)
    args, _ = parser.parse_known_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--durable", "--", sys.executable, __file__,
                                  *sys.argv[1:]])
    os.environ["DJANGO_SETTINGS_MODULE"] = "shebao.config.settings"
    os.environ["SHEBAO_TODAY"] = "2020-03-20"
    os.environ.setdefault("SHEBAO_ALLOW_BUSINESS_DATE", "true")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from shebao.core import clock
    from shebao.core.policy import announcement_publish, current_policy
    from shebao.operations import selectors
    from shebao.operations.models import AuditCase, AuditSuspension
    from shebao.registry.models import Employer, Office
    from shebao.staff.models import User

    call_command("migrate", verbosity=0)
    with connection.cursor() as c:
        c.execute("SHOW fsync")
        fsync = c.fetchone()[0]
        c.execute("SHOW synchronous_commit")
        sync = c.fetchone()[0]
    started = time.perf_counter()
    if AuditCase.objects.count() < args.cases:
        _load(args.cases - AuditCase.objects.count(), connection, Employer, AuditCase, AuditSuspension, Office, User)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    setup_s = time.perf_counter() - started
    admin, _ = User.objects.get_or_create(username="bench_center", defaults={
        "role": "municipal_admin", "office": Office.objects.get(code="110000")})
    today = clock.today()
    before = selectors.open_case_deadlines(today=today)
    held = sum(1 for d in before.values() if d.suspended)

    # Fast path: the resumption announced (one durable commit), every open case's deadline moved.
    t0 = time.perf_counter()
    announcement_publish(actor=admin, parameter="audit.resumed_on", value="2020-03-16",
                         title="关于恢复稽核工作的公告", clause="7.1")
    publish_s = time.perf_counter() - t0
    after = selectors.open_case_deadlines(today=today)
    fast_s = time.perf_counter() - t0
    moved = sum(1 for pk, d in after.items() if before[pk].suspended and d.deadline is not None)

    # Per-row baseline: the case page's path, one case at a time, on a sample.
    policy = current_policy()
    sample = list(AuditCase.objects.filter(pk__in=list(after)[:: max(1, len(after) // args.sample)])
                  .values_list("pk", flat=True))
    t1 = time.perf_counter()
    mismatches = 0
    for pk in sample:
        case = AuditCase.objects.get(pk=pk)
        due = selectors.case_deadline(case, policy=policy, today=today)
        mismatches += due != after[pk]
    per_row_s = (time.perf_counter() - t1) / len(sample) * len(after)
    figures = {
        "database": "postgresql", "fsync": fsync, "synchronous_commit": sync, "open_cases": len(after),
        "held_by_the_suspension_before": held, "deadlines_moved": moved, "setup_seconds": round(setup_s, 1),
        "publish_seconds": round(publish_s, 3), "fast_path_seconds": round(fast_s, 2),
        "per_row_baseline_seconds_scaled": round(per_row_s, 1), "baseline_sample": len(sample),
        "speedup": round(per_row_s / fast_s, 1) if fast_s else None, "sample_mismatches": mismatches,
        "target_seconds": 10, "met": fast_s < 10 and mismatches == 0,
    }
    merge_results("audit_suspension", figures)
    for k, v in figures.items():
        print(f"{k}: {v}")
    return 0 if figures["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
