"""Helpers shared by the benchmarks: merging figures into bench/results.json, Django set-up."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def merge_results(key: str, figures: dict) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = figures
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


def django_setup(database_url: str | None = None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")
    os.environ.setdefault("DEBUG", "true")  # a development copy, explicitly (the default is production)
    sys.path.insert(0, str(HERE.parent))
    import django

    django.setup()


def run_on_durable_postgres(script: str) -> None:
    """Without a PostgreSQL DATABASE_URL, re-run ``script`` (with this process's arguments) under a
    throwaway durable server: tests/pgtemp.py --durable (fsync, synchronous_commit and full_page_writes on),
    as production runs; a benchmark of a server never measures a database that may lose commits."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--durable", "--", sys.executable, script,
                                  *sys.argv[1:]])


def durability(connection: object) -> tuple[str, str]:
    """The server's (fsync, synchronous_commit) settings as it reports them, for the benchmark to print."""
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        return fsync, cursor.fetchone()[0]
