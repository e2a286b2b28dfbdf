"""How fast `shebao generate` fills a database: rows per second, on SQLite (and PostgreSQL when
DATABASE_URL names one). Baseline: the same people written one `Model.save()` at a time on a
small sample, measured in the same run.

    python bench/bench_generate.py [--persons 200000] [--months 24]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import merge_results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--employers", type=int, default=0, help="default: persons / 50")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--from", dest="from_month", default="2019-07")
    args, _ = parser.parse_known_args()
    employers = args.employers or max(1, args.persons // 50)
    tmp = tempfile.mkdtemp(prefix="shebao-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["SHEBAO_VAR_DIR"] = tmp
    from common import django_setup

    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tests.personas import citizen_id

    from shebao.registry.generator import GenerateOptions, generate
    from shebao.registry.models import Office, Person

    # Baseline: one ORM save per person, on a sample.
    district = Office.objects.get(code="110105")
    sample = 2000
    import datetime as dt

    started = time.perf_counter()
    for i in range(sample):
        number = citizen_id("110105", dt.date(1990, 1, 1) + dt.timedelta(days=i // 400), i % 400, male=True)
        Person(id_number=number, id_last4=number[-4:], name="基准", name_initials="jz", gender="male",
               birth_date=dt.date(1990, 1, 1), district=district).save()
    baseline_rows_per_s = sample / (time.perf_counter() - started)
    Person.objects.all().delete()

    started = time.perf_counter()
    result = generate(GenerateOptions(employers=employers, persons=args.persons, from_month=args.from_month,
                                      months=args.months, seed=7))
    seconds = time.perf_counter() - started
    rows = result.employers + 3 * result.persons + result.contributions
    figures = {
        "database": connection.vendor,
        "employers": result.employers, "persons": result.persons, "months": args.months,
        "contributions": result.contributions, "rows": rows, "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds), "baseline_orm_save_rows_per_second": round(baseline_rows_per_s),
        "ratio_to_baseline": round(rows / seconds / baseline_rows_per_s, 1),
    }
    print(f"generate on {connection.vendor}: {result.persons:,} persons, {result.employers:,} employers, "
          f"{args.months} months = {rows:,} rows in {seconds:.1f}s: {rows / seconds:,.0f} rows/s "
          f"({figures['ratio_to_baseline']}x the one-save-per-row baseline of {baseline_rows_per_s:,.0f} rows/s)")
    merge_results(f"generate_{connection.vendor}", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
