"""The case submission API under load, on a durable PostgreSQL, beside raw pgbench TPC-B on the same server.

The figure promises that an acknowledged submission survives a crash, so the database runs with its
crash safety on (fsync, synchronous_commit, full_page_writes: `tests.pgtemp --durable`, or the server
DATABASE_URL names); the run reads the settings back from the server, prints them, and refuses to
call a non-durable server's figure a result.

The load is a mix, as the district's intake sees it: half monthly-report back-payments (an employer),
a third individual back-payments (the employer, a person and a period), the rest refunds applied for
by a person. Every tenth request repeats the one before it with the same Idempotency-Key (a client's
retry, possibly racing the first on another connection). 32 keep-alive connections come from wrk
(Debian's `wrk`, C with a Lua script): a load generator that is not Python threads, so it neither
shares the interpreter's lock nor flatters the server. The server is granian, 2 processes x 2 threads,
each process with Django's connection pool.

In the same run and on the same server, raw pgbench TPC-B (scale 32, 32 clients) gives the
database's own ceiling; the target is a submission rate of at least 12 % of its tps, p99 under
200 ms, and nothing lost or doubled: every acknowledged submission is a row, every row a distinct
key that was sent, counted in the database afterwards. The run exits 1 when any of it is missed.

    python bench/bench_cases_api.py [--seconds 30] [--connections 32] [--workers 2] [--threads 2]
                                    [--server-side-binding]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import merge_results

ROOT = Path(__file__).resolve().parent.parent
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
SHOWN = (*DURABLE, "wal_sync_method", "wal_level", "shared_buffers", "max_connections", "server_version")

# The wrk script: the mixed bodies, a unique key per submission (thread, counter), every tenth request
# a retry of the one before; each thread writes the Location of every acknowledged answer to a file,
# so the database can be checked against the answers afterwards.
LUA = r"""
local bodies = { %(bodies)s }
local auth = "%(auth)s"
local prefix = "%(prefix)s"
local outdir = "%(outdir)s"
local threads = {}
local counter, previous, out = 0, nil, nil
tid, s201, s200, other, sent = 0, 0, 0, 0, 0  -- globals: setup() sets tid, done() reads the counts

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  out = io.open(outdir .. "/acks-" .. tid .. ".txt", "w")
end

function request()
  counter = counter + 1
  if counter %% 10 == 0 and previous ~= nil then
    return previous
  end
  local kind = counter %% 6
  local body = bodies[1]
  if kind >= 3 and kind < 5 then body = bodies[2] elseif kind == 5 then body = bodies[3] end
  sent = sent + 1
  previous = wrk.format("POST", "/api/v1/cases/", {
    ["Content-Type"] = "application/json", ["Authorization"] = auth,
    ["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. counter}, body)
  return previous
end

function response(status, headers, body)
  if status == 201 or status == 200 then
    if status == 201 then s201 = s201 + 1 else s200 = s200 + 1 end
    local id = string.match(body, '^{"id":(%%d+)')
    out:write(status, " ", id or "?", "\n")
  else
    other = other + 1
    if other <= 3 then io.stderr:write(status, " ", body, "\n") end
  end
end

function done(summary, latency, requests)
  local a, b, o, n = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s201"); b = b + t:get("s200"); o = o + t:get("other"); n = n + t:get("sent")
  end
  io.write(string.format(
    'WRK {"requests": %%d, "seconds": %%.3f, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"created_201": %%d, "replayed_200": %%d, "other": %%d, "distinct_keys_sent": %%d, "socket_errors": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, a, b, o, n,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_cpu_seconds(sid: int) -> float:
    """User + system CPU seconds of every live process in a session (the server and its workers), from
    /proc: the server's own cost per submission, whatever else the machine is running."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # field 6 of stat, the session id, counted after the command name
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _pg_bindir() -> Path:
    from tests.pgtemp import _find_bindir

    return _find_bindir()


def _pgbench(url: str, *, clients: int, seconds: int, scale: int) -> dict:
    """Raw pgbench TPC-B (its built-in script) on a database of its own on the same server."""
    u = urlparse(url)
    conn = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    bindir = _pg_bindir()
    env = {**os.environ, "PGPASSWORD": u.password or ""}
    subprocess.run([str(bindir / "createdb"), *conn, "pgbench_tpcb"], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([str(bindir / "pgbench"), *conn, "-i", "-q", "-s", str(scale), "pgbench_tpcb"], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = subprocess.run([str(bindir / "pgbench"), *conn, "-c", str(clients), "-j", "2", "-T", str(seconds),
                          "-n", "pgbench_tpcb"], env=env, check=True, capture_output=True, text=True)
    tps = re.search(r"tps = ([\d.]+)", run.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", run.stdout)
    return {"script": "TPC-B (pgbench built-in), simple protocol", "scale": scale, "clients": clients,
            "threads": 2, "seconds": seconds, "tps": float(tps.group(1)) if tps else 0.0,
            "latency_avg_ms": float(latency.group(1)) if latency else None}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="granian processes")
    parser.add_argument("--threads", type=int, default=2, help="application threads per process")
    parser.add_argument("--server-side-binding", action="store_true",
                        help="psycopg server-side binding with prepared statements (SHEBAO_DB_SERVER_SIDE_BINDING)")
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    args, _ = parser.parse_known_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--durable", "--",
                                  sys.executable, __file__, *sys.argv[1:]])
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk)")

    tmp = tempfile.mkdtemp(prefix="shebao-bench-cases-")
    os.environ["SHEBAO_VAR_DIR"] = tmp
    # Production settings: DEBUG off (no query log), the pool sized to the threads of a process.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["SHEBAO_DB_POOL"] = "true"
    os.environ["SHEBAO_DB_POOL_MIN"] = os.environ["SHEBAO_DB_POOL_MAX"] = str(args.threads)
    # This process (the migration, the set-up, the count afterwards) binds on the client: a migration's
    # DDL with parameters (the contribution partitions) cannot be prepared on the server. Only the
    # server measured takes --server-side-binding.
    os.environ["SHEBAO_DB_SERVER_SIDE_BINDING"] = "false"
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the benchmark's server speaks plain HTTP
    from common import django_setup

    django_setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        settings_shown = {}
        for name in SHOWN:
            cursor.execute(f"SHOW {name}")
            settings_shown[name] = cursor.fetchone()[0]
    durable = all(settings_shown[k] == v for k, v in DURABLE.items())

    from tests import personas

    from shebao.cases.models import Case
    from shebao.staff.services import api_token_create

    suffix = secrets.token_hex(3)
    clerk = personas.make_staff(f"bench_clerk_{suffix}", role=personas.Role.DISTRICT_CLERK, office_code="110105")
    serial = int(suffix, 16) % 10**6
    employer = personas.make_employer(f"基准测试单位{suffix}", serial=serial)
    person = personas.make_person("基准测试", serial=serial % 900 + 1, birth=dt.date(1980, 3, 1),
                                  phone="13800138000")
    _token, key = api_token_create(actor=personas.SETUP, user=clerk, name="bench")
    from tests.cases.conftest import with_content

    bodies = with_content([
        {"business": "monthly_report_back_payment", "channel": "online", "employer": employer.pk,
         "applied_on": "2020-02-10", "contact_phone": "13800138000"},
        {"business": "individual_back_payment", "channel": "online", "applicant_kind": "employer",
         "employer": employer.pk, "person": person.pk, "applied_on": "2020-02-10",
         "facts": {"period": {"from": "2019-03", "to": "2019-06"}}, "contact_phone": "13800138000"},
        {"business": "refund", "channel": "online", "applicant_kind": "person", "person": person.pk,
         "applied_on": "2020-02-10", "facts": {"refund_kind": "overpayment"}, "contact_phone": "13800138000"},
    ], employer=employer, person=person)
    before = Case.objects.count()
    url = os.environ["DATABASE_URL"]
    connection.close()

    port = _free_port()
    bindir = Path(sys.executable).parent
    command = [str(bindir / "granian"), "--interface", "wsgi", "--workers", str(args.workers),
               "--blocking-threads", str(args.threads), "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--no-ws", "shebao.config.wsgi:application"]
    server_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shebao.config.settings",
                  "SHEBAO_DB_SERVER_SIDE_BINDING": "true" if args.server_side_binding else "false"}
    server = subprocess.Popen(command, cwd=ROOT, env=server_env,
                              start_new_session=True)
    auth = f"Bearer {key}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/api/v1/cases/workflows/", headers={"Authorization": auth})
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                print("granian did not start", file=sys.stderr)
                return 1
            time.sleep(0.3)
        # Each body once through every worker before the clock starts: the policy loaded, the pool filled.
        for i in range(8 * args.workers):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("POST", "/api/v1/cases/", json.dumps(bodies[i % 3]),
                      headers={"Authorization": auth, "Content-Type": "application/json",
                               "Idempotency-Key": f"{suffix}-warm-{i}"})
            response = c.getresponse()
            assert response.status == 201, (response.status, response.read()[:500])
            response.read()
        warm = 8 * args.workers

        prefix = f"{suffix}-run"
        lua = LUA % {"bodies": ", ".join(json.dumps(json.dumps(b, ensure_ascii=False), ensure_ascii=False)
                                         for b in bodies),
                     "auth": auth, "prefix": prefix, "outdir": tmp}
        script = Path(tmp) / "submit.lua"
        script.write_text(lua, encoding="utf-8")
        load_at_start = round(os.getloadavg()[0], 1)
        cpu_before = _session_cpu_seconds(server.pid)
        run = subprocess.run(["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s",
                              "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=False)
        server_cpu = _session_cpu_seconds(server.pid) - cpu_before
        line = next((x for x in run.stdout.splitlines() if x.startswith("WRK ")), None)
        if line is None:
            print(run.stdout, run.stderr, file=sys.stderr)
            return 1
        load = json.loads(line[4:])
        if run.stderr.strip():
            print(run.stderr.strip()[:2000], file=sys.stderr)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    # Nothing lost, nothing doubled: counted in the database, against the answers.
    acked: dict[int, int] = {}
    for f in Path(tmp).glob("acks-*.txt"):
        for row in f.read_text().splitlines():
            status, pk_text = row.split(" ", 1)
            pk = int(pk_text)
            acked[pk] = max(acked.get(pk, 0), int(status))
    rows = dict(Case.objects.filter(idempotency_key__startswith=f"{prefix}-").values_list("pk", "idempotency_key"))
    created = Case.objects.count() - before - warm
    lost = sorted(set(acked) - set(rows))
    doubled = len(rows) - len(set(rows.values()))
    connection.close()

    pgbench = _pgbench(url, clients=args.connections, seconds=args.pgbench_seconds, scale=32)
    rate = load["requests"] / load["seconds"]
    submitted = (load["created_201"] + load["replayed_200"]) / load["seconds"]
    figures = {
        "database": "postgresql",
        "database_settings": settings_shown,
        "database_durable": durable,
        "server": f"granian --interface wsgi, {args.workers} processes x {args.threads} threads",
        "connection_pool": f"Django OPTIONS['pool'], {args.threads} per process",
        "server_side_binding": args.server_side_binding,
        "load_generator": f"wrk (C, Lua script), 2 threads, {args.connections} keep-alive connections",
        "workload": "1/2 monthly_report_back_payment, 1/3 individual_back_payment (person, period), "
                    "1/6 refund (person); every 10th request a retry with the same Idempotency-Key",
        "seconds": load["seconds"],
        "requests": load["requests"],
        "requests_per_s": round(rate, 1),
        "answered_per_s": round(submitted, 1),
        "p50_ms": load["p50_us"] / 1000, "p90_ms": load["p90_us"] / 1000, "p99_ms": load["p99_us"] / 1000,
        "max_ms": load["max_us"] / 1000,
        "created_201": load["created_201"], "replayed_200": load["replayed_200"], "other_status": load["other"],
        "socket_errors": load["socket_errors"],
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, load["requests"]), 1),
        "machine_load_average_1min": round(os.getloadavg()[0], 1),
        "machine_load_average_1min_at_start": load_at_start,
        "distinct_keys_sent": load["distinct_keys_sent"],
        "rows_for_keys_sent": len(rows),
        "rows_created": created,
        "acknowledged_without_row": len(lost),
        "keys_with_two_rows": doubled,
        "rows_created_equal_rows_for_keys": created == len(rows),
        "pgbench": pgbench,
        "submissions_to_pgbench_tps": round(submitted / pgbench["tps"], 3) if pgbench["tps"] else None,
        "cpus": os.cpu_count(),
        "target": "durable; answered_per_s >= 12% of pgbench tps; p99_ms < 200; nothing lost or doubled",
    }
    figures["target_met"] = bool(
        durable and pgbench["tps"] and submitted >= 0.12 * pgbench["tps"] and figures["p99_ms"] < 200
        and not lost and not doubled and load["other"] == 0 and created == len(rows))
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    merge_results("cases_api", figures)
    shutil.rmtree(tmp, ignore_errors=True)
    # A missed target is a failed run (the project's rule for benchmarks), as a lost or doubled case is.
    if not figures["target_met"]:
        print(f"target missed: {submitted:.1f} answered/s is {100 * (figures['submissions_to_pgbench_tps'] or 0):.1f}% "
              f"of pgbench's {pgbench['tps']:.0f} tps (12% needed), p99 {figures['p99_ms']:.0f} ms (< 200 needed); "
              f"load average {figures['machine_load_average_1min']} on {figures['cpus']} CPUs", file=sys.stderr)
    return 0 if figures["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
