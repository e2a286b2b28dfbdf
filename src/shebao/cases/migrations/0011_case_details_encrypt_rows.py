"""Step 2 of 2 of 0010_case_details_encrypted: every existing row encrypted under the newest key, in batches, each its own
transaction (`crypto.rewrite_rows`), so a large table is not one long transaction and a run stopped
half-way is simply run again. A row written in clear below the ORM is read as it is until then.
Forward only: there is no way back to clear text (restore a backup taken before migrating)."""

from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    crypto.rewrite_rows(apps.get_model("cases", "Case"))


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("cases", "0010_case_details_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
