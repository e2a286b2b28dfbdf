"""CPU time of one case submission through the real HTTP stack, in one process, with a cProfile list.

The machine these benches run on is shared, so wall time says little; this harness measures the
process's own CPU time (`time.process_time`) per submission. It sends bench_cases_api.py's mixed
workload (1/2 monthly-report back-payments, 1/3 individual back-payments with a person and a
period, 1/6 person refunds, every 10th request a retry with the same Idempotency-Key) N times
through Django's WSGI handler (middleware, DRF, the token's authentication, the service, the ORM)
against PostgreSQL (`tests.pgtemp --durable`, started by itself when DATABASE_URL names none),
with DEBUG off, as the server runs. It prints CPU ms per submission (all, and per request shape)
and the top of a cProfile list (timed in CPU time) sorted by cumulative time.

    python bench/profile_cases_api.py [-n 600] [--top 40] [--no-profile] [--sort tottime] [--dump FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=600, help="submissions measured (after a warm-up)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true", help="CPU figures only (no profiler overhead)")
    parser.add_argument("--server-side-binding", action="store_true")
    parser.add_argument("--dump", help="also write the profile's stats to this file (pstats)")
    parser.add_argument("--queries", action="store_true",
                        help="also print the SQL of one request of each shape (new and retried)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--durable", "--",
                                  sys.executable, __file__, *sys.argv[1:]])
    import tempfile

    os.environ["SHEBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="shebao-profile-cases-")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    if args.server_side_binding:
        # Migrated first by a process binding on the client: a migration's DDL with parameters (the
        # contribution partitions) cannot be prepared on the server.
        import subprocess

        subprocess.run([sys.executable, "-m", "shebao", "migrate", "-v", "0"], check=True,
                       env={**os.environ, "SHEBAO_DB_SERVER_SIDE_BINDING": "false"})
    os.environ["SHEBAO_DB_SERVER_SIDE_BINDING"] = "true" if args.server_side_binding else "false"
    from common import django_setup

    django_setup()
    import datetime as dt

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.test.client import RequestFactory

    call_command("migrate", verbosity=0)
    from tests import personas

    from shebao.staff.services import api_token_create

    suffix = secrets.token_hex(3)
    clerk = personas.make_staff(f"prof_clerk_{suffix}", role=personas.Role.DISTRICT_CLERK, office_code="110105")
    serial = int(suffix, 16) % 10**6
    employer = personas.make_employer(f"剖析单位{suffix}", serial=serial)
    person = personas.make_person("剖析测试", serial=serial % 900 + 1, birth=dt.date(1980, 3, 1), phone="13800138000")
    _token, key = api_token_create(actor=personas.SETUP, user=clerk, name="profile")
    from tests.cases.conftest import with_content

    shapes = {
        "monthly_report": {"business": "monthly_report_back_payment", "channel": "online", "employer": employer.pk,
                           "applied_on": "2020-02-10", "contact_phone": "13800138000"},
        "individual": {"business": "individual_back_payment", "channel": "online", "applicant_kind": "employer",
                       "employer": employer.pk, "person": person.pk, "applied_on": "2020-02-10",
                       "facts": {"period": {"from": "2019-03", "to": "2019-06"}}, "contact_phone": "13800138000"},
        "refund": {"business": "refund", "channel": "online", "applicant_kind": "person", "person": person.pk,
                   "applied_on": "2020-02-10", "facts": {"refund_kind": "overpayment"},
                   "contact_phone": "13800138000"},
    }
    shapes = dict(zip(shapes, with_content(list(shapes.values()), employer=employer, person=person), strict=True))
    bodies = {name: json.dumps(body).encode() for name, body in shapes.items()}
    app = WSGIHandler()
    factory = RequestFactory()

    def plan(n: int, tag: str) -> list[tuple[str, str]]:
        """(shape, key) per request, in bench_cases_api.py's order: counter % 6 picks the shape,
        every 10th request repeats the one before (same shape, same key)."""
        out: list[tuple[str, str]] = []
        for counter in range(1, n + 1):
            if counter % 10 == 0 and out:
                out.append(("retry:" + out[-1][0].removeprefix("retry:"), out[-1][1]))
                continue
            kind = counter % 6
            shape = "individual" if 3 <= kind < 5 else "refund" if kind == 5 else "monthly_report"
            out.append((shape, f"{tag}-{counter}"))
        return out

    def send(shape: str, idem: str) -> int:
        body = bodies[shape.removeprefix("retry:")]
        environ = factory.post("/api/v1/cases/", data=body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=idem,
                               REMOTE_ADDR="127.0.0.1").environ
        status: list[str] = []
        chunks = app(environ, lambda s, h, *a: status.append(s))
        b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(status[0].split()[0])

    for shape, idem in plan(60, f"{suffix}-warm"):
        code = send(shape, idem)
        assert code in (200, 201), (shape, code)

    if args.queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for shape in (*bodies, *(f"retry:{name}" for name in bodies)):
            idem = f"{suffix}-queries-{shape.removeprefix('retry:')}"
            with CaptureQueriesContext(connection) as captured:
                code = send(shape, idem)
            print(f"--- {shape}: {code}, {len(captured.captured_queries)} statements")
            for q in captured.captured_queries:
                print("   ", q["sql"][:300])

    requests = plan(args.n, f"{suffix}-run")
    per_shape: dict[str, list[float]] = {}
    # The profiler's clock is CPU time too: waits on the database's fsync are not the code's cost.
    profiler = None if args.no_profile else cProfile.Profile(time.process_time)
    total_start = time.process_time()
    wall_start = time.perf_counter()
    for shape, idem in requests:
        start = time.process_time()
        if profiler:
            profiler.enable()
        code = send(shape, idem)
        if profiler:
            profiler.disable()
        per_shape.setdefault(shape, []).append(time.process_time() - start)
        expected = 200 if shape.startswith("retry:") else 201
        assert code == expected, (shape, code)
    total = time.process_time() - total_start
    wall = time.perf_counter() - wall_start
    print(f"submissions: {len(requests)}  profiler: {'on' if profiler else 'off'}  "
          f"load average: {os.getloadavg()[0]:.1f}")
    print(f"CPU ms per submission (all): {total * 1000 / len(requests):.2f}   wall ms: {wall * 1000 / len(requests):.2f}")
    for shape, times in sorted(per_shape.items()):
        times.sort()
        print(f"  {shape:24s} n={len(times):4d}  mean {sum(times) * 1000 / len(times):6.2f} ms  "
              f"median {times[len(times) // 2] * 1000:6.2f} ms")
    if profiler:
        out = io.StringIO()
        if args.dump:
            profiler.dump_stats(args.dump)
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
