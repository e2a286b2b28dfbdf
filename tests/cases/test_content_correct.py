"""A case registered before its content was required, or with content its definition refuses, can be
filled in or corrected by the staff who handle it (issue 13, left open by cases13b: such cases could
only be rejected): on the case page with the business's own form (the front desk's), filled with what
is stored, every fault at its input at once; through the API by PATCH /api/v1/cases/{id}/details/ with
problem details per field. Each correction is audited with the content before and after, and the case
can then be approved. The case's content problems are listed before any step is refused (the API's
``content_problems``, the page's warning).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.http import QueryDict

from shebao.cases import services
from shebao.cases.business_forms import (
    details_from_post,
    details_kept,
    details_prefill,
    form_fields,
)
from shebao.cases.models import Case, CaseTransition
from shebao.cases.selectors import case_content_problems
from shebao.cases.services import DetailsRefused
from shebao.core.models import AuditEvent
from shebao.rules.business_fields import definitions, details_validate
from tests.cases.conftest import act, client_for, submit, valid_details
from tests.nothing_written import nothing_written

APPLIED = dt.date(2020, 2, 10)


def _strip(case_id: int, **fields) -> Case:
    """The case as one registered before its content was required: no content (or `fields`)."""
    Case.objects.filter(pk=case_id).update(details=fields)
    return Case.objects.get(pk=case_id)


def _report(cy, employer) -> Case:
    made = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer.pk,
                  applied_on="2020-02-10").json()
    return _strip(made["id"])


def _audits(case: Case) -> int:
    return AuditEvent.objects.filter(model="cases.Case", object_pk=str(case.pk)).count()


def test_an_api_patch_fills_in_a_case_without_content_and_it_completes(cy, employer_chaoyang):
    case = _report(cy, employer_chaoyang)
    # Every fault at once, each at its field, the reason too; nothing written.
    with nothing_written():
        r = cy.patch(f"/api/v1/cases/{case.pk}/details/", {"details": {"months": ["2020-13"]},
                                                          "version": case.version}, format="json")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json"), r.content
    fields = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
    assert set(fields) == {"details.months", "details.lines", "reason"}, fields
    assert all(re.search(r"[\u4e00-\u9fff]", zh) for zh in fields.values())
    assert Case.objects.get(pk=case.pk).details == {} and Case.objects.get(pk=case.pk).version == case.version
    # Filled in: the content is stored, audited before and after, a step of the history; the problems are gone.
    content = valid_details("monthly_report_back_payment", employer=employer_chaoyang, applied_on=APPLIED)
    r = cy.patch(f"/api/v1/cases/{case.pk}/details/", {"details": content, "reason": "单位补报申报明细",
                                                      "version": case.version}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert case_content_problems(Case.objects.get(pk=case.pk)) == [] and body["version"] == case.version + 1
    stored = Case.objects.get(pk=case.pk)
    assert stored.details["months"] == content["months"] and len(stored.details["lines"]) == len(content["lines"])
    step = CaseTransition.objects.get(case=case, action="details_correct")
    assert "补缴月份：—→" in step.note and "理由：单位补报申报明细" in step.note and step.from_status == step.to_status
    audit = AuditEvent.objects.filter(model="cases.Case", object_pk=str(case.pk)).order_by("-pk").first()
    assert audit.reason == "补正申请内容：单位补报申报明细"
    was, now = audit.changes["details"]  # the content before and after, as the trail keeps it (masked)
    assert not was and now and "months" in str(now)
    assert audit.changes["version"] == [case.version, case.version + 1]
    # ...and the case completes, its effect booked.
    assert act(cy, case.pk, "accept", outcome="已入账").json()["status"] == "completed"
    assert Case.objects.get(pk=case.pk).effects.exists()
    # A completed case lists no problems and is not corrected any more.
    with nothing_written():
        r = cy.patch(f"/api/v1/cases/{case.pk}/details/", {"details": content, "reason": "再改",
                                                          "version": Case.objects.get(pk=case.pk).version},
                     format="json")
    assert r.status_code == 409 and "不能再补正" in r.json()["errors"][0]["reason_zh"]


def test_a_stale_version_and_a_role_without_the_right_are_refused(cy, employer_chaoyang, leader):
    case = _report(cy, employer_chaoyang)
    content = valid_details("monthly_report_back_payment", employer=employer_chaoyang, applied_on=APPLIED)
    with nothing_written():
        r = cy.patch(f"/api/v1/cases/{case.pk}/details/", {"details": content, "reason": "补报",
                                                          "version": case.version + 5}, format="json")
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "version"
    with nothing_written():
        r = client_for(leader).patch(f"/api/v1/cases/{case.pk}/details/", {"details": content, "reason": "补报"},
                                     format="json")
    assert r.status_code in (403, 404) and Case.objects.get(pk=case.pk).details == {}


def test_a_correction_runs_the_registry_checks_and_keeps_the_facts_the_decision_was_taken_on(
        clerk_chaoyang, person_chaoyang, paid_due):
    content = valid_details("refund", person=person_chaoyang, facts={"refund_kind": "overpayment"},
                            applied_on=APPLIED)
    case, _ = services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                                   applicant_kind="person", applied_on=APPLIED, details=content,
                                   facts={"refund_kind": "overpayment"})
    before = _audits(case)
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        services.case_details_correct(case=case, actor=clerk_chaoyang, reason="来电更正",
                                      details={**content, "amount_fen": 10**9, "refund_kind": "base_difference"})
    fields = {e.field: e.zh for e in refused.value.errors}
    # The refund kind decided the case's handling: changing it is refused, the application made anew.
    assert "details.refund_kind" in fields and "办理决定" in fields["details.refund_kind"]
    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        services.case_details_correct(case=case, actor=clerk_chaoyang, reason="来电更正",
                                      details={**content, "amount_fen": 10**9})
    assert "不能多退" in {e.field: e.zh for e in refused.value.errors}["details.amount_fen"]
    assert _audits(case) == before and Case.objects.get(pk=case.pk).details == content


def test_a_refund_corrected_after_its_phone_check_is_confirmed_again(clerk_chaoyang, reviewer_chaoyang,
                                                                      person_chaoyang, paid_due):
    from shebao.cases import workflows

    content = valid_details("refund", person=person_chaoyang, facts={"refund_kind": "overpayment"},
                            applied_on=APPLIED)
    case, _ = services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                                   applicant_kind="person", applied_on=APPLIED, details=content)
    if "commitment_letter" in case.requires:
        services.commitment_letter_capture(case=case, actor=clerk_chaoyang, text="承诺属实。", signer="张三")
    services.phone_check_record(case=case, actor=clerk_chaoyang, outcome="confirmed")
    case = services.case_accept(case=case, actor=clerk_chaoyang, outcome="已受理")
    corrected = services.case_details_correct(case=case, actor=clerk_chaoyang, reason="本人来电更正金额",
                                              details={**content, "amount_fen": content["amount_fen"] - 100})
    assert corrected.details["amount_fen"] == content["amount_fen"] - 100
    assert corrected.details["bank_account"] == content["bank_account"]
    with pytest.raises(workflows.GuardFailed) as refused:
        services.case_transition(case=corrected, actor=reviewer_chaoyang, action="approve")
    assert "补正后尚未重新电话核实" in refused.value.zh
    services.phone_check_record(case=corrected, actor=clerk_chaoyang, outcome="confirmed")
    done = services.case_transition(case=Case.objects.get(pk=case.pk), actor=reviewer_chaoyang, action="approve")
    assert done.status == "completed"


def test_the_corrector_has_prepared_a_refund_and_may_not_approve_it(clerk_chaoyang, reviewer_chaoyang,
                                                                     person_chaoyang, paid_due):
    from shebao.cases import workflows

    content = valid_details("refund", person=person_chaoyang, facts={"refund_kind": "overpayment"},
                            applied_on=APPLIED)
    case, _ = services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                                   applicant_kind="person", applied_on=APPLIED, details=content)
    services.case_details_correct(case=case, actor=reviewer_chaoyang, reason="核对更正收款人",
                                  details={**content, "payee_name": "张三"})
    assert reviewer_chaoyang.pk in workflows.case_makers(case)


@pytest.mark.parametrize("business", sorted(b for b, d in definitions().items() if d.applicant_fields))
def test_every_business_form_is_filled_with_its_stored_content_and_reads_back_the_same(
        business, person_chaoyang, employer_chaoyang, paid_due):
    """The class: the correction form of every business with content draws the stored content into
    its inputs as the desk types it, and reading those inputs back (with the personal numbers the
    form does not draw kept) gives the content unchanged."""
    content = valid_details(business, person=person_chaoyang, employer=employer_chaoyang, applied_on=APPLIED)
    data = details_prefill(business, content)
    assert isinstance(data, QueryDict)
    read = details_kept(business, details_from_post(business, data), content)
    assert details_validate(business, read, today=APPLIED).details == content, business
    # Nothing personal is drawn into an input: no bank account, ID number or mobile in the form's values.
    drawn = " ".join(str(v) for _, values in data.lists() for v in values)
    for secret in (person_chaoyang.id_number, content.get("bank_account"), content.get("mobile")):
        assert not secret or secret not in drawn, (business, secret)
    assert form_fields(business, data)  # the inputs it fills


def test_the_case_page_fills_in_a_case_without_content_and_then_approves_it(client, cy, clerk_chaoyang,
                                                                            reviewer_chaoyang, person_chaoyang):
    """Regular handling of a change of data registered without content: the page says what is missing
    and offers the desk's form; a bad new value and a missing reason are named at once at their
    inputs with the typing kept; then the content is filled in, audited, and the reviewer approves."""
    made = submit(cy, business="person_change", channel="online", person=person_chaoyang.pk,
                  applied_on="2020-02-10", facts={"fields": ["phone"]}).json()
    Case.objects.filter(pk=made["id"]).update(mode="regular", status="in_review", requires=[])
    case = _strip(made["id"])
    client.force_login(clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert 'id="content-incomplete"' in page and 'id="correct"' in page and "补正申请内容" in page
    assert 'name="correct_reason"' in page and 'name="fields"' in page
    before = _audits(case)
    bad = {"version": case.version, "fields": ["phone"], "new_phone": "12345", "correct_reason": ""}
    with nothing_written():
        r = client.post(f"/office/cases/{case.pk}/correct/", bad, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 400, html[-2000:]
    assert re.search(r'name="new_phone"[^>]*value="12345"[^>]*aria-invalid="true"', html), html[-3000:]
    assert re.search(r'name="correct_reason"[^>]*aria-invalid="true"', html)
    assert "请填写补正理由" in html and "电话" in html
    assert Case.objects.get(pk=case.pk).details == {} and _audits(case) == before
    # Without htmx, the refused form is the whole page again with the typing (a redirect would lose it).
    r = client.post(f"/office/cases/{case.pk}/correct/", bad)
    assert r.status_code == 400 and 'value="12345"' in r.content.decode()
    good = {"version": case.version, "fields": ["phone"], "new_phone": "010-65001234",
            "correct_reason": "申请人来电补充新电话"}
    r = client.post(f"/office/cases/{case.pk}/correct/", good, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "申请内容已补正" in r.content.decode(), re.findall(
        r'role="alert">([^<]*)', r.content.decode())
    stored = Case.objects.get(pk=case.pk)
    assert stored.details["changes"] == {"phone": "010-65001234"} and case_content_problems(stored) == []
    assert _audits(case) == before + 1
    history = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert "补正申请内容" in history and "联系电话改为" in history and "010-65001234" not in history
    client.force_login(reviewer_chaoyang)
    r = client.post(f"/office/cases/{case.pk}/act/approve/", {"version": stored.version}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()[-2000:]
    assert Case.objects.get(pk=case.pk).status == "completed"


def test_the_page_keeps_a_stored_account_left_empty_and_says_so(client, clerk_chaoyang, person_chaoyang, paid_due):
    content = valid_details("refund", person=person_chaoyang, facts={"refund_kind": "overpayment"},
                            applied_on=APPLIED)
    case, _ = services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter", person=person_chaoyang,
                                   applicant_kind="person", applied_on=APPLIED, details=content)
    client.force_login(clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert content["bank_account"] not in page and "不更改请留空" in page
    form = details_prefill("refund", content)
    form = form.copy()
    form["amount_fen"] = f"{(content['amount_fen'] - 100) / 100:.2f}"
    form.update({"version": str(case.version), "correct_reason": "更正退费金额"})
    r = client.post(f"/office/cases/{case.pk}/correct/", form, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content.decode()[-2000:]
    stored = Case.objects.get(pk=case.pk).details
    assert stored["amount_fen"] == content["amount_fen"] - 100 and stored["bank_account"] == content["bank_account"]


def test_the_api_and_the_page_list_the_content_problems_before_any_step_is_refused(client, cy, clerk_chaoyang,
                                                                                  employer_chaoyang):
    """The case's content problems are read before a step is refused: the API's case detail lists them
    (field, code content_incomplete, the Chinese reason: what the refused step would say), the page
    lists them each linked to its input and marks those inputs of the correction form."""
    case = _report(cy, employer_chaoyang)
    got = cy.get(f"/api/v1/cases/{case.pk}/").json()
    assert got["content_problems"] == [
        {"field": "details.months", "code": "content_incomplete", "reason_zh": "请填写补缴月份",
         "reason_en": "incomplete: details.months"},
        {"field": "details.lines", "code": "content_incomplete", "reason_zh": "请填写申报人员",
         "reason_en": "incomplete: details.lines"}]
    # The refused step names the same fields with the same reasons.
    refused = act(cy, case.pk, "accept", outcome="已入账").json()["errors"]
    assert [(e["field"], e["reason_zh"].split("：", 1)[1]) for e in refused] == [
        (p["field"], p["reason_zh"]) for p in got["content_problems"]]
    client.force_login(clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    assert '<a href="#bf-field-months">请填写补缴月份</a>' in page and 'id="bf-field-months"' in page
    assert re.search(r'name="months"[^>]*aria-invalid="true"', page)
    assert re.search(r'name="lines"[^>]*aria-invalid="true"', page)
    # Filled in, the API lists none and the page no warning.
    content = valid_details("monthly_report_back_payment", employer=employer_chaoyang, applied_on=APPLIED)
    assert cy.patch(f"/api/v1/cases/{case.pk}/details/", {"details": content, "reason": "补报",
                                                          "version": Case.objects.get(pk=case.pk).version},
                    format="json").json()["content_problems"] == []
    assert 'id="content-incomplete"' not in client.get(f"/office/cases/{case.pk}/").content.decode()
    # A completed case lists none.
    assert act(cy, case.pk, "accept", outcome="已入账").json()["content_problems"] == []

