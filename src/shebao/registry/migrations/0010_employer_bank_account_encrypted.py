"""Employers' bank accounts encrypted at rest (issue 16 §4), with a blind index to look them up.

Forward only: existing rows are encrypted under the newest of SHEBAO_FIELD_KEYS and their index is
computed under SHEBAO_BLIND_INDEX_KEY, in batches. There is no way back to clear text by migration
(decrypting a column back into the database is not something to make easy); restore a backup taken
before migrating instead.
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    # The historical field decrypts a token and passes a value in clear through; saving encrypts.
    crypto.rewrite_rows(apps.get_model("registry", "Employer"))


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0009_stamps_from_business_clock'),
    ]

    operations = [
        migrations.AddField(
            model_name='employer',
            name='bank_account_hash',
            field=shebao.core.fields.BlindIndexField(blank=True, db_index=True, default='', editable=False, kind='bank_account', max_length=64, source='bank_account', verbose_name='检索用密钥散列'),
        ),
        migrations.AlterField(
            model_name='employer',
            name='bank_account',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=32, verbose_name='银行账号'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
