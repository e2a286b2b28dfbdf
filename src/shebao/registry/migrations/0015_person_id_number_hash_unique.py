"""ID numbers encrypted at rest, step 3 of 3: one person per number again, now on the keyed hash
(deterministic, so equal numbers have equal hashes) instead of the token column."""

import shebao.core.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0014_person_id_number_encrypt_rows'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='id_number_hash',
            field=shebao.core.fields.BlindIndexField(blank=True, db_index=True, default='', editable=False, kind='id_number', max_length=64, source='id_number', unique=True, verbose_name='证件号码'),
        ),
    ]
