"""Undoing a merge made the wrong way (issue 16, left open at stop 18): `registry.merge.person_unmerge`
moves back exactly the rows the merge moved (recorded at merge time in `PersonMerge.moved`), for every
foreign key to Person; rows written on the record kept afterwards stay; a merge made before its rows
were recorded is refused with the reason; permission-checked, audited, nothing changed on refusal."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.apps import apps

from shebao.cases import services as cases
from shebao.core.models import AuditEvent
from shebao.core.permissions import ActionRefused
from shebao.registry import merge
from shebao.registry.models import (
    AccountMonth,
    Contribution,
    EmploymentSpell,
    PensionAccount,
    Person,
    PersonMerge,
)
from tests import personas
from tests.cases.conftest import valid_details
from tests.collection.conftest import contribution
from tests.registry.test_person_merge import retiree, rows_of, snapshot, twice_of

pytestmark = pytest.mark.django_db


def test_every_foreign_key_to_person_is_moved_back_by_the_undo_or_never_moved():
    """Like the merge's walk: a foreign key the merge moves is one the undo moves back (by the same
    field), and every other one is kept, never moved, so there is nothing to move back."""
    found = {(m._meta.label, f.name) for m in apps.get_models() for f in m._meta.get_fields()
             if getattr(f, "related_model", None) is Person and f.concrete and (f.many_to_one or f.one_to_one)}
    moved = set(merge.MOVED) | set(merge.MOVED_ONE)
    assert {(label, field) for label, field in merge._FIELDS.items()} == moved
    assert found == moved | set(merge.KEPT)


def _world(employer):
    """A card holder and the same person registered again, each with rows through foreign keys to Person."""
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    contribution(holder, employer, "2019-01", 800_000)
    for month in ("2019-02", "2019-03"):
        contribution(twice, employer, month, 800_000)
    EmploymentSpell.objects.create(person=holder, employer=employer, from_month="2019-01", to_month="2019-01")
    EmploymentSpell.objects.create(person=twice, employer=employer, from_month="2019-02")
    for p, month in ((holder, "1995-12"), (twice, "1996-01")):
        account = PensionAccount.objects.filter(person=p).first() or PensionAccount.objects.create(
            person=p, account_type="general", opened_on=dt.date(2000, 1, 1), district=p.district)
        AccountMonth.objects.create(account=account, month=month, amount_fen=100, source="backfill",
                                    created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    retiree(twice)
    return holder, twice


def test_a_merge_is_undone_row_for_row_on_every_foreign_key(municipal_admin, employer_chaoyang):
    holder, twice = _world(employer_chaoyang)
    case, _ = cases.case_submit(actor=municipal_admin, business="card_replacement", channel="counter", person=twice,
                                applicant_kind="person", applied_on=dt.date(2020, 2, 10), idempotency_key="unmerge-1",
                                details=valid_details("card_replacement", person=twice, applied_on=dt.date(2020, 2, 10)))
    before = (rows_of(holder), rows_of(twice))
    moved = merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件，为同一人")
    record = PersonMerge.objects.get()
    assert (record.keep, record.other, record.undone_at) == (holder, twice, None)
    assert {label: len(pks) for label, pks in record.moved.items()} == moved
    assert record.moved["cases.Case"] == [case.pk]
    # Written on the record kept after the merge: its own, it stays there.
    later = contribution(holder, employer_chaoyang, "2019-09", 800_000)
    events = AuditEvent.objects.count()

    back = merge.person_unmerge(actor=municipal_admin, other=twice, reason="合并方向有误，撤销后重新合并")

    assert back == moved
    twice.refresh_from_db()
    assert (twice.merged_into, twice.merged_at) == (None, None)
    # Every foreign key to Person exactly as before the merge, but for the merge's own record (kept,
    # marked undone) and the contribution written on the record kept since.
    record_fks = {"registry.PersonMerge.keep": 1, "registry.PersonMerge.other": 0}
    assert rows_of(holder) == {**before[0], **record_fks, "registry.Contribution.person":
                               before[0]["registry.Contribution.person"] + 1}
    assert rows_of(twice) == {**before[1], "registry.PersonMerge.other": 1}
    assert Contribution.objects.get(pk=later.pk).person == holder
    assert sorted(Contribution.objects.filter(person=twice).values_list("month", flat=True)) == ["2019-02", "2019-03"]
    assert AccountMonth.objects.get(month="1996-01").account.person == twice
    record.refresh_from_db()
    assert record.undone_at is not None and record.undo_reason == "合并方向有误，撤销后重新合并"
    out, into = AuditEvent.objects.order_by("pk")[events:]
    assert (out.object_pk, out.changes["merged_into"], out.changes["moved_back_in"]) == (
        str(twice.pk), [holder.pk, None], moved)
    assert (into.object_pk, into.changes["unmerged_from"], into.actor) == (str(holder.pk), [twice.pk, None],
                                                                           municipal_admin)
    # Undone once: a second undo is refused, and the pair may be merged again.
    with pytest.raises(merge.UnmergeRefused, match="未被合并"):
        merge.person_unmerge(actor=municipal_admin, other=twice, reason="再次撤销试试")


def test_a_merge_made_the_wrong_way_is_undone_and_made_again_the_right_way(municipal_admin, employer_chaoyang):
    holder = personas.make_person("杜竹", birth=dt.date(1965, 7, 13), male=False, serial=18)
    twice = twice_of(holder)
    EmploymentSpell.objects.create(person=holder, employer=employer_chaoyang, from_month="2019-01")
    # Made before identity_problem refused it (review copies hold such merges): the 护照 record kept.
    with mock.patch.object(merge, "identity_problem", return_value=""):
        merge.person_merge(actor=municipal_admin, keep=twice, other=holder, reason="（旧版本）合并")
    holder.refresh_from_db()
    assert holder.merged_into == twice and EmploymentSpell.objects.get().person == twice
    merge.person_unmerge(actor=municipal_admin, other=holder, reason="保留记录选错，应保留居民身份证记录")
    holder.refresh_from_db()
    assert holder.merged_into is None and EmploymentSpell.objects.get().person == holder
    twice.refresh_from_db()
    merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件，为同一人")
    twice.refresh_from_db()
    assert twice.merged_into == holder and EmploymentSpell.objects.get().person == holder


def test_a_merge_made_before_its_rows_were_recorded_is_refused_with_the_reason(municipal_admin, employer_chaoyang):
    holder, twice = _world(employer_chaoyang)
    merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件，为同一人")
    PersonMerge.objects.all().delete()  # as a merge made before this record existed left it
    twice.refresh_from_db()
    state = snapshot(holder, twice)
    with pytest.raises(merge.UnmergeRefused) as refused:
        merge.person_unmerge(actor=municipal_admin, other=twice, reason="合并方向有误")
    text = refused.value.zh
    assert "办理于系统逐条记录迁移明细之前" in text and "不能自动撤销" in text and "审计记录" in text
    assert snapshot(holder, twice) == state
    assert merge.unmerge_problem(twice).startswith(f"人员#{twice.pk}并入人员#{holder.pk}的合并")


def test_the_undo_is_refused_without_permission_reason_or_when_rows_moved_again(
        municipal_admin, clerk_chaoyang, reviewer_chaoyang, employer_chaoyang):
    reviewer_haidian = personas.make_staff("reviewer_hd", role=personas.Role.DISTRICT_REVIEWER, office_code="110108",
                                           display_name="海淀区复核员")
    holder, twice = _world(employer_chaoyang)
    merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核实身份证原件，为同一人")
    twice.refresh_from_db()
    third = personas.make_person("王五", serial=7)
    state = snapshot(holder, twice)
    for actor in (clerk_chaoyang, reviewer_haidian):  # a clerk; another district's reviewer
        with pytest.raises(ActionRefused):
            merge.person_unmerge(actor=actor, other=twice, reason="合并方向有误")
    for reason, says in (("", "请填写撤销合并理由"), ("x" * 201, "不能超过200个字符"), ("合并\u200b有误", "不可见")):
        with pytest.raises(merge.ReasonRefused, match=says):
            merge.person_unmerge(actor=municipal_admin, other=twice, reason=reason)
    # The record kept merged again since: that merge first.
    Person.objects.filter(pk=holder.pk).update(merged_into=third)
    with pytest.raises(merge.UnmergeRefused, match="请先撤销后一次合并"):
        merge.person_unmerge(actor=municipal_admin, other=twice, reason="合并方向有误")
    Person.objects.filter(pk=holder.pk).update(merged_into=None)
    # A moved row no longer on the record kept: not undone by guess.
    Contribution.objects.filter(month="2019-02").update(person=third)
    with pytest.raises(merge.UnmergeRefused, match="已不在保留的记录"):
        merge.person_unmerge(actor=municipal_admin, other=twice, reason="合并方向有误")
    Contribution.objects.filter(month="2019-02").update(person=holder)
    assert snapshot(holder, twice) == state
    # The district's own reviewer may (a second person to the clerks: REVIEWERS, as for the merge).
    merge.person_unmerge(actor=reviewer_chaoyang, other=twice, reason="合并方向有误")
    twice.refresh_from_db()
    assert twice.merged_into is None
