"""Completing many back-payment cases at once (`cases.batch`, issue 13): the books each case gets are
those of completing it alone (contribution rows, dues, a balanced ledger entry, the effect row, the
step, the audit row), the refusals are those of one case's step, in Chinese, and a case refused is
left as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from shebao.cases import services
from shebao.cases.batch import back_payments_complete
from shebao.cases.models import Case, CaseEffect, CaseTransition
from shebao.collection import ledger
from shebao.collection.models import Due, LedgerTransaction
from shebao.core.models import AuditEvent
from shebao.registry.models import Contribution, EmploymentSpell
from tests import personas
from tests.businesses.walk import prepare, submit
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 10)
BASES = [{"month": "2019-11", "base_fen": 800_000}, {"month": "2019-12", "base_fen": 1}]


def _person(serial: int, employer):
    p = personas.make_person("职工" + "甲乙丙丁戊"[serial], serial=40 + serial)
    EmploymentSpell.objects.create(person=p, employer=employer, from_month="2019-01")
    return p


OUTCOME = "已按申请办理"


def _submitted(clerk, employer, person, bases=BASES) -> Case:
    """An individual back-payment of 2019-11..12 applied for on 2020-02-10: handled directly (直接办理),
    completed by the clerk's acceptance with its outcome."""
    details = {"period": {"from": bases[0]["month"], "to": bases[-1]["month"]}, "bases": bases}
    case = submit(clerk, "individual_back_payment", employer=employer, person=person, applicant_kind="employer",
                  applied_on=APPLIED, details=details)
    assert case.mode == "direct"
    return prepare(case, clerk)


def _books(case: Case) -> tuple:
    effect = CaseEffect.objects.get(case=case)
    dues = sorted((d.month, d.insurance, d.employer_fen, d.personal_fen, d.persons)
                  for d in Due.objects.filter(pk__in=effect.result["dues"]))
    rows = sorted(tuple(v for k, v in vars(c).items() if k.endswith("_fen") or k == "month")
                  for c in Contribution.objects.filter(person=case.person))
    (txn,) = LedgerTransaction.objects.filter(pk__in=effect.result["ledger"])
    postings = sorted((p.account, p.amount_fen) for p in txn.postings.all())
    return dues, rows, postings, effect.summary_zh.split("账单")[0], effect.result["amount_fen"]


def test_a_batch_books_each_case_as_completing_it_alone_would(clerk_chaoyang, reviewer_chaoyang, employer_chaoyang):
    alone = _submitted(clerk_chaoyang, employer_chaoyang, _person(1, employer_chaoyang))
    services.case_accept(case=alone, actor=clerk_chaoyang, outcome=OUTCOME, note="批量审批")
    batch = [_submitted(clerk_chaoyang, employer_chaoyang, _person(i, employer_chaoyang)) for i in (2, 3, 4)]
    versions = {c.pk: c.version for c in batch}

    result = back_payments_complete(case_ids=[c.pk for c in batch], actor=clerk_chaoyang, note="批量审批",
                                    outcome=OUTCOME)

    assert result.completed == [c.pk for c in batch] and result.refused == {}
    expected = _books(alone)
    for case in batch:
        case.refresh_from_db()
        assert case.status == "completed" and case.version == versions[case.pk] + 1 and case.completed_at
        assert _books(case) == expected
        step = CaseTransition.objects.filter(case=case).order_by("-pk").first()
        assert (step.action, step.to_status, step.note, step.actor) == ("accept", "completed", "批量审批",
                                                                       clerk_chaoyang)
        assert case.outcome == OUTCOME
        audit = AuditEvent.objects.filter(model="cases.Case", object_pk=str(case.pk)).order_by("-pk").first()
        mine = AuditEvent.objects.filter(model="cases.Case", object_pk=str(alone.pk)).order_by("-pk").first()
        assert audit.changes["status"][1] == "completed" and audit.reason == mine.reason
        assert set(audit.changes) == set(mine.changes)
    assert result.dues == 30 and result.contributions == 6 and result.amount_fen == 3 * expected[4]
    assert ledger.unbalanced_transactions() == []


def test_a_case_not_ready_or_declared_twice_is_refused_by_name_and_left_as_it_was(
        clerk_chaoyang, reviewer_chaoyang, employer_chaoyang):
    person = _person(1, employer_chaoyang)
    first = _submitted(clerk_chaoyang, employer_chaoyang, person)
    twice = _submitted(clerk_chaoyang, employer_chaoyang, person)  # the same months: fine until one completes
    other = _person(2, employer_chaoyang)
    not_accepted = _submitted(clerk_chaoyang, employer_chaoyang, other)
    services.case_reject(case=not_accepted, actor=clerk_chaoyang, reason="申请人撤回")
    not_accepted.refresh_from_db()
    before = {c.pk: (c.status, c.version) for c in (twice, not_accepted)}

    result = back_payments_complete(case_ids=[first.pk, twice.pk, not_accepted.pk, 999_999],
                                    actor=clerk_chaoyang, outcome=OUTCOME)

    assert result.completed == [first.pk]
    assert "2019-11、2019-12已由本批中先办结的申请补缴" in result.refused[twice.pk]
    assert "不能进行“受理”操作" in result.refused[not_accepted.pk]
    assert result.refused[999_999] == "申请#999999不存在"
    for case in (twice, not_accepted):
        case.refresh_from_db()
        assert (case.status, case.version) == before[case.pk] and not CaseEffect.objects.filter(case=case).exists()
    # Once the first is on the books, the registry's own check refuses the second, one by one or in a batch.
    again = back_payments_complete(case_ids=[twice.pk], actor=clerk_chaoyang, outcome=OUTCOME)
    assert "已有缴费记录" in again.refused[twice.pk]


def test_a_completed_case_or_another_business_posts_nothing(clerk_chaoyang, reviewer_chaoyang, employer_chaoyang,
                                                           person_chaoyang, paid_due):
    from tests.businesses.test_refund import refund_details

    done = _submitted(clerk_chaoyang, employer_chaoyang, _person(1, employer_chaoyang))
    back_payments_complete(case_ids=[done.pk], actor=clerk_chaoyang, outcome=OUTCOME)
    refund = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=APPLIED,
                    details=refund_details(paid_due))
    prepare(refund, clerk_chaoyang)
    with nothing_written():
        result = back_payments_complete(case_ids=[done.pk, refund.pk], actor=clerk_chaoyang, outcome=OUTCOME)
    assert result.completed == [] and set(result.refused) == {done.pk, refund.pk}
    assert "不能批量办结" in result.refused[refund.pk]


def test_a_role_without_the_step_is_refused_before_anything(clerk_chaoyang, leader, employer_chaoyang):
    case = _submitted(clerk_chaoyang, employer_chaoyang, _person(1, employer_chaoyang))
    with nothing_written(), pytest.raises(PermissionDenied):
        back_payments_complete(case_ids=[case.pk], actor=leader, outcome=OUTCOME)


def test_the_assignee_and_the_rows_numbered_by_their_tables(clerk_chaoyang, employer_chaoyang):
    """One UPDATE sets every case's state and, only where a case had none, the actor as its assignee (a
    case another clerk holds keeps them, as one case's step keeps them); the steps, audit rows, effects
    and postings the batch writes without drawing keys are numbered by their tables, after the rows
    written before, in the batch's order."""
    other = personas.make_staff("batch_other_clerk", role="district_clerk", office_code="110105")
    free, held = (_submitted(clerk_chaoyang, employer_chaoyang, _person(i, employer_chaoyang)) for i in (1, 2))
    Case.objects.filter(pk=held.pk).update(assignee=other)
    Case.objects.filter(pk=free.pk).update(assignee=None)
    last_step = CaseTransition.objects.order_by("-pk").values_list("pk", flat=True).first()

    result = back_payments_complete(case_ids=[free.pk, held.pk], actor=clerk_chaoyang, outcome=OUTCOME)

    assert result.completed == [free.pk, held.pk]
    free.refresh_from_db()
    held.refresh_from_db()
    assert (free.assignee, held.assignee) == (clerk_chaoyang, other)
    assert (free.status, held.status) == ("completed", "completed")
    steps = list(CaseTransition.objects.filter(pk__gt=last_step).order_by("pk").values_list("case_id", "action"))
    assert steps == [(free.pk, "accept"), (held.pk, "accept")]
    audits = AuditEvent.objects.filter(model="cases.Case", object_pk__in=[str(free.pk), str(held.pk)],
                                       action="update").order_by("pk")
    assert [a.object_pk for a in audits][-2:] == [str(free.pk), str(held.pk)]
    effects = CaseEffect.objects.filter(case__in=[free, held]).order_by("pk")
    assert [e.case_id for e in effects] == [free.pk, held.pk]
    for effect in effects:
        (txn,) = LedgerTransaction.objects.filter(pk__in=effect.result["ledger"])
        assert sum(p.amount_fen for p in txn.postings.all()) == 0 and txn.postings.count() == 6
    assert ledger.unbalanced_transactions() == []
