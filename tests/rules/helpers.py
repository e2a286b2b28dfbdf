"""Shared helpers for the rules tests: example files and application builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"


def jsonl(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def back_payment(
    *, applied_on: str = "2020-02-10", frm: str = "2018-01", to: str = "2019-06", gender: str = "male",
    birth: str = "1975-05-01", account: str = "general", months: int = 130, **extra: Any,
) -> dict[str, Any]:
    app = {
        "business": "individual_back_payment", "applied_on": applied_on,
        "person": {"gender": gender, "birth_date": birth, "account_type": account, "beijing_pension_months": months},
        "period": {"from": frm, "to": to},
    }
    app.update(extra)
    return app
