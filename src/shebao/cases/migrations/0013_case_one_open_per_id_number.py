"""Step 2 of 2: one open application gives a number at a time, held by the database (review-input5 F10:
two registrations of one new number submitted at the same moment both passed the check on PostgreSQL)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0012_case_id_number_given_hash"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("id_number_given_hash", ""), _negated=True),
                                   models.Q(("status__in", ("completed", "rejected")), _negated=True)),
                fields=("id_number_given_hash",), name="case_one_open_per_id_number"),
        ),
    ]
