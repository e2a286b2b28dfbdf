"""How fast dues are made from completed back-payment cases (issue 13): 10,000 individual back-payments
(补缴, 1.1b; two months each, handled directly) completed by `cases.batch.back_payments_complete` on
PostgreSQL with crash safety on (`tests.pgtemp --durable`, or the server DATABASE_URL names), beside the
per-case baseline measured in the same run: the same step taken one case at a time through
`services.case_accept` (what the case page and the API do), on a sample, scaled.

    python bench/bench_completion.py [--cases 10000] [--sample 300] [--months 2]

Targets (the issue's, as for the roster import): >= 20x the baseline and < 30 s for 10,000 cases, from
the cases in the queue to their dues, contributions, ledger entries, effects, steps and audit rows
committed. Exits 1 when a target is missed. Figures are merged into bench/results.json under
"completion".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import durability, merge_results

TARGET_RATIO, TARGET_SECONDS = 20, 30
APPLIED = dt.date(2020, 2, 10)
OUTCOME = "已按申请办理"


def _people(employers, n: int) -> list:
    """n registered people (朝阳区 citizen IDs) with a general pension account, each employed since
    2019-01 by one of `employers`."""
    from bench_declarations import _citizen_ids as citizen_ids

    from shebao.registry.models import EmploymentSpell, PensionAccount, Person

    ids = citizen_ids(n, 500_000)
    people = [Person(id_type="citizen_id", id_number=number, id_last4=number[-4:], name=f"职工{'甲乙丙丁'[i % 4]}",
                     name_initials="zg", gender="male",
                     birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                     district=employers[0].district, other_data={}) for i, number in enumerate(ids)]
    Person.objects.bulk_create(people, batch_size=5000)
    EmploymentSpell.objects.bulk_create(
        [EmploymentSpell(person_id=p.pk, employer=employers[i % len(employers)], from_month="2019-01")
         for i, p in enumerate(people)], batch_size=5000)
    PensionAccount.objects.bulk_create([PensionAccount(person=p, account_type="general", opened_on=dt.date(2000, 1, 1),
                                                       district=employers[0].district)
                                        for p in people], batch_size=5000)
    return people


def _cases(template, people, employer_of) -> list[int]:
    """Cases as `template` (submitted through `case_submit`, so its decision and content are the
    rules'), one per person: the same months, the person's employer, a base varying per person."""
    from shebao.cases.models import Case, CaseTransition

    skip = {"id", "person", "employer", "idempotency_key", "request_hash", "details", "id_number_given_hash"}
    fields = {f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields
              if f.name not in skip and f.attname not in skip}
    rows = []
    for i, p in enumerate(people):
        details = {**template.details,
                   "bases": [{**b, "base_fen": 500_000 + (i * 37) % 2_000_000} for b in template.details["bases"]]}
        rows.append(Case(**fields, person=p, employer=employer_of[p.pk], details=details))
    Case.objects.bulk_create(rows, batch_size=2000)
    CaseTransition.objects.bulk_create(
        [CaseTransition(case=c, action="submit", from_status="", to_status=c.status, actor=template.submitted_by,
                        actor_label="基准测试", actor_role="") for c in rows], batch_size=5000)
    return [c.pk for c in rows]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300, help="cases of the per-case baseline")
    parser.add_argument("--months", type=int, default=2, help="months per case (from 2019-11)")
    parser.add_argument("--chunk", type=int, default=10_000, help="cases per batch call")
    args, _ = parser.parse_known_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--durable", "--",
                                  sys.executable, __file__, *sys.argv[1:]])
    os.environ["SHEBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="shebao-bench-completion-")
    os.environ["SHEBAO_TODAY"] = "2020-02-20"
    os.environ["SHEBAO_ALLOW_BUSINESS_DATE"] = "true"
    from common import django_setup

    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tests.personas import make_employer, make_staff

    from shebao.cases import services
    from shebao.cases.batch import back_payments_complete
    from shebao.cases.models import Case, CaseEffect
    from shebao.collection import ledger
    from shebao.collection.models import Due
    from shebao.registry.models import Contribution
    from shebao.rules.dates import month_index, month_str

    fsync, sync = durability(connection)
    months = [month_str(month_index("2019-11") + i) for i in range(args.months)]
    print(f"completion bench on {connection.vendor} (fsync={fsync}, synchronous_commit={sync}): "
          f"{args.cases:,} individual back-payments of {len(months)} months each, baseline sample {args.sample:,}, "
          f"load {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    clerk = make_staff("bench_clerk", role="district_clerk", office_code="110105")
    employers = [make_employer(f"基准测试补缴单位{i + 1}", serial=980_001 + i) for i in range(20)]
    people = _people(employers, args.cases + args.sample + 1)
    details = {"period": {"from": months[0], "to": months[-1]},
               "bases": [{"month": m, "base_fen": 800_000} for m in months]}
    template, _ = services.case_submit(actor=clerk, business="individual_back_payment", channel="counter",
                                       employer=employers[0], person=people[0], applicant_kind="employer",
                                       applied_on=APPLIED, details=details)
    assert template.mode == "direct", template.mode
    ids = _cases(template, people[1:], {p.pk: employers[i % len(employers)] for i, p in enumerate(people)})
    sample, batch = ids[: args.sample], ids[args.sample:]
    print(f"set-up: {len(people):,} people and spells, {len(ids):,} cases in the queue in "
          f"{time.perf_counter() - started:.1f}s")

    t0 = time.perf_counter()
    for pk in sample:
        services.case_accept(case=Case.objects.get(pk=pk), actor=clerk, outcome=OUTCOME)
    base_seconds = time.perf_counter() - t0
    base_rate = len(sample) / base_seconds
    print(f"baseline (one case at a time, services.case_accept): {len(sample):,} cases in {base_seconds:.1f}s = "
          f"{base_rate:,.1f} cases/s; {args.cases:,} would take {args.cases / base_rate:,.0f}s")

    dues_before, rows_before = Due.objects.count(), Contribution.objects.count()
    t0 = time.perf_counter()
    completed, refused = 0, {}
    for i in range(0, len(batch), args.chunk):
        r = back_payments_complete(case_ids=batch[i:i + args.chunk], actor=clerk, outcome=OUTCOME)
        completed += len(r.completed)
        refused.update(r.refused)
    seconds = time.perf_counter() - t0
    rate = completed / seconds
    ratio = rate / base_rate
    dues, rows = Due.objects.count() - dues_before, Contribution.objects.count() - rows_before
    print(f"batch: {completed:,} cases completed in {seconds:.1f}s = {rate:,.0f} cases/s "
          f"({dues:,} dues, {rows:,} contribution rows, {dues / seconds:,.0f} dues/s); refused {len(refused)}"
          + (f", e.g. {next(iter(refused.items()))}" if refused else ""))
    assert completed == len(batch) and not refused, "every case of the bench is completable"
    assert CaseEffect.objects.filter(case_id__in=batch).count() == len(batch)
    assert ledger.unbalanced_transactions() == []
    ok = ratio >= TARGET_RATIO and seconds < TARGET_SECONDS
    print(f"ratio: {ratio:,.1f}x the baseline (target >= {TARGET_RATIO}x), {seconds:.1f}s "
          f"(target < {TARGET_SECONDS}s): {'met' if ok else 'MISSED'}; load {os.getloadavg()[0]:.1f}")
    merge_results("completion", {"database": connection.vendor, "fsync": fsync, "synchronous_commit": sync,
                                 "cases": completed, "months": len(months), "seconds": round(seconds, 2),
                                 "cases_per_s": round(rate), "baseline_cases_per_s": round(base_rate, 1),
                                 "ratio": round(ratio, 1), "met": ok})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
