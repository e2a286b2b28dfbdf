"""The contribution table's single-column indexes on person_id and employer_id go (docs/scale.md): the
unique key (person_id, employer_id, month) serves every look-up by person (its first column) and the
index (employer_id, month) every look-up by employer, including the foreign-key checks when a person
or employer row is deleted; each index more is one more write for every contribution row, the
largest table of the city. tests/registry/test_contribution_partitions.py checks the plans."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0017_person_other_data_encrypt_rows'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contribution',
            name='employer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='contributions', to='registry.employer', verbose_name='单位'),
        ),
        migrations.AlterField(
            model_name='contribution',
            name='person',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='contributions', to='registry.person', verbose_name='参保人员'),
        ),
    ]
