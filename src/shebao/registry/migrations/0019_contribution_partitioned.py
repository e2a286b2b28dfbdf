"""registry_contribution becomes a table partitioned by RANGE (month) on PostgreSQL (docs/scale.md,
"monthly partitioning"); on SQLite, which has no partitioning, this migration does nothing.

In one transaction: the old table is renamed aside and stripped of its constraints and indexes (their
names are taken over); the partitioned table is created beside it with the same columns and identity
(its sequence continued from the old one's); a partition is created for every month present and for
this month through a year after it, and a default partition for any other month; the rows are
copied over (PostgreSQL routes each to its month); then the constraints and indexes are created on
the partitioned table under their old names: the primary key becomes (id, month), as a partitioned
table's unique keys must include the partition key (ids stay unique: one sequence gives them), the
unique key (person_id, employer_id, month) and the index (employer_id, month) are unchanged, and so
are the two foreign keys (deferred, as Django makes them). No foreign key points to this table (none
in the models: checked by the test), so nothing else changes. Finally the old table is dropped.

Reversible: backwards, a plain table is built the same way from the partitioned one's rows.

Django's model state does not change (the models keep one definition; the partitioning is physical),
so the autodetector sees nothing. Later monthly partitions: `shebao partitions` (registry.partitions).
"""

from django.db import migrations

TABLE = "registry_contribution"
ASIDE = "registry_contribution_before_partitioning"
AHEAD_MONTHS = 12


def _definitions(cursor, table):
    """The constraints (name, kind, definition) and the indexes not backing a constraint (name, definition)
    of `table`, as PostgreSQL prints them."""
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'c') ORDER BY contype, conname",
                   [table])
    constraints = cursor.fetchall()
    cursor.execute("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT EXISTS "
                   "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) "
                   "ORDER BY c.relname", [table])
    return constraints, cursor.fetchall()


def _set_aside(cursor):
    """Rename the table and its identity sequence aside and drop its constraints and indexes, so that the
    new table takes their names; returns the definitions dropped."""
    constraints, indexes = _definitions(cursor, TABLE)
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
    sequence = cursor.fetchone()[0]
    for name, _kind, _definition in sorted(constraints, key=lambda c: c[1] != "f"):  # foreign keys first
        cursor.execute(f'ALTER TABLE "{TABLE}" DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{ASIDE}"')
    if sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO \"{ASIDE}_id_seq\"")
    return constraints, indexes


def _recreate(cursor, constraints, indexes, primary_key):
    for name, kind, definition in sorted(constraints, key=lambda c: c[1] == "f"):  # foreign keys last
        if kind == "p":
            definition = primary_key
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        # 'CREATE INDEX name ON public.registry_contribution USING …'; a partitioned table's reads 'ON ONLY'
        # (the parent alone), which would leave the index invalid on a plain table.
        cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))


def _copy_and_drop_aside(cursor):
    cursor.execute("SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                   "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [ASIDE])
    columns = cursor.fetchone()[0]
    cursor.execute(f'INSERT INTO "{TABLE}" ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM "{ASIDE}"')
    cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                   f'COALESCE((SELECT MAX(id) FROM "{TABLE}"), 0) + 1, false)', [TABLE])
    cursor.execute(f'DROP TABLE "{ASIDE}"')


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: no partitioning; the table stays as it is
    from shebao.registry import partitions

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if cursor.fetchone():
            return  # already partitioned (a database built by hand ahead of this migration)
        constraints, indexes = _set_aside(cursor)
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{ASIDE}" INCLUDING DEFAULTS INCLUDING IDENTITY) '
                       "PARTITION BY RANGE (month)")
        cursor.execute(f'SELECT DISTINCT month FROM "{ASIDE}"')
        present = [row[0] for row in cursor.fetchall()]
        partitions.create_default_partition(cursor)
        for month in partitions.months_wanted(present, AHEAD_MONTHS):
            partitions.create_month_partition(cursor, month)
        _copy_and_drop_aside(cursor)
        _recreate(cursor, constraints, indexes, "PRIMARY KEY (id, month)")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if not cursor.fetchone():
            return
        constraints, indexes = _set_aside(cursor)
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{ASIDE}" INCLUDING DEFAULTS INCLUDING IDENTITY)')
        _copy_and_drop_aside(cursor)  # the partitions go with their parent
        _recreate(cursor, constraints, indexes, "PRIMARY KEY (id)")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0018_contribution_fk_indexes_dropped"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
