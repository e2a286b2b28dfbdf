"""ID numbers encrypted at rest (issue 16 §4, docs/encryption.md), step 1 of 3: the columns.

`Person.id_number` becomes a token column (no longer unique: tokens are random) with its keyed hash
`id_number_hash` beside it (indexed, NOT yet unique: it is empty until step 2 fills it) and the
region `id_region` (the first six of a long number, in clear as the masked form shows it, for the
search by the start of a number). A person's change history (`PersonHistory.old_value/new_value`,
which keeps a changed ID number, phone or account) is encrypted too. Step 2 (0014) encrypts and
fills; step 3 (0015) makes the hash unique, so PostgreSQL never holds a half-filled unique column.
"""

import shebao.core.fields
import shebao.registry.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0012_phones_encrypted'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='id_number_hash',
            field=shebao.core.fields.BlindIndexField(blank=True, db_index=True, default='', editable=False, kind='id_number', max_length=64, source='id_number', verbose_name='证件号码'),
        ),
        migrations.AddField(
            model_name='person',
            name='id_region',
            field=shebao.registry.models.IdRegionField(blank=True, db_index=True, editable=False, max_length=6, verbose_name='证件号前六位'),
        ),
        migrations.AlterField(
            model_name='person',
            name='id_number',
            field=shebao.core.fields.EncryptedTextField(indexed_by='id_number_hash', max_length=32, verbose_name='证件号码'),
        ),
        migrations.AlterField(
            model_name='personhistory',
            name='new_value',
            field=shebao.core.fields.EncryptedTextField(blank=True, verbose_name='新值'),
        ),
        migrations.AlterField(
            model_name='personhistory',
            name='old_value',
            field=shebao.core.fields.EncryptedTextField(blank=True, verbose_name='原值'),
        ),
    ]
