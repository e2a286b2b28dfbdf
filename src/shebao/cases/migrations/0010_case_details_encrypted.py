"""Step 1 of 2 (the column); step 2 encrypts the rows. An application's content encrypted at rest (issue 16 §4, review-input4 F1, docs/encryption.md):
`Case.details` holds refund and pension accounts, the ID number and mobile of an insured person
registered by an employer, a person change's new ID number, mobile and account, each back-payment
line's ID number. It is never looked inside in SQL, so it becomes one token of its JSON text
(`core.fields.EncryptedJSONField`). The column turns from JSON into text (PostgreSQL casts jsonb to
its text), then every row is encrypted in batches (`crypto.rewrite_rows`; a run stopped half-way is
run again). Forward only."""

from django.db import migrations

import shebao.core.fields


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0009_alter_document_file"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="details",
            field=shebao.core.fields.EncryptedJSONField(blank=True, default=dict, verbose_name="申请内容"),
        ),
    ]
