"""Encrypted at rest (issue 16 §4, docs/encryption.md): collection.RemittanceLine.memo (payers write ID, phone and account numbers in it).

Never looked up by value, so no blind index. Forward only: existing rows are encrypted under the newest key
in batches; no way back to clear text (restore a backup taken before migrating).
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    crypto.rewrite_rows(apps.get_model("collection", "RemittanceLine"))


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0016_declaration_row_id_number_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='remittanceline',
            name='memo',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='附言'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
