"""The case submission API under load: 32 concurrent clients against the WSGI server on 127.0.0.1.

Some clients retry with the same Idempotency-Key (right after, and two clients at once with one key);
the run checks that the number of applications equals the number of distinct keys, and measures
a baseline in the same run (the cheapest authenticated call, same clients and server). Clients call
with an API key and give a contact number, so each submission also queues its notification. The 32
clients are keep-alive connections driven from one thread (bench/httpload.py), so the load generator
takes little of the 2 cores it shares with the server. The server is granian, 2 processes x 2 threads
(the README's production set-up; --server gunicorn compares). Runs on PostgreSQL (DATABASE_URL, or a
throwaway server from tests/pgtemp.py), or with --sqlite on SQLite in a temporary folder.
Target: >= 300 submissions/s with p99 < 200 ms on PostgreSQL.

    python bench/bench_cases_api.py [--clients 32] [--requests 60] [--server granian|gunicorn]
                                    [--workers N] [--threads N] [--sqlite]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import merge_results
from httpload import Request, drive

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _baseline(port: int, headers: dict[str, str], *, clients: int, requests: int) -> float:
    """Requests per second of the cheapest authenticated API call through the same stack: the ceiling
    that the request handling alone leaves, against which the submission's own cost shows."""
    call = Request("GET", "/api/v1/cases/workflows/", headers=tuple(headers.items()))
    started = time.perf_counter()
    results = drive(port, [[call] * requests for _ in range(clients)])
    assert all(r.status == 200 for r in results)
    return clients * requests / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=60, help="submissions per client")
    # granian (HTTP in Rust, the application in Python): measured best on the 2-core box with one
    # process per core and two application threads each (one runs while the other waits on the
    # database). gunicorn (gthread) for comparison: 3 x 2.
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    parser.add_argument("--workers", type=int, help="processes (default: cores for granian, cores + 1 for gunicorn)")
    parser.add_argument("--threads", type=int, default=2, help="application threads per process")
    parser.add_argument("--warmup", type=int, default=3, help="untimed submissions per client first")
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite instead of PostgreSQL")
    args, _ = parser.parse_known_args()
    cores = os.cpu_count() or 2
    args.workers = args.workers or (cores if args.server == "granian" else cores + 1)
    if not args.sqlite and not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--", sys.executable, __file__, *sys.argv[1:]])

    tmp = tempfile.mkdtemp(prefix="shebao-bench-cases-")
    if args.sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["SHEBAO_VAR_DIR"] = tmp
    # Production settings: DEBUG off (no query log, no static-file rescans on every request).
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    from common import django_setup

    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tests import personas

    from shebao.cases.models import Case

    suffix = secrets.token_hex(3)
    clerk = personas.make_staff(f"bench_clerk_{suffix}", role=personas.Role.DISTRICT_CLERK, office_code="110105")
    employer = personas.make_employer(f"基准测试单位{suffix}", serial=int(suffix, 16) % 10**8)
    before = Case.objects.count()

    # Clients are systems calling with an API key (the intake platform's way in), as in production.
    from shebao.staff.services import api_token_create

    _token, key = api_token_create(actor=None, user=clerk, name="bench")
    vendor = connection.vendor
    connection.close()

    port = _free_port()
    bindir = Path(sys.executable).parent
    if args.server == "granian":
        command = [str(bindir / "granian"), "--interface", "wsgi", "--workers", str(args.workers),
                   "--blocking-threads", str(args.threads), "--host", "127.0.0.1", "--port", str(port),
                   "--log-level", "warning", "--no-ws", "shebao.config.wsgi:application"]
    else:
        command = [shutil.which("gunicorn", path=str(bindir)) or "gunicorn", "shebao.config.wsgi:application",
                   "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads), "--keep-alive", "30",
                   "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "256"]
    server = subprocess.Popen(
        command,
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "shebao.config.settings"},
        start_new_session=True,
    )
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    try:
        deadline = time.time() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/api/v1/cases/workflows/", headers=headers)
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                print(f"{args.server} did not start", file=sys.stderr)
                return 1
            time.sleep(0.3)

        # A contact number: each submission also queues its notification (outbox), as real ones do.
        body = json.dumps({"business": "monthly_report_back_payment", "channel": "online",
                           "employer": employer.pk, "applied_on": "2020-02-10", "contact_phone": "13800138000"})
        hdrs = tuple(headers.items())

        def submission(key: str) -> Request:
            return Request("POST", "/api/v1/cases/", body.encode(), (*hdrs, ("Idempotency-Key", key)), tag=key)

        # Warm-up, not timed: each worker loads the policy and prepares its statements once.
        warm = drive(port, [[submission(f"{suffix}-w{t}-{w}") for w in range(args.warmup)]
                            for t in range(args.clients)])
        plans = []
        for t in range(args.clients):
            plan = []
            for j in range(args.requests):
                # Every 4th key is shared with the partner client (two submissions racing on one key);
                # every 5th submission is retried at once with the same key.
                key = f"{suffix}-p{t // 2}-{j}" if j % 4 == 0 else f"{suffix}-c{t}-{j}"
                plan += [submission(key)] * (2 if j % 5 == 0 else 1)
            plans.append(plan)
        started = time.perf_counter()
        results = drive(port, plans)
        wall = time.perf_counter() - started
        latencies = [r.seconds for r in results]
        statuses: dict[int, int] = {}
        for r in results:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        keys = {r.tag for r in (*warm, *results)}
        baseline_per_s = _baseline(port, headers, clients=args.clients, requests=args.requests)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    applications = Case.objects.count() - before
    figures = {
        "database": vendor,
        "clients": args.clients,
        "server": args.server,
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "requests": len(latencies),
        "warmup_requests_untimed": len(warm),
        "client": "one thread, non-blocking keep-alive connections (bench/httpload.py)",
        "seconds": round(wall, 2),
        "submissions_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "distinct_keys": len(keys),
        "applications": applications,
        "applications_equal_distinct_keys": applications == len(keys),
        "cpus": os.cpu_count(),
        "baseline": "GET /api/v1/cases/workflows/ by the same clients and server (key check, DRF, no writes)",
        "baseline_per_s": round(baseline_per_s, 1),
        "submissions_to_baseline_ratio": round(len(latencies) / wall / baseline_per_s, 3),
        "target": "submissions_per_s >= 300 and p99_ms < 200 (PostgreSQL, 32 clients)",
    }
    figures["target_met"] = figures["submissions_per_s"] >= 300 and figures["p99_ms"] < 200
    print(json.dumps(figures, indent=2))
    merge_results("cases_api", figures)
    shutil.rmtree(tmp, ignore_errors=True)
    ok = applications == len(keys) and set(statuses) <= {200, 201}
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
