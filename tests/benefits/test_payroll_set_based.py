"""The set-based payroll (INSERT ... SELECT) pays exactly what the per-row path pays: the same
retirees, months, amounts, kinds and accounts, on random retirees with random histories (late
declarations, months without a run, re-employment, verification stops, deaths), at every month; and
the SQL of the yearly adjustments equals `rules.pension.monthly_amount_fen` to the fen."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection, transaction

from shebao.benefits import payroll
from shebao.benefits.models import PayrollRun, PensionMonth, Retiree, Transfer
from shebao.benefits.services import Basis, retiree_resume, retiree_suspend
from shebao.core.models import AuditEvent
from shebao.core.policy import current_policy
from shebao.registry.models import Person
from shebao.rules.dates import month_index, month_str
from shebao.rules.pension import monthly_amount_fen
from tests import personas
from tests.benefits.conftest import declare
from tests.personas import SETUP


def _built(month: str, *, set_based: bool) -> list[tuple]:
    """What one path would pay for ``month`` now, rolled back: (retiree, account, amount, months)."""
    sid = transaction.savepoint()
    run = PayrollRun.objects.create(month=month, kind=PayrollRun.Kind.SUPPLEMENTARY, created_by_label="test")
    made = payroll._build(run, actor=SETUP, chunk_size=3, after_chunk=None, set_based=set_based, batch_size=4)
    rows = sorted((t.retiree_id, t.bank_account, t.payee_name, t.amount_fen,
                   tuple(sorted(t.months.values_list("month", "amount_fen", "kind"))))
                  for t in Transfer.objects.filter(run=run))
    assert made == len(rows)
    transaction.savepoint_rollback(sid)
    return rows


def _random_retirees(rng: random.Random, n: int) -> list[Retiree]:
    people = []
    for i in range(n):
        # men retiring at 60 between 2017-08 and 2020-01, declared on time or up to 8 months late
        birth = dt.date(1957, 8, 1) + dt.timedelta(days=rng.randrange(0, 880))
        retired = dt.date(birth.year + 60, birth.month, birth.day)
        late = rng.choice([0, 0, 0, 1, 3, 8])
        declared = min(retired + dt.timedelta(days=31 * late), dt.date(2020, 6, 1))
        basis = (Basis(record_monthly_fen=rng.randrange(150_000, 900_000), record_reference=f"R{i}")
                 if rng.random() < 0.3 else
                 Basis(index_x10k=rng.randrange(6_000, 30_000), contribution_months=rng.randrange(180, 480),
                       deemed_months=rng.choice([0, 0, 60]), account_balance_fen=rng.randrange(0, 40_000_000)))
        # a quarter migrated from the old system, which paid them through some month (issue 17)
        paid_through = (month_str(month_index(retired.isoformat()[:7]) + rng.randrange(0, 12))
                        if rng.random() < 0.25 else "")
        people.append(declare(personas.numbered("随机", i), birth=birth, serial=100 + i, declared_on=max(declared, retired), basis=basis,
                              paid_through=paid_through))
    return people


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_set_based_run_pays_what_the_per_row_run_pays_on_random_retirees(db, seed, clerk_chaoyang):
    rng = random.Random(seed)
    retirees = _random_retirees(rng, 14)
    compared = 0
    for m in range(month_index("2018-01"), month_index("2020-08")):
        month = month_str(m)
        # between runs: stops and resumptions, as the district's staff register them
        for r in rng.sample(retirees, 2):
            r.refresh_from_db()
            if r.status == Retiree.Status.ACTIVE and r.retirement_month < month and rng.random() < 0.3:
                reason = rng.choice(["reemployment", "verification", "verification", "death"])
                back = month_str(m - rng.choice([0, 0, 1, 2]))
                if reason == "death":
                    retiree_suspend(actor=clerk_chaoyang, retiree=r, reason=reason,
                                    died_on=max(dt.date.fromisoformat(f"{back}-10"), r.retired_on))
                elif back > r.retirement_month:
                    retiree_suspend(actor=clerk_chaoyang, retiree=r, reason=reason, from_month=back)
            elif r.status == Retiree.Status.SUSPENDED and rng.random() < 0.5:
                stop = r.suspensions.get(to_month="")
                if month_index(stop.from_month) < m:
                    retiree_resume(actor=clerk_chaoyang, retiree=r, from_month=month)
        if rng.random() < 0.2:  # a change of name: both paths send the name registered when they run
            r = rng.choice(retirees)
            Person.objects.filter(pk=r.person_id).update(name=personas.numbered("改名", m))
        per_row = _built(month, set_based=False)
        assert _built(month, set_based=True) == per_row, month
        compared += bool(per_row)
        if rng.random() < 0.8:  # some months have no run: the next one pays them as arrears
            run = PayrollRun.objects.create(month=month, kind=PayrollRun.Kind.REGULAR, created_by_label="test")
            payroll._build(run, actor=SETUP, chunk_size=5, after_chunk=None, set_based=rng.random() < 0.5)
    assert compared > 20
    # the random histories reached both paths: arrears months and suspensions exist
    assert PensionMonth.objects.filter(kind=PensionMonth.Kind.ARREARS).exists()
    assert Retiree.objects.filter(suspensions__isnull=False).exists()
    # and no migrated retiree was paid a month the old system paid
    for r in Retiree.objects.exclude(paid_through=""):
        assert not PensionMonth.objects.filter(retiree=r, month__lte=r.paid_through).exists()


def test_a_set_based_run_killed_half_way_and_run_again_pays_nothing_twice(db):
    rs = [declare(personas.numbered("批量", i), birth=dt.date(1959, 1 + i % 12, 5), serial=300 + i, declared_on=dt.date(2020, 1, 6))
          for i in range(9)]
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    expected = _built("2020-03", set_based=False)

    class Killed(Exception):
        pass

    def kill(made: int) -> None:
        raise Killed(made)

    with pytest.raises(Killed):
        payroll.payroll_run_start(actor=SETUP, month="2020-03", after_chunk=kill)
    run = PayrollRun.objects.get(month="2020-03", kind=PayrollRun.Kind.REGULAR)
    assert run.status == PayrollRun.Status.BUILDING and run.transfers.exists()
    done = payroll.payroll_run_start(actor=SETUP, month="2020-03")
    assert done.pk == run.pk and done.status == PayrollRun.Status.READY
    paid = sorted((t.retiree_id, t.bank_account, t.payee_name, t.amount_fen,
                   tuple(sorted(t.months.values_list("month", "amount_fen", "kind")))) for t in run.transfers.all())
    assert paid == expected and len(paid) == len(rs)
    assert PensionMonth.objects.filter(month="2020-03").count() == len(rs)
    # the set-based batch is audited as one bulk creation with its key range and count
    ev = AuditEvent.objects.filter(model="benefits.Transfer", action=AuditEvent.Action.BULK_CREATE,
                                   reason__contains="集合计算").first()
    assert ev is not None and ev.count >= 1 and int(ev.object_pk) <= int(ev.object_pk_last)
    # a third call changes nothing
    payroll.payroll_run_start(actor=SETUP, month="2020-03")
    assert PensionMonth.objects.filter(month="2020-03").count() == len(rs)


@pytest.mark.parametrize("retirement_month", ["2016-07", "2018-12", "2019-01", "2019-06", "2020-01", "2021-03"])
def test_the_adjustment_sql_equals_the_rules_to_the_fen(db, retirement_month):
    policy = current_policy()
    rng = random.Random(retirement_month)
    sql = payroll._monthly_amount_sql(policy, month="2025-08", initial="x.initial", retirement_month="x.rm")
    initials = [0, 1, 99, 100_000, 365_410] + [rng.randrange(0, 5_000_000) for _ in range(40)]
    for month in ["2019-06", "2020-01", "2021-05", "2023-02", "2025-08"]:
        sql = payroll._monthly_amount_sql(policy, month=month, initial="x.initial", retirement_month="x.rm")
        with connection.cursor() as c:
            rows = " UNION ALL ".join(f"SELECT {v} AS initial, '{retirement_month}' AS rm" for v in initials)
            c.execute(f"SELECT x.initial, {sql} FROM ({rows}) x ORDER BY x.initial")
            got = dict(c.fetchall())
        assert got == {v: monthly_amount_fen(policy, initial_fen=v, retirement_month=retirement_month, month=month)
                       for v in initials}, month


def test_a_batch_turns_the_row_checks_off_for_itself_only(db):
    """payroll._row_checks_off: the set-based batch writes without the row-by-row foreign-key checks and
    turns them back on after its statement, so what follows in the same transaction (a supplementary
    run's per-row path, the ledger, the audit trail) is checked as always."""
    from django.db import IntegrityError

    for i in range(3):
        declare(personas.numbered("检查", i), birth=dt.date(1959, 1 + i, 5), serial=400 + i,
                declared_on=dt.date(2020, 1, 6))
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    with transaction.atomic():
        run = PayrollRun.objects.create(month="2020-03", kind=PayrollRun.Kind.SUPPLEMENTARY, created_by_label="test")
        made = payroll._build_set_based(run, actor=SETUP, policy=current_policy(), batch_size=2, after_chunk=None,
                                        atomic=False)
        assert made == 3 and PensionMonth.objects.filter(transfer__run=run).count() == 3
        if connection.vendor != "postgresql":
            # SQLite has no triggers to turn off: its keys hold for the batch as for every write
            with connection.cursor() as c:
                c.execute("PRAGMA foreign_key_check")
                assert c.fetchall() == []
            transaction.set_rollback(True)
            return
        with connection.cursor() as c:
            c.execute("SHOW session_replication_role")
            assert c.fetchone()[0] == "origin"
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with pytest.raises(IntegrityError), transaction.atomic():
                c.execute(f"UPDATE {PensionMonth._meta.db_table} SET transfer_id = -1 WHERE id = "
                          f"(SELECT MIN(id) FROM {PensionMonth._meta.db_table})")
        transaction.set_rollback(True)


def test_a_batch_compiles_nothing_and_puts_the_jit_setting_back(db):
    """The set-based batch runs without PostgreSQL's JIT compilation (1 to 2 s of every 100,000-key batch,
    for a plan of index probes it speeds up nothing of) and puts the setting back after its statement:
    in a supplementary run (the batch inside the run's transaction) what follows plans as configured.
    The batch's transfers are those its retirees are owed, each paid once."""
    for i in range(3):
        declare(personas.numbered("即时", i), birth=dt.date(1959, 1 + i, 5), serial=420 + i,
                declared_on=dt.date(2020, 1, 6))
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    seen = []

    def spy(execute, sql, params, many, context):
        if "WITH t AS" in sql:
            with connection.cursor() as c:
                c.execute("SHOW jit")
                seen.append(c.fetchone()[0])
        return execute(sql, params, many, context)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("SET LOCAL jit = on")
        run = PayrollRun.objects.create(month="2020-03", kind=PayrollRun.Kind.SUPPLEMENTARY, created_by_label="test")
        with connection.execute_wrapper(spy):
            made = payroll._build_set_based(run, actor=SETUP, policy=current_policy(), batch_size=2,
                                            after_chunk=None, atomic=False)
        assert made == 3 and sorted(PensionMonth.objects.filter(transfer__run=run).values_list("month", flat=True)) \
            == ["2020-03"] * 3
        if connection.vendor != "postgresql":
            assert seen == []  # SQLite: two plain statements a batch, nothing to turn off
            transaction.set_rollback(True)
            return
        assert len(seen) >= 2 and set(seen) == {"off"}  # each batch's statement (keys 2 at a time)
        with connection.cursor() as c:
            c.execute("SHOW jit")
            assert c.fetchone()[0] == "on"
        transaction.set_rollback(True)


def test_a_role_without_the_grant_keeps_the_checks_and_pays_the_same(db):
    """A database role that may not set session_replication_role (no superuser, no ``GRANT SET ON
    PARAMETER``: a production application role) still runs the set-based batch: `_row_checks_off` is
    refused inside its savepoint, the checks stay on, and each retiree is paid the month at the amount
    the rules give, once (docs/scale.md, the payroll)."""
    from django.db import DatabaseError

    retirees = [declare(personas.numbered("无权", i), birth=dt.date(1959, 1 + i, 5), serial=440 + i,
                        declared_on=dt.date(2020, 1, 6)) for i in range(3)]
    payroll.payroll_run_start(actor=SETUP, month="2020-02")
    policy = current_policy()
    with transaction.atomic():
        run = PayrollRun.objects.create(month="2020-03", kind=PayrollRun.Kind.SUPPLEMENTARY, created_by_label="test")
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as c:
                c.execute("CREATE ROLE payroll_no_grant NOSUPERUSER")
                c.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO payroll_no_grant")
                c.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO payroll_no_grant")
                c.execute("SET LOCAL ROLE payroll_no_grant")
                with pytest.raises(DatabaseError), transaction.atomic():
                    c.execute("SET LOCAL session_replication_role = replica")
                assert payroll._row_checks_off(c) is False
        made = payroll._build_set_based(run, actor=SETUP, policy=policy, batch_size=2, after_chunk=None, atomic=False)
        paid = dict(PensionMonth.objects.filter(transfer__run=run).values_list("retiree_id", "amount_fen"))
        assert made == 3 and paid == {
            r.pk: monthly_amount_fen(policy, initial_fen=r.entitlement.monthly_fen, retirement_month=r.retirement_month,
                                     month="2020-03") for r in retirees}
        assert sorted(Transfer.objects.filter(run=run).values_list("retiree_id", "amount_fen")) == sorted(paid.items())
        if postgres:
            with connection.cursor() as c:
                c.execute("SHOW session_replication_role")
                assert c.fetchone()[0] == "origin"
                c.execute("SELECT current_user")
                assert c.fetchone()[0] == "payroll_no_grant"
        transaction.set_rollback(True)
