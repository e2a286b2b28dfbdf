"""Encrypted at rest (issue 16 §4, docs/encryption.md): cards.CardOrder.postal_address.

Never looked up by value, so no blind index. Forward only: existing rows (every encrypted column of the
model) are rewritten under the newest key in batches, each batch its own transaction; no way back to
clear text (restore a backup taken before migrating).
"""
import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('CardOrder',):
        crypto.rewrite_rows(apps.get_model("cards", name))


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0002_phones_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cardorder',
            name='postal_address',
            field=shebao.core.fields.EncryptedTextField(max_length=200, verbose_name='邮寄地址'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
