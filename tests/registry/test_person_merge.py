"""Merging a person registered twice (issue 16): the record kept gets every dependent row, the other is
marked merged (kept, with a pointer) and the trail records both; a merge that would create two rows where
the rules allow one is refused in Chinese and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from shebao.benefits.models import Retiree
from shebao.cases import services as cases
from shebao.cases.models import Case
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.registry import merge
from shebao.registry.duplicates import registered_twice
from shebao.registry.models import (
    AccountMonth,
    Contribution,
    EmploymentSpell,
    PensionAccount,
    Person,
    PersonHistory,
)
from shebao.registry.services import person_update
from tests import personas
from tests.cases.conftest import valid_details
from tests.collection.conftest import contribution

pytestmark = pytest.mark.django_db


def twice_of(holder: Person, *, district_code: str | None = None) -> Person:
    """The holder registered again under 护照 with the 15-digit number (a row from before af20f9d)."""
    return Person.objects.create(id_type="passport", id_number=holder.id_number[:6] + holder.id_number[8:17],
                                 name=holder.name, gender=holder.gender, birth_date=holder.birth_date,
                                 district=personas.office(district_code or holder.district.code))


def retiree(person: Person) -> Retiree:
    return Retiree.objects.create(person=person, district=person.district, retired_on=dt.date(2019, 6, 1),
                                  retirement_month="2019-06", age_months=720, declared_on=dt.date(2019, 5, 1),
                                  bank_account="6222020000000000011")


def rows_of(person: Person) -> dict[str, int]:
    """How many rows of each model point at the person, through every foreign key to Person."""
    counts = {}
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if getattr(f, "related_model", None) is Person and f.concrete and (f.many_to_one or f.one_to_one):
                counts[f"{model._meta.label}.{f.name}"] = model.objects.filter(**{f.name: person}).count()
    return counts


def test_every_foreign_key_to_a_person_is_moved_or_kept_on_purpose():
    """A new foreign key to Person must be added to MOVED, MOVED_ONE or KEPT (registry.merge)."""
    declared = {*merge.MOVED, *merge.MOVED_ONE, *merge.KEPT}
    found = {(m._meta.label, f.name) for m in apps.get_models() for f in m._meta.get_fields()
             if getattr(f, "related_model", None) is Person and f.concrete and (f.many_to_one or f.one_to_one)}
    assert found == declared


def test_a_merge_moves_every_dependent_row_and_keeps_the_other_record(municipal_admin, employer_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    contribution(holder, employer_chaoyang, "2019-01", 800_000)
    for month in ("2019-02", "2019-03"):
        contribution(twice, employer_chaoyang, month, 800_000)
    EmploymentSpell.objects.create(person=holder, employer=employer_chaoyang, from_month="2019-01", to_month="2019-01")
    EmploymentSpell.objects.create(person=twice, employer=employer_chaoyang, from_month="2019-02")
    # Both have a pension account: the other's months move, its empty account stays.
    twice_account = PensionAccount.objects.create(person=twice, account_type="general", opened_on=dt.date(2000, 1, 1),
                                                  district=twice.district)
    AccountMonth.objects.create(account=twice_account, month="1996-01", amount_fen=100, source="backfill",
                                created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    pension = retiree(twice)  # the holder has none: the record moves
    case, _ = cases.case_submit(actor=municipal_admin, business="card_replacement", channel="counter", person=twice,
                                applicant_kind="person", applied_on=dt.date(2020, 2, 10), idempotency_key="merge-1",
                                details=valid_details("card_replacement", person=twice, applied_on=dt.date(2020, 2, 10)))
    history_before = PersonHistory.objects.filter(person=twice).count()
    events_before = AuditEvent.objects.count()

    moved = merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件，为同一人")

    assert moved == {"registry.EmploymentSpell": 1, "registry.Contribution": 2, "cases.Case": 1,
                     "benefits.Retiree": 1, "registry.AccountMonth": 1}
    assert sorted(Contribution.objects.filter(person=holder).values_list("month", flat=True)) == [
        "2019-01", "2019-02", "2019-03"]
    assert Case.objects.get(pk=case.pk).person_id == holder.pk
    pension.refresh_from_db()
    assert pension.person_id == holder.pk
    assert AccountMonth.objects.get(month="1996-01").account == holder.pension_account
    assert PensionAccount.objects.filter(pk=twice_account.pk, person=twice).exists()  # empty, never deleted
    left = {k: n for k, n in rows_of(twice).items() if n and (k.rsplit(".", 1)[0], k.rsplit(".", 1)[1]) not in merge.KEPT}
    assert left == {"registry.PensionAccount.person": 1}
    assert PersonHistory.objects.filter(person=twice).count() == history_before  # its trail stays with it

    twice.refresh_from_db()
    assert twice.merged_into == holder and twice.merged_at is not None  # marked, not deleted
    assert list(holder.merged_from.all()) == [twice]
    out, into = (AuditEvent.objects.filter(pk__gt=0).order_by("pk")[events_before:])
    assert (out.object_pk, out.changes["merged_into"], out.changes["moved_out"]) == (str(twice.pk), [None, holder.pk],
                                                                                     moved)
    assert (into.object_pk, into.changes["merged_from"], into.actor) == (str(holder.pk), [None, twice.pk],
                                                                         municipal_admin)
    assert into.reason == "核实身份证原件，为同一人"
    assert list(registered_twice()) == []  # the pair is gone from the list

    with pytest.raises(ValidationError, match="已合并至人员#"):
        person_update(actor=municipal_admin, person=twice, name="李四四")
    with pytest.raises(merge.MergeRefused, match="已于此前合并"):
        merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="再次合并试试")


def snapshot(*people: Person) -> tuple:
    return (tuple(rows_of(p) for p in people), AuditEvent.objects.count(),
            tuple(Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")
                  .values_list("merged_into", "merged_at")))


def test_two_contributions_for_the_same_employer_and_month_refuse_the_merge(municipal_admin, employer_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    for p in (holder, twice):
        contribution(p, employer_chaoyang, "2019-05", 800_000)
    contribution(twice, employer_chaoyang, "2019-06", 800_000)
    before = snapshot(holder, twice)
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件")
    assert refused.value.status == 409
    assert "同一单位同一月份都有缴费记录" in refused.value.zh and "2019-05" in refused.value.zh
    assert "2019-06" not in refused.value.zh
    assert snapshot(holder, twice) == before  # nothing moved, nothing marked, nothing recorded


def test_two_pensions_and_overlapping_spells_are_each_named(municipal_admin, employer_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    retiree(holder), retiree(twice)
    EmploymentSpell.objects.create(person=holder, employer=employer_chaoyang, from_month="2018-01", to_month="2019-06")
    EmploymentSpell.objects.create(person=twice, employer=employer_chaoyang, from_month="2019-03")
    before = snapshot(holder, twice)
    with pytest.raises(merge.MergeRefused) as refused:
        merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件")
    assert "不能领取两份养老金" in refused.value.zh and "参保经历时间重叠" in refused.value.zh
    assert snapshot(holder, twice) == before
    assert merge.merge_conflicts(keep=holder, other=holder) == ["保留的记录与被合并的记录是同一人员，不能合并"]


def test_a_reason_is_required_and_the_district_line_holds(reviewer_chaoyang, clerk_chaoyang):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder, district_code="110108")  # registered again in 海淀
    same = personas.make_person("王五", serial=6)
    same_twice = twice_of(same)
    before = snapshot(holder, twice, same, same_twice)
    with pytest.raises(ActionRefused):  # the other record is in another district
        merge.person_merge(actor=reviewer_chaoyang, keep=holder, other=twice, reason="核实身份证原件")
    with pytest.raises(ActionRefused):  # a clerk registers; a reviewer merges
        merge.person_merge(actor=clerk_chaoyang, keep=same, other=same_twice, reason="核实身份证原件")
    with pytest.raises(merge.ReasonRefused, match="请填写合并理由") as refused:
        merge.person_merge(actor=reviewer_chaoyang, keep=same, other=same_twice, reason=" 同 ")
    assert (refused.value.field, refused.value.status) == ("reason", 400)  # an input fault, not a conflict
    assert snapshot(holder, twice, same, same_twice) == before
    merge.person_merge(actor=reviewer_chaoyang, keep=same, other=same_twice, reason="核实身份证原件")
    assert Person.objects.get(pk=same_twice.pk).merged_into_id == same.pk


def test_nothing_more_is_written_to_a_merged_record(municipal_admin):
    """Its rows now belong to the record kept: the account book and the residents' pension refuse the
    merged record (as the change of its data does), so the two records cannot drift apart again."""
    from shebao.registry import accounts, resident_pension

    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    PensionAccount.objects.create(person=twice, account_type="general", opened_on=dt.date(2000, 1, 1),
                                  district=twice.district)
    merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件")
    before = snapshot(holder, twice)
    with pytest.raises(ValidationError, match=f"已合并至人员#{holder.pk}"):
        accounts.account_backfill(actor=municipal_admin, person=twice, lines=[{"month": "1996-01", "amount_fen": 1}])
    with pytest.raises(ValidationError, match=f"已合并至人员#{holder.pk}"):
        resident_pension.resident_pension_register(actor=municipal_admin, person=twice, contribution_grade_fen=100_000,
                                                   bank_name="北京农商银行", bank_account="6214680012345678")
    assert accounts.backfill_refusals(person=twice, lines=[{"month": "1996-01", "amount_fen": 1}]) == {
        "person": f"该人员为重复登记，已合并至人员#{holder.pk}，请在保留的记录上办理"}
    assert snapshot(holder, twice) == before
    accounts.account_backfill(actor=municipal_admin, person=holder, lines=[{"month": "1996-01", "amount_fen": 1}])


def test_no_case_retiree_or_payment_is_started_on_a_merged_record(municipal_admin, clerk_chaoyang, client):
    """The merge's class on the other writers: a case (every road submits through case_submit: counter,
    portal, API, fast track), a retiree declaration and an immediate payment on the merged record are
    refused with the record kept named, and nothing is written; on the kept record they go through."""
    from shebao.benefits.payroll import immediate_payment_start
    from shebao.benefits.services import Basis, retiree_declare
    from shebao.core.errors import DomainError

    holder = personas.make_person("李四", serial=6)
    twice = twice_of(holder)
    merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件")
    before = snapshot(holder, twice), Case.objects.count()
    details = valid_details("person_change", person=holder)
    with pytest.raises(DomainError, match=f"已合并至人员#{holder.pk}") as refused:
        cases.case_submit(actor=clerk_chaoyang, business="person_change", channel="counter", person=twice,
                          applicant_kind="person", details=details)
    assert refused.value.field == "person"
    with pytest.raises(ValidationError, match=f"已合并至人员#{holder.pk}"):
        retiree_declare(actor=municipal_admin, person=twice, bank_account="6222020000000000011",
                        basis=Basis(record_monthly_fen=300_000, record_reference="核定-1"))
    with pytest.raises(ValidationError, match=f"已合并至人员#{holder.pk}"):
        immediate_payment_start(actor=municipal_admin, person=twice, bank_account="6222020000000000011",
                                amount_fen=100, memo="工伤一次性待遇")
    assert (snapshot(holder, twice), Case.objects.count()) == before
    case, created = cases.case_submit(actor=clerk_chaoyang, business="person_change", channel="counter",
                                      person=holder, applicant_kind="person", details=details)
    assert created and case.person_id == holder.pk


def test_the_person_search_marks_a_merged_record_and_links_the_one_kept(client, municipal_admin, clerk_chaoyang):
    holder = personas.make_person("李四", serial=7)
    twice = twice_of(holder)
    merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件")
    client.force_login(clerk_chaoyang)
    page = client.post("/persons/", {"q": "李四"}).content.decode()
    assert f'id="merged-{twice.pk}"' in page and f'href="/persons/{holder.pk}/"' in page
    assert f'id="merged-{holder.pk}"' not in page
