"""The demo's fast-track work-injury samples (medical staff infected on duty, clause 9) are dated from the
demo's business date (ux14 finding 4: applied on fixed days in early February, the nurse's claim was
already overdue in the queue on the demo's 2020-02-20, its 3-day fast track long past)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from shebao.cases.models import CLOSED, Case
from shebao.registry.generator import GenerateOptions, generate


@pytest.mark.django_db
@pytest.mark.parametrize("today", ["2020-02-20", "2020-03-16"])
def test_the_seeded_fast_track_cases_are_within_their_deadline_on_the_demos_date(settings, today):
    settings.SHEBAO_TODAY = today
    day = dt.date.fromisoformat(today)
    generate(GenerateOptions(employers=12, persons=200, from_month="2019-07", months=6, seed=5))
    call_command("demo_setup", "--cases", "4", stdout=io.StringIO())
    from shebao.benefits.work_injury import FAST_TRACK_BUSINESS

    fast = list(Case.objects.filter(business=FAST_TRACK_BUSINESS))
    assert len(fast) == 3, [(c.business, c.applied_on) for c in fast]
    open_ = [c for c in fast if c.status not in CLOSED]
    assert open_, "the nurse's claim waits in the queue"
    for case in fast:
        assert case.applied_on <= day and case.deadline >= day, (case.pk, case.applied_on, case.deadline, today)
        assert case.priority > 0  # the fast track's place at the head of the queue
        if case.completed_at:  # the paid samples were decided within the fast track's days
            assert case.completed_at.date() <= case.deadline
    # the queue a clerk sees on the demo's day shows no priority (fast-track) case overdue
    late = Case.objects.filter(priority__gt=0, deadline__lt=day).exclude(status__in=CLOSED)
    assert not late.exists(), list(late.values_list("business", "applied_on", "deadline"))
