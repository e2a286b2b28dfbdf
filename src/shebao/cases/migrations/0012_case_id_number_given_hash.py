"""Step 1 of 2 of the constraint `case_one_open_per_id_number` (review-input5 F10): the column of the
blind index of the number an application gives a person (`cases.models.number_given`), filled for the
open applications that give one. Where two open applications already give one number (made before the
check of review-input4 F4), only the oldest keeps its index, so that the constraint can be made; the
later one stays open and is judged by staff as before."""

from django.db import migrations

import shebao.core.fields

GIVES_ID_NUMBER = ("insured_registration", "person_change")
CLOSED = ("completed", "rejected")


def fill(apps, schema_editor):
    from shebao.cases.models import number_given  # plain code: no model state in it
    from shebao.core import crypto

    Case = apps.get_model("cases", "Case")
    seen: set[str] = set()
    open_cases = (Case.objects.filter(business__in=GIVES_ID_NUMBER).exclude(status__in=CLOSED)
                  .order_by("pk").only("pk", "business", "details"))
    for case in open_cases.iterator():
        digest = crypto.blind_index(number_given(case.business, case.details), kind="id_number")
        if digest and digest not in seen:
            seen.add(digest)
            Case.objects.filter(pk=case.pk).update(id_number_given_hash=digest)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0011_case_details_encrypt_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="id_number_given_hash",
            field=shebao.core.fields.BlindIndexField(blank=True, db_index=True, default="", editable=False,
                                                     kind="id_number", max_length=64, source="id_number_given",
                                                     verbose_name="所给证件号码检索散列"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
