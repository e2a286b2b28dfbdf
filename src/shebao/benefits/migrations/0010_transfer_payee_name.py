# Transfer.payee_name: the 户名 the payment file sent (issue 17, left open at stop 18).

from django.db import migrations, models


def sent_names(apps, schema_editor):
    """The 户名 the files already sent, where the records still tell it: a death's immediate payment
    (and its retries) sent while the award had no relative registered went out under the worker's name
    (payroll.payment_file_bytes keeps the worker's line when there is no relative's number): the
    award still reads 未登记领取人, or its relative was registered (audit "登记领取人…") after the
    transfer was made. Every other row stays empty and is read from the records, as before."""
    Transfer = apps.get_model("benefits", "Transfer")
    PayrollRun = apps.get_model("benefits", "PayrollRun")
    Award = apps.get_model("benefits", "WorkInjuryAward")
    AuditEvent = apps.get_model("core", "AuditEvent")
    for award in Award.objects.filter(models.Q(funeral_grant_fen__gt=0) | models.Q(death_lump_sum_fen__gt=0)):
        registered_at = None
        if award.payee_name:
            event = (AuditEvent.objects.filter(model="benefits.WorkInjuryAward", object_pk=str(award.pk),
                                               reason__startswith="登记领取人").order_by("at").first())
            if event is None:
                continue  # paid to the relative from the start
            registered_at = event.at
        runs, frontier = {award.run_id}, {award.run_id}
        while frontier:
            frontier = set(PayrollRun.objects.filter(retry_of_id__in=frontier).values_list("pk", flat=True)) - runs
            runs |= frontier
        rows = Transfer.objects.filter(run_id__in=runs, kind="work_injury", person_id=award.person_id, payee_name="")
        if registered_at is not None:
            rows = rows.filter(created_at__lt=registered_at)
        name = award.person.name
        rows.update(payee_name=name[:100])


class Migration(migrations.Migration):

    dependencies = [
        ('benefits', '0009_award_payee'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='transfer',
            name='payee_name',
            field=models.CharField(blank=True, db_default='', default='', max_length=100, verbose_name='发送银行的户名'),
        ),
        migrations.RunPython(sent_names, migrations.RunPython.noop),
    ]
