"""ID numbers encrypted at rest, step 2 of 3: every existing row encrypted under the newest key, its
keyed hash and its region filled (in batches, each its own transaction: `crypto.rewrite_rows`).
Forward only: there is no way back to clear text (restore a backup taken before migrating)."""

from django.db import migrations, transaction


def fill_regions(Person, batch=2000):
    from shebao.registry.models import id_region_of

    last = 0
    while True:
        rows = list(Person._default_manager.filter(pk__gt=last).order_by("pk").only("pk", "id_number", "id_region")
                    [:batch])
        if not rows:
            return
        for row in rows:
            row.id_region = id_region_of(row.id_number)
        with transaction.atomic():
            Person._default_manager.bulk_update(rows, ["id_region"])
        last = rows[-1].pk


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    Person = apps.get_model("registry", "Person")
    crypto.rewrite_rows(Person)  # id_number (and phone) as tokens, id_number_hash recomputed
    fill_regions(Person)
    crypto.rewrite_rows(apps.get_model("registry", "PersonHistory"))


class Migration(migrations.Migration):

    atomic = False  # each batch commits on its own, so a large table is not one long transaction

    dependencies = [
        ('registry', '0013_person_id_number_encrypted'),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
