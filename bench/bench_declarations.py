"""How fast an employer's roster (月报) is imported: a 100,000-row HR file staged (every row checked
against the registry) and committed (spells, contributions, the month's dues and ledger entry) on
PostgreSQL with crash safety on (fsync, synchronous_commit, full_page_writes: `tests.pgtemp
--durable`, or the server DATABASE_URL names), beside the per-row ORM baseline measured in the same
run: the same checks and writes one row at a time through model instances (what a row-by-row import
such as django-import-export does), on a sample, scaled.

    python bench/bench_declarations.py [--rows 100000] [--sample 2000] [--format xlsx|csv]

Targets: >= 20x the baseline and < 30 s for 100,000 rows, end to end from the file's bytes.
Figures are merged into bench/results.json under "declarations".
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import merge_results

MONTH = "2020-02"
TARGET_RATIO, TARGET_SECONDS = 20, 30


def _citizen_ids(n: int, offset: int) -> list[str]:
    from shebao.registry.checks import id_check_character

    out = []
    start = dt.date(1965, 1, 1)
    for i in range(offset, offset + n):
        birth = start + dt.timedelta(days=i // 400)
        first17 = f"110105{birth:%Y%m%d}{i % 400 * 2 + 1:03d}"
        out.append(first17 + id_check_character(first17))
    return out


def _people(employer, n: int, offset: int, *, spells_until: int) -> list[tuple[str, str]]:
    """n registered people (male, citizen IDs of 朝阳区); the first `spells_until` employed here since 2019-01."""
    from shebao.registry.models import EmploymentSpell, Person

    ids = _citizen_ids(n, offset)
    people = [Person(id_type="citizen_id", id_number=number, id_last4=number[-4:], name=f"职工{offset + i}",
                     name_initials="zg", gender="male",
                     birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                     district=employer.district, other_data={}) for i, number in enumerate(ids)]
    Person.objects.bulk_create(people, batch_size=5000)  # PostgreSQL returns the keys
    EmploymentSpell.objects.bulk_create(
        [EmploymentSpell(person_id=p.pk, employer=employer, from_month="2019-01") for p in people[:spells_until]],
        batch_size=5000)
    return [(number, p.name) for number, p in zip(ids, people, strict=True)]


def _roster_rows(people: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """In the order of `people`: 90 % 在职 on varied bases, 5 % 减员 (employed), the last 5 % 增员."""
    n = len(people)
    leave_from, hire_from = int(n * 0.90), int(n * 0.95)
    rows = []
    for i, (number, name) in enumerate(people):
        if i >= hire_from:
            rows.append((number, name, "增员", f"{6000 + i % 20000}.50"))
        elif i >= leave_from:
            rows.append((number, name, "减员", ""))
        else:
            rows.append((number, name, "在职", f"{6000 + i % 20000}"))
    return rows


def _file(rows, fmt: str) -> bytes:
    head = ["证件号码", "姓名", "变动类型", "缴费基数（元）"]
    if fmt == "csv":
        return ("\n".join(",".join(r) for r in [head, *rows]) + "\n").encode("gb18030")
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(head)
    for number, name, change, base in rows:
        sheet.append([number, name, change, float(base) if base else None])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _baseline(employer, rows, actor) -> float:
    """The per-row import: each row read, checked and written through the ORM, one at a time."""
    from django.db import transaction

    from shebao.collection.importers import parse_amount_fen
    from shebao.core.audit import audit_create
    from shebao.registry.checks import parse_citizen_id
    from shebao.registry.models import Contribution, EmploymentSpell, Person
    from shebao.registry.rates import contribution_rates, rates_in_force

    r = contribution_rates(month=MONTH)
    rates = rates_in_force(dt.date(2020, 2, 1))
    started = time.perf_counter()
    with transaction.atomic():
        for number, name, change, base in rows:
            parse_citizen_id(number)
            person = Person.objects.get(id_number=number)
            assert person.name == name
            here = EmploymentSpell.objects.filter(person=person, employer=employer, from_month__lte=MONTH,
                                                  to_month="").first()
            elsewhere = EmploymentSpell.objects.filter(person=person, from_month__lte=MONTH, to_month="").exclude(
                employer=employer).exists()
            assert not Contribution.objects.filter(person=person, employer=employer, month=MONTH).exists()
            if change == "减员":
                here.to_month = "2020-01"
                here.save()
                audit_create(actor=actor, instance=here)
                continue
            if change == "增员":
                assert here is None and not elsewhere
                spell = EmploymentSpell.objects.create(person=person, employer=employer, from_month=MONTH)
                audit_create(actor=actor, instance=spell)
            fen = parse_amount_fen(base)
            assert min(r.pension_floor_fen, r.medical_floor_fen) <= fen <= r.ceiling_fen
            pb = min(max(fen, r.pension_floor_fen), r.ceiling_fen)
            mb = min(max(fen, r.medical_floor_fen), r.ceiling_fen)
            c = Contribution.objects.create(
                person=person, employer=employer, month=MONTH, pension_base_fen=pb,
                pension_employer_fen=rates.share(pb, rates.pension_employer),
                pension_personal_fen=rates.share(pb, rates.pension_personal), unemployment_base_fen=pb,
                unemployment_employer_fen=rates.share(pb, rates.unemployment_employer),
                unemployment_personal_fen=rates.share(pb, rates.unemployment_personal), medical_base_fen=mb,
                medical_employer_fen=rates.share(mb, rates.medical_employer),
                medical_personal_fen=rates.share(mb, rates.medical_personal), maternity_base_fen=mb,
                maternity_employer_fen=rates.share(mb, rates.maternity_employer), work_injury_base_fen=pb,
                work_injury_employer_fen=int(rates.work_injury_share(pb, employer.industry_class)))
            audit_create(actor=actor, instance=c)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000, help="rows of the per-row baseline")
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args, _ = parser.parse_known_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.execv(sys.executable, [sys.executable, "-m", "tests.pgtemp", "--durable", "--",
                                  sys.executable, __file__, *sys.argv[1:]])
    tmp = tempfile.mkdtemp(prefix="shebao-bench-declarations-")
    os.environ["SHEBAO_VAR_DIR"] = tmp
    os.environ["SHEBAO_TODAY"] = "2020-02-20"
    os.environ["SHEBAO_ALLOW_BUSINESS_DATE"] = "true"
    from common import django_setup

    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tests.personas import SETUP, make_employer, make_staff

    from shebao.collection.declarations import declaration_commit, declaration_stage
    from shebao.collection.models import Declaration, Due
    from shebao.registry.models import Contribution

    with connection.cursor() as c:
        c.execute("SHOW fsync")
        fsync = c.fetchone()[0]
        c.execute("SHOW synchronous_commit")
        sync = c.fetchone()[0]
    print(f"declarations bench on {connection.vendor} (fsync={fsync}, synchronous_commit={sync}): "
          f"{args.rows:,} rows ({args.format}), baseline sample {args.sample:,}", flush=True)
    clerk = make_staff("bench_clerk", role="district_clerk", office_code="110105")
    employer = make_employer("基准测试大型单位", serial=990_001)  # of 朝阳区 (110105), as the clerk
    other = make_employer("基准测试对照单位", serial=990_002)
    started = time.perf_counter()
    n_employed = int(args.rows * 0.95)
    people = _people(employer, args.rows, 0, spells_until=n_employed)
    sample_people = _people(other, args.sample, args.rows, spells_until=int(args.sample * 0.95))
    with connection.cursor() as c:
        c.execute("ANALYZE")
    rows = _roster_rows(people)
    data = _file(rows, args.format)
    print(f"set-up: {args.rows + args.sample:,} people and spells, a {len(data) / 1e6:.1f} MB file in "
          f"{time.perf_counter() - started:.1f}s", flush=True)

    started = time.perf_counter()
    declaration = declaration_stage(employer=employer, month=MONTH, data=data, filename=f"roster.{args.format}",
                                    actor=clerk)
    staged = time.perf_counter() - started
    assert declaration.error_rows == 0, list(declaration.lines.exclude(errors=[]).values_list("errors")[:5])
    declaration = declaration_commit(declaration=declaration, actor=clerk)
    seconds = time.perf_counter() - started
    assert declaration.status == Declaration.Status.COMMITTED
    contributions = Contribution.objects.filter(employer=employer, month=MONTH).count()
    assert contributions == declaration.contributors
    assert Due.objects.filter(employer=employer, month=MONTH).count() == 5
    rate = args.rows / seconds
    print(f"import: {args.rows:,} rows staged in {staged:.1f}s, committed in {seconds - staged:.1f}s: "
          f"{seconds:.1f}s = {rate:,.0f} rows/s ({contributions:,} contributions, dues "
          f"{declaration.amount_fen / 100:,.2f} yuan)", flush=True)

    base_seconds = _baseline(other, _roster_rows(sample_people), SETUP)
    base_rate = args.sample / base_seconds
    ratio = rate / base_rate
    print(f"baseline (per-row ORM): {args.sample:,} rows in {base_seconds:.1f}s = {base_rate:,.0f} rows/s; "
          f"scaled to {args.rows:,} rows: {args.rows / base_rate:,.0f}s", flush=True)
    ok = ratio >= TARGET_RATIO and seconds < TARGET_SECONDS
    print(f"ratio: {ratio:,.1f}x the baseline (target >= {TARGET_RATIO}x), {seconds:.1f}s "
          f"(target < {TARGET_SECONDS}s): {'met' if ok else 'NOT met'}", flush=True)
    merge_results("declarations", {
        "database": connection.vendor, "fsync": fsync, "synchronous_commit": sync, "rows": args.rows,
        "format": args.format, "file_bytes": len(data), "stage_seconds": round(staged, 2),
        "commit_seconds": round(seconds - staged, 2), "seconds": round(seconds, 2), "rows_per_second": round(rate),
        "baseline_sample_rows": args.sample, "baseline_rows_per_second": round(base_rate),
        "ratio_to_baseline": round(ratio, 1), "cpus": os.cpu_count(),
        "targets": {"ratio_to_baseline": TARGET_RATIO, "seconds": TARGET_SECONDS}, "met": ok,
    })
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
