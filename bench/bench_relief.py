"""The city-wide assessment with both relief packs in force (the 2020 relief and the 2022 deferral)
against the same assessment without them, measured in the same run on the same dues.

    python bench/bench_relief.py [--dues 1000000] [--deferred-share 0.01] [--repeat 3]

Packs in force means: both publications stored, and a share of the employers (1 % by default) holding
an approved deferral of six months of their employer share (the dues split and moved as
`collection.relief.deferral_decide` does, written in bulk). Target: with packs >= 80 % of the speed
without (issue 19). Figures are merged into bench/results.json under "relief".
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
from bench_collection import INSURANCES, _write_dues
from common import merge_results


def _write_employers(n: int) -> list[int]:
    """Employers in bulk through the ORM (every column the model has, defaults included)."""
    from tests.personas import credit_code

    from shebao.registry.models import Employer, Office

    districts = list(Office.objects.filter(kind=Office.Kind.DISTRICT_CENTER).values_list("pk", flat=True))
    Employer.objects.bulk_create([
        Employer(credit_code=credit_code(900_000 + i, "110105"), name=f"基准测试单位{i}", name_initials="jzcsdw",
                 district_id=districts[i % len(districts)], payment_method="remittance", industry_class=1 + i % 8)
        for i in range(n)], batch_size=5000)
    return list(Employer.objects.order_by("pk").values_list("pk", flat=True))


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dues", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--deferred-share", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2021-03-31")
    args, _ = parser.parse_known_args()
    tmp = tempfile.mkdtemp(prefix="shebao-bench-relief-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["SHEBAO_VAR_DIR"] = tmp
    from common import django_setup

    django_setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from shebao.collection.assessment import assessment_compute
    from shebao.collection.models import Deferral, Due, ReliefPublication
    from shebao.collection.relief import relief_packs_in_force
    from shebao.rules import due_date, load_policy
    from shebao.rules.relief import load_relief_pack

    if connection.vendor == "postgresql":
        for model in (Due, Deferral, ReliefPublication):
            model.objects.all()._raw_delete(model.objects.db)
    months = [f"{2020 + k // 12}-{k % 12 + 1:02d}" for k in range(args.months)]  # the relief year
    n_employers = max(1, -(-args.dues // (args.months * len(INSURANCES))))
    print(f"relief bench on {connection.vendor}: {args.dues:,} dues, {n_employers:,} employers", flush=True)
    employer_ids = _write_employers(n_employers)
    dues = _write_dues(employer_ids, months, args.dues)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(f"VACUUM ANALYZE {Due._meta.db_table}")
    as_of = dt.date.fromisoformat(args.as_of)
    policy = load_policy(overrides={"epidemic_lifted_on": "2020-04-30"})
    assessment_compute(as_of=as_of, policy=policy, employer_ids=employer_ids[:10])  # warm the caches

    without = _best(lambda: assessment_compute(as_of=as_of, policy=policy), args.repeat)
    baseline = assessment_compute(as_of=as_of, policy=policy)

    # Both packs in force, and deferrals for a share of the employers: six months of 2020-03..08.
    with transaction.atomic():
        for name in ("relief-2020-covid", "relief-2022-deferral"):
            pack = load_relief_pack(name)
            ReliefPublication.objects.create(pack=name, version=pack.version, title=pack.title[:200],
                                             published_on=dt.date(2020, 3, 8), published_by_label="基准测试")
        deferred_employers = employer_ids[:: max(1, int(1 / args.deferred_share))]
        # 人社部发〔2020〕11号: hardship-deferral covers 2020-02..06 (July on rests on 49号, its own rule)
        deferral_months = [m for m in months if "2020-03" <= m <= "2020-06"]
        until = due_date(deferral_months[0], policy) + dt.timedelta(days=150)
        made = Deferral.objects.bulk_create([
            Deferral(employer_id=e, pack="relief-2020-covid", rule="hardship-deferral", months=deferral_months,
                     due_until=until, reason="基准测试", status=Deferral.Status.APPROVED, applied_on=until,
                     applied_by_label="基准测试", decided_on=until, decided_by_label="基准测试")
            for e in deferred_employers])
        by_employer = {d.employer_id: d.pk for d in made} if made[0].pk else dict(
            Deferral.objects.values_list("employer_id", "pk"))
        for e, pk in by_employer.items():
            Due.objects.filter(employer_id=e, month__in=deferral_months,
                               insurance__in=["pension", "unemployment", "work_injury", "medical"]).update(
                deferred_to=until, deferral_id=pk)
    deferred = Due.objects.filter(deferred_to__isnull=False).count()
    assert len(relief_packs_in_force()) == 2
    with_packs = _best(lambda: assessment_compute(as_of=as_of, policy=policy), args.repeat)
    result = assessment_compute(as_of=as_of, policy=policy)
    ratio = without / with_packs
    print(f"without packs: {dues / without:,.0f} dues/s ({without:.3f}s); with both packs and {deferred:,} "
          f"deferred dues of {len(deferred_employers):,} employers: {dues / with_packs:,.0f} dues/s "
          f"({with_packs:.3f}s); ratio {ratio:.2f} (target >= 0.80)", flush=True)
    print(f"late fees {baseline.totals['late_fee_fen'] / 100:,.2f} -> {result.totals['late_fee_fen'] / 100:,.2f} yuan "
          f"(deferral waives {(baseline.totals['late_fee_fen'] - result.totals['late_fee_fen']) / 100:,.2f})")
    merge_results("relief", {"vendor": connection.vendor, "dues": dues, "deferred_dues": deferred,
                             "without_packs_seconds": round(without, 4), "with_packs_seconds": round(with_packs, 4),
                             "ratio": round(ratio, 3), "target": 0.8, "ok": ratio >= 0.8})
    return 0 if ratio >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
