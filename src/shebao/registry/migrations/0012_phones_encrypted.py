"""Phone numbers encrypted at rest (issue 16 §4, docs/encryption.md): registry.Person.

Never looked up by number, so no blind index. Forward only: existing rows are encrypted under the
newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('Person',):
        crypto.rewrite_rows(apps.get_model("registry", name))


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0011_bank_accounts_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='phone',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='手机号码'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
