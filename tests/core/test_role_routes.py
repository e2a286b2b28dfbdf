"""Every page and API route, for every role (at the municipal center and in 朝阳区), answers as the
permission table (core/permissions.py) says: a route listed with an action admits exactly the roles
the table admits; a refusal says so in Chinese (the site's 403 page, the page's message or the API's
problem details) and writes nothing. Like tests/core/test_district_line.py, the test walks the URL
configuration itself: a route missing from `ROUTES` fails it, so a new route cannot slip past.

A role that may make none of a route's actions (core.route_actions) is refused with 403 before what it
sent is read, whatever it sends: the walk's data, an empty body and a body of wrong values (review-input12
F14: an auditor's empty announcement form was told "请填写有效日期", an auditor's case action was sent back
with a message, 302).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from shebao.collection.models import RemittanceLine
from shebao.core.permissions import TABLE
from shebao.core.route_actions import ROUTE_ACTIONS, actions_of
from shebao.operations.services import audit_case_register
from shebao.registry.models import Employer
from shebao.staff.models import Role, User
from tests import personas
from tests.core.test_district_line import _chaoyang_objects, fill, routes
from tests.core.test_permission_table import written
from tests.uploads import PDF


def _pdf() -> io.BytesIO:
    f = io.BytesIO(PDF)
    f.name = "doc.pdf"
    return f


# route name -> (the action its GET needs or None, the action its POST needs or None, the POST's data).
# None: any signed-in staff member, within their district (tests/core/test_district_line.py).
Route = tuple[str | None, str | None, Any]
ROUTES: dict[str, Route] = {
    # The REST API.
    "case-list": (None, "case.submit", lambda o: {"business": "monthly_report_back_payment", "channel": "online",
                                                   "employer": o["employer"]}),
    "case-workflows": (None, None, None),
    "case-flags": (None, None, None),
    "case-flag-step": (None, "flag.review", {"step": "review", "outcome": "已复核"}),
    "case-overdue": (None, None, None),
    "case-lift-preview": ("epidemic_lift.preview", None, None),
    "case-lift-apply": (None, "epidemic_lift.apply", {"lifted_on": "2020-04-30"}),
    "case-detail": (None, None, None),
    "case-transition": (None, "case.complete", {"action": "complete"}),
    # PATCH only (this walk posts): its permission is walked in tests/cases/test_content_correct.py.
    "case-details": (None, None, None),
    "case-letter": (None, "commitment_letter.capture", {"text": "承诺属实", "signer": "本人"}),
    "case-phone-check": (None, "phone_check.record", {"outcome": "confirmed"}),
    "case-documents": (None, "document.attach", lambda o: {"file": _pdf()}),
    "case-document-content": (None, None, None),
    "case-owed-exchange": (None, "owed_document.exchange", {"source": "市场监管局", "reference": "X1"}),
    "case-owed-review": (None, "owed_document.review", {"accepted": True}),
    "case-flag-raise": (None, "flag.raise", {"kind": "manual_operation", "description": "手工记账"}),
    "person-list": (None, None, None),
    "person-search": (None, None, None),  # a read posted (the number stays out of the URL)
    "person-detail": (None, None, None),
    "person-reveal": (None, "personal_data.reveal", {"field": "phone", "reason": "电话核实"}),
    "person-registered-twice": ("person.merge", None, None),
    # Admitted: refused by the rules (the record with itself; a record not merged), nothing written.
    "person-merge": (None, "person.merge", lambda o: {"other": o["person"], "reason": "核实证件"}),
    "person-unmerge": (None, "person.unmerge", {"reason": "合并有误"}),
    "employer-list": (None, None, None),
    "employer-detail": (None, None, None),
    "employer-reveal": (None, "personal_data.reveal", {"field": "bank_account", "reason": "扣款核对"}),
    "relief-pack-list": (None, None, None),
    "relief-what-if": (None, None, None),
    "relief-publication-request-list": (None, "relief_pack.request", {"pack": "relief-2022-deferral",
                                                                      "reason": "文件已印发"}),
    "relief-publication-request-decide": (None, "relief_pack.publish", {"approve": True}),
    "relief-newly-known": ("relief_known.preview", "relief_pack.publish", {"confirm": True}),
    "relief-deferral-list": (None, "deferral.apply", lambda o: {
        "employer": o["employer"], "pack": "relief-2020-covid", "rule": "hardship-deferral", "months": ["2020-06"],
        "due_until": "2020-10-01", "reason": "经营困难"}),
    "relief-deferral-detail": (None, None, None),
    "relief-deferral-decide": (None, "deferral.decide", {"approve": True}),
    "relief-employer-facts": (None, "employer_facts.record", {"effective_from": "2020-01-01",
                                                              "unit_type": "enterprise", "size_class": "small"}),
    "relief-size-class": (None, None, None),
    # Collection pages.
    "collection:employer_account": (None, None, None),
    "collection:remittance_queue": (None, None, None),
    "collection:remittance_line": (None, None, None),
    "collection:remittance_line_match": (None, "remittance.match", lambda o: {"employer": o["employer"]}),
    "collection:remittance_line_request": (None, "remittance.match",
                                           lambda o: {"employer": o["employer"], "reason": "单位来函说明代付"}),
    "collection:remittance_match_decision": (None, "remittance.match_approve", {"decision": "approve"}),
    "collection:remittance_line_duplicate": (None, "remittance.duplicate_resolve",
                                             {"decision": "same", "reason": "同一笔转账"}),
    "collection:assessment_runs": (None, None, None),
    "collection:assessment_start": (None, "assessment.run", {"as_of": "2020-01-31"}),
    "collection:assessment_job": ("assessment.view_city", None, None),
    "collection:assessment_run": ("assessment.view_city", None, None),
    "collection:assessment_run_district": (None, None, None),
    "collection:assessment_export": ("assessment.view_city", None, None),
    "collection:assessment_district_export": (None, None, None),
    "collection:assessment_report": ("assessment.view_city", None, None),
    "collection:deduction_runs": (None, None, None),
    "collection:refund_desk": ("refund_file.view", None, None),
    "collection:refund_file_create": (None, "refund_file.create", {}),
    "collection:refund_file_release": (None, "refund_file.release", {}),
    "collection:refund_file_download": ("refund_file.download", None, None),
    "collection:refund_result_upload": (None, "refund_result.import", {}),
    "collection:deduction_run": ("deduction_run.view_city", None, None),
    "collection:deduction_run_retry": (None, "deduction_run.retry", {}),
    "collection:deduction_run_start": (None, "deduction_run.create", {}),
    "collection:deduction_file_download": ("deduction_file.download", None, None),
    "collection:deduction_file_checksum": ("deduction_file.download", None, None),
    "collection:bank_file_import": ("remittance.import", "remittance.import", {}),
    "collection:person_rights": (None, None, None),
    "collection:person_rights_statement": (None, "rights_statement.issue", {}),
    # Relief packs (免、减、缓): the packs and their what-if are read by every staff member (a district's
    # staff within their district); the calculator stores nothing.
    "collection:relief": (None, None, None),
    "collection:relief_what_if": (None, None, None),
    "collection:relief_size_class": (None, None, None),
    "collection:relief_publish_request": (None, "relief_pack.request", {"pack": "relief-2022-deferral",
                                                                        "reason": "文件已印发"}),
    "collection:relief_publish_decide": (None, "relief_pack.publish", {"decision": "approve"}),
    "collection:relief_known_apply": (None, "relief_pack.publish", {"pack": "relief-2020-covid"}),
    "collection:relief_deferrals": (None, "deferral.apply", lambda o: {
        "credit_code": o["employer_code"], "rule": "relief-2020-covid/hardship-deferral", "months": "2020-05",
        "due_until": "2020-09-01", "reason": "经营困难"}),
    "collection:relief_deferral": (None, None, None),
    "collection:relief_deferral_decide": (None, "deferral.decide", {"decision": "approve"}),
    "collection:relief_employer_facts": (None, "employer_facts.record", {
        "effective_from": "2020-01-01", "unit_type": "enterprise", "size_class": "small"}),
    # Back-office pages.
    "backoffice:queue": (None, None, None),
    "backoffice:my_work": (None, None, None),
    "backoffice:case_detail": (None, None, None),
    "backoffice:case_act": (None, "case.complete", {}),
    "backoffice:case_letter": (None, "commitment_letter.capture", {"text": "承诺属实", "signer": "本人"}),
    "backoffice:case_phone_check": (None, "phone_check.record", {"outcome": "confirmed"}),
    "backoffice:case_change_reveal": (None, "personal_data.reveal", {"reason": "核对新地址"}),
    "backoffice:case_assess": (None, "case.assess", {"index_x10k": "10000", "reason": "按档案核定"}),
    "backoffice:case_correct": (None, "case.correct", {"correct_reason": "申请人补交材料"}),
    "backoffice:case_document": (None, "document.attach", lambda o: {"file": _pdf(), "name": "合同"}),
    "backoffice:document_download": (None, None, None),
    "backoffice:case_owed": (None, "owed_document.exchange", {"do": "exchange", "source": "市场监管局",
                                                              "reference": "X1"}),
    "backoffice:case_flag": (None, "flag.raise", {"kind": "manual_operation", "description": "手工记账"}),
    "backoffice:case_receipt": (None, None, None),
    "backoffice:front_desk": ("case.submit", "case.submit", {}),
    "backoffice:announcements": (None, "announcement.publish", {"kind": "deadline", "months": "2020-03",
                                                                 "date": "2020-04-30"}),
    "backoffice:review_queue": (None, None, None),
    "backoffice:dashboard": (None, None, None),
    "backoffice:dashboard_export": (None, None, None),
    "backoffice:dashboard_monthly": (None, None, None),
    "backoffice:export_job_start": (None, None, None),  # for oneself, a read of one's own lists
    "backoffice:export_job": (None, None, None),
    "backoffice:export_job_file": (None, None, None),
    "backoffice:dashboard_cases": (None, None, None),
    "backoffice:dashboard_cases_export": (None, None, None),
    "backoffice:queue_export": (None, None, None),
    "backoffice:employer_statement": (None, None, None),
    "backoffice:employer_portal_accounts": (None, "portal_admin.create", {"do": "open"}),
    "backoffice:persons_export": (None, None, None),
    "backoffice:review_export": (None, None, None),
    "backoffice:remittance_export": (None, None, None),
    "backoffice:flag_step": (None, "flag.review", {"step": "review", "outcome": "已复核"}),
    "backoffice:audit_queue": (None, None, None),
    "backoffice:audit_new": (None, "audit_case.register", lambda o: {"employer_code": o["employer_code"],
                                                                      "source": "inspection", "summary": "巡查"}),
    "backoffice:audit_case": (None, None, None),
    "backoffice:audit_case_act": (None, "audit_case.handle", {}),
    "backoffice:audit_contact": (None, "audit_case.register", {"channel": "phone", "party": "employer",
                                                               "notes": "电话联系"}),
    "backoffice:audit_reveal": (None, "personal_data.reveal", {"reason": "回访投诉人"}),
    "backoffice:audit_letter": (None, None, None),
    "backoffice:halls": (None, None, None),
    "backoffice:hall_day": (None, "hall_log.record", {"do": "log", "day": "2020-01-10", "visitors_checked": "3"}),
    "backoffice:hall_incident_new": (None, "incident.report", {"kind": "staff"}),
    "backoffice:hall_duty": (None, "duty.assign", {"day": "2020-01-10"}),
    "backoffice:hall_inspect": (None, "inspection.record", {"day": "2020-01-10"}),
    "backoffice:incidents": (None, None, None),
    "backoffice:personal_data_reads": ("personal_data.trail_view", "personal_data.trail_view", {"subject": "张三"}),
    "backoffice:incident": (None, None, None),
    "backoffice:incident_update": (None, "incident.report", {}),
    "backoffice:incident_acknowledge": (None, "incident.acknowledge", {}),
    "backoffice:inspection": (None, None, None),
    "backoffice:finding_fix": (None, "inspection.fix", {"fix": ""}),
    # Benefits (2.1): the payroll is the center's; retirees are their district's.
    "backoffice:payroll_runs": ("payroll.view_city", None, None),
    "backoffice:payroll_run_start": (None, "payroll_run.create", {"month": "2020-02"}),
    "backoffice:payroll_result_import": ("payroll_result.import", "payroll_result.import", {}),
    "backoffice:payroll_run": ("payroll.view_city", None, None),
    "backoffice:payroll_export": ("payroll.view_city", None, None),
    "backoffice:payroll_run_retry": (None, "payroll_run.retry", {}),
    "backoffice:transfer_resend": ("payroll.view_city", "payroll_transfer.resend",
                                   {"bank_account": "6222020000000000785", "reason": "本人提供的新账号"}),
    "benefits-transfer-resend": (None, "payroll_transfer.resend",
                                 {"bank_account": "6222020000000000785", "reason": "本人提供的新账号"}),
    "backoffice:payroll_file_download": ("payroll_file.download", None, None),
    "backoffice:payroll_file_release": (None, "payroll_file.release", {}),
    "backoffice:payroll_file_checksum": ("payroll_file.download", None, None),
    "backoffice:benefits_index": (None, None, None),
    "benefits-retiree-list": (None, None, None),
    "benefits-retiree-detail": (None, None, None),
    "benefits-retiree-payments": (None, None, None),
    "benefits-award-list": (None, None, None),
    "benefits-award-detail": (None, None, None),
    "benefits-claim-pay": (None, "work_injury.pay", {"bank_account": "6222020000000000784"}),
    "benefits-run-list": ("payroll.view_city", None, None),
    "benefits-run-detail": ("payroll.view_city", None, None),
    "backoffice:retirees": (None, None, None),
    "backoffice:retiree": (None, None, None),
    "backoffice:retiree_stop": (None, "retiree.suspend", {"do": "suspend", "reason": "reemployment",
                                                          "from_month": "2020-01"}),
    "backoffice:work_injury_benefits": (None, None, None),
    "backoffice:work_injury_award": (None, None, None),
    "backoffice:work_injury_pay": (None, "work_injury.pay", {"wage": "", "bank_account": "6222020000000000783",
                                                             "medical_costs": ""}),
    "backoffice:survivor_grant": (None, "survivor_pension.grant", lambda o: {
        "wage": "10000", "name_1": "配偶甲", "relation_1": "spouse", "bank_account_1": "6222020000000000881",
        "id_number_1": personas.citizen_id("110105", dt.date(1981, 2, 3), 81, male=False)}),
    "backoffice:survivor_end": (None, "survivor_pension.end", {"last_month": "2020-05", "reason": "remarriage"}),
    "backoffice:award_payee_register": (None, "award_payee.register", {"payee_name": "王丽", "payee_relation": "spouse"}),
    "benefits-award-payee": (None, "award_payee.register", {"payee_name": "王丽", "payee_relation": "spouse",
                                                            "payee_id_number": ""}),
    "backoffice:declarations": (None, "declaration.stage", {"credit_code": "", "month": "2020-02"}),
    "backoffice:declaration": (None, None, None),
    "backoffice:declaration_act": (None, "declaration.commit", {"do": "commit"}),
    "backoffice:card_orders": (None, None, None),
    "backoffice:card_order": (None, "card_order.update", {"status": "made"}),
    "backoffice:card_certificate": (None, None, None),
    "backoffice:outreach_list": (None, None, None),
    "backoffice:outreach_new": (None, "outreach.draft", {"audience": "district_employers"}),
    "backoffice:opt_outs": (None, "outreach.opt_out", {"channel": "sms"}),
    "backoffice:outreach": (None, None, None),
    "backoffice:outreach_approve": (None, "outreach.approve", {}),
    "backoffice:outreach_reject": (None, "outreach.approve", {}),
    "backoffice:outreach_letters": (None, None, None),
    # Registry pages.
    "web:home": (None, None, None),
    "web:public_announcements": (None, None, None),
    "web:card_certificate_verify": (None, None, None),
    "web:rights_statement_verify": (None, None, None),
    "web:person_search": (None, None, None),
    "web:person_detail": (None, None, None),
    "web:persons_registered_twice": ("person.merge", "person.merge", {"pair": "", "keep": "", "reason": "核实证件"}),
    "web:person_reveal": (None, "personal_data.reveal", {"reason": "电话核实"}),
    "web:person_unmerge": ("person.unmerge", "person.unmerge", {"reason": "合并方向有误", "confirm": "1"}),
    "web:employer_search": (None, None, None),
    "web:employer_detail": (None, None, None),
    "web:employer_reveal": (None, "personal_data.reveal", {"reason": "扣款核对"}),
}
def _admits(action: str, user: Any) -> bool:
    p = TABLE[action]
    return user.role in p.roles and (not p.city_wide or user.office.code == "110000")


# Wrong values of every kind a form or a body carries (no control character: the query guard refuses
# those for everyone, core.middleware): a refused role must get its 403 for these too, not a 400.
BAD_FORM = {"do": "不存在的操作", "kind": "lift", "date": "2020-02-30", "month": "9999-99", "day": "昨天",
            "employer": "abc", "version": "旧", "step": "audit", "decision": "maybe", "reason": "", "zzz": "1"}
BAD_JSON = {"action": 5, "version": "abc", "business": ["x"], "employer": "141", "facts": {"person": {"x": 1}},
            "lifted_on": "0001-01-01", "approve": "也许", "unknown_key": True}


def _route_actions(name: str, url_kwargs: dict[str, Any]) -> tuple[str, ...]:
    return actions_of(name, {k: str(v) for k, v in url_kwargs.items()})


def test_every_route_is_listed_with_the_actions_it_needs():
    names = {name for _, name in routes()}
    assert not names - set(ROUTES), f"routes the role walk does not know: {sorted(names - set(ROUTES))}"
    for get_action, post_action, _ in ROUTES.values():
        for action in (get_action, post_action):
            assert action is None or action in TABLE, action
    # Every route with a write is refused before reading by core.route_actions, with the walk's action
    # among those it lists: a new route with a form must be added there to be checked first.
    for name, (_get, post_action, _data) in ROUTES.items():
        if post_action is not None:
            listed = _route_actions(name, {"action": post_action.partition(".")[2]})
            assert post_action in listed, f"{name}: core.route_actions does not list {post_action} ({listed})"
    assert not set(ROUTE_ACTIONS) - names, f"core.route_actions names no route: {set(ROUTE_ACTIONS) - names}"


def _refused(r: Any, action: str, *, strict: bool = False) -> bool:
    """A refusal in Chinese: the 403 page or problem, or (not `strict`: a role that may make another of
    the route's actions, refused by the service for this one) the page's flashed message after a redirect."""
    def says_refused(text: str) -> bool:
        return "无权" in text or "须由" in text or "只能" in text

    if r.status_code == 403:
        return says_refused(r.content.decode(errors="ignore"))
    if r.status_code == 302 and not strict:
        return any(says_refused(str(m)) and TABLE[action].zh in str(m) for m in get_messages(r.wsgi_request))
    return False


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_each_route_admits_and_refuses_each_role_as_the_table_says(client, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    objects = _chaoyang_objects()
    person_pk, employer_pk = objects["web:person_detail"]["pk"], objects["web:employer_detail"]["pk"]
    # The duplicate-resolving route needs a line held as a probable duplicate.
    matched = RemittanceLine.objects.get(pk=objects["collection:remittance_line_duplicate"]["pk"])
    held = RemittanceLine.objects.create(bank_file=matched.bank_file, line_no=99, bank_reference="DL-DUP",
                                         value_date=matched.value_date, amount_fen=matched.amount_fen,
                                         status=RemittanceLine.Status.DUPLICATE, duplicate_of=matched)
    objects["collection:remittance_line_duplicate"] = {"pk": held.pk}
    # An audit case of 朝阳区 (7.2), registered, for the 稽核 routes.
    employer = Employer.objects.get(pk=employer_pk)
    case = audit_case_register(actor=User.objects.create(username="walk_auditor", role=Role.AUDITOR,
                                                         office=personas.office("110000")),
                               source="hotline_12345", employer=employer, summary="投诉", complainant_name="王某",
                               complainant_phone="13900000000")
    objects.update({"backoffice:audit_case": {"pk": case.pk}, "backoffice:audit_case_act": {"pk": case.pk,
                                                                                             "action": "open"},
                    "backoffice:audit_contact": {"pk": case.pk},
                    "backoffice:audit_reveal": {"pk": case.pk, "field": "complainant_phone"},
                    "backoffice:audit_letter": {"pk": case.pk}})
    codes = {"employer_code": employer.credit_code}
    problems: list[str] = []
    # 朝阳区 first: an admitted call may change an object (a case completed, a line matched), and the
    # district's account is refused more often; the center's account comes after, on the same objects.
    for office_code in ("110105", "110000"):
        user = User.objects.create(username=f"walk_{role}_{office_code}", role=role,
                                   office=personas.office(office_code))
        _walk(client, user, objects, employer_pk=employer_pk, person_pk=person_pk, codes=codes, problems=problems)
    assert not problems, "\n".join(problems)


def _walk(client: Any, user: Any, objects: dict[str, Any], *, employer_pk: int, person_pk: int,
          codes: dict[str, str], problems: list[str]) -> None:
    api = APIClient()
    api.force_authenticate(user)
    client.force_login(user)
    who = f"{user.role}@{user.office.code}"
    for route, name in routes():
        get_action, post_action, data = ROUTES[name]
        url = fill(route, objects.get(name, {}))
        api_route = url.startswith("/api/")
        c = api if api_route else client
        query = {"lifted_on": "2020-04-30"} if name == "case-lift-preview" else {}
        r = c.get(url, query)
        if get_action is not None:
            if _admits(get_action, user) and r.status_code == 403:
                problems.append(f"GET {url}: {who} is admitted by {get_action} but refused")
            if not _admits(get_action, user) and not _refused(r, get_action):
                problems.append(f"GET {url}: {who} should be refused ({get_action}), got {r.status_code}")
        if post_action is None:
            continue
        payload = data({"employer": employer_pk, "person": person_pk, **codes}) if callable(data) else data
        # A role that may make none of the route's actions: 403 before the body is read, whatever it is.
        none_of_them = not any(_admits(a, user) for a in _route_actions(name, objects.get(name, {})))
        bodies = [("", payload)]
        if none_of_them:
            bodies += [(" (empty)", {}), (" (wrong values)", BAD_JSON if api_route else BAD_FORM)]
        for label, body in bodies:
            before = written()
            if api_route:
                r = api.post(url, body, format="multipart" if "file" in body else "json")
            else:
                r = client.post(url, body)
            if _admits(post_action, user):
                if _refused(r, post_action):
                    problems.append(f"POST {url}: {who} is admitted by {post_action} but refused")
            else:
                if not _refused(r, post_action, strict=none_of_them):
                    problems.append(f"POST {url}{label}: {who} should be refused ({post_action}) with 403, "
                                    f"got {r.status_code}")
                if written() != before:
                    problems.append(f"POST {url}{label}: a refused {who} wrote something")


@pytest.mark.django_db
def test_a_clerk_following_a_link_to_a_city_wide_run_gets_the_sites_page_in_chinese(client, clerk_chaoyang):
    from tests.collection.district_line_objects import collection_objects

    objects = collection_objects(person=personas.make_person(), employer=personas.make_employer())
    client.force_login(clerk_chaoyang)
    r = client.get(f"/collection/deductions/{objects['collection:deduction_run']['pk']}/")
    html = r.content.decode()
    assert r.status_code == 403
    assert "无权访问" in html
    assert "查看全市扣款批次须由市中心工作人员办理" in html  # what they may not do, and who does it
    assert "社保经办系统" in html and "返回首页" in html  # within the site's layout, with a way on


@pytest.mark.django_db
def test_the_leader_sees_no_publish_button_and_no_front_desk(client, leader):
    client.force_login(leader)
    page = client.get("/office/announcements/").content.decode()
    assert "确认发布" not in page and "预览影响" not in page and "征收期延长（第0.2条）" not in page
    home = client.get("/").content.decode()
    assert "前台受理" not in home
    desk = client.get("/office/front-desk/")
    assert desk.status_code == 403 and "领导无权登记申请" in desk.content.decode()


@pytest.mark.django_db
def test_a_role_that_may_not_act_is_refused_before_its_form_is_read(client, leader):
    """review-input12 F14: an auditor's empty announcement form was told "请填写有效日期" (200), a leader's
    front-desk form was drawn again (200), an auditor's case action was sent back with a message (302)."""
    from shebao.core.policy import announcements_published

    auditor = User.objects.create(username="f14_auditor", role=Role.AUDITOR, office=personas.office("110000"))
    client.force_login(auditor)
    before = written()
    r = client.post("/office/announcements/", {})
    assert r.status_code == 403 and "稽核人员无权发布政策公告" in r.content.decode()
    assert "请填写有效日期" not in r.content.decode()
    r = client.post("/office/cases/999999/act/approve/", {"version": "1"})
    assert r.status_code == 403 and "稽核人员无权审批通过" in r.content.decode()
    api = APIClient()
    api.force_authenticate(auditor)
    r = api.post("/api/v1/cases/", {}, format="json")
    assert r.status_code == 403 and r["Content-Type"].startswith("application/problem+json")
    assert "稽核人员无权登记申请" in r.json()["detail"] and "errors" in r.json()
    assert r.json()["errors"][0]["field"] == "action"  # nothing said about the body's fields
    client.force_login(leader)
    r = client.post("/office/front-desk/", {"business": "refund", "do": "save"})
    assert r.status_code == 403 and "领导无权登记申请" in r.content.decode()
    assert written() == before and not announcements_published()
