"""The announcement state read with an API key holds for that request only, and never hides an
announcement: the next request reads it afresh, and publishing one in this process forgets it."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from shebao.core import policy
from shebao.staff.services import api_token_create
from tests.personas import SETUP, make_person


def _report(employer, **extra) -> dict:
    """A monthly report back-payment with its content, naming an employee of `employer` (every road
    requires the content: tests/cases/conftest.valid_details)."""
    from shebao.registry.models import EmploymentSpell
    from tests.cases.conftest import valid_details

    EmploymentSpell.objects.create(person=make_person("王工", serial=32), employer=employer, from_month="2015-01")
    return {"business": "monthly_report_back_payment", "channel": "online", "employer": employer.pk,
            "details": valid_details("monthly_report_back_payment", employer=employer,
                                     applied_on=extra.get("applied_on")), **extra}


def test_a_key_call_reads_the_state_with_its_key_and_forgets_it_when_done(clerk_chaoyang, employer_chaoyang,
                                                                          monkeypatch):
    _token, key = api_token_create(actor=SETUP, user=clerk_chaoyang, name="intake")
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    def no_second_read(pack):
        raise AssertionError("the state was read again within the request")

    seen = []
    real_current = policy.current_policy

    def watch(**kw):
        seen.append(policy._request_state.get())
        return real_current(**kw)

    monkeypatch.setattr(policy, "_announcements_state", no_second_read)
    monkeypatch.setattr("shebao.cases.routing.current_policy", watch)
    r = c.post("/api/v1/cases/", _report(employer_chaoyang, applied_on="2020-02-10"), format="json")
    assert r.status_code == 201, r.content
    assert seen and seen[0] == (policy.policy_pack_name(), 0, 0)  # no announcements yet
    assert policy._request_state.get() is None  # the request is over


def test_outside_a_key_call_the_state_is_read_each_time(db, monkeypatch):
    calls = []
    real = policy._announcements_state
    monkeypatch.setattr(policy, "_announcements_state", lambda pack: calls.append(pack) or real(pack))
    policy.current_policy()
    policy.current_policy()
    assert len(calls) == 2


def test_publishing_within_a_request_forgets_the_remembered_state(municipal_admin):
    policy.remember_state(0, 0)  # as a key call would have read it at its start
    try:
        assert policy.epidemic_lifted_on() is None
        policy.announcement_publish(actor=municipal_admin, parameter="epidemic_lifted_on", value="2020-04-30",
                                    title="疫情解除", clause="1.3")
        assert policy._request_state.get() is None
        assert policy.epidemic_lifted_on() == dt.date(2020, 4, 30)
    finally:
        policy.forget_state()


def test_a_policy_is_cached_under_the_announcements_it_was_built_from(municipal_admin):
    """Another process may publish between the state's read (with the key) and the rows' read: the
    policy built then includes it and must be filed under the state it was built from."""
    from shebao.core.models import Announcement

    first = policy.announcement_publish(actor=municipal_admin, parameter="epidemic_lifted_on",
                                        value="2020-04-30", title="疫情解除", clause="1.3")
    policy.remember_state(1, first.pk)  # the key's read saw one announcement
    try:
        # Published meanwhile by another process (no signal reaches this one).
        (second,) = Announcement.objects.bulk_create([Announcement(
            pack=policy.policy_pack_name(), parameter="epidemic_lifted_on", value="2020-05-31", title="更正",
            clause="1.3")])
        second = Announcement.objects.get(pack=policy.policy_pack_name(), title="更正")
        assert policy.current_policy().value("epidemic_lifted_on") in ("2020-05-31", dt.date(2020, 5, 31))
        assert list(policy._cache) == [(policy.policy_pack_name(), 2, second.pk)]
    finally:
        policy.forget_state()


def test_a_request_never_starts_with_a_state_left_over(clerk_chaoyang, employer_chaoyang, monkeypatch):
    policy.remember_state(99, 99)  # left by something that was not a request
    c = APIClient()
    c.force_authenticate(clerk_chaoyang)  # no key: the state is not read with it, so the service reads it
    seen = []
    real = policy._announcements_state
    monkeypatch.setattr(policy, "_announcements_state", lambda pack: seen.append(pack) or real(pack))
    r = c.post("/api/v1/cases/", _report(employer_chaoyang), format="json")
    assert r.status_code == 201, r.content
    assert seen == [policy.policy_pack_name()]  # read afresh, not the leftover
    assert policy._request_state.get() is None


def test_an_announcement_under_an_alias_is_stored_under_the_parameters_own_name(municipal_admin):
    """One spelling stored, so every reader queries one (issue 14): the alias epidemic_lifted_on is
    published as epidemic.lifted_on, and the lift's reader finds it."""
    from shebao.core.models import Announcement

    ann = policy.announcement_publish(actor=municipal_admin, parameter="epidemic_lifted_on", value="2020-04-30",
                                      title="疫情解除", clause="0.3")
    assert Announcement.objects.get(pk=ann.pk).parameter == "epidemic.lifted_on"
    assert list(Announcement.objects.values_list("parameter", flat=True)) == ["epidemic.lifted_on"]
    assert policy.epidemic_lifted_on() == dt.date(2020, 4, 30)
