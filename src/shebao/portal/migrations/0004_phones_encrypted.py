"""Phone numbers encrypted at rest (issue 16 §4, docs/encryption.md): portal.EmployerAccount.

Never looked up by number, so no blind index. Forward only: existing rows are encrypted under the
newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('EmployerAccount',):
        crypto.rewrite_rows(apps.get_model("portal", name))


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0003_stamps_from_business_clock'),
    ]

    operations = [
        migrations.AlterField(
            model_name='employeraccount',
            name='mobile',
            field=shebao.core.fields.EncryptedTextField(max_length=20, verbose_name='手机号码'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
