"""A city at scale on durable PostgreSQL (issue 21): every monthly stage with rows/s and peak memory.

Stages: generate (`shebao generate`: binary COPY of the contributions), build dues (the set-based
`dues_build`), the city-wide assessment, a deduction run (`deduction_run_start`: run and request
file), the queue page and an employer's statement page (p50/p95). The baseline, measured in the same
run, is the row-by-row dues builder as it was before issue 21 (`tests/collection/dues_reference.py`)
on a sample of employers, rolled back; the set-based build must equal it on that sample to the fen
(dues, payments, allocations and postings summed per month and insurance).

Peak memory is this process's resident set (sampled every 20 ms) during the stage, and its growth
over the stage's start; and the server's: the private memory (RssAnon of /proc/<pid>/status) of the
PostgreSQL backend serving the bench (`pg_backend_pid()`) plus its parallel workers, sampled the same
way, and the temporary files the server wrote (pg_stat_database.temp_bytes). Shared buffers are not
counted (shared_buffers is printed with the other settings).

    python bench/bench_scale.py                        # 20,000 people x 12 months (make bench)
    SHEBAO_SCALE_PERSONS=2000000 python bench/bench_scale.py   # 2 M people x 12 months (opt-in)
    python bench/bench_scale.py --persons 200000

Without a PostgreSQL DATABASE_URL it re-runs itself under a throwaway durable server
(tests/pgtemp.py --durable: fsync, synchronous_commit and full_page_writes on). Against a server
named by DATABASE_URL it reports whether fsync and synchronous_commit are on. Targets (issue 21):
generate >= 200,000 contribution rows/s; 12 months of dues for 2 M people in < 60 s (a smaller city:
the same time per person) and < 500 MB, in this process and in the server's backend. The bench exits 1
when any target is missed (or the build differs from the baseline, or the server is not durable) and
says which. Figures are merged into bench/results.json under "scale".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from common import merge_results, run_on_durable_postgres

PAGE = os.sysconf("SC_PAGE_SIZE")
# Issue 21's targets. The build's time target is for 2 M people; a smaller city gets the same time per person.
GENERATE_ROWS_PER_SECOND_MIN = 200_000
BUILD_SECONDS_AT_2M = 60
BUILD_MEMORY_MB_MAX = 500
TARGET_PERSONS = 2_000_000


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _status_kb(pid: int, *fields: str) -> int:
    """The sum of `fields` (kB) of /proc/<pid>/status; 0 when the process is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return sum(int(line.split()[1]) for line in f if line.split(":")[0] in fields)
    except (OSError, ValueError, IndexError):
        return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class Server:
    """The PostgreSQL backend serving this process (`pg_backend_pid()`) and its postmaster: the server's
    own memory is read from /proc (same machine). A backend's resident set counts the pages of
    shared_buffers it touched (shared by all backends); its private memory is RssAnon (work_mem, hash
    tables, sorts), which is what a build adds: the backend's plus its parallel workers'."""

    def __init__(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), current_database()")
            self.pid, self.database = cursor.fetchone()
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                self.postmaster = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            self.postmaster = 0
        self.readable = _status_kb(self.pid, "VmRSS") > 0

    def private_kb(self) -> int:
        total = _status_kb(self.pid, "RssAnon")
        for child in _children(self.postmaster):
            if child != self.pid:
                try:
                    with open(f"/proc/{child}/cmdline", "rb") as f:
                        if b"parallel worker" in f.read():
                            total += _status_kb(child, "RssAnon")
                except OSError:
                    pass
        return total

    def hwm_kb(self) -> int:
        return _status_kb(self.pid, "VmHWM")

    def temp_bytes(self, connection) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")  # PostgreSQL 15: this backend's counts now
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT temp_bytes FROM pg_stat_database WHERE datname = %s", [self.database])
            return int(cursor.fetchone()[0])


class Stage:
    """Wall time and peak resident memory of one stage: a sampling thread reads /proc/self/statm and,
    given the server, the backend's (and parallel workers') private memory; the temporary files the
    server wrote during the stage (pg_stat_database.temp_bytes) are its spill to disk."""

    SERVER: Server | None = None
    CONNECTION = None

    def __init__(self, name: str) -> None:
        self.name, self.seconds, self.start_rss, self.peak_rss = name, 0.0, 0, 0
        self.server_start_kb = self.server_peak_kb = 0
        self.temp_start = self.temp_bytes = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak_rss = max(self.peak_rss, _rss())
            if self.SERVER:
                self.server_peak_kb = max(self.server_peak_kb, self.SERVER.private_kb())

    def __enter__(self) -> Stage:
        self.start_rss = self.peak_rss = _rss()
        if self.SERVER:
            self.server_start_kb = self.server_peak_kb = self.SERVER.private_kb()
            self.temp_start = self.SERVER.temp_bytes(self.CONNECTION)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._t0
        self._stop.set()
        self._thread.join()
        self.peak_rss = max(self.peak_rss, _rss())
        if self.SERVER and not exc[0]:
            self.server_peak_kb = max(self.server_peak_kb, self.SERVER.private_kb())
            self.temp_bytes = self.SERVER.temp_bytes(self.CONNECTION) - self.temp_start

    def figures(self, **rows: int) -> dict:
        out = {"seconds": round(self.seconds, 2), "peak_rss_mb": round(self.peak_rss / 2**20, 1),
               "rss_growth_mb": round((self.peak_rss - self.start_rss) / 2**20, 1)}
        if self.SERVER:
            out["server_private_peak_mb"] = round(self.server_peak_kb / 1024, 1)
            out["server_temp_files_mb"] = round(self.temp_bytes / 2**20, 1)
        out["load_average_after"] = [round(x, 1) for x in os.getloadavg()]  # the machine is shared: say how busy
        for name, n in rows.items():
            out[name] = n
            out[f"{name}_per_second"] = round(n / max(self.seconds, 1e-9))
        return out


def _report(name: str, figures: dict) -> None:
    rates = ", ".join(f"{k.removesuffix('_per_second')} {v:,}/s" for k, v in figures.items() if k.endswith("_per_second"))
    server = (f"  server private peak {figures['server_private_peak_mb']:.1f} MB, temp files "
              f"{figures['server_temp_files_mb']:.1f} MB" if "server_private_peak_mb" in figures else "")
    load = " ".join(f"{x:.1f}" for x in figures["load_average_after"])
    print(f"{name:<22} {figures['seconds']:8.2f} s  peak RSS {figures['peak_rss_mb']:7.1f} MB "
          f"(+{figures['rss_growth_mb']:.1f}){server}  {rates}  (load {load})", flush=True)


def _sums(cursor, employer_ids: list[int]) -> dict:
    """What a build wrote for some employers, summed: the equality check of the set-based build."""
    only = f"employer_id IN ({', '.join(map(str, employer_ids))})"
    queries = {
        "dues": f"SELECT month_no, insurance, COUNT(*), SUM(employer_fen), SUM(personal_fen), SUM(amount_fen), "
                f"SUM(persons), SUM(relief_fen), COUNT(paid_on) FROM collection_due WHERE {only} "
                "GROUP BY month_no, insurance ORDER BY month_no, insurance",
        "payments": f"SELECT source, received_on, COUNT(*), SUM(amount_fen) FROM collection_payment WHERE {only} "
                    "GROUP BY source, received_on ORDER BY source, received_on",
        "allocations": f"SELECT COUNT(*), SUM(a.amount_fen) FROM collection_allocation a JOIN collection_due d "
                       f"ON d.id = a.due_id WHERE d.{only}",
        "postings": f"SELECT account, COUNT(*), SUM(amount_fen) FROM collection_posting WHERE {only} "
                    "GROUP BY account ORDER BY account",
    }
    out = {}
    for name, sql in queries.items():
        cursor.execute(sql)
        out[name] = [tuple(str(v) for v in row) for row in cursor.fetchall()]
    return out


def _pages(client, urls: list[str], requests: int) -> dict:
    client.get(urls[0])  # warm
    times = []
    for i in range(requests):
        t = time.perf_counter()
        r = client.get(urls[i % len(urls)])
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (urls[i % len(urls)], r.status_code)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "requests": requests}


@contextmanager
def _rolled_back():
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=int(os.environ.get("SHEBAO_SCALE_PERSONS", "20000")))
    parser.add_argument("--employers", type=int, default=0, help="default: persons / 50")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--from", dest="from_month", default="2019-07")
    parser.add_argument("--baseline-employers", type=int, default=400,
                        help="employers the row-by-row baseline builds (a sample, rolled back)")
    parser.add_argument("--requests", type=int, default=30, help="requests per page")
    args, _ = parser.parse_known_args()
    run_on_durable_postgres(__file__)
    tmp = tempfile.mkdtemp(prefix="shebao-scale-")
    os.environ.setdefault("SHEBAO_VAR_DIR", tmp)
    os.environ.setdefault("SHEBAO_BANK_FILE_DIR", tmp)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Pages are requested in-process as signed-in staff (force_login): a development copy without the
    # second factor, as the other page benches run.
    os.environ.setdefault("SHEBAO_STAFF_MFA", "false")
    from common import django_setup, durability

    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from tests.collection.dues_reference import dues_build_reference

    from shebao.collection.bankfiles import deduction_run_start
    from shebao.collection.jobs import assessment_start
    from shebao.collection.models import Due
    from shebao.collection.services import dues_build
    from shebao.core.permissions import SystemActor
    from shebao.registry.generator import GenerateOptions, generate
    from shebao.registry.models import Contribution, Employer, Office
    from shebao.rules.dates import month_index, month_str
    from shebao.staff.models import User

    call_command("migrate", verbosity=0)
    fsync, sync = durability(connection)
    durable = fsync == "on" and sync == "on"
    settings = {}
    with connection.cursor() as cursor:
        for name in ("server_version", "full_page_writes", "shared_buffers", "work_mem", "maintenance_work_mem",
                     "max_wal_size", "max_parallel_workers_per_gather", "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    Stage.SERVER, Stage.CONNECTION = Server(connection), connection
    if not Stage.SERVER.readable:  # another machine's server: its memory cannot be read from here
        Stage.SERVER = None
    employers = args.employers or max(1, args.persons // 50)
    months = [month_str(month_index(args.from_month) + k) for k in range(args.months)]
    build_seconds_max = round(BUILD_SECONDS_AT_2M * args.persons / TARGET_PERSONS, 2)
    print(f"scale bench: {args.persons:,} people, {employers:,} employers, {args.months} months from "
          f"{args.from_month}; PostgreSQL (as the server reports) fsync={fsync} synchronous_commit={sync} "
          + " ".join(f"{k}={v}" for k, v in settings.items()), flush=True)
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"targets: generate >= {GENERATE_ROWS_PER_SECOND_MIN:,} contribution rows/s; build dues "
          f"< {build_seconds_max} s ({BUILD_SECONDS_AT_2M} s at {TARGET_PERSONS:,} people, per person the same), "
          f"< {BUILD_MEMORY_MB_MAX} MB in this process and < {BUILD_MEMORY_MB_MAX} MB private in the server "
          f"backend{'' if Stage.SERVER else ' (not readable here)'}", flush=True)
    figures: dict = {"persons": args.persons, "employers": employers, "months": args.months, "durable": durable,
                     "fsync": fsync, "synchronous_commit": sync, "server_settings": settings,
                     "load_average_start": [round(x, 1) for x in os.getloadavg()], "stages": {}}
    stages = figures["stages"]
    job = SystemActor("bench_scale", "规模基准测试")

    if Contribution.objects.exists():
        print("the database already holds a city: run against an empty one", file=sys.stderr)
        return 2
    with Stage("generate") as s:
        result = generate(GenerateOptions(employers=employers, persons=args.persons, from_month=args.from_month,
                                          months=args.months, seed=21))
    stages["generate"] = s.figures(contribution_rows=result.contributions,
                                   rows=result.employers + 3 * result.persons + result.contributions)
    _report("generate", stages["generate"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # Baseline: the row-by-row builder on a sample of employers, rolled back; then its sums.
    ids = list(Employer.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // max(1, args.baseline_employers))
    sample = ids[::step][:args.baseline_employers]
    sample_rows = Contribution.objects.filter(employer_id__in=sample).count()
    with _rolled_back(), Stage("baseline") as s:
        dues_build_reference(months=months, actor=job, employer_ids=sample)
        with connection.cursor() as cursor:
            reference = _sums(cursor, sample)
    stages["build_dues_baseline_row_by_row_sample"] = s.figures(contribution_rows=sample_rows)
    _report("baseline (sample)", stages["build_dues_baseline_row_by_row_sample"])

    # What PostgreSQL needs just to read the contribution rows once: the floor of any set-based build.
    with Stage("read contributions") as s, connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), SUM(pension_base_fen + medical_base_fen) FROM registry_contribution")
        cursor.fetchone()
    stages["read_contributions_once"] = s.figures(contribution_rows=result.contributions)
    _report("read contributions", stages["read_contributions_once"])

    with Stage("build dues") as s:
        built = dues_build(months=months, actor=job)
    stages["build_dues"] = s.figures(contribution_rows=result.contributions, dues=built.dues)
    _report("build dues", stages["build_dues"])
    with connection.cursor() as cursor:
        same = _sums(cursor, sample) == reference
        cursor.execute("ANALYZE")
    figures["build_dues_equals_baseline_on_sample"] = same
    speedup = (stages["build_dues"]["contribution_rows_per_second"]
               / max(1, stages["build_dues_baseline_row_by_row_sample"]["contribution_rows_per_second"]))
    figures["build_dues_speedup_over_baseline"] = round(speedup, 1)
    print(f"build dues equals the row-by-row baseline on {len(sample):,} employers: {same}; "
          f"{speedup:.1f}x its rows/s", flush=True)

    as_of = dt.date(int(months[-1][:4]), int(months[-1][5:]), 28) + dt.timedelta(days=60)
    with Stage("assess") as s:
        run = assessment_start(as_of=as_of, actor=job, inline=True).run
    stages["assess"] = s.figures(dues=int(run.dues) if run else 0)
    _report("assess", stages["assess"])

    open_dues = Due.objects.filter(paid_on__isnull=True, amount_fen__gt=0).count()
    with Stage("deduction run") as s:
        deduction = deduction_run_start(actor=job)
    stages["deduction_run"] = s.figures(open_dues=open_dues, items=deduction.items.count())
    _report("deduction run", stages["deduction_run"])

    district = Office.objects.get(code="110105")
    clerk, _ = User.objects.get_or_create(username="bench_scale_clerk",
                                          defaults={"role": "district_clerk", "office": district})
    collector, _ = User.objects.get_or_create(username="bench_scale_collection",
                                              defaults={"role": "collection_clerk",
                                                        "office": Office.objects.exclude(kind="district_center").first()
                                                        or district})
    with Stage("pages") as s:
        client = Client()
        client.force_login(clerk)
        queue = _pages(client, ["/office/queue/", "/office/queue/?page=2"], args.requests)
        client = Client()
        client.force_login(collector)
        biggest = list(Due.objects.values_list("employer_id", flat=True).order_by("-persons")[:5])
        statement = _pages(client, [f"/collection/employers/{e}/" for e in biggest], args.requests)
    stages["queue_page"], stages["statement_page"] = queue, statement
    print(f"{'queue page':<22} p50 {queue['p50_ms']} ms, p95 {queue['p95_ms']} ms", flush=True)
    print(f"{'statement page':<22} p50 {statement['p50_ms']} ms, p95 {statement['p95_ms']} ms", flush=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        figures["database_mb"] = round(cursor.fetchone()[0] / 2**20)
    g, b = stages["generate"], stages["build_dues"]
    server_peak = b.get("server_private_peak_mb", 0)
    met = {
        "generate_rows_per_second": g["contribution_rows_per_second"] >= GENERATE_ROWS_PER_SECOND_MIN,
        "build_dues_seconds": b["seconds"] < build_seconds_max,
        "build_dues_memory_process": b["peak_rss_mb"] < BUILD_MEMORY_MB_MAX,
        "build_dues_memory_server": server_peak < BUILD_MEMORY_MB_MAX,
        "build_dues_equals_baseline": same,
        "durable": durable,
    }
    figures["targets"] = {
        "generate_contribution_rows_per_second_min": GENERATE_ROWS_PER_SECOND_MIN,
        "build_dues_seconds_max": build_seconds_max, "build_dues_seconds_max_at_2M_people": BUILD_SECONDS_AT_2M,
        "build_dues_memory_mb_max": BUILD_MEMORY_MB_MAX, "met": met,
    }
    figures["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    print(f"database {figures['database_mb']:,} MB; load average at the end "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    print(f"targets: generate {g['contribution_rows_per_second']:,} contribution rows/s (>= "
          f"{GENERATE_ROWS_PER_SECOND_MIN:,}: {'met' if met['generate_rows_per_second'] else 'MISSED'}); build dues "
          f"{b['seconds']} s (< {build_seconds_max}: {'met' if met['build_dues_seconds'] else 'MISSED'}), process "
          f"peak {b['peak_rss_mb']} MB and server private peak {server_peak} MB (< {BUILD_MEMORY_MB_MAX}: "
          f"{'met' if met['build_dues_memory_process'] and met['build_dues_memory_server'] else 'MISSED'}); "
          f"equals baseline: {same}; durable: {durable}", flush=True)
    merge_results("scale", figures)
    missed = [k for k, ok in met.items() if not ok]
    if missed:
        print(f"MISSED: {', '.join(missed)}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
