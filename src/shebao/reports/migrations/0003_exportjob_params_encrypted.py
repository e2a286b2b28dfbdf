"""Step 1 of 2 (the column); step 2 encrypts the rows. An export job's filter encrypted at rest
(review-input5 F4: a queue job started with q=<ID number>&page=<mobile> kept both in clear, only the
person search's `q` was encrypted). The filter is never looked inside in SQL, so it becomes one token
of its JSON text (`core.fields.EncryptedJSONField`), as `cases.Case.details` did (cases 0010/0011).
Forward only."""

from django.db import migrations

import shebao.core.fields


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0002_export_job"),
    ]

    operations = [
        migrations.AlterField(
            model_name="exportjob",
            name="params",
            field=shebao.core.fields.EncryptedJSONField(blank=True, default=dict, verbose_name="筛选条件"),
        ),
    ]
