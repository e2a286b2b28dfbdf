"""A case is never done without its content (review-user7 F6): a case with no content could be
approved to 已办结 while nothing was registered. Two halves, each on every road:

- submission: `case_submit` called from Python refuses no content (None, {}) as the API and the
  pages refuse it, with the same Chinese reasons (`details_validate`);
- completion: every step into a done state (已办结, 已办理待补原件) refuses a case whose content fails its
  definition (a case registered before content was required), nothing changed, the reason in Chinese
  on the page and as problem details in the API.
"""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases import services, workflows
from shebao.cases.models import Case, CaseEffect, CaseTransition, Status
from shebao.cases.selectors import DONE_STATUSES, case_content_problems
from shebao.cases.services import DetailsRefused
from shebao.core.models import AuditEvent
from tests import personas
from tests.cases.conftest import act, submit, valid_details
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 10)


@pytest.mark.parametrize("details", [None, {}])
@pytest.mark.parametrize(("business", "kind"), [("refund", "person"), ("monthly_report_back_payment", "employer"),
                                                ("insured_registration", "employer"), ("card_replacement", "person")])
def test_python_refuses_an_application_without_content_as_the_api_does(cy, clerk_chaoyang, employer_chaoyang,
                                                                        person_chaoyang, business, kind, details):
    """The same refusal, field by field and word for word, from the service called directly and from
    the API; nothing is stored by either."""
    who = {"person": person_chaoyang} if kind == "person" else {"employer": employer_chaoyang}
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        services.case_submit(actor=clerk_chaoyang, business=business, channel="counter", applicant_kind=kind,
                             applied_on=APPLIED, details=details, **who)
    body = {"business": business, "channel": "counter", "applicant_kind": kind, "applied_on": "2020-02-10",
            **{k: v.pk for k, v in who.items()}, **({} if details is None else {"details": details})}
    with nothing_written():
        r = cy.post("/api/v1/cases/", body, format="json")
    assert r.status_code == 400, r.content
    api = [(e["field"], e["reason_zh"]) for e in r.json()["errors"]]
    assert [(e.field, e.zh) for e in refused.value.errors] == api
    assert api and all(field.startswith("details.") and "请" in zh for field, zh in api)


def test_a_business_without_fields_is_still_taken_without_content(clerk_chaoyang, person_chaoyang):
    case, created = services.case_submit(actor=clerk_chaoyang, business="medical_manual_reimbursement",
                                         channel="post", person=person_chaoyang, applied_on=APPLIED)
    assert created and Case.objects.get(pk=case.pk).details == {}


def _strip(case_id: int) -> Case:
    """The case as one registered before its content was required: no content at all."""
    Case.objects.filter(pk=case_id).update(details={})
    return Case.objects.get(pk=case_id)


def _unchanged(case: Case) -> None:
    now = Case.objects.get(pk=case.pk)
    assert (now.status, now.version, now.completed_at) == (case.status, case.version, case.completed_at)
    assert not CaseEffect.objects.filter(case=case).exists()


def test_the_api_refuses_to_complete_a_case_without_content_naming_each_field(cy, employer_chaoyang):
    """1.1 direct: completed on acceptance. Without its content the acceptance is refused with 422
    problem details, an entry per missing field; the case stays as it was and nothing is written."""
    made = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
                  applied_on="2020-02-10").json()
    case = _strip(made["id"])
    with nothing_written():
        r = act(cy, case.pk, "accept", outcome="已入账")
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json"), r.content
    body = r.json()
    assert body["type"].endswith("/content_incomplete")
    assert {e["field"]: e["reason_zh"] for e in body["errors"]} == {
        "details.months": "申请内容不完整，不能受理：请填写补缴月份",
        "details.lines": "申请内容不完整，不能受理：请填写申报人员"}
    assert "申请内容不完整" in body["detail"] and "月报补缴" in body["detail"] or "补全" in body["detail"]
    _unchanged(case)
    # With its content back, the same step completes it.
    Case.objects.filter(pk=case.pk).update(details=valid_details("monthly_report_back_payment",
                                                                 employer=employer_chaoyang, applied_on=APPLIED))
    assert act(cy, case.pk, "accept", outcome="已入账").json()["status"] == "completed"


def test_every_step_into_a_done_state_refuses_a_case_without_content(db, employer_chaoyang, person_chaoyang):
    """The class: each row of the workflow table that leads to 已办结 or 已办理（待补原件）, whatever its
    mode, refuses the case (ContentIncomplete, 422), before its own guards; nothing is written."""
    admin = personas.make_staff("content_admin", role="municipal_admin", office_code="110000")
    steps = [t for t in workflows.TRANSITIONS if t.target in DONE_STATUSES]
    assert {t.target for t in steps} == set(DONE_STATUSES) and len(steps) >= 8
    for n, t in enumerate(steps):
        case, _ = services.case_submit(
            actor=admin, business="monthly_report_back_payment", channel="counter", employer=employer_chaoyang,
            applicant_kind="employer", applied_on=APPLIED, idempotency_key=f"content-{n}",
            details=valid_details("monthly_report_back_payment", employer=employer_chaoyang, applied_on=APPLIED))
        Case.objects.filter(pk=case.pk).update(status=sorted(t.sources)[0], mode=t.workflow.replace("refund", "commitment").replace("near_retirement", "commitment"),
                                               requires=(["phone_verification"] if t.workflow == "refund" else
                                                         ["copies_by_post"] if t.workflow == "near_retirement" else []))
        case = _strip(case.pk)
        assert workflows.case_workflow(case) == t.workflow
        actor = personas.make_staff(f"content_{n}", role=sorted(t.roles)[0],
                                    office_code="110000" if sorted(t.roles)[0] == "municipal_admin" else "110105")
        with nothing_written(), pytest.raises(workflows.ContentIncomplete) as refused:
            services.case_transition(case=case, actor=actor, action=t.action,
                                     payload={"outcome": "已办理", "reason": "x", "tracking_number": "EMS1"})
        assert refused.value.status == 422, (t.workflow, t.action)
        assert sorted(e.field for e in refused.value.errors) == ["details.lines", "details.months"], t.action
        _unchanged(case)
    # A step to a state that is not done (accepting for review) is not held by the content.
    assert not [t for t in workflows.TRANSITIONS if t.target not in DONE_STATUSES and t.target == Status.COMPLETED]


def test_the_case_page_warns_before_approval_and_refuses_it_in_chinese(client, cy, reviewer_chaoyang,
                                                                       person_chaoyang):
    """Regular handling: the case page says the content is incomplete before anyone approves; the
    approval is refused with the reason on the page and the case stays in review."""
    made = submit(cy, business="person_change", channel="online", person=person_chaoyang.pk,
                  applied_on="2020-02-10", facts={"fields": ["phone"]}).json()
    Case.objects.filter(pk=made["id"]).update(mode="regular", status="in_review", requires=[])  # in review
    case = _strip(made["id"])
    client.force_login(reviewer_chaoyang)
    got = client.get(f"/office/cases/{case.pk}/")
    page = got.content.decode()
    assert got.status_code == 200, page[-3000:]
    assert 'id="content-incomplete"' in page and "补全前不能审批通过或办结" in page and "请选择变更内容" in page
    before = (CaseTransition.objects.filter(case=case).count(), AuditEvent.objects.count())
    r = client.post(f"/office/cases/{case.pk}/act/approve/", {"version": case.version}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 422 and "申请内容不完整，不能审批通过" in html and "请选择变更内容" in html
    _unchanged(case)
    assert (CaseTransition.objects.filter(case=case).count(), AuditEvent.objects.count()) == before
    assert case_content_problems(Case.objects.get(pk=case.pk))


def test_a_completed_case_with_its_content_shows_no_warning(client, cy, clerk_chaoyang, employer_chaoyang):
    made = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
                  applied_on="2020-02-10").json()
    client.force_login(clerk_chaoyang)
    assert 'id="content-incomplete"' not in client.get(f"/office/cases/{made['id']}/").content.decode()
    assert act(cy, made["id"], "accept", outcome="已入账").json()["status"] == "completed"


def test_no_client_of_the_service_submits_without_content():
    """Every caller of case_submit in the code passes its content (the demo, the fast track, the
    desk, the portal, the API): grep-level guard, so a new caller cannot go back to None."""
    import ast
    from pathlib import Path

    import shebao

    missing = []
    for path in Path(shebao.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                    "case_submit", "fast_track_claim_submit", "person_case_submit")
                    and not any(k.arg in ("details", None) for k in node.keywords)):
                missing.append(f"{path.name}:{node.lineno}")
    assert missing == []
