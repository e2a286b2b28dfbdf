"""Encrypted at rest (issue 16 §4, docs/encryption.md): operations.EmployerContact.email, wechat_openid and postal_address (the outreach directory).

Never looked up by value, so no blind index. Forward only: existing rows (every encrypted column of the
model) are rewritten under the newest key in batches, each batch its own transaction; no way back to
clear text (restore a backup taken before migrating).
"""
import django.core.validators
import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('EmployerContact',):
        crypto.rewrite_rows(apps.get_model("operations", name))


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0006_one_opt_out_per_address_hash'),
    ]

    operations = [
        migrations.AlterField(
            model_name='employercontact',
            name='email',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=254, validators=[django.core.validators.EmailValidator()], verbose_name='电子邮箱'),
        ),
        migrations.AlterField(
            model_name='employercontact',
            name='postal_address',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='邮寄地址'),
        ),
        migrations.AlterField(
            model_name='employercontact',
            name='wechat_openid',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=64, verbose_name='微信标识'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
