"""Phone numbers encrypted at rest (issue 16 §4, docs/encryption.md): cards.CardOrder.

Never looked up by number, so no blind index. Forward only: existing rows are encrypted under the
newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('CardOrder',):
        crypto.rewrite_rows(apps.get_model("cards", name))


class Migration(migrations.Migration):

    dependencies = [
        ('cards', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cardorder',
            name='recipient_phone',
            field=shebao.core.fields.EncryptedTextField(max_length=20, verbose_name='收件人电话'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
