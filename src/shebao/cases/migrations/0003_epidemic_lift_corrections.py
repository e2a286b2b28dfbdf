"""A lifted date can be corrected: lifts are numbered, name the lift they correct, and dates repeat."""

from django.db import migrations, models
import django.db.models.deletion


def number_lifts(apps, schema_editor):
    EpidemicLift = apps.get_model("cases", "EpidemicLift")
    for n, lift in enumerate(EpidemicLift.objects.order_by("applied_at", "pk"), start=1):
        EpidemicLift.objects.filter(pk=lift.pk).update(sequence=n)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_queue_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="epidemiclift",
            name="sequence",
            field=models.PositiveIntegerField(null=True, verbose_name="执行序号"),
        ),
        migrations.RunPython(number_lifts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="epidemiclift",
            name="sequence",
            field=models.PositiveIntegerField(unique=True, verbose_name="执行序号"),
        ),
        migrations.AlterField(
            model_name="epidemiclift",
            name="lifted_on",
            field=models.DateField(verbose_name="疫情解除日期"),
        ),
        migrations.AddField(
            model_name="epidemiclift",
            name="corrects",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="corrected_by", to="cases.epidemiclift",
                                    verbose_name="更正的执行记录"),
        ),
        migrations.AlterModelOptions(
            name="epidemiclift",
            options={"ordering": ["sequence"], "verbose_name": "疫情解除执行记录",
                     "verbose_name_plural": "疫情解除执行记录"},
        ),
    ]
