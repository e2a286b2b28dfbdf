"""How fast the city-wide assessment runs: dues per second end to end, on SQLite (and PostgreSQL
when DATABASE_URL names one), beside a per-row baseline measured in the same run: the single-due
function `late_fee_for_due` called in a Python loop over dues read through the ORM, on a sample,
scaled. The two paths must agree on a sample of at least 10,000 dues.

    python bench/bench_collection.py [--dues 10000000] [--months 12] [--sample 12000]

The default (10 million dues) takes about four minutes on a 2-core machine, most of it generating.

Targets: assessment >= 100x the baseline, >= 2 million dues/s end to end. Figures are merged into
bench/results.json under "collection" (one entry per database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import RESULTS

INSURANCES = ["pension", "unemployment", "medical", "maternity", "work_injury"]


def _write_employers(n: int) -> list[int]:
    from django.db import connection
    from tests.personas import credit_code

    from shebao.registry.models import Employer, Office

    districts = list(Office.objects.filter(kind=Office.Kind.DISTRICT_CENTER).values_list("pk", flat=True))
    now = dt.datetime.now(dt.UTC)
    rows = [(credit_code(900_000 + i, "110105"), f"基准测试单位{i}", "jzcsdw", districts[i % len(districts)],
             "remittance" if i % 3 else "bank_deduction", "", "", "", 1 + i % 8, now) for i in range(n)]
    with connection.cursor() as c:  # no account: "" needs no encryption, and its blind index is ""
        c.executemany(f"INSERT INTO {Employer._meta.db_table} (credit_code, name, name_initials, district_id, "
                      "payment_method, bank_account, bank_account_hash, bank_name, industry_class, created_at) "
                      "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)
    return list(Employer.objects.order_by("pk").values_list("pk", flat=True))


def _write_dues(employer_ids: list[int], months: list[str], n_target: int, seed: int = 11) -> int:
    """Employer-month dues for every insurance: ~90 % paid on time, ~5 % paid late, ~5 % unpaid."""
    from django.db import connection, transaction

    from shebao.collection.models import Due
    from shebao.rules.dates import month_index

    rng = np.random.default_rng(seed)
    table = Due._meta.db_table
    cols = "employer_id, month, month_no, insurance, employer_fen, personal_fen, amount_fen, persons, paid_on, created_at"
    now = dt.datetime.now(dt.UTC)
    if connection.vendor == "sqlite":
        now = now.isoformat(sep=" ")  # type: ignore[assignment]
    per_month = len(employer_ids) * len(INSURANCES)
    written = 0
    emp = np.asarray(employer_ids, dtype=np.int64)
    for label in months:
        if written >= n_target:
            break
        m0 = np.datetime64(label, "D")
        n = min(per_month, n_target - written)
        e = np.repeat(emp, len(INSURANCES))[:n]
        ins = np.tile(np.arange(len(INSURANCES)), len(emp))[:n]
        base = rng.integers(400_000, 3_000_000, len(emp))  # per employer and month, a sum of wages
        factor = np.asarray([24_000, 1_000, 12_300, 800, 600])  # per 100000 of the base
        amount = (np.repeat(base, len(INSURANCES))[:n] * factor[ins] + 50_000) // 100_000
        personal = amount // 3
        fate = np.repeat(rng.random(len(emp)), len(INSURANCES))[:n]
        on_time = m0 + rng.integers(4, 25, n).astype("timedelta64[D]")
        late = m0 + rng.integers(25, 400, n).astype("timedelta64[D]")
        paid = np.where(fate < 0.90, on_time, late).astype(str).astype(object)
        paid[fate >= 0.95] = None
        label_no = month_index(label)
        rows = zip(e.tolist(), [label] * n, [label_no] * n, [INSURANCES[i] for i in ins.tolist()],
                   (amount - personal).tolist(), personal.tolist(), amount.tolist(), [1] * n, paid.tolist(),
                   [now] * n, strict=True)
        with transaction.atomic(), connection.cursor() as c:
            if connection.vendor == "postgresql":
                with c.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:  # the driver's own executemany: Django's wrapper costs more than the insert
                c.connection.executemany(f"INSERT INTO {table} ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        written += n
        print(f"  {label}: {written:,} dues", flush=True)
    return written


def _single_loop(employer_ids: list[int], as_of: dt.date, policy) -> tuple[dict[int, list[int]], int, float]:
    """The baseline: dues through the ORM, one `late_fee_for_due` call per due."""
    from shebao.collection.models import Due
    from shebao.rules import late_fee_for_due
    from shebao.rules.dates import month_index

    started = time.perf_counter()
    out: dict[int, list[int]] = {}
    rows = 0
    for due in Due.objects.filter(employer_id__in=employer_ids, amount_fen__gt=0,
                                  month_no__lte=month_index(f"{as_of:%Y-%m}")).iterator(chunk_size=5000):
        paid = due.paid_on is not None and due.paid_on <= as_of
        fee = late_fee_for_due(due.month, due.amount_fen, paid_on=due.paid_on if paid else None,
                               as_of=None if paid else as_of, policy=policy)
        acc = out.setdefault(due.employer_id, [0, 0, 0])
        acc[0] += due.amount_fen if (not paid and fee.due_on < as_of) else 0
        acc[1] += fee.late_fee_fen
        acc[2] += fee.waived_fen
        rows += 1
    return out, rows, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dues", type=int, default=10_000_000, help="dues to generate (employers x months x 5 insurance types)")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--sample", type=int, default=12_000, help="dues in the baseline and agreement sample (>= 10000)")
    parser.add_argument("--as-of", default="2020-12-31")
    parser.add_argument("--lifted-on", default="2020-04-30", help="lifted date in force for the run")
    args, _ = parser.parse_known_args()
    tmp = tempfile.mkdtemp(prefix="shebao-bench-collection-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["SHEBAO_VAR_DIR"] = tmp
    from common import django_setup

    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from shebao.collection.assessment import assessment_compute, assessment_run, assessment_what_if
    from shebao.collection.models import AssessmentDistrict, AssessmentRun, Due
    from shebao.core.permissions import SystemActor
    from shebao.rules import load_policy

    if connection.vendor == "postgresql":
        # A re-run on the same PostgreSQL database starts from empty collection tables.
        AssessmentDistrict.objects.all()._raw_delete(AssessmentDistrict.objects.db)
        AssessmentRun.objects.all()._raw_delete(AssessmentRun.objects.db)
        Due.objects.all()._raw_delete(Due.objects.db)
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA cache_size = -400000")
            c.execute("PRAGMA temp_store = MEMORY")
            # The bench writes employers first and dues that point at them: checking each key
            # again while loading only slows the load (a check runs after it, below).
            c.execute("PRAGMA foreign_keys = OFF")

    months = [f"{2019 + (6 + k) // 12}-{(6 + k) % 12 + 1:02d}" for k in range(args.months)]  # from 2019-07
    n_employers = max(1, -(-args.dues // (args.months * len(INSURANCES))))
    print(f"collection bench on {connection.vendor}: {args.dues:,} dues = {n_employers:,} employers x "
          f"{args.months} months x {len(INSURANCES)} insurance types", flush=True)
    started = time.perf_counter()
    employer_ids = _write_employers(n_employers)
    # A bulk load: the indexes are built once at the end (a sort) rather than row by row.
    with connection.schema_editor() as editor:
        for index in Due._meta.indexes:
            editor.remove_index(Due, index)
    dues = _write_dues(employer_ids, months, args.dues)
    with connection.schema_editor() as editor:
        for index in Due._meta.indexes:
            editor.add_index(Due, index)
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA foreign_keys = ON")
            c.execute(f"PRAGMA foreign_key_check({Due._meta.db_table})")
            assert not c.fetchall(), "dues point at missing employers"
    if connection.vendor == "postgresql":
        # As after any bulk load: statistics for the planner, and the visibility map that lets
        # the assessment read from the covering index alone.
        with connection.cursor() as c:
            c.execute(f"VACUUM ANALYZE {Due._meta.db_table}")
    load_seconds = time.perf_counter() - started
    print(f"generated {dues:,} dues in {load_seconds:.1f}s ({dues / load_seconds:,.0f} rows/s)", flush=True)

    as_of = dt.date.fromisoformat(args.as_of)
    policy = load_policy(overrides={"epidemic_lifted_on": args.lifted_on})
    assessment_compute(as_of=as_of, policy=policy, employer_ids=employer_ids[:10])  # warm the policy caches

    started = time.perf_counter()
    run, result = assessment_run(as_of=as_of, policy=policy, actor=SystemActor("bench_collection", "征缴基准测试"))
    seconds = time.perf_counter() - started
    rate = run.dues / seconds
    print(f"assessment: {run.dues:,} dues in {seconds:.2f}s = {rate:,.0f} dues/s end to end "
          f"({result.rows_read:,} rows read after the database left out dues proven fee-free); "
          f"{run.employers_in_arrears:,} employers in arrears, fees {run.late_fee_fen / 100:,.2f} yuan", flush=True)

    started = time.perf_counter()
    full = assessment_compute(as_of=as_of, policy=policy, prune=False)
    full_seconds = time.perf_counter() - started
    assert full.totals == result.totals, "pruned and full reads disagree"
    print(f"assessment without pruning (every due read): {full_seconds:.2f}s = {run.dues / full_seconds:,.0f} dues/s",
          flush=True)

    started = time.perf_counter()
    what_if = assessment_what_if(as_of=as_of, policy=policy,
                                 hypothetical=load_policy(overrides={"epidemic_lifted_on": "2020-06-30"}),
                                 lifted_on=dt.date(2020, 6, 30))
    what_if_seconds = time.perf_counter() - started
    print(f"what-if (lifted 2020-06-30): {what_if_seconds:.2f}s, {what_if.employers_affected:,} employers affected",
          flush=True)

    # Baseline and agreement on the same sample: whole employers, at least `sample` dues.
    per_employer = max(1, dues // len(employer_ids))
    rng = np.random.default_rng(5)
    k = min(len(employer_ids), -(-max(args.sample, 10_000) // per_employer))
    sample_employers = sorted(rng.choice(employer_ids, size=k, replace=False).tolist())
    # The baseline's best of two runs (the first pays for cold caches), so the ratio is not flattered.
    single, sample_rows, single_seconds = min((_single_loop(sample_employers, as_of, policy) for _ in range(2)),
                                              key=lambda r: r[2])
    baseline_rate = sample_rows / single_seconds
    batch = assessment_compute(as_of=as_of, policy=policy, employer_ids=sample_employers).figures
    batch_map = {int(e): [int(a), int(f), int(w)] for e, a, f, w in zip(
        batch.employer_id, batch.arrears_fen, batch.late_fee_fen, batch.waived_fen, strict=True) if a or f or w}
    single_map = {e: v for e, v in single.items() if any(v)}
    agree = batch_map == single_map
    print(f"baseline (ORM + late_fee_for_due per row): {sample_rows:,} dues in {single_seconds:.2f}s = "
          f"{baseline_rate:,.0f} dues/s; scaled to {run.dues:,} dues: {run.dues / baseline_rate:,.0f}s", flush=True)
    print(f"ratio: {rate / baseline_rate:,.0f}x the baseline; batch and single agree on {sample_rows:,} dues: {agree}",
          flush=True)

    figures = {
        "database": connection.vendor, "dues": run.dues, "employers": len(employer_ids), "months": args.months,
        "generate_seconds": round(load_seconds, 2), "generate_rows_per_second": round(dues / load_seconds),
        "assessment_seconds": round(seconds, 3), "assessment_dues_per_second": round(rate),
        "assessment_rows_read": result.rows_read,
        "assessment_full_read_seconds": round(full_seconds, 3),
        "assessment_full_read_dues_per_second": round(run.dues / full_seconds),
        "what_if_seconds": round(what_if_seconds, 3),
        "baseline_sample_dues": sample_rows, "baseline_dues_per_second": round(baseline_rate),
        "baseline_scaled_seconds": round(run.dues / baseline_rate, 1),
        "ratio_to_baseline": round(rate / baseline_rate, 1), "agreement_sample_dues": sample_rows,
        "batch_and_single_agree": agree, "cpus": os.cpu_count(),
        "targets": {"ratio_to_baseline": 100, "dues_per_second": 2_000_000},
    }
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    entry = data.get("collection") if isinstance(data.get("collection"), dict) else {}
    entry[connection.vendor] = figures
    data["collection"] = entry
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
