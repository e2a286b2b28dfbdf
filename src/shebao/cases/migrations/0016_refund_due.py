"""The plain index of the dues each refund application names (cases.RefundDue), filled for the refund
applications stored before it (their details are decrypted once here, never again per decision)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from shebao.cases.models import refund_dues_named

    Case = apps.get_model("cases", "Case")
    RefundDue = apps.get_model("cases", "RefundDue")
    rows = []
    for pk, details in Case.objects.filter(business="refund").values_list("pk", "details").iterator(chunk_size=2000):
        rows.extend(RefundDue(case_id=pk, due_id=d) for d in sorted(refund_dues_named(details)))
        if len(rows) >= 5000:
            RefundDue.objects.bulk_create(rows)
            rows = []
    RefundDue.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0015_contacts_encrypted'),
    ]

    operations = [
        migrations.CreateModel(
            name='RefundDue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_id', models.BigIntegerField(db_index=True, verbose_name='应缴费款编号')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='refund_dues', to='cases.case', verbose_name='申请')),
            ],
            options={
                'verbose_name': '退费所涉应缴费款',
                'verbose_name_plural': '退费所涉应缴费款',
                'constraints': [models.UniqueConstraint(fields=('case', 'due_id'), name='refund_due_once')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
