"""Encrypted at rest (issue 16 §4, docs/encryption.md): cases.OutboxMessage.recipient (the mobile, e-mail or WeChat id a notification is sent to).

Never looked up by value, so no blind index. Forward only: existing rows are encrypted under the newest key
in batches; no way back to clear text (restore a backup taken before migrating).
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    crypto.rewrite_rows(apps.get_model("cases", "OutboxMessage"))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0013_case_one_open_per_id_number'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outboxmessage',
            name='recipient',
            field=shebao.core.fields.EncryptedTextField(max_length=200, verbose_name='收件人'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
