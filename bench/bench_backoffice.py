"""Queue and search pages with a million cases in PostgreSQL: p50/p95 per page.

Builds a city (`shebao generate`), adds N cases straight into the table with COPY (spread over
districts, modes, statuses, channels, deadlines and priorities), runs ANALYZE, then requests the
pages in-process through Django's test client as a district clerk, the way a browser would ask.
Without a PostgreSQL DATABASE_URL it re-runs itself under a throwaway server (tests/pgtemp.py).

    python bench/bench_backoffice.py [--cases 1000000] [--persons 100000] [--requests 60]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import merge_results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="requests per page kind")
    args, _ = parser.parse_known_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--", sys.executable, __file__, *sys.argv[1:]])
    os.environ["DJANGO_SETTINGS_MODULE"] = "shebao.config.settings"
    os.environ.setdefault("DEBUG", "true")  # a development copy, explicitly (the default is production)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from shebao.cases.models import Case, Channel, Mode, Status
    from shebao.registry.generator import GenerateOptions, generate
    from shebao.registry.models import Office, Person
    from shebao.staff.models import User

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not Person.objects.exists():
        generate(GenerateOptions(employers=max(1, args.persons // 50), persons=args.persons, from_month="2019-07",
                                 months=6, seed=5))
    if Case.objects.count() < args.cases:
        _load_cases(args.cases - Case.objects.count(), np, connection, Case, Channel, Mode, Status, Office, Person)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    setup_s = time.perf_counter() - started

    clerk, _ = User.objects.get_or_create(username="bench_clerk", defaults={
        "role": "district_clerk", "office": Office.objects.get(code="110105")})
    client = Client()
    client.force_login(clerk)
    names = list(Person.objects.filter(district__code="110105").values_list("name", "name_initials", "id_last4")[:50])
    pages = {
        "queue_office": lambda i: "/office/queue/",
        "queue_filtered": lambda i: f"/office/queue/?mode={['commitment', 'deferred_documents', 'regular'][i % 3]}"
                                    f"&channel={['online', 'email', 'counter'][i % 3]}",
        "queue_overdue": lambda i: "/office/queue/?deadline=overdue",
        "queue_page_5": lambda i: "/office/queue/?page=5",
        "search_initials": lambda i: f"/persons/?q={names[i % len(names)][1]}",
        "search_last4": lambda i: f"/persons/?q={names[i % len(names)][2]}",
        "search_name": lambda i: f"/persons/?q={names[i % len(names)][0]}",
    }
    figures: dict = {"cases": Case.objects.count(), "persons": Person.objects.count(), "setup_seconds": round(setup_s, 1),
                     "requests_per_page": args.requests, "pages": {}}
    worst = 0.0
    for name, url_for in pages.items():
        client.get(url_for(0))  # warm
        times = []
        for i in range(args.requests):
            t = time.perf_counter()
            r = client.get(url_for(i))
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (name, r.status_code)
        times.sort()
        p50, p95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
        worst = max(worst, p95)
        figures["pages"][name] = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}
        print(f"{name:<18} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    figures["worst_p95_ms"] = round(worst, 1)
    figures["target_p95_ms"] = 300
    print(f"{figures['cases']:,} cases, {figures['persons']:,} persons on PostgreSQL; worst p95 {worst:.1f} ms "
          f"(target < 300 ms): {'met' if worst < 300 else 'NOT met'}")
    merge_results("backoffice_pages", figures)
    return 0


def _load_cases(n, np, connection, Case, Channel, Mode, Status, Office, Person) -> None:
    rng = np.random.default_rng(9)
    persons = np.array(Person.objects.values_list("pk", flat=True))
    person_district = dict(Person.objects.values_list("pk", "district_id"))
    modes, statuses, channels = list(Mode.values), list(Status.values), list(Channel.values)
    columns = ["business", "business_zh", "applicant_kind", "person_id", "channel", "applied_on", "facts", "mode",
               "clauses", "requires", "explanation_zh", "explanation_en", "pack", "pack_version", "parameters",
               "rule_id", "office_id", "status", "deadline", "priority", "flagged", "remote_review_required",
               "outcome", "rejection_reason", "contact_email", "contact_phone", "contact_wechat", "request_hash",
               "version", "created_at", "updated_at"]
    batch = 100_000
    for start in range(0, n, batch):
        size = min(batch, n - start)
        who = rng.choice(persons, size)
        mode = rng.integers(0, len(modes), size)
        status = rng.integers(0, len(statuses), size)
        channel = rng.integers(0, len(channels), size)
        deadline = rng.integers(-30, 60, size)
        priority = (rng.random(size) < 0.002) * 100
        buf = io.StringIO()
        for i in range(size):
            buf.write("\t".join([
                "refund", "退费", "person", str(who[i]), channels[channel[i]], "2020-03-02", "{}", modes[mode[i]],
                "[]", "[]", "基准数据", "", "beijing-2020-epidemic", "bench", "{}", "", str(person_district[int(who[i])]),
                statuses[status[i]], f"2026-12-{1 + (deadline[i] % 28):02d}" if deadline[i] > 0 else "2026-11-01",
                str(priority[i]), "f", "f", "", "", "", "", "", "", "1", "2026-11-01 00:00:00+00",
                "2026-11-01 00:00:00+00"]) + "\n")
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {Case._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        print(f"  cases loaded: {start + size:,}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
