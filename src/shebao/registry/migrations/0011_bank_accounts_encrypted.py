"""Bank accounts encrypted at rest (issue 16 §4, docs/encryption.md): registry.ResidentPension.

Forward only: existing rows are encrypted under the newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations



def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    crypto.rewrite_rows(apps.get_model("registry", "ResidentPension"))


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0010_employer_bank_account_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='residentpension',
            name='bank_account',
            field=shebao.core.fields.EncryptedTextField(max_length=32, verbose_name='银行账号'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
