"""A deterministic, realistic city for demos, tests and benchmarks (`shebao generate`).

It streams in batches: each batch of employers gets its people, accounts, spells and monthly
contributions generated with NumPy and written with one multi-row statement per table and month
(`core.bulk`: COPY on PostgreSQL, binary for the contributions), so memory follows one batch's month,
not the city. On PostgreSQL the whole load is one transaction and the loaded tables' foreign keys are
checked once, after the rows are in, by one join each (not by a trigger per row at every commit); personal numbers
are encrypted in bulk (`core.crypto.encrypt_many`). Keys are assigned here, which is
what lets contributions reference people without reading them back. Every batch writes its
audit events (one per table and batch, with the key range), as every bulk path must.

Everything comes from one seeded generator per batch, so the same arguments give the same city.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from shebao.core import bulk, clock, crypto
from shebao.core.models import AuditEvent
from shebao.core.permissions import SystemActor
from shebao.registry import names
from shebao.registry.checks import CREDIT_ALPHABET, CREDIT_WEIGHTS, id_check_character
from shebao.registry.models import (
    Contribution,
    Employer,
    EmploymentSpell,
    Office,
    PensionAccount,
    Person,
    id_region_of,
)
from shebao.registry.offices import id_region
from shebao.registry.partitions import partitions_ensure
from shebao.registry.rates import ContributionRates, rates_in_force
from shebao.registry.services import employer_name_initials
from shebao.rules.dates import month_index, month_str

EPOCH = dt.date(1970, 1, 1)
DAYS_1960 = (dt.date(1960, 1, 1) - EPOCH).days
# Birth dates are spread over 1960-01-01 .. 1999-12-31 (14,610 days); 7919 is coprime with it,
# so (person index // SERIALS) maps to distinct days and ID numbers never collide.
BIRTH_SPAN_DAYS = (dt.date(2000, 1, 1) - dt.date(1960, 1, 1)).days
SERIALS = 500


@dataclass(frozen=True)
class GenerateOptions:
    employers: int
    persons: int
    from_month: str
    months: int
    seed: int = 1
    batch_employers: int = 500
    arrears_share: float = 0.06  # share of employers with unpaid months (not money: a probability)


@dataclass
class GenerateResult:
    employers: int = 0
    persons: int = 0
    spells: int = 0
    contributions: int = 0


def _credit_check_chars(first17_idx: np.ndarray) -> np.ndarray:
    total = (first17_idx * np.array(CREDIT_WEIGHTS)).sum(axis=1) % 31
    return np.array(list(CREDIT_ALPHABET))[(31 - total) % 31]


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


CONTRIBUTION_COLUMNS = (
    "id", "person_id", "employer_id", "month", "pension_base_fen", "pension_employer_fen", "pension_personal_fen",
    "unemployment_base_fen", "unemployment_employer_fen", "unemployment_personal_fen", "medical_base_fen",
    "medical_employer_fen", "medical_personal_fen", "maternity_base_fen", "maternity_employer_fen",
    "work_injury_base_fen", "work_injury_employer_fen", "paid_on",
)
# PostgreSQL's binary COPY: a signature, flags and header extension, then tuples, then -1.
PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
PG_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)
PG_EPOCH_DAYS = (dt.date(2000, 1, 1) - EPOCH).days  # PostgreSQL counts dates from 2000-01-01


def contribution_copy_bytes(columns: dict[str, np.ndarray]) -> bytes:
    """Contribution rows as PostgreSQL binary COPY data, built by NumPy without a Python loop per row.

    `columns` holds equal-length arrays keyed by `CONTRIBUTION_COLUMNS`: integers (int64), `month` as
    7-byte ASCII (``S7``), `paid_on` as days since 1970-01-01 or -1 for NULL. Each tuple is a field
    count, then per field its byte length and big-endian value (length -1 and no bytes for NULL), so a
    row is a fixed-size record of a structured array: rows paid and rows unpaid are two record types.
    """
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name in CONTRIBUTION_COLUMNS[:-1]:
        fields += [(f"{name}_len", ">i4"), (name, "S7" if name == "month" else ">i8")]
    paid = columns["paid_on"] >= 0
    out = [PG_COPY_HEADER]
    for has_date in (True, False):
        rows = np.nonzero(paid == has_date)[0]
        if not len(rows):
            continue
        dtype = np.dtype(fields + [("paid_on_len", ">i4")] + ([("paid_on", ">i4")] if has_date else []))
        rec = np.zeros(len(rows), dtype=dtype)
        rec["count"] = len(CONTRIBUTION_COLUMNS)
        for name in CONTRIBUTION_COLUMNS[:-1]:
            rec[f"{name}_len"] = 7 if name == "month" else 8
            rec[name] = columns[name][rows]
        rec["paid_on_len"] = 4 if has_date else -1
        if has_date:
            rec["paid_on"] = columns["paid_on"][rows] - PG_EPOCH_DAYS
        out.append(rec.tobytes())
    out.append(PG_COPY_TRAILER)
    return b"".join(out)


def _write_contributions(columns: dict[str, np.ndarray]) -> None:
    """Contribution rows: binary COPY on PostgreSQL (the bulk of a city: no text per value), rows of
    Python values elsewhere; both through `core.bulk`."""
    table = Contribution._meta.db_table
    if connection.vendor == "postgresql":
        bulk.copy_binary(table, CONTRIBUTION_COLUMNS, contribution_copy_bytes(columns))
        return
    paid = columns["paid_on"]
    dates = (np.datetime64("1970-01-01") + np.maximum(paid, 0).astype("timedelta64[D]")).astype(str).astype(object)
    dates[paid < 0] = None
    values = [columns[k].astype(str).tolist() if k == "month" else columns[k].tolist()
              for k in CONTRIBUTION_COLUMNS[:-1]] + [dates.tolist()]
    bulk.copy_rows(table, CONTRIBUTION_COLUMNS, zip(*values, strict=True))


def _reset_sequences(models) -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


# The generator writes rows below the services (bulk, at a million rows a minute); its trail names the job.
GENERATOR = SystemActor("generate", "生成模拟城市数据")


def _audit_batch(model, first: int, last: int, count: int, label: str) -> AuditEvent:
    return AuditEvent(actor=None, actor_label=label, action=AuditEvent.Action.BULK_CREATE,
                      model=model._meta.label, object_pk=str(first), object_pk_last=str(last), count=count,
                      reason="数据生成")


# The tables the generator fills: their foreign keys are checked once, after the load (PostgreSQL).
LOADED_MODELS = (Employer, Person, PensionAccount, EmploymentSpell, Contribution)


def foreign_keys(tables: list[str]) -> list[tuple[str, str, str]]:
    """The foreign-key constraints declared on `tables` (PostgreSQL): (table, name, definition as
    `pg_get_constraintdef` prints it, e.g. 'FOREIGN KEY (person_id) REFERENCES registry_person(id)
    DEFERRABLE INITIALLY DEFERRED'), sorted. A partitioned table's constraint is listed once, on the
    table (its partitions' copies follow it). Empty on SQLite."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                       "WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid::regclass::text = ANY(%s) "
                       "ORDER BY 1, 2", [list(tables)])
        return [tuple(row) for row in cursor.fetchall()]


@contextmanager
def foreign_keys_checked_after_load(tables: list[str]) -> Iterator[None]:
    """A bulk load whose foreign keys are checked once for the whole table, after the rows are in.

    PostgreSQL checks a foreign key row by row: one trigger per inserted row and key, fired at commit
    (Django's keys are DEFERRABLE INITIALLY DEFERRED), each a look-up and a lock of the row pointed to:
    about 40 % of the generator's time at 2 M people (issue 21). Here the keys of `tables` are dropped,
    the body loads, and each key is added back with the same name and definition, which PostgreSQL
    validates with one join over the table (a row pointing nowhere fails the load with
    IntegrityError, as it would have at commit). The caller holds one transaction around it: the
    tables are locked (ACCESS EXCLUSIVE) until it commits, so no other session ever sees them
    without their keys, and a failure rolls the keys back with the rows. Nothing on SQLite.
    """
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("foreign_keys_checked_after_load needs the caller's transaction (transaction.atomic)")
    keys = foreign_keys(tables)
    with connection.cursor() as cursor:
        # Checks already pending in the caller's transaction run now (PostgreSQL refuses to alter a table
        # with pending trigger events); deferred again afterwards, as Django's keys are.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in keys:
            cursor.execute(f'ALTER TABLE {connection.ops.quote_name(table)} DROP CONSTRAINT {connection.ops.quote_name(name)}')
    yield
    with connection.cursor() as cursor, _setting(cursor, "work_mem", LOAD_WORK_MEM):
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {connection.ops.quote_name(table)} ADD CONSTRAINT "
                           f"{connection.ops.quote_name(name)} {definition}")


# Server memory for the joins that validate the loaded tables' foreign keys (PostgreSQL, this transaction
# only): at 4 MB they spilled 2.2 GB of temporary files at 2 M people.
LOAD_WORK_MEM = "64MB"


@contextmanager
def _setting(cursor, name: str, value: str) -> Iterator[None]:
    """`name` set to `value` in this transaction for the body, then back to what it was. (A body that
    raises leaves it: the failed transaction, or its savepoint, undoes a local setting when rolled back.)"""
    cursor.execute("SELECT current_setting(%s)", [name])
    before = cursor.fetchone()[0]
    cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    cursor.execute("SELECT set_config(%s, %s, true)", [name, before])


def generate(options: GenerateOptions, *, progress: Callable[[int], None] | None = None) -> GenerateResult:
    """Generate `options`' city and write it. On PostgreSQL the whole load is one transaction whose
    foreign keys are checked once after the rows are in (`foreign_keys_checked_after_load`); on SQLite
    each batch of employers commits on its own. Either way the same seed writes the same rows."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), foreign_keys_checked_after_load([m._meta.db_table for m in LOADED_MODELS]):
            return _generate(options, progress=progress)
    return _generate(options, progress=progress)


def _generate(options: GenerateOptions, *, progress: Callable[[int], None] | None = None) -> GenerateResult:
    districts = list(Office.objects.filter(kind=Office.Kind.DISTRICT_CENTER).order_by("code"))
    weights = np.array([d.weight for d in districts], dtype=float)
    weights /= weights.sum()
    first_month = month_index(options.from_month)
    month_labels = [month_str(first_month + k) for k in range(options.months)]
    rates_by_month = [rates_in_force(dt.date(int(m[:4]), int(m[5:]), 1)) for m in month_labels]
    surname_init = names.initials_table(names.SURNAMES, surnames=True)
    given_init = names.initials_table(names.GIVEN)

    if connection.vendor == "sqlite":
        # A bulk load: a large page cache keeps the index B-trees in memory. WAL (set in settings)
        # still gives each batch's commit its durability.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -400000")
    result = GenerateResult()
    employer_id0, person_id0 = _next_id(Employer), _next_id(Person)
    spell_id0, contribution_id0 = _next_id(EmploymentSpell), _next_id(Contribution)
    account_id0 = _next_id(PensionAccount)

    # Employer sizes: heavy-tailed like a real city (many small firms, a few large ones),
    # scaled so that they add up to the number of people asked for.
    root = np.random.default_rng(options.seed)
    raw = root.pareto(1.3, options.employers) + 1.0
    sizes = np.floor(raw / raw.sum() * options.persons).astype(np.int64)
    shortfall = options.persons - int(sizes.sum())
    if shortfall > 0:
        sizes[np.argsort(-raw, kind="stable")[:shortfall]] += 1
    employer_district = root.choice(len(districts), size=options.employers, p=weights)

    # On PostgreSQL each generated month gets its partition before its rows are copied in (else they
    # would all land in the default partition); idempotent, and nothing on SQLite.
    partitions_ensure(months=month_labels, ahead=0)

    person_cursor = 0
    for start in range(0, options.employers, options.batch_employers):
        stop = min(options.employers, start + options.batch_employers)
        rng = np.random.default_rng([options.seed, start])
        with transaction.atomic():
            counts = _generate_batch(
                rng=rng, start=start, stop=stop, sizes=sizes, employer_district=employer_district,
                districts=districts, person_cursor=person_cursor, ids=(employer_id0, person_id0, spell_id0,
                                                                       contribution_id0, account_id0),
                month_labels=month_labels, rates_by_month=rates_by_month, options=options,
                surname_init=surname_init, given_init=given_init,
            )
        person_cursor += counts.persons
        spell_id0 += counts.spells
        contribution_id0 += counts.contributions
        result.employers += counts.employers
        result.persons += counts.persons
        result.spells += counts.spells
        result.contributions += counts.contributions
        if progress:
            progress(counts.employers)
    _reset_sequences([Employer, Person, PensionAccount, EmploymentSpell, Contribution])
    return result


def _generate_batch(*, rng, start, stop, sizes, employer_district, districts, person_cursor, ids, month_labels,
                    rates_by_month: list[ContributionRates], options: GenerateOptions, surname_init,
                    given_init) -> GenerateResult:
    employer_id0, person_id0, spell_id0, contribution_id0, account_id0 = ids
    n_emp = stop - start
    now = clock.now().isoformat(sep=" ")

    # Employers ---------------------------------------------------------------------------
    emp_idx = np.arange(start, stop)
    emp_dist = employer_district[start:stop]
    region_codes = [districts[i].code for i in emp_dist]
    serial_digits = np.array([list(f"{i:09d}") for i in emp_idx], dtype=np.int64)
    region_digits = np.array([list(code) for code in region_codes], dtype=np.int64)
    first17 = np.concatenate([np.tile([9, 1], (n_emp, 1)), region_digits, serial_digits], axis=1)
    credit_checks = _credit_check_chars(first17)
    pay_bank = rng.random(n_emp) < 0.8
    industry = rng.integers(1, 9, n_emp)
    in_arrears = rng.random(n_emp) < options.arrears_share
    emp_rows = []
    for k in range(n_emp):
        prefix = names.EMPLOYER_PREFIX[int(rng.integers(len(names.EMPLOYER_PREFIX)))]
        core = "".join(rng.choice(names.EMPLOYER_CORE, 2))
        kind = names.EMPLOYER_KIND[int(rng.integers(len(names.EMPLOYER_KIND)))]
        name = prefix + core + kind + f"（{int(emp_idx[k]) % 1000:03d}）"
        # Initials part by part: each part's reading is cached, so a big city costs no more.
        initials = (employer_name_initials(prefix) + employer_name_initials(core)
                    + employer_name_initials(kind))[:100]
        code = "".join(map(str, first17[k])) + credit_checks[k]
        account = f"6222{int(rng.integers(10**14, 10**15)):015d}"
        # Below the ORM, so encrypted here as the field would (core.crypto), with its blind index.
        emp_rows.append((employer_id0 + int(emp_idx[k]), code, name, initials, districts[emp_dist[k]].pk,
                         "bank_deduction" if pay_bank[k] else "remittance", crypto.encrypt(account),
                         crypto.blind_index(account, kind="bank_account"), "中国工商银行北京分行",
                         int(industry[k]), now))
    bulk.copy_rows(Employer._meta.db_table,
                ["id", "credit_code", "name", "name_initials", "district_id", "payment_method", "bank_account",
                 "bank_account_hash", "bank_name", "industry_class", "created_at"], emp_rows)

    # People --------------------------------------------------------------------------------
    emp_sizes = sizes[start:stop]
    n = int(emp_sizes.sum())
    person_emp = np.repeat(np.arange(n_emp), emp_sizes)
    p_idx = person_cursor + np.arange(n)
    male = (p_idx % 2 == 0) ^ (rng.random(n) < 0.04)
    serial = p_idx % SERIALS
    day = DAYS_1960 + ((p_idx // SERIALS) * 7919 + options.seed) % BIRTH_SPAN_DAYS
    births = (np.datetime64("1970-01-01") + day.astype("timedelta64[D]")).astype("datetime64[D]")
    birth_str = births.astype(str)
    cat_draw = rng.random(n)
    category = np.where(cat_draw < 0.01, "hmt", np.where(cat_draw < 0.02, "foreigner",
                                                         np.where(cat_draw < 0.05, "part_time", "standard")))
    surname = rng.integers(len(names.SURNAMES), size=n)
    given1 = rng.integers(len(names.GIVEN), size=n)
    given2 = rng.integers(len(names.GIVEN), size=n)
    two_char_given = rng.random(n) < 0.7
    phone_tail = rng.integers(10**8, 10**9, size=n)
    is_cadre = rng.random(n) < 0.15
    temporary = rng.random(n) < 0.1
    # Joined before the generated months (most) or during them.
    join_offset = np.where(rng.random(n) < 0.85, -rng.integers(1, 240, n), rng.integers(0, max(1, options.months), n))
    wage_fen = np.round(rng.lognormal(np.log(900_000), 0.5, n)).astype(np.int64)

    person_rows, account_rows, spell_rows, numbers = [], [], [], []
    first_month = month_index(month_labels[0])
    for k in range(n):
        pid = person_id0 + int(p_idx[k])
        emp = person_emp[k]
        dist = districts[emp_dist[emp]]
        cat = str(category[k])
        name = names.SURNAMES[surname[k]] + names.GIVEN[given1[k]] + (names.GIVEN[given2[k]] if two_char_given[k] else "")
        initials = surname_init[surname[k]] + given_init[given1[k]] + (given_init[given2[k]] if two_char_given[k] else "")
        gender = "male" if male[k] else "female"
        if cat in ("hmt", "foreigner"):
            id_type = "hmt_permit" if cat == "hmt" else "passport"
            number = ("H" if cat == "hmt" else "E") + f"{int(p_idx[k]):09d}"
            hukou, nationality = "none", "中国香港" if cat == "hmt" else "美国"
        else:
            id_type = "citizen_id"
            seq = int(serial[k]) * 2 + (1 if male[k] else 0)
            first17 = f"{id_region(dist.code)}{birth_str[k].replace('-', '')}{seq:03d}"
            number = first17 + id_check_character(first17)
            hukou, nationality = ("urban" if (k % 3) else "rural"), "中国"
        numbers.append(number)
        person_rows.append((
            pid, id_type, None, crypto.blind_index(number, kind="id_number"),  # as the model writes
            id_region_of(number), number[-4:], name, initials, gender, birth_str[k],
            names.ETHNICITIES[int(p_idx[k]) % len(names.ETHNICITIES)], hukou, "employee", bool(is_cadre[k]),
            None, cat, nationality, dist.pk, now,
        ))
        opened = month_str(first_month + int(join_offset[k])) + "-01"
        account_rows.append((account_id0 + int(p_idx[k]), pid, "temporary" if temporary[k] else "general", opened,
                             dist.pk))
        spell_rows.append((spell_id0 + k, pid, employer_id0 + int(emp_idx[emp]),
                           month_str(first_month + int(join_offset[k])), ""))
    # ID numbers and phones as tokens, as the model writes them (encrypted in bulk: core.crypto.encrypt_many).
    tokens = crypto.encrypt_many(numbers + [f"13{int(t):09d}" for t in phone_tail])
    person_rows = [row[:2] + (tokens[k],) + row[3:14] + (tokens[n + k],) + row[15:] for k, row in enumerate(person_rows)]
    bulk.copy_rows(Person._meta.db_table,
                ["id", "id_type", "id_number", "id_number_hash", "id_region", "id_last4", "name", "name_initials", "gender", "birth_date",
                 "ethnicity", "hukou_type", "contributor_category", "is_cadre", "phone", "category",
                 "nationality", "district_id", "created_at"], person_rows)
    bulk.copy_rows(PensionAccount._meta.db_table, ["id", "person_id", "account_type", "opened_on", "district_id"],
                account_rows)
    bulk.copy_rows(EmploymentSpell._meta.db_table, ["id", "person_id", "employer_id", "from_month", "to_month"],
                spell_rows)

    # Contributions: one row per person and month once the spell has started --------------------
    months = len(month_labels)
    arrears_from = rng.integers(0, max(1, months), n_emp)  # first unpaid month of an employer in arrears
    pay_day = rng.integers(5, 26, n_emp)
    # No payment is dated after the business day (core.clock): a month whose paying day is still ahead
    # is declared but not yet paid.
    today = (clock.today() - EPOCH).days
    # Each month's rows are written as soon as they are made: the batch holds one month of one batch's
    # columns at a time, not all months at once (an employer of 100,000 people has 1.2 M rows a year).
    cid = contribution_id0
    for m, label in enumerate(month_labels):
        active = join_offset <= m
        if not active.any():
            continue
        r = rates_by_month[m]
        idx = np.nonzero(active)[0]
        wage = wage_fen[idx]
        pension_base = np.clip(wage, r.pension_floor_fen, r.ceiling_fen)
        medical_base = np.clip(wage, r.medical_floor_fen, r.ceiling_fen)
        emp_of = person_emp[idx]
        unpaid = in_arrears[emp_of] & (m >= arrears_from[emp_of])
        first_day = (dt.date(int(label[:4]), int(label[5:]), 1) - EPOCH).days
        count = len(idx)
        _write_contributions({
            "id": np.arange(cid, cid + count, dtype=np.int64), "person_id": person_id0 + p_idx[idx],
            "employer_id": employer_id0 + emp_idx[emp_of], "month": np.full(count, label.encode(), dtype="S7"),
            "pension_base_fen": pension_base, "pension_employer_fen": r.share(pension_base, r.pension_employer),
            "pension_personal_fen": r.share(pension_base, r.pension_personal),
            "unemployment_base_fen": pension_base,
            "unemployment_employer_fen": r.share(pension_base, r.unemployment_employer),
            "unemployment_personal_fen": r.share(pension_base, r.unemployment_personal),
            "medical_base_fen": medical_base, "medical_employer_fen": r.share(medical_base, r.medical_employer),
            "medical_personal_fen": r.share(medical_base, r.medical_personal) + r.medical_personal_fixed_fen,
            "maternity_base_fen": medical_base, "maternity_employer_fen": r.share(medical_base, r.maternity_employer),
            "work_injury_base_fen": pension_base,
            "work_injury_employer_fen": r.work_injury_share(pension_base, industry[emp_of]),
            # Days since 1970-01-01 of the payment, or -1 for a month not paid.
            "paid_on": np.where(unpaid | (first_day + pay_day[emp_of] - 1 > today), -1,
                                first_day + pay_day[emp_of] - 1).astype(np.int64),
        })
        cid += count
    n_contributions = cid - contribution_id0
    label = GENERATOR.label
    events = [_audit_batch(Employer, emp_rows[0][0], emp_rows[-1][0], n_emp, label)]
    if person_rows:
        events += [
            _audit_batch(Person, person_rows[0][0], person_rows[-1][0], n, label),
            _audit_batch(PensionAccount, account_rows[0][0], account_rows[-1][0], n, label),
            _audit_batch(EmploymentSpell, spell_rows[0][0], spell_rows[-1][0], n, label),
        ]
    if n_contributions:
        events.append(_audit_batch(Contribution, contribution_id0, contribution_id0 + n_contributions - 1,
                                   n_contributions, label))
    AuditEvent.objects.bulk_create(events)
    return GenerateResult(employers=n_emp, persons=n, spells=n, contributions=n_contributions)
