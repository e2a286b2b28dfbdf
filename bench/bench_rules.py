"""Benchmark of shebao.rules: single decisions, the table path, the commands and late fees.

Run: ``.venv/bin/python bench/bench_rules.py [--quick]``. Prints sizes and ratios against a
baseline measured in the same run, and merges its figures into bench/results.json under "rules".
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np

from shebao.rules import decide, decide_table, late_fee_for_due, late_fees, load_policy
from shebao.rules.facts import columns_from_rows, encode_application

DATA = ROOT / "tests" / "data"


def _examples() -> list[dict[str, Any]]:
    return [json.loads(x) for x in (DATA / "decision-examples.jsonl").read_text().splitlines() if x.strip()]


def _fee_examples() -> list[dict[str, Any]]:
    return [json.loads(x) for x in (DATA / "late-fee-examples.jsonl").read_text().splitlines() if x.strip()]


def _timed(fn: Any, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_single(n: int) -> dict[str, Any]:
    apps = [{k: v for k, v in a.items() if k not in ("policy", "id")} for a in _examples() if a["id"] != "p19"]
    policy = load_policy()
    for a in apps:
        decide(a, policy)
    t = _timed(lambda: [decide(apps[i % len(apps)], policy) for i in range(n)])
    t_explain = _timed(lambda: [decide(apps[i % len(apps)], policy, explain=True) for i in range(n // 4)])
    return {"decisions": n, "us_per_decision": t / n * 1e6, "decisions_per_s": n / t,
            "us_per_decision_with_trace": t_explain / (n // 4) * 1e6}


def _random_rows(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    apps = [{k: v for k, v in a.items() if k not in ("policy", "id")} for a in _examples() if a["id"] != "p19"]
    base = columns_from_rows([encode_application(a) for a in apps])
    pick = rng.integers(0, len(apps), n)
    cols = {k: v[pick].copy() for k, v in base.items()}
    cols["applied_on"] = cols["applied_on"] + rng.integers(-30, 30, n)
    cols["beijing_pension_months"] = np.where(cols["beijing_pension_months"] >= 0,
                                              rng.integers(0, 300, n), cols["beijing_pension_months"])
    # keep periods strictly before the month of application
    cols["period_from"] = cols["period_from"] - rng.integers(0, 40, n) * cols["has_period"] - 2 * cols["has_period"]
    cols["period_to"] = np.maximum(cols["period_from"], cols["period_to"] - 2 * cols["has_period"])
    return cols


def bench_table(n: int) -> dict[str, Any]:
    policy = load_policy()
    cols = _random_rows(n)
    decide_table({k: v[:1000] for k, v in cols.items()}, policy)
    t = _timed(lambda: decide_table(cols, policy))
    # Baseline in the same run: the scalar evaluator over a sample of the same rows.
    from shebao.rules.dates import SCALAR
    from shebao.rules.decision import _core
    from shebao.rules.facts import INPUT_ORDER
    from shebao.rules.tables import compile_tables

    compiled = compile_tables(policy)
    sample = 20_000
    rows = [dict(zip(INPUT_ORDER, r)) for r in zip(*(cols[k][:sample].tolist() for k in INPUT_ORDER))]
    tb = _timed(lambda: [_core(dict(r), compiled, SCALAR) for r in rows], repeat=1)
    return {"rows": n, "rows_per_s": n / t, "seconds": t, "scalar_loop_rows_per_s": sample / tb,
            "ratio_vs_scalar_loop": (n / t) / (sample / tb)}


def _command(cmd: str, text: str) -> float:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "shebao", cmd], check=False, input=text, capture_output=True, text=True,
                          cwd=ROOT)
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1) or proc.stderr:
        raise SystemExit(f"shebao {cmd} failed: {proc.stderr[-2000:]}")
    return elapsed


def bench_commands(n: int) -> dict[str, Any]:
    rnd = random.Random(2)
    ex = _examples()
    dec_lines = []
    for i in range(n):
        a = dict(rnd.choice(ex))
        a["id"] = f"a{i}"
        dec_lines.append(json.dumps(a, ensure_ascii=False))
    fex = _fee_examples()
    fee_lines = []
    for i in range(n):
        f = dict(rnd.choice(fex))
        f["id"] = f"f{i}"
        f["amount_fen"] = rnd.randrange(0, 5_000_000)
        fee_lines.append(json.dumps(f))
    empty = _command("decide", "")
    td = min(_command("decide", "\n".join(dec_lines) + "\n") for _ in range(2))
    tf = min(_command("late_fee", "\n".join(fee_lines) + "\n") for _ in range(2))
    return {"lines": n, "startup_s": empty, "decide_lines_per_s": n / td, "decide_s": td,
            "late_fee_lines_per_s": n / tf, "late_fee_s": tf}


def bench_late_fees(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    policy = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})
    months = rng.integers(np.datetime64("2019-01", "M").astype(int), np.datetime64("2021-01", "M").astype(int), n)
    amounts = rng.integers(0, 10_000_000, n)
    days = rng.integers(np.datetime64("2019-01-01", "D").astype(int), np.datetime64("2021-12-31", "D").astype(int), n)
    t = _timed(lambda: late_fees(months, amounts, days, policy))
    sample = 20_000
    ms = [str(np.datetime64(int(m), "M")) for m in months[:sample]]
    ds = [np.datetime64(int(d), "D").astype(object) for d in days[:sample]]
    am = amounts[:sample].tolist()
    tb = _timed(lambda: [late_fee_for_due(ms[i], am[i], paid_on=ds[i], policy=policy) for i in range(sample)],
                repeat=1)
    return {"rows": n, "rows_per_s": n / t, "scalar_loop_rows": sample, "scalar_loop_rows_per_s": sample / tb,
            "ratio_vs_scalar_loop": (n / t) / (sample / tb)}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    scale = 10 if quick else 1
    results = {
        "single_decision": bench_single(20_000 // scale),
        "table_path": bench_table(1_000_000 // scale),
        "commands": bench_commands(100_000 // scale),
        "late_fee_batch": bench_late_fees(1_000_000 // scale),
        "python": sys.version.split()[0],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    s, t, c, f = (results[k] for k in ("single_decision", "table_path", "commands", "late_fee_batch"))

    def target(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print(f"single decision: {s['us_per_decision']:.1f} us with explanation ({s['decisions']} decisions); "
          f"baseline in this run, the full trace: {s['us_per_decision_with_trace']:.1f} us "
          f"({s['us_per_decision_with_trace'] / s['us_per_decision']:.1f}x slower) "
          f"(target < 50 us: {target(s['us_per_decision'] < 50)})")
    print(f"table path: {t['rows_per_s'] / 1e6:.2f} M rows/s on {t['rows']} rows; "
          f"{t['ratio_vs_scalar_loop']:.0f}x the scalar loop ({t['scalar_loop_rows_per_s']:.0f} rows/s) "
          f"(target > 5 M: {target(t['rows_per_s'] > 5e6)})")
    print(f"shebao decide: {c['decide_lines_per_s']:.0f} lines/s on {c['lines']} lines ({c['decide_s']:.2f} s, "
          f"start-up {c['startup_s']:.2f} s); {c['decide_lines_per_s'] / s['decisions_per_s']:.1f}x decide() "
          f"one by one in-process (target >= 20000: {target(c['decide_lines_per_s'] >= 20000)})")
    print(f"shebao late_fee: {c['late_fee_lines_per_s']:.0f} lines/s on {c['lines']} lines ({c['late_fee_s']:.2f} s) "
          f"(keep >= 20000: {target(c['late_fee_lines_per_s'] >= 20000)})")
    print(f"late fees batch: {f['rows_per_s'] / 1e6:.2f} M rows/s on {f['rows']} rows; "
          f"{f['ratio_vs_scalar_loop']:.0f}x the scalar loop ({f['scalar_loop_rows_per_s']:.0f} rows/s)")
    out = ROOT / "bench" / "results.json"
    data = json.loads(out.read_text()) if out.is_file() else {}
    data["rules"] = results
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
