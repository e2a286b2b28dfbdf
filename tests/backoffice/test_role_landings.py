"""Each role lands on its own work (office16 walk, finding 2): the reviewer and the center's administrator
landed on the clerk's queue (本机构待办队列) with no word of the cases waiting for their approval or of the
incident reports; the auditor landed on an empty 稽核案件 page that said only 暂无稽核案件."""

from __future__ import annotations

import pytest

from shebao.operations.services import audit_case_register
from shebao.staff.models import Role, User
from tests import personas
from tests.backoffice.test_refund_approver_told import _accepted_refund
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _land(client, user) -> tuple[str, str]:
    r = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    return r["Location"], client.get(r["Location"]).content.decode()


def _h1(html: str) -> str:
    return html.split("<h1>", 1)[1].split("</h1>", 1)[0]


def _links(html: str, section: str) -> list[str]:
    part = html.split(f'id="{section}"', 1)[1].split("</nav>", 1)[0].split("</section>", 1)[0]
    return [u.split('"', 1)[0].replace("&amp;", "&") for u in part.split('href="')[1:]]


def test_the_reviewer_lands_on_the_cases_waiting_for_their_approval(client, clerk_chaoyang, reviewer_chaoyang,
                                                                   person_chaoyang):
    pk = _accepted_refund(clerk_chaoyang, person_chaoyang, confirmed=True)
    where, html = _land(client, reviewer_chaoyang)
    assert _h1(html) == "待我审核" and "<title>待我审核" in html and "本机构待办队列</h1>" not in html
    assert '<span class="num" id="awaiting-count">1</span> 件' in html and f'href="/office/cases/{pk}/"' in html
    links = _links(html, "work-items")
    assert "/office/review/" in links and "/office/incidents/" in links  # the 7.4 flags, the incident reports
    assert "/office/outreach/" in links  # messages to groups waiting for a second person
    for url in [*links, *_links(html, "awaiting-me")]:
        assert client.get(url).status_code == 200, url
    # The clerk who accepted it is not asked to approve it, and still lands on the queue.
    client.logout()
    where, html = _land(client, clerk_chaoyang)
    assert where == "/office/queue/" and 'id="awaiting-count"' not in html


def test_with_nothing_to_approve_the_reviewer_is_told_what_will_come(client, reviewer_chaoyang):
    where, html = _land(client, reviewer_chaoyang)
    assert where == "/office/work/" and '<span class="num" id="awaiting-count">0</span> 件' in html
    assert "目前没有等待您审批的申请" in html


def test_the_administrator_lands_on_the_centers_work(client, municipal_admin):
    where, html = _land(client, municipal_admin)
    assert where == "/office/work/" and _h1(html) == "管理工作"
    assert 'id="awaiting-count"' in html  # the administrator approves too
    links = _links(html, "work-items")
    for wanted in ("/office/incidents/", "/office/announcements/", "/collection/relief/", "/collection/refunds/",
                   "/office/audits/"):
        assert wanted in links, links
    assert "待签收的疫情事件报告" in html
    for url in links:
        assert client.get(url).status_code == 200, url


def test_the_auditors_empty_case_list_says_what_it_holds_and_how_a_case_gets_there(client):
    auditor = personas.make_staff("auditor_cy_o16", role=Role.AUDITOR, office_code="110105")
    where, html = _land(client, auditor)
    assert where == "/office/audits/"
    empty = html.split('id="audit-empty"', 1)[1].split("</div>", 1)[0]
    assert "投诉举报" in empty and "登记后列在这里" in empty and "本区目前还没有登记的案件" in empty
    assert 'href="/office/audits/new/"' in empty  # the auditor may register one
    assert client.get("/office/audits/new/").status_code == 200
    # A leader may not register one: told what the list holds, with no link to a form it may not use.
    client.force_login(User.objects.get(username=personas.make_staff(
        "leader_o16", role=Role.LEADER, office_code="110000").username))
    page = client.get("/office/audits/").content.decode()
    assert "全市目前还没有登记的案件" in page and "/office/audits/new/" not in page.split('id="audit-empty"', 1)[1]


def test_once_a_case_is_closed_the_empty_list_says_no_open_case(client):
    auditor = personas.make_staff("auditor_cy_o16b", role=Role.AUDITOR, office_code="110105")
    case = audit_case_register(actor=auditor, source="letter", employer=personas.make_employer(), summary="拖欠社保")
    type(case).objects.filter(pk=case.pk).update(state="closed")
    client.force_login(auditor)
    page = client.get("/office/audits/").content.decode()
    assert "暂无未结案的稽核案件" in page and "目前还没有登记的案件" not in page
