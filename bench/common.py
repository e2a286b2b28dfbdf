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
