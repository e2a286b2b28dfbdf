"""Run a command against a throwaway PostgreSQL server: `python -m tests.pgtemp [--durable] -- pytest ...`.

If DATABASE_URL already names a PostgreSQL server, the command runs against it unchanged.
Otherwise a server is created in a temporary folder (the system's initdb, or the binaries that the
`pgserver` package ships), started on a free loopback port, and removed afterwards, whatever the
command's outcome. For tests its durability is turned off (it is thrown away); `--durable` keeps
PostgreSQL's crash safety on (fsync, synchronous_commit, full_page_writes), as a benchmark of a
server must: an acknowledged commit is then on disk.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def _find_bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    try:
        import pgserver  # type: ignore[import-not-found]

        bindir = Path(pgserver.__file__).parent / "pginstall" / "bin"
        if (bindir / "initdb").exists():
            return bindir
    except ImportError:
        pass
    sys.exit("找不到 PostgreSQL（initdb）。请安装 postgresql，或 pip install pgserver，或设置 DATABASE_URL。")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str]) -> int:
    durable = bool(argv) and argv[0] == "--durable"
    if durable:
        argv = argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.exit("usage: python -m tests.pgtemp -- COMMAND ...")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return subprocess.call(argv)

    bindir = _find_bindir()
    # initdb refuses to run as root: run the server as the `postgres` user (or nobody) instead.
    run_as = None
    if os.geteuid() == 0:
        import pwd

        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                run_as = name
                break
            except KeyError:
                continue
    root = Path(tempfile.mkdtemp(prefix="shebao-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if run_as:
        shutil.chown(root, user=run_as)
        shutil.chown(sock, user=run_as)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "shebao", "--auth=trust", "-E", "UTF8",
                        "--no-locale"], check=True, user=run_as, env=env, stdout=subprocess.DEVNULL)
        safety = ("-c fsync=on -c synchronous_commit=on -c full_page_writes=on" if durable else
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        options = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 {safety} -c max_connections=200 "
                   "-c shared_buffers=256MB")
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"),
                        "-w", "start"], check=True, user=run_as, env=env, stdout=subprocess.DEVNULL)
        child_env = {**os.environ, "DATABASE_URL": f"postgres://shebao@127.0.0.1:{port}/postgres"}
        print(f"[pgtemp] PostgreSQL ({bindir}) on 127.0.0.1:{port}{' (durable)' if durable else ''}", flush=True)
        return subprocess.call(argv, env=child_env)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user=run_as,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
