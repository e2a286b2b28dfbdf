"""Step 1 of 2 (the column); step 2 encrypts the rows. A person's other registered data encrypted at rest (issue 16 §4, review-input4 F1):
`Person.other_data` holds what a person change records without a column of its own, a bank
account, a landline, an emergency contact and an e-mail among them. It is never looked inside in
SQL, so it becomes one token of its JSON text (`core.fields.EncryptedJSONField`): the column turns
from JSON into text, then every row is rewritten in batches (`crypto.rewrite_rows`, which also
re-encrypts the person's other encrypted columns under the newest key). Forward only."""

from django.db import migrations

import shebao.core.fields


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0015_person_id_number_hash_unique"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="other_data",
            field=shebao.core.fields.EncryptedJSONField(blank=True, default=dict, null=True,
                                                        verbose_name="其他登记信息"),
        ),
    ]
