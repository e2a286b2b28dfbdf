"""Each ledger posting carries its month: 'YYYY-MM' of its transaction's booking date (`occurred_on`),
the key `collection_posting` is partitioned by on PostgreSQL (0020, docs/scale.md). Existing rows are
filled from their transactions in one UPDATE; new rows get it from `Posting.save` / `bulk_create` and
the set-based inserts of collection.services. The column has no database default: an insert that
forgets it is refused (NOT NULL) instead of landing in no month."""

from django.db import migrations, models


def fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    month = "to_char(t.occurred_on, 'YYYY-MM')" if vendor == "postgresql" else "substr(t.occurred_on, 1, 7)"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE collection_posting SET month = (SELECT {month} FROM collection_ledgertransaction t "
                       "WHERE t.id = collection_posting.transaction_id)")


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0018_relief_known_on_the_day'),
    ]

    operations = [
        migrations.AddField(
            model_name='posting',
            name='month',
            field=models.CharField(default='', editable=False, max_length=7, verbose_name='记账月份'),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
