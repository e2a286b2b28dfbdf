"""collection_posting becomes a table partitioned by RANGE (month) on PostgreSQL (docs/scale.md, "monthly
partitioning"), the month of each posting's booking date (0019); on SQLite, which has no partitioning,
this migration does nothing.

The same steps as registry 0019 (registry.partitions.table_partition), in one transaction: the old
table is renamed aside and stripped of its constraints and indexes; the partitioned table is created
beside it with the same columns and identity (its sequence continued); a partition for every month
present and for this month through a year after it, and a default partition for any other month; the
rows copied over; then the constraints and indexes under their old names: the primary key becomes
(id, month), the index (account, employer_id) and the foreign-key indexes (transaction_id,
employer_id) are partitioned indexes, the two foreign keys (to the transaction and the employer,
deferred as Django makes them) are kept. No foreign key points to postings (checked by
tests/collection/test_posting_partitions.py), so nothing else changes. The old table is dropped.

Reversible: backwards, a plain table is built the same way from the partitioned one's rows.

Django's model state does not change. Later monthly partitions: `shebao partitions`.
`collection_ledgertransaction` is not partitioned: postings, payments and reversals point to a
transaction by its id alone (docs/scale.md, "Not partitioned, and why").
"""

from django.db import migrations

TABLE = "collection_posting"
AHEAD_MONTHS = 12


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
        ("collection", "0019_posting_month"),
        ("registry", "0019_contribution_partitioned"),  # registry.partitions' steps, first used there
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
