"""Audit and complaint cases (7.1–7.3): services, the queue and the case page, and the deadline
the page shows against ``shebao audit_deadline`` across the 2020 suspension."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from shebao.core.models import AuditEvent
from shebao.core.policy import announcement_publish
from shebao.operations import selectors, services
from shebao.operations.models import AuditCase, AuditContact, AuditSuspension, Source, State
from shebao.rules import cli
from tests import personas
from tests.nothing_written import nothing_written

D = dt.date


@pytest.fixture
def auditor(db):
    return personas.make_staff("auditor_cy", role=personas.Role.AUDITOR, office_code="110105",
                               display_name="朝阳区稽核员")


def on(day: dt.date):
    return override_settings(SHEBAO_TODAY=day)


def cli_deadline(line: dict) -> dict:
    out = io.StringIO()
    cli.main(["audit_deadline"], stdin=io.StringIO(json.dumps(line) + "\n"), stdout=out)
    return json.loads(out.getvalue())


def events(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model=obj._meta.label, object_pk=str(obj.pk)).order_by("pk"))


def register(actor, employer, *, day, source=Source.HOTLINE_12345, open_now=False, **kw):
    with on(day):
        return services.audit_case_register(
            actor=actor, source=source, employer=employer, summary="拖欠职工社会保险费", complainant_name="王小明",
            complainant_phone="13812345678", open_now=open_now, **kw)


def resume_all(admin, day: dt.date):
    """The center announces that audit work resumes on ``day`` (7.1)."""
    announcement_publish(actor=admin, parameter="audit.resumed_on", value=day.isoformat(),
                         title="关于恢复稽核工作的公告", clause="7.1")


# --- 7.2: registered during the suspension, opened after resumption -------------------------------


def test_a_complaint_during_the_suspension_is_registered_not_opened(auditor, employer_chaoyang):
    case = register(auditor, employer_chaoyang, day=D(2020, 2, 10), documents_kept="工资条复印件3页")
    case.refresh_from_db()
    assert (case.state, case.opened_on, case.registered_on) == (State.REGISTERED, None, D(2020, 2, 10))
    assert case.district.code == "110105" and case.complainant_name == "王小明"
    [ev] = events(case)
    assert ev.action == AuditEvent.Action.CREATE and ev.actor == auditor and ev.district_code == "110105"

    with on(D(2020, 2, 10)), nothing_written(), pytest.raises(ValidationError, match="7.2"):
        services.audit_case_open(actor=auditor, case=case, version=case.version)
    case.refresh_from_db()
    assert case.state == State.REGISTERED and len(events(case)) == 1

    with on(D(2020, 2, 10)), nothing_written(), pytest.raises(ValidationError, match="只登记"):
        register(auditor, employer_chaoyang, day=D(2020, 2, 10), open_now=True)


def test_opened_when_work_resumes(auditor, municipal_admin, employer_chaoyang):
    case = register(auditor, employer_chaoyang, day=D(2020, 2, 10))
    resume_all(municipal_admin, D(2020, 3, 16))
    with on(D(2020, 3, 16)):
        opened = services.audit_case_open(actor=auditor, case=case, version=case.version)
    case.refresh_from_db()
    assert (case.state, case.opened_on, case.version) == (State.OPENED, D(2020, 3, 16), 2)
    assert opened.pk == case.pk
    ev = events(case)[-1]
    assert ev.action == AuditEvent.Action.UPDATE and ev.changes["state"] == ["registered", "opened"]
    # Opened after the suspension: 60 working days from 2020-03-17, nothing suspended in between.
    with on(D(2020, 3, 16)):
        due = selectors.case_deadline(case)
    assert due.deadline == D.fromisoformat(cli_deadline({"id": 1, "opened_on": "2020-03-16"})["deadline"])
    assert due.days_left == 60 and not due.suspended


def test_an_inspection_case_is_not_held_by_the_complaint_suspension(auditor, employer_chaoyang):
    case = register(auditor, employer_chaoyang, day=D(2020, 2, 10), source=Source.INSPECTION, open_now=True)
    assert case.state == State.OPENED and case.opened_on == D(2020, 2, 10)
    with on(D(2020, 2, 10)):
        due = selectors.case_deadline(case)
    assert not due.suspended
    assert due.deadline == D.fromisoformat(cli_deadline({"id": 1, "opened_on": "2020-02-10"})["deadline"])


# --- 7.3: contacts ---------------------------------------------------------------------------------


def test_a_phone_contact_is_recorded_with_its_audit_row(auditor, employer_chaoyang):
    case = register(auditor, employer_chaoyang, day=D(2020, 2, 10))
    with on(D(2020, 2, 11)):
        c = services.audit_contact_record(actor=auditor, case=case, channel="phone", party="complainant",
                                          contact_person="王小明", notes="告知疫情期间案件暂缓立案，回电13812345678")
    c.refresh_from_db()
    assert (c.channel, c.party, c.by, c.case_id) == ("phone", "complainant", auditor, case.pk)
    assert timezone.localtime(c.contacted_at).date() == D(2020, 2, 11)
    [ev] = events(c)
    assert ev.action == AuditEvent.Action.CREATE and ev.district_code == "110105"


def test_refusals_write_nothing(auditor, leader, clerk_haidian, employer_chaoyang, employer_haidian):
    case = register(auditor, employer_chaoyang, day=D(2020, 1, 10), open_now=True)
    with on(D(2020, 1, 15)):
        with nothing_written(), pytest.raises(PermissionDenied):
            services.audit_contact_record(actor=leader, case=case, channel="phone", party="employer", notes="x")
        with nothing_written(), pytest.raises(PermissionDenied):  # another district's case
            services.audit_contact_record(actor=clerk_haidian, case=case, channel="phone", party="employer",
                                          notes="询问")
        with nothing_written(), pytest.raises(PermissionDenied):  # a clerk registers but does not decide
            services.audit_case_extend(actor=clerk_haidian, case=case, version=case.version, reason="复杂")
        with nothing_written(), pytest.raises(PermissionDenied):  # employer of another district
            services.audit_case_register(actor=auditor, source="letter", employer=employer_haidian, summary="x")
        with nothing_written(), pytest.raises(ValidationError, match="沟通内容"):
            services.audit_contact_record(actor=auditor, case=case, channel="phone", party="employer", notes=" ")
        with nothing_written(), pytest.raises(ValidationError, match="刷新"):
            services.audit_case_investigate(actor=auditor, case=case, version=case.version + 7, findings="查实")
        with nothing_written(), pytest.raises(ValidationError, match="调查结果"):
            services.audit_case_decide(actor=auditor, case=case, version=case.version, decision="限期补缴")
    case.refresh_from_db()
    assert case.state == State.OPENED and case.version == 1 and not case.extended


# --- 7.1: the deadline moves by the suspension; the page agrees with `shebao audit_deadline` --------


def test_page_deadline_equals_the_command_across_the_2020_suspension(client, auditor, municipal_admin,
                                                                       employer_chaoyang):
    case = register(auditor, employer_chaoyang, day=D(2020, 1, 20), open_now=True)  # before the holiday
    client.force_login(auditor)
    line = {"id": case.pk, "opened_on": "2020-01-20", "extended": False,
            "suspensions": [{"from": "2020-02-03", "to": None}]}

    # While resumption is not announced, the deadline is unknown; the days left wait for it.
    with on(D(2020, 2, 20)):
        page = client.get(reverse("backoffice:audit_case", args=[case.pk]))
    expected = cli_deadline(line)
    assert expected["deadline"] is None
    assert page.status_code == 200 and "中止中" in page.content.decode()
    assert f"恢复后剩余 {60 - expected['working_days']} 个工作日" in page.content.decode()
    assert 'data-deadline=""' in page.content.decode()

    # Resumption announced for 2020-03-16: the suspension is 2020-02-03 .. 2020-03-15.
    resume_all(municipal_admin, D(2020, 3, 16))
    line["suspensions"] = [{"from": "2020-02-03", "to": "2020-03-15"}]
    expected = cli_deadline(line)
    unsuspended = cli_deadline({"id": case.pk, "opened_on": "2020-01-20"})
    assert expected["deadline"] > unsuspended["deadline"]  # moved by the working days suspended
    with on(D(2020, 3, 20)):
        page = client.get(reverse("backoffice:audit_case", args=[case.pk]))
        queue = client.get(reverse("backoffice:audit_queue"))
    assert f'data-deadline="{expected["deadline"]}"' in page.content.decode()
    assert expected["deadline"] in queue.content.decode()

    # Extended: 90 working days, still in agreement.
    with on(D(2020, 3, 20)):
        services.audit_case_extend(actor=auditor, case=case, version=case.version, reason="案情复杂，经批准延期")
        page = client.get(reverse("backoffice:audit_case", args=[case.pk]))
    case.refresh_from_db()
    assert case.extended and events(case)[-1].changes["extended"] == [False, True]
    expected = cli_deadline({**line, "extended": True})
    assert f'data-deadline="{expected["deadline"]}"' in page.content.decode()


def test_a_case_suspension_and_its_resumption_move_the_deadline(auditor, employer_chaoyang):
    case = register(auditor, employer_chaoyang, day=D(2020, 4, 1), source=Source.DATA_ANALYSIS, open_now=True)
    with on(D(2020, 4, 20)):
        s = services.audit_case_suspend(actor=auditor, case=case, version=1, starts_on=D(2020, 4, 20),
                                        reason="等待单位提供账册")
        assert selectors.case_deadline(case).suspended
        services.audit_case_resume(actor=auditor, case=case, version=2, resumed_on=D(2020, 5, 11))
    s.refresh_from_db()
    assert AuditSuspension.objects.get().pk == s.pk
    assert s.ends_on == D(2020, 5, 10)  # the day before work resumes: the Labour Day holiday inside it
    assert [e.action for e in events(s)] == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]
    expected = cli_deadline({"id": 1, "opened_on": "2020-04-01",
                             "suspensions": [{"from": "2020-04-20", "to": "2020-05-10"}]})
    with on(D(2020, 5, 11)):
        assert selectors.case_deadline(AuditCase.objects.get(pk=case.pk)).deadline.isoformat() == expected["deadline"]
    with on(D(2020, 5, 11)), nothing_written(), pytest.raises(ValidationError, match="未在中止中"):
        services.audit_case_resume(actor=auditor, case=case, version=3, resumed_on=D(2020, 5, 12))


def test_the_queue_orders_by_working_days_left(client, auditor, clerk_haidian, employer_chaoyang):
    late = register(auditor, employer_chaoyang, day=D(2020, 4, 20), source=Source.INSPECTION, open_now=True)
    early = register(auditor, employer_chaoyang, day=D(2020, 4, 1), source=Source.INSPECTION, open_now=True)
    waiting = register(auditor, employer_chaoyang, day=D(2020, 4, 2), source=Source.LETTER)
    client.force_login(auditor)
    with on(D(2020, 5, 6)):
        rows = selectors.audit_queue(user=auditor)
        body = client.get(reverse("backoffice:audit_queue")).content.decode()
    assert [c.pk for c in rows] == [early.pk, late.pk, waiting.pk]
    assert rows[0].due.days_left < rows[1].due.days_left
    assert body.index(f'data-case="{early.pk}"') < body.index(f'data-case="{late.pk}"') < body.index(
        f'data-case="{waiting.pk}"')
    assert "王小明" not in body and "王**" in body  # the complainant is masked
    assert selectors.audit_queue(user=clerk_haidian) == []


# --- Pages: the whole flow, the letter, another district -----------------------------------------


def test_flow_on_the_pages_with_the_decision_letter(client, auditor, clerk_haidian, municipal_admin,
                                                    employer_chaoyang):
    resume_all(municipal_admin, D(2020, 3, 16))
    client.force_login(auditor)
    with on(D(2020, 4, 1)):
        r = client.post(reverse("backoffice:audit_new"), {
            "source": "director_mailbox", "employer_code": employer_chaoyang.credit_code, "summary": "未足额缴费",
            "complainant_name": "赵六", "complainant_phone": "13900001111"})
    case = AuditCase.objects.get()
    assert r.status_code == 302 and case.source == "director_mailbox" and case.state == State.REGISTERED
    url = reverse("backoffice:audit_case", args=[case.pk])

    def act(action, **data):
        with on(D(2020, 4, 2)):
            v = AuditCase.objects.get(pk=case.pk).version
            return client.post(reverse("backoffice:audit_case_act", args=[case.pk, action]), {"version": v, **data})

    with on(D(2020, 4, 2)):
        page = client.get(url).content.decode()
        assert "赵*" in page and "赵六" not in page and "139****1111" in page and "13900001111" not in page
        r = client.post(reverse("backoffice:audit_contact", args=[case.pk]), {
            "channel": "email", "party": "employer", "contact_person": "单位人事", "notes": "请于一周内提供工资表",
            "contacted_at": "2020-04-01T16:30"})
    contact = AuditContact.objects.get()
    assert r.status_code == 302 and contact.contact_person == "单位人事" and contact.by == auditor
    assert timezone.localtime(contact.contacted_at).strftime("%Y-%m-%d %H:%M") == "2020-04-01 16:30"
    with on(D(2020, 4, 2)):
        page = client.get(url).content.decode()
    assert "单***" in page and "单位人事" not in page  # the person reached is masked like the complainant
    assert act("open").status_code == 302
    assert act("investigate", findings="少报缴费基数3人").status_code == 302
    assert act("decide", decision="责令限期补缴").status_code == 302
    with on(D(2020, 4, 2)):
        pdf = client.get(reverse("backoffice:audit_letter", args=[case.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert act("close").status_code == 302
    case.refresh_from_db()
    assert (case.state, case.decided_on, case.closed_on) == (State.CLOSED, D(2020, 4, 2), D(2020, 4, 2))
    assert [e.reason for e in events(case)][-4:] == ["立案", "登记调查结果", "作出处理决定", "结案"]

    # A stale page gets a conflict and writes nothing.
    with on(D(2020, 4, 2)), nothing_written():
        r = client.post(reverse("backoffice:audit_case_act", args=[case.pk, "close"]), {"version": 1})
    assert r.status_code == 409 and "刷新" in r.content.decode()

    # Another district sees nothing and changes nothing.
    client.force_login(clerk_haidian)
    with nothing_written():
        assert client.get(url).status_code == 404
        assert client.post(reverse("backoffice:audit_contact", args=[case.pk]),
                           {"channel": "phone", "party": "employer", "notes": "x"}).status_code == 404



def test_the_complainants_phone_is_shown_in_full_only_through_a_recorded_reveal(client, auditor, leader,
                                                                                  clerk_haidian, employer_chaoyang):
    from shebao.core.models import PersonalDataAccess

    case = register(auditor, employer_chaoyang, day=D(2020, 2, 10))
    url = reverse("backoffice:audit_reveal", args=[case.pk, "complainant_phone"])
    client.force_login(auditor)
    with nothing_written():
        r = client.post(url, {"reason": ""})
    assert r.status_code == 400 and "查看原因" in r.content.decode()
    r = client.post(url, {"reason": "回电告知暂缓立案"})
    assert r.status_code == 200 and "13812345678" in r.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.object_pk, access.field) == (auditor, str(case.pk), "complainant_phone")
    assert "王小明" not in access.subject_label
    with nothing_written(), pytest.raises(PermissionDenied):
        services.complainant_reveal(actor=leader, case=case, field="complainant_phone", reason="查看")
    with nothing_written(), pytest.raises(PermissionDenied):
        services.complainant_reveal(actor=clerk_haidian, case=case, field="complainant_phone", reason="查看")
    with nothing_written(), pytest.raises(ValidationError):
        services.complainant_reveal(actor=auditor, case=case, field="summary", reason="查看")


def test_a_year_outside_the_official_calendar_is_an_error_not_a_guess(client, auditor, employer_chaoyang):
    case = register(auditor, employer_chaoyang, day=D(2099, 3, 2), source=Source.INSPECTION, open_now=True)
    expected = cli_deadline({"id": case.pk, "opened_on": "2099-03-02"})
    assert "error" in expected
    client.force_login(auditor)
    with on(D(2099, 3, 3)):
        due = selectors.case_deadline(case)
        body = client.get(reverse("backoffice:audit_queue")).content.decode()
    assert due.deadline is None and due.error == expected["error"] and not due.suspended
    assert "2099年的国务院节假日安排未录入工作日历" in body


# --- "Done when": the page and `shebao audit_deadline` agree on each calendar situation ------------

AGREEMENT = {
    # The 2020 Spring Festival holiday, extended to 2020-02-02, is not counted.
    "spring_festival_extension": (D(2020, 1, 22), None),
    # 2020-04-26 (Sunday) and 2020-05-09 (Saturday) are make-up working days and count.
    "make_up_working_days": (D(2020, 4, 20), None),
    # A suspension from before to after the Labour Day holiday leaves out only its working days.
    "suspension_across_a_holiday": (D(2020, 4, 1), (D(2020, 4, 28), D(2020, 5, 11))),
    # An open suspension: no deadline until the case resumes.
    "open_suspension": (D(2020, 4, 1), (D(2020, 4, 28), None)),
}


@pytest.mark.parametrize("situation", sorted(AGREEMENT))
def test_the_page_and_the_command_agree_on_each_calendar_situation(client, auditor, employer_chaoyang, situation):
    opened, suspension = AGREEMENT[situation]
    case = register(auditor, employer_chaoyang, day=opened, source=Source.INSPECTION, open_now=True)
    line: dict = {"id": case.pk, "opened_on": opened.isoformat(), "extended": False, "suspensions": []}
    look = D(2020, 5, 20)
    if suspension is not None:
        start, resumed = suspension
        with on(start):
            services.audit_case_suspend(actor=auditor, case=case, version=1, starts_on=start, reason="等待账册")
        if resumed is not None:
            with on(resumed):
                services.audit_case_resume(actor=auditor, case=case, version=2, resumed_on=resumed)
        end = None if resumed is None else (resumed - dt.timedelta(days=1)).isoformat()
        line["suspensions"] = [{"from": start.isoformat(), "to": end}]
    expected = cli_deadline(line)
    client.force_login(auditor)
    with on(look):
        page = client.get(reverse("backoffice:audit_case", args=[case.pk])).content.decode()
    shown = page.split('data-deadline="', 1)[1].split('"', 1)[0]
    assert shown == (expected["deadline"] or "")
    plain = cli_deadline({"id": case.pk, "opened_on": opened.isoformat()})
    if situation == "spring_festival_extension":
        # 2020-01-22 + 60 working days: 01-23 is day 1, then nothing until 2020-02-03 (day 2); day 60
        # is 2020-04-24 (Qingming's 04-06 not counted). Without the extension (01-31 and the make-up
        # Saturday 02-01 would have been working days) it would fall two working days earlier.
        assert expected["deadline"] == "2020-04-24"
    elif situation == "make_up_working_days":
        assert expected["deadline"] == "2020-07-15"  # 04-26, 05-09 and 06-28 (make-up days) among the 60
    elif situation == "suspension_across_a_holiday":
        # 2020-04-28 .. 2020-05-10 holds 2020-04-28, -29, -30 and 05-06, -07, -08, -09 (make-up Saturday).
        assert D.fromisoformat(expected["deadline"]) > D.fromisoformat(plain["deadline"])
    else:
        assert expected["deadline"] is None and "中止中" in page
