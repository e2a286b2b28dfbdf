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
AHEAD_MONTHS = 12


# The steps are registry.partitions.table_partition / table_unpartition (collection 0020 partitions the
# ledger's postings with the same ones).
def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: no partitioning; the table stays as it is
    from shebao.registry import partitions

    with schema_editor.connection.cursor() as cursor:
        partitions.table_partition(cursor, TABLE, ahead=AHEAD_MONTHS)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from shebao.registry import partitions

    with schema_editor.connection.cursor() as cursor:
        partitions.table_unpartition(cursor, TABLE)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0018_contribution_fk_indexes_dropped"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
