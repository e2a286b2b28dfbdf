"""Every refusal in one order (review-input13 F11): who is signed in, then the right (403), then the object
(404), then what was sent (400) and the version read (428, 409).

A route whose body chooses the step (a case's transition: ``action``; a flag's step: ``step``) lists all
its steps in `core.route_actions`, and a role that may make one of them passed: a reviewer posting
``accept`` (a clerk's step) with an unknown key was told 400, the key, before 403; the flag step judged
the body before the right; an unknown action sent without a version was told 428. The body's choice is
now read, that one field alone, and the right to it asked first (the API's `ActsAsTheTableSays`, the
pages' `RefuseBeforeReadingMiddleware`); the workflow's own roles on the case come before the body too.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.cases.models import Case, Flag
from shebao.cases.services import flag_raise
from tests import personas
from tests.cases.conftest import act, client_for, submit
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db

MISSING = 987654


def _case(cy, employer) -> dict:
    return submit(cy, business="monthly_report_back_payment", channel="counter", employer=employer.pk,
                  applied_on="2020-02-10").json()


def _problem(r, status: int, field: str | None = None) -> dict:
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    if field is not None:
        assert body["errors"][0]["field"] == field, body
    return body


# What a body may hold beside the step that is judged only after the right: an unknown key, a value of
# the wrong kind, no version, a stale version.
BAD_BODIES = [{"colour": "red"}, {"outcome": ["a", "list"]}, {"version": None}, {"version": 10**6},
              {"note": "x" * 30_000}]


@pytest.mark.parametrize("extra", BAD_BODIES)
@pytest.mark.parametrize(("who", "action", "says"), [
    ("reviewer", "accept", "区复核人员无权受理申请"),   # the clerks accept
    ("clerk", "complete", "区经办人员无权办结"),        # the reviewers complete
    ("clerk", "approve", "区经办人员无权审批通过"),
])
def test_a_step_the_role_may_not_make_is_refused_403_whatever_else_was_sent(
        cy, rv, employer_chaoyang, who, action, says, extra):
    case = _case(cy, employer_chaoyang)
    client = rv if who == "reviewer" else cy
    with nothing_written():
        r = act(client, case["id"], action, **extra)
    assert says in _problem(r, 403)["detail"]
    with nothing_written():  # before the case is looked for: a missing id is told the same
        r = act(client, MISSING, action, version=3, **{k: v for k, v in extra.items() if k != "version"})
    assert says in _problem(r, 403)["detail"]
    assert Case.objects.get(pk=case["id"]).version == case["version"]


def test_another_districts_reviewer_who_may_make_the_step_is_told_404_before_the_body(
        cy, employer_chaoyang, reviewer_haidian):
    case = _case(cy, employer_chaoyang)
    hd = client_for(reviewer_haidian)
    with nothing_written():
        r = act(hd, case["id"], "reject", colour="red", version=None)
    _problem(r, 404)
    with nothing_written():
        r = act(hd, MISSING, "reject", colour="red", version=None)
    _problem(r, 404)


@pytest.mark.parametrize("version", [None, 0, "current"])
def test_an_unknown_action_is_refused_400_naming_it_before_the_version(cy, employer_chaoyang, version):
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        r = act(cy, case["id"], "fly", version=case["version"] if version == "current" else version)
    body = _problem(r, 400, "action")
    assert body["errors"][0]["reason_zh"].startswith("没有“fly”这个办理步骤，可选：受理、审批通过、办结、驳回")
    with nothing_written():  # a missing case first
        r = act(cy, MISSING, "fly", version=version if isinstance(version, int) else None)
    _problem(r, 404)


def test_the_right_step_with_a_bad_body_is_told_what_is_wrong_with_the_body(cy, employer_chaoyang):
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        r = act(cy, case["id"], "accept", colour="red")
    assert "colour" in _problem(r, 400)["errors"][0]["field"]
    with nothing_written():
        r = act(cy, case["id"], "accept", outcome="甲办理", version=None)
    _problem(r, 428)
    assert act(cy, case["id"], "accept", outcome="甲办理").status_code == 200


@pytest.fixture
def flag(cy, employer_chaoyang, clerk_chaoyang) -> Flag:
    case = _case(cy, employer_chaoyang)
    return flag_raise(actor=clerk_chaoyang, case=Case.objects.get(pk=case["id"]), kind="manual_operation",
                      description="手工记账")


@pytest.fixture
def auditor():
    return personas.make_staff("auditor_city", role=personas.Role.AUDITOR, office_code="110000",
                               display_name="市中心稽核员")


@pytest.mark.parametrize("extra", [{"colour": "red"}, {}, {"outcome": ["a"]}, {"version": 10**6}])
def test_a_flag_step_the_role_may_not_make_is_refused_403_before_the_body(cy, flag, auditor, extra):
    for client, step, says in ((cy, "audit", "区经办人员无权内审7.4标记"),
                               (client_for(auditor), "review", "稽核人员无权复核7.4标记")):
        with nothing_written():
            r = client.post(f"/api/v1/cases/flags/{flag.pk}/steps/", {"step": step, **extra}, format="json")
        assert says in _problem(r, 403)["detail"], (step, extra)
        with nothing_written():
            r = client.post(f"/api/v1/cases/flags/{MISSING}/steps/", {"step": step, **extra}, format="json")
        assert says in _problem(r, 403)["detail"], (step, extra)
    assert Flag.objects.get(pk=flag.pk).version == flag.version


def test_a_flag_step_the_role_may_make_is_told_404_then_400_then_428(cy, flag):
    url = f"/api/v1/cases/flags/{flag.pk}/steps/"
    _problem(cy.post(f"/api/v1/cases/flags/{MISSING}/steps/", {"step": "review", "colour": "red"}, format="json"), 404)
    _problem(cy.post(url, {"step": "review", "outcome": "已复核", "colour": "red"}, format="json"), 400)
    _problem(cy.post(url, {"step": "fly", "outcome": "已复核"}, format="json"), 400, "step")
    _problem(cy.post(url, {"step": "review", "outcome": "已复核"}, format="json"), 428)


def test_the_flag_step_page_refuses_a_step_the_role_may_not_make_with_403(client, clerk_chaoyang, flag):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:flag_step", args=[flag.pk]), {"step": "audit", "outcome": "已内审",
                                                                           "version": flag.version})
    assert r.status_code == 403, r.status_code
    assert "无权内审7.4标记" in r.content.decode()
    with nothing_written():  # before the flag is looked for
        r = client.post(reverse("backoffice:flag_step", args=[MISSING]), {"step": "audit"})
    assert r.status_code == 403


def test_the_maker_checker_rule_on_the_case_comes_before_the_body(municipal_admin, person_chaoyang, paid_due):
    """A right that depends on the case (who prepared a refund may not approve it) is asked once the case
    is found, before the body is judged."""
    from tests.cases.test_refund_maker_checker import prepared_refund

    admin = client_for(municipal_admin)
    case = prepared_refund(admin, person_chaoyang)
    for extra in BAD_BODIES:
        with nothing_written():
            r = act(admin, case["id"], "approve", **extra)
        assert _problem(r, 403)["errors"][0]["code"] == "second_person_required", extra
    assert Case.objects.get(pk=case["id"]).status == "in_review"


@pytest.mark.parametrize("body", [{"approve": "maybe", "colour": 1}, {}, {"approve": True, "note": ["x"]}])
def test_a_decision_on_a_missing_request_or_deferral_is_404_before_its_body(reviewer_chaoyang, municipal_admin,
                                                                           body):
    for user, url, says in ((reviewer_chaoyang, f"/api/v1/relief/deferrals/{MISSING}/decision/", "未找到该缓缴申请"),
                            (municipal_admin, f"/api/v1/relief/publication-requests/{MISSING}/decision/",
                             "未找到该发布申请")):
        with nothing_written():
            r = client_for(user).post(url, body, format="json")
        assert says in _problem(r, 404)["detail"], (url, body)
