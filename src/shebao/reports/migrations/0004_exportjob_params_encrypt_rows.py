"""Step 2 of 2 of 0003_exportjob_params_encrypted: every existing row encrypted under the newest key, in
batches, each its own transaction (`crypto.rewrite_rows`); a run stopped half-way is simply run again.
Forward only: there is no way back to clear text (restore a backup taken before migrating)."""

from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    crypto.rewrite_rows(apps.get_model("reports", "ExportJob"))


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("reports", "0003_exportjob_params_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
