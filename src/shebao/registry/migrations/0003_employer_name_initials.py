"""Employers get their name's pinyin initials, for the clerk's search (北京华信… → bjhx…)."""

from django.db import migrations, models


def fill_initials(apps, schema_editor):
    from shebao.registry.services import employer_name_initials

    Employer = apps.get_model("registry", "Employer")
    batch = []
    for employer in Employer.objects.only("pk", "name").iterator(chunk_size=2000):
        employer.name_initials = employer_name_initials(employer.name)
        batch.append(employer)
        if len(batch) >= 2000:
            Employer.objects.bulk_update(batch, ["name_initials"])
            batch = []
    if batch:
        Employer.objects.bulk_update(batch, ["name_initials"])


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0002_offices"),
    ]

    operations = [
        migrations.AddField(
            model_name="employer",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=100, verbose_name="单位名称拼音首字母"),
        ),
        migrations.RunPython(fill_initials, migrations.RunPython.noop),
    ]
