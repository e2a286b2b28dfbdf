"""Bank accounts encrypted at rest (issue 16 §4, docs/encryption.md): the pension, transfer and
disability-allowance accounts of benefits.

Forward only: existing rows are encrypted under the newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ("Retiree", "Transfer", "DisabilityAllowance"):
        crypto.rewrite_rows(apps.get_model("benefits", name))


class Migration(migrations.Migration):

    dependencies = [
        ('benefits', '0003_stamps_from_business_clock'),
    ]

    operations = [
        migrations.AlterField(
            model_name='disabilityallowance',
            name='bank_account',
            field=shebao.core.fields.EncryptedTextField(max_length=32, verbose_name='发放账号'),
        ),
        migrations.AlterField(
            model_name='retiree',
            name='bank_account',
            field=shebao.core.fields.EncryptedTextField(max_length=32, verbose_name='养老金发放账号'),
        ),
        migrations.AlterField(
            model_name='transfer',
            name='bank_account',
            field=shebao.core.fields.EncryptedTextField(max_length=32, verbose_name='收款账号'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
