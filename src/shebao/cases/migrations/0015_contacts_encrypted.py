"""Encrypted at rest (issue 16 §4, docs/encryption.md): cases.Case.contact_email and contact_wechat (where notifications go).

Never looked up by value, so no blind index. Forward only: existing rows (every encrypted column of the
model) are rewritten under the newest key in batches, each batch its own transaction; no way back to
clear text (restore a backup taken before migrating).
"""
import django.core.validators
import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('Case',):
        crypto.rewrite_rows(apps.get_model("cases", name))


class Migration(migrations.Migration):

    atomic = False  # one transaction per batch of rows (crypto.rewrite_rows), as cases/0011

    dependencies = [
        ('cases', '0014_outbox_recipient_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='contact_email',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=254, validators=[django.core.validators.EmailValidator()], verbose_name='通知邮箱'),
        ),
        migrations.AlterField(
            model_name='case',
            name='contact_wechat',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=64, verbose_name='微信标识'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
