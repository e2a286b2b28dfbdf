"""Mutation run of the rules core and the money code of collection: ``make mutation``.

    python -m tests.mutation [FILE ...] [--sample N] [--seed S] [--jobs J] [--rerun-survivors]

Each mutant (see :mod:`tests.mutation.generator`) is written into a private copy of ``src/`` and
``tests/`` and tested by ``pytest -x`` in a fresh process, with its own temporary folder (so the
on-disk cache of parsed packs starts empty), no bytecode cache and nothing imported beforehand:
nothing filled by the unmutated code can hide a mutant. A mutant is killed when its tests fail or
time out. Results are appended to ``var/mutation/results.jsonl`` (a run can be stopped and resumed;
``--fresh`` starts over) and the figures printed: per file the mutants tried, killed, survived and
judged equivalent (``tests/mutation/equivalents.md``, each with its reason), and the kill rate of the
behaviour-changing ones, ``killed / (tried - equivalent)``. The run fails below ``--threshold``.

Which tests a file's mutants meet, sharpest and fastest first (``-x`` stops at the first failure):
``TARGETS`` below.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.mutation.generator import Mutant, mutants, original

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "var" / "mutation" / "results.jsonl"
EQUIVALENTS = Path(__file__).with_name("equivalents.md")

# The rules' tests need neither Django nor the project's fixtures: plain pytest starts in a second.
# The mutants meet the rules' example and value tests; the Hypothesis property tests, the CLI's and
# the slower tests of other modules are left out to keep a run within hours, so the kill rates
# printed are lower bounds for the whole suite.
_RULES_ORDER = ("test_calendar.py", "test_late_fee_forms.py", "test_thresholds.py", "test_tables.py",
                "test_explain.py", "test_scenarios.py", "test_boundaries.py", "test_examples.py", "test_pack_loader.py",
                "test_pack_cache.py", "test_working_days.py", "test_pack_validation.py")
_RULES = ("-p", "no:django", "--noconftest")
_COLLECTION = ("tests/collection/test_money_code.py", "tests/collection/test_late_fees_and_assessment.py",
               "tests/collection/test_payments_and_ledger.py")


def _rules_tests(first: tuple[str, ...]) -> tuple[str, ...]:
    present = {p.name for p in (ROOT / "tests" / "rules").glob("test_*.py")}
    ordered = [n for n in dict.fromkeys([*first, *_RULES_ORDER]) if n in present]
    return _RULES + tuple(f"tests/rules/{n}" for n in ordered)


# File -> its tests (the rules' tests: the test files to run first, then the others).
TARGETS: dict[str, tuple[str, ...]] = {
    "src/shebao/rules/dates.py": ("rules", "test_calendar.py"),
    "src/shebao/rules/late_fee.py": ("rules", "test_late_fee_forms.py"),
    "src/shebao/rules/tables.py": ("rules", "test_tables.py", "test_pack_validation.py", "test_thresholds.py",
                                   "test_explain.py"),
    "src/shebao/rules/facts.py": ("rules", "test_facts_declared.py", "test_examples.py", "test_scenarios.py",
                                  "test_explain.py"),
    # the pension rule (review-user4 U4): its examples and the adjustment-date properties
    "src/shebao/rules/pension.py": ("tests/rules/test_pension_inputs.py", "tests/rules/test_pension_adjustment_dates.py",
                                    "tests/rules/test_pension.py", "tests/rules/test_pension_test_packs.py",
                                    "tests/rules/test_pension_index.py"),
    "src/shebao/collection/ledger.py": _COLLECTION,
    "src/shebao/collection/assessment.py": _COLLECTION,
    # relief packs as known on the business day (issue 19): the day filter, the re-relief rule and the
    # loader's check, met by their examples and properties first, then the 2020 pack's boundaries
    "src/shebao/rules/relief.py": (*_RULES, "tests/rules/test_relief_known.py", "tests/rules/test_relief.py"),
    # the size calculator's reading of a typed figure (review-input11 F7)
    "src/shebao/rules/sme_size.py": (*_RULES, "tests/rules/test_sme_indicator.py"),
    # the work-injury benefits (issue 17): the wage's bounds of 第六十四条 at each bound and a fen either
    # side, then the module's examples and the benefit values
    "src/shebao/rules/work_injury.py": (*_RULES, "tests/rules/test_work_injury_wage.py",
                                        "tests/rules/test_work_injury_relatives.py", "tests/rules/test_pension.py",
                                        "--doctest-modules", "src/shebao/rules/work_injury.py"),
    # the one rule for a person's name (issue 16, review-input9 F1-F3): its properties and examples, no Django
    "src/shebao/core/person_name.py": (*_RULES, "tests/core/test_person_name_rule.py",
                                       "--doctest-modules", "src/shebao/core/person_name.py"),
    # what a refund may still take (issue 13): the room beside the refunds in handling, its flow and locks
    "src/shebao/collection/refundable.py": ("tests/businesses/test_refund_room_indexed.py",
                                            "tests/businesses/test_refund_room.py", "-p", "no:randomly", "-x"),
    # the pension payroll's set-based batch and its payment file (issue 17): the two paths held equal,
    # then the run's own tests (run it under tests.pgtemp too: the batch's PostgreSQL statement)
    "src/shebao/benefits/payroll.py": ("tests/benefits/test_payroll_set_based.py", "tests/benefits/test_payroll.py",
                                       "tests/benefits/test_payment_rows_as_sent.py", "-p", "no:randomly", "-x"),
}
# The money code of a collection file: mutants of other functions (storage, timing, page helpers)
# are not made. A function is named as in a mutant's name (``Class.method``).
SCOPE: dict[str, tuple[str, ...]] = {
    "src/shebao/benefits/payroll.py": ("_build_set_based", "payment_file_bytes", "_monthly_amount_sql"),
    "src/shebao/rules/work_injury.py": ("person_wage", "person_wage_fen", "disability_benefits", "relative_age_problem",
                                        "_years_between"),
    "src/shebao/rules/relief.py": (
        "Coverage.overlaps", "Document.issued_on", "ReliefPack.known_on", "shadowing_problems", "packs_known_on",
        "rule_newly_known", "relief_rule_for", "_document",
        # the deferral limit and the refusal that names its rule (issue 19: the 11号 and 49号 rules split)
        "deferral_refusals", "DeferralRule.limit"),
    "src/shebao/collection/assessment.py": (
        "AssessmentResult.totals", "_normal_due", "_free_until", "_packed_columns", "_fetch_packed", "dues_read",
        "_sum_by", "fees_of", "_employer_figures", "_by_district", "WhatIf.net_fen", "assessment_what_if"),
}
RULES_FILES = ("src/shebao/rules/late_fee.py", "src/shebao/rules/dates.py", "src/shebao/rules/tables.py",
               "src/shebao/rules/facts.py")


def tests_for(target: str) -> tuple[str, ...]:
    spec = TARGETS[target]
    return _rules_tests(spec[1:]) if spec[:1] == ("rules",) else spec


@dataclass
class Outcome:
    status: str  # killed | survived | timeout
    seconds: float


class Workspace:
    """A private copy of the project where one mutant at a time is written and tested."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="shebao-mutation-"))
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
        shutil.copytree(ROOT / "src", self.root / "src", ignore=ignore)
        shutil.copytree(ROOT / "tests", self.root / "tests", ignore=ignore)
        shutil.copy2(ROOT / "pyproject.toml", self.root / "pyproject.toml")

    def run(self, target: str, source: str, timeout: float, show: bool = False) -> Outcome:
        path = self.root / target
        kept = path.read_text(encoding="utf-8")
        path.write_text(source, encoding="utf-8")
        tmp = tempfile.mkdtemp(prefix="shebao-mutant-tmp-")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
        env.update(PYTHONPATH=str(self.root / "src"), PYTHONDONTWRITEBYTECODE="1", TMPDIR=tmp,
                   PYTHONHASHSEED="0")
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "--assert=plain", "-p", "no:cacheprovider",
               "-p", "no:hypothesispytest", *tests_for(target)]
        started = time.monotonic()
        try:
            out = None if show else subprocess.DEVNULL
            proc = subprocess.run(cmd, cwd=self.root, env=env, stdout=out, stderr=out, timeout=timeout, check=False)
            status = "survived" if proc.returncode == 0 else "killed"
        except subprocess.TimeoutExpired:
            status = "timeout"
        finally:
            path.write_text(kept, encoding="utf-8")
            shutil.rmtree(tmp, ignore_errors=True)
        return Outcome(status, round(time.monotonic() - started, 2))

    def imports_itself(self) -> bool:
        """The copy, not the installed project, is what a mutant's tests import."""
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(PYTHONPATH=str(self.root / "src"), PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run([sys.executable, "-c", "import shebao; print(shebao.__file__)"], cwd=self.root,
                             env=env, capture_output=True, text=True, check=True).stdout.strip()
        return Path(out).resolve().is_relative_to(self.root.resolve())

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def load_equivalents(path: Path = EQUIVALENTS) -> dict[tuple[str, str], str]:
    """``(file, mutant name) -> reason`` from lines ``- `file` `name`: reason`` of the list."""
    out: dict[tuple[str, str], str] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^- `([^`]+)` `([^`]+)`: (.+)$", line)
        if m:
            out[(m.group(1), m.group(2))] = m.group(3)
    return out


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def load_results() -> dict[tuple[str, str, str], dict[str, object]]:
    out: dict[tuple[str, str, str], dict[str, object]] = {}
    if RESULTS.is_file():
        for line in RESULTS.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out[(r["file"], r["digest"], r["name"])] = r
    return out


def _select(all_mutants: list[Mutant], sample: int | None, seed: int, only: str | None) -> list[Mutant]:
    chosen = [m for m in all_mutants if only is None or only in m.name]
    if sample is not None and sample < len(chosen):
        # A seeded shuffle: a smaller sample is the start of a larger one, so results carry over.
        order = list(chosen)
        random.Random(seed).shuffle(order)
        chosen = sorted(order[:sample], key=lambda m: m.line)
    return chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help=f"files to mutate (default: all of {list(TARGETS)})")
    ap.add_argument("--sample", type=int, help="test a random sample of N mutants per file (said in the figures)")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--only", help="only mutants whose name contains this text")
    ap.add_argument("--limit", type=int, help="stop after testing this many new mutants (a bounded piece)")
    ap.add_argument("--rerun-survivors", action="store_true", help="test again the survivors of earlier runs")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results")
    ap.add_argument("--report", action="store_true", help="only print the figures of the results so far")
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--threshold", type=float, default=95.0, help="kill rate (%%) the rules files must reach")
    args = ap.parse_args(argv)

    files = args.files or list(TARGETS)
    for f in files:
        if f not in TARGETS:
            ap.error(f"not a target: {f} (one of {list(TARGETS)})")
    if args.fresh and RESULTS.is_file():
        RESULTS.unlink()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = load_results()
    plan: list[tuple[str, str, list[Mutant]]] = []
    for f in files:
        text = (ROOT / f).read_text(encoding="utf-8")
        scope = SCOPE.get(f)
        made = [m for m in mutants(text) if scope is None or m.name.split("+", 1)[0] in scope]
        chosen = _select(made, args.sample, args.seed, args.only)
        plan.append((f, _digest(text), chosen))
        if args.list:
            for m in chosen:
                print(f"{f}:{m.line}: {m.name}")
    if args.list:
        return 0

    if not args.report:
        _run(plan, results, args)
    return _report(plan, load_results(), args)


_lock = threading.Lock()


def _run(plan: list[tuple[str, str, list[Mutant]]], results: dict[tuple[str, str, str], dict[str, object]],
         args: argparse.Namespace) -> None:
    local = threading.local()
    spaces: list[Workspace] = []

    def space() -> Workspace:
        ws = getattr(local, "ws", None)
        if ws is None:
            ws = local.ws = Workspace()
            with _lock:
                spaces.append(ws)
            if not ws.imports_itself():
                raise SystemExit("the mutants' copy of the project is not what the tests import")
        return ws

    todo: list[tuple[str, str, Mutant, float]] = []
    try:
        for f, digest, chosen in plan:
            pending = []
            for m in chosen:
                r = results.get((f, digest, m.name))
                if r is None or (args.rerun_survivors and r["status"] == "survived"):
                    pending.append(m)
            if not pending:
                continue
            # The unmutated code (written as the mutants are) must pass, in the same set-up.
            base = space().run(f, original((ROOT / f).read_text(encoding="utf-8")), timeout=1800)
            print(f"{f}: baseline {base.status} in {base.seconds:.0f} s; {len(pending)} mutants to test", flush=True)
            if base.status != "survived":
                space().run(f, original((ROOT / f).read_text(encoding="utf-8")), timeout=1800, show=True)
                raise SystemExit(f"{f}: the tests fail on the unmutated code; fix that first")
            timeout = max(60.0, 4 * base.seconds)
            todo += [(f, digest, m, timeout) for m in pending]
        if args.limit is not None:
            todo = todo[: args.limit]
        done = [0]

        def one(item: tuple[str, str, Mutant, float]) -> None:
            f, digest, m, timeout = item
            out = space().run(f, m.source, timeout)
            row = {"file": f, "digest": digest, "name": m.name, "line": m.line, "status": out.status,
                   "seconds": out.seconds}
            with _lock:
                with RESULTS.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                done[0] += 1
                mark = {"killed": ".", "timeout": "T", "survived": "S"}[out.status]
                print(f"[{done[0]}/{len(todo)}] {mark} {f}:{m.line} {m.name} ({out.seconds:.0f} s)", flush=True)

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(one, todo))
    finally:
        for ws in spaces:
            ws.remove()


def _report(plan: list[tuple[str, str, list[Mutant]]], results: dict[tuple[str, str, str], dict[str, object]],
            args: argparse.Namespace) -> int:
    equivalents = load_equivalents()
    failing = False
    print()
    print(f"{'file':40} {'mutants':>7} {'tried':>6} {'killed':>6} {'survived':>8} {'equiv.':>6} {'kill rate':>9}")
    survivors: list[str] = []
    judged: list[str] = []
    for f, digest, chosen in plan:
        rows = [results[(f, digest, m.name)] for m in chosen if (f, digest, m.name) in results]
        killed = sum(1 for r in rows if r["status"] in ("killed", "timeout"))
        surv = [r for r in rows if r["status"] == "survived"]
        eq = [r for r in surv if (f, r["name"]) in equivalents]
        changing = len(rows) - len(eq)
        rate = 100.0 * killed / changing if changing else 100.0
        short = f.removeprefix("src/shebao/")
        print(f"{short:40} {len(chosen):>7} {len(rows):>6} {killed:>6} {len(surv):>8} {len(eq):>6} {rate:>8.1f}%")
        for r in surv:
            if (f, r["name"]) in equivalents:
                judged.append(f"  {short}:{r['line']} {r['name']}\n      {equivalents[(f, r['name'])]}")
            else:
                survivors.append(f"  {short}:{r['line']} {r['name']}")
        complete = len(rows) == len(chosen)
        if f in RULES_FILES and complete and rate < args.threshold:
            failing = True
    if args.sample:
        print(f"(a random sample of at most {args.sample} mutants per file, seed {args.seed})")
    if judged:
        print("\nsurvivors judged equivalent (tests/mutation/equivalents.md):")
        print("\n".join(judged))
    if survivors:
        print("\nsurvivors not judged equivalent (behaviour no test checks):")
        print("\n".join(survivors))
    if failing:
        print(f"\nbelow the {args.threshold:.0f} % kill rate on a rules file")
    return 1 if failing else 0


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: the private copies are removed


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())
