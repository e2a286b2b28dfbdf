"""Outreach addresses encrypted at rest (issue 16 §4, docs/encryption.md): operations.OutreachRecipient.address
and operations.OptOut.address, with a keyed hash of the opt-out address (`address_hash`) that the outreach
run compares and that carries the one-opt-out-per-address key (added by 0006, once every row has its hash).

Forward only: existing rows are encrypted under the newest key and hashed, in batches; no way back to clear
text (restore a backup taken before migrating).
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('OutreachRecipient', 'OptOut'):
        crypto.rewrite_rows(apps.get_model("operations", name))


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0004_phones_encrypted'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='optout',
            name='one_opt_out_per_address',
        ),
        migrations.AddField(
            model_name='optout',
            name='address_hash',
            field=shebao.core.fields.BlindIndexField(blank=True, db_index=True, default='', editable=False, kind='opt_out_address', max_length=64, source='address', verbose_name='检索用密钥散列'),
        ),
        migrations.AlterField(
            model_name='optout',
            name='address',
            field=shebao.core.fields.EncryptedTextField(max_length=200, verbose_name='地址'),
        ),
        migrations.AlterField(
            model_name='outreachrecipient',
            name='address',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='地址'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
