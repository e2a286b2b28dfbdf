"""Phone numbers encrypted at rest (issue 16 §4, docs/encryption.md): operations.AuditCase, operations.EmployerContact.

Never looked up by number, so no blind index. Forward only: existing rows are encrypted under the
newest key in batches; no way back to clear text.
"""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    for name in ('AuditCase', 'EmployerContact'):
        crypto.rewrite_rows(apps.get_model("operations", name))


class Migration(migrations.Migration):

    dependencies = [
        ('operations', '0003_outreach'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditcase',
            name='complainant_phone',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=30, verbose_name='投诉人电话'),
        ),
        migrations.AlterField(
            model_name='employercontact',
            name='phone',
            field=shebao.core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='手机'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
