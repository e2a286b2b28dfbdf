"""Phone numbers encrypted at rest (issue 16 §4, docs/encryption.md): cases.Case, cases.PhoneCheck.

Never looked up by number, so no blind index. Forward only: existing rows are encrypted under the
newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('Case', 'PhoneCheck'):
        crypto.rewrite_rows(apps.get_model("cases", name))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_stamps_from_business_clock'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='contact_phone',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='通知手机'),
        ),
        migrations.AlterField(
            model_name='phonecheck',
            name='phone',
            field=shebao.core.fields.EncryptedTextField(max_length=20, verbose_name='拨打号码'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
