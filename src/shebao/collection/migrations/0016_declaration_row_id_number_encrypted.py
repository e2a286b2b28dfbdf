"""ID numbers encrypted at rest (issue 16 §4, docs/encryption.md): the staging rows of a monthly
declaration (`DeclarationRow.id_number`). Never looked up by number (the import matches people by
the blind index of `registry.Person`), so no index. Forward only."""

import shebao.core.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from shebao.core import crypto

    crypto.rewrite_rows(apps.get_model("collection", "DeclarationRow"))


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0015_relief_publication_request'),
    ]

    operations = [
        migrations.AlterField(
            model_name='declarationrow',
            name='id_number',
            field=shebao.core.fields.EncryptedTextField(max_length=40, verbose_name='证件号码'),
        ),
        migrations.RunPython(encrypt_existing, elidable=False),
    ]
