"""Bank accounts encrypted at rest (issue 16 §4, docs/encryption.md): collection.Refund, collection.RemittanceLine.

Forward only: existing rows are encrypted under the newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations



def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    crypto.rewrite_rows(apps.get_model("collection", "Refund"))
    crypto.rewrite_rows(apps.get_model("collection", "RemittanceLine"))


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0012_money_out_second_person'),
    ]

    operations = [
        migrations.AlterField(
            model_name='refund',
            name='bank_account',
            field=shebao.core.fields.EncryptedTextField(max_length=32, verbose_name='收款银行账号'),
        ),
        migrations.AlterField(
            model_name='remittanceline',
            name='payer_account',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=40, verbose_name='付款账号'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
