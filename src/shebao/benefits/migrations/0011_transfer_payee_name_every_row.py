# Every payment row keeps the 户名 it sent to the bank (issue 17): benefits/0010 filled it for a death's
# immediate payment only; a monthly run's pension lines (and the dependants', the allowances') were read
# from the registry person each time they were shown, so a change of name renamed what had been sent.

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr


def _follow(start, step):
    """pk -> the last pk reached by following ``step`` (a dict of pk -> next pk) from it."""
    out = {}
    for pk in start:
        seen, cur = {pk}, pk
        while cur in step and step[cur] not in seen:
            cur = step[cur]
            seen.add(cur)
        out[pk] = cur
    return out


def sent_names(apps, schema_editor):
    """The 户名 each row without one was sent under, from the records (the same rule the payment file
    followed when it was written, `benefits.payroll.payment_file_bytes` before this change):

    - a survivors' pension's line: the dependant's name (`SurvivorPension.name`, found on the transfer
      that holds its months now: a failed one's moved to its retry);
    - a death's immediate payment (and its retries): the relative named on the award (rows sent under the
      worker's name were filled by 0010), or the worker's when none is registered;
    - every other line (a retiree's pension, a disability allowance, a disabled worker's payment): the
      registered person's name as it was when the transfer was made: the old value of the first change
      of name (`registry.PersonHistory`, field "name") made after it, else the name now. A name changed
      without a change record (none is made outside the 1.3a business) reads as it is now."""
    Transfer = apps.get_model("benefits", "Transfer")
    PayrollRun = apps.get_model("benefits", "PayrollRun")
    SurvivorMonth = apps.get_model("benefits", "SurvivorMonth")
    Award = apps.get_model("benefits", "WorkInjuryAward")
    Person = apps.get_model("registry", "Person")
    PersonHistory = apps.get_model("registry", "PersonHistory")
    empty = Transfer.objects.filter(payee_name="")

    # the work-injury rows are few: one by one
    injury = list(empty.filter(kind="work_injury").values_list("pk", "run_id", "person_id"))
    if injury:
        retried = dict(Transfer.objects.filter(retried_by__isnull=False).values_list("pk", "retried_by_id"))
        holder = _follow([pk for pk, _, _ in injury], retried)
        dependant = dict(SurvivorMonth.objects.filter(transfer_id__in=set(holder.values()))
                         .values_list("transfer_id", "pension__name"))
        retry_of = dict(PayrollRun.objects.filter(retry_of__isnull=False).values_list("pk", "retry_of_id"))
        root = _follow({run for _, run, _ in injury}, retry_of)
        awards = {a.run_id: a for a in Award.objects.filter(run_id__in=set(root.values()))}
        for pk, run, _person in injury:
            name = dependant.get(holder[pk])
            award = awards.get(root[run])
            if name is None and award is not None and (award.funeral_grant_fen or award.death_lump_sum_fen):
                name = award.payee_name or None  # none registered: the worker's name, below
            if name:
                Transfer.objects.filter(pk=pk).update(payee_name=name[:100])

    # a person renamed since: each row made before a change of name was sent under the old name
    changes = {}
    for person_id, at, old in (PersonHistory.objects.filter(field="name").order_by("at", "pk")
                               .values_list("person_id", "at", "old_value")):
        changes.setdefault(person_id, []).append((at, old))
    for person_id, history in changes.items():
        for pk, made in empty.filter(person_id=person_id).values_list("pk", "created_at"):
            old = next((old for at, old in history if at > made), None)
            if old:
                Transfer.objects.filter(pk=pk).update(payee_name=old[:100])

    # the rest: the name now
    empty.update(payee_name=Substr(Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("name")[:1]), 1, 100))


class Migration(migrations.Migration):

    dependencies = [
        ('benefits', '0010_transfer_payee_name'),
        ('registry', '0021_person_merge_record'),
    ]

    operations = [
        migrations.RunPython(sent_names, migrations.RunPython.noop, elidable=False),
    ]
