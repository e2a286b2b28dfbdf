"""Halls (8), duty and inspections (11), incidents reported to the municipal center: the services,
their refusals (nothing written) and the pages, district by district."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from shebao.cases.models import OutboxMessage
from shebao.core import clock
from shebao.core.models import AuditEvent
from shebao.operations import halls, selectors
from shebao.operations.models import (
    DisinfectionRound,
    DutyAssignment,
    FeverReading,
    Finding,
    HallDayLog,
    Incident,
    Inspection,
)
from tests import personas
from tests.nothing_written import nothing_written

DAY = dt.date(2020, 2, 20)
ALL_IN_PLACE = {"masks_gloves": True, "temperature": True, "disinfection": True, "isolation_room": True,
                "posters": True}


@pytest.fixture(autouse=True)
def _on_day(settings, tmp_path):
    settings.SHEBAO_TODAY = DAY
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


def events(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model=obj._meta.label, object_pk=str(obj.pk)).order_by("pk"))


def report(actor, hall, **kw):
    args = {"kind": Incident.Kind.HALL_SUSPECTED, "occurred_at": clock.now(),
            "description": "来访群众测温38.1℃，自述发热两天", "isolation_room_used": True, **kw}
    return halls.incident_report(actor=actor, hall=hall, **args)


# --- The hall's day (8) ---------------------------------------------------------------------------


def test_a_hall_managers_day_log_readings_and_disinfection(hall_manager, chaoyang):
    log = halls.hall_log_save(actor=hall_manager, hall=chaoyang, day=DAY, visitors_checked=214,
                              ventilation="开窗通风3次，每次30分钟", posters_in_place=True)
    fever = halls.fever_record(actor=hall_manager, hall=chaoyang, day=DAY, at=clock.now(), celsius="37.6℃",
                               action="复测仍为37.6℃，劝离并引导至发热门诊")
    rnd = halls.disinfection_record(actor=hall_manager, hall=chaoyang, day=DAY, at=clock.now(),
                                    area="等候区座椅、叫号机", done_by="保洁员李某")
    log.refresh_from_db()
    assert (log.visitors_checked, log.posters_in_place, log.district, log.version) == (214, True, chaoyang, 2)
    assert HallDayLog.objects.count() == 1 and fever.log == log and rnd.log == log
    assert fever.tenths == 376 and fever.celsius == "37.6"
    assert [e.action for e in events(log)] == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]
    assert events(fever)[0].district_code == "110105" and events(rnd)[0].actor == hall_manager
    day = selectors.hall_day(hall=chaoyang, day=DAY)
    assert day["log"] == log and day["fevers"] == [fever] and day["rounds"] == [rnd]


@pytest.mark.parametrize("celsius, message", [
    ("37.2", "只计入测温人数"), ("43.5", "超过43.0℃"), ("三十八", "须为数字"), ("37.55", "一位小数"), ("", "请填写体温"),  # empty asks for it (review-user5 F8)
    ("9e999999", "0至100之间"), ("-1e999999", "0至100之间"), ("Infinity", "0至100之间"),
])
def test_a_reading_below_37_3_or_unreadable_is_refused_and_nothing_is_written(hall_manager, chaoyang, celsius,
                                                                                 message):
    with nothing_written(), pytest.raises(ValidationError, match=message):
        halls.fever_record(actor=hall_manager, hall=chaoyang, day=DAY, at=clock.now(), celsius=celsius,
                           action="劝离")


def test_the_threshold_itself_is_a_fever(hall_manager, chaoyang):
    assert halls.fever_record(actor=hall_manager, hall=chaoyang, day=DAY, at=clock.now(), celsius="37.3",
                              action="劝离").tenths == 373


def test_the_threshold_is_the_packs_dated_parameter_citing_clause_8(hall_manager, chaoyang, monkeypatch):
    from shebao.operations import selectors as hall_selectors
    from shebao.rules import load_policy
    from shebao.rules.wording import value_zh

    policy = load_policy("beijing-2020-epidemic")
    p = policy.parameter("halls.fever_threshold_tenths")
    entry = p.entry(DAY)
    assert (entry.effective, entry.value, entry.reference.clause) == ("2020-01-31", 373, "8")
    assert value_zh(p, 373) == "37.3℃" and hall_selectors.fever_threshold_tenths(DAY) == 373
    # a day before the notice (a log kept late) reads the notice's value, not nothing (it answered 500)
    assert hall_selectors.fever_threshold_tenths(dt.date(2020, 1, 10)) == 373

    # a later value of the pack is what the hall applies from its day on, page and refusal included
    class Later:
        def value(self, name, on):
            return 375 if on >= DAY else policy.value(name, on)

    monkeypatch.setattr(hall_selectors, "current_policy", lambda: Later())
    day_before = DAY - dt.timedelta(days=1)
    nine = dt.datetime.combine(day_before, dt.time(9), tzinfo=clock.now().tzinfo)
    assert halls.fever_record(actor=hall_manager, hall=chaoyang, day=day_before, at=nine, celsius="37.3",
                              action="劝离").tenths == 373
    with nothing_written(), pytest.raises(ValidationError, match="低于37.5℃"):
        halls.fever_record(actor=hall_manager, hall=chaoyang, day=DAY, at=clock.now(), celsius="37.4", action="劝离")
    assert hall_selectors.hall_day(hall=chaoyang, day=DAY)["fever_threshold"] == "37.5℃"
    assert hall_selectors.hall_day(hall=chaoyang, day=day_before)["fever_threshold"] == "37.3℃"


def test_who_may_keep_the_log_and_where(hall_manager, hall_manager_haidian, clerk_chaoyang, leader_chaoyang,
                                        chaoyang):
    for actor in (hall_manager_haidian, clerk_chaoyang, leader_chaoyang):
        with nothing_written(), pytest.raises(PermissionDenied):
            halls.hall_log_save(actor=actor, hall=chaoyang, day=DAY, visitors_checked=1)
    with nothing_written(), pytest.raises(ValidationError, match="晚于今天"):
        halls.hall_log_save(actor=hall_manager, hall=chaoyang, day=DAY + dt.timedelta(days=1), visitors_checked=1)
    with nothing_written(), pytest.raises(ValidationError, match="须在日志当天"):
        halls.disinfection_record(actor=hall_manager, hall=chaoyang, day=DAY - dt.timedelta(days=1),
                                  at=clock.now(), area="大厅", done_by="张")
    log = halls.hall_log_save(actor=hall_manager, hall=chaoyang, day=DAY, visitors_checked=3)
    with nothing_written(), pytest.raises(ValidationError, match="刷新"):
        halls.hall_log_save(actor=hall_manager, hall=chaoyang, day=DAY, visitors_checked=4, version=log.version - 1)


def test_the_day_page_records_a_log_a_reading_and_a_round(client, hall_manager, chaoyang):
    client.force_login(hall_manager)
    url = reverse("backoffice:hall_day", args=[chaoyang.pk])
    assert client.post(url, {"do": "log", "day": "2020-02-20", "visitors_checked": "120", "ventilation": "通风2次",
                             "posters_in_place": "1", "version": "0"}).status_code == 302
    now = clock.now().strftime("%H:%M")
    assert client.post(url, {"do": "fever", "day": "2020-02-20", "at": now, "celsius": "38.0",
                             "action": "引导至隔离室"}).status_code == 302
    assert client.post(url, {"do": "round", "day": "2020-02-20", "at": now, "area": "自助服务区",
                             "done_by": "保洁员"}).status_code == 302
    with nothing_written():
        bad = client.post(url, {"do": "fever", "day": "2020-02-20", "at": now, "celsius": "36.5", "action": "x"})
    assert bad.status_code == 400 and "只计入测温人数" in bad.content.decode()
    for day in ("0001-01-01", "9999-12-31"):  # no year a hall was open: asked again, nothing stored, no 500
        with nothing_written():
            odd = client.post(url, {"do": "log", "day": day, "visitors_checked": "1", "ventilation": "x"})
        assert odd.status_code == 400 and "不是有效的日期" in odd.content.decode()
        # in the address too: said (400) with today's page, never shown as if that day were asked
        shown = client.get(url, {"day": day})
        assert shown.status_code == 400 and f"日期“{day}”" in shown.content.decode()
    page = client.get(url + "?day=2020-02-20").content.decode()
    assert "38.0℃" in page and "自助服务区" in page and 'id="visitors">120<' in page
    assert (HallDayLog.objects.get().visitors_checked, FeverReading.objects.count(), DisinfectionRound.objects.count()) == (120, 1, 1)


# --- Incidents: reported at once, seen and acknowledged by the center -------------------------------


def test_a_suspected_case_is_reported_to_the_center_at_once(client, hall_manager, municipal_admin, chaoyang):
    seen = clock.now()
    inc = report(hall_manager, chaoyang, occurred_at=seen, authority_called_at=seen, authority_called_by="朝阳区大厅主管",
                 authority_reference="CY-CDC-0220-07")
    [msg] = OutboxMessage.objects.filter(event="incident_reported")
    assert msg.case is None and msg.channel == "email" and msg.recipient == "center-duty@shebao.invalid"
    assert f"（事件{inc.pk}）" in msg.subject and "CY-CDC-0220-07" in msg.body and "隔离室：已使用" in msg.body
    assert events(inc)[0].district_code == "110105" and inc.reported_by == hall_manager

    client.force_login(municipal_admin)
    listing = client.get(reverse("backoffice:incidents")).content.decode()
    assert f'data-incident="{inc.pk}"' in listing and "待签收" in listing
    # who was told is named, the system's internal address is not shown (review-user12 F16)
    told = client.get(reverse("backoffice:incident", args=[inc.pk])).content.decode()
    assert "市中心值班室（电子邮件）" in told and "center-duty@shebao.invalid" not in told
    halls_page = client.get(reverse("backoffice:halls")).content.decode()
    assert "1 件待签收" in halls_page
    r = client.post(reverse("backoffice:incident_acknowledge", args=[inc.pk]), {"version": inc.version})
    assert r.status_code == 302
    inc.refresh_from_db()
    assert inc.acknowledged_by == municipal_admin and inc.acknowledged_at is not None
    assert events(inc)[-1].reason == "市中心签收疫情事件报告"
    with nothing_written():
        again = client.post(reverse("backoffice:incident_acknowledge", args=[inc.pk]), {"version": inc.version})
    assert again.status_code == 400 and "已签收" in again.content.decode()


def test_a_follow_up_is_told_to_the_center_and_a_stale_acknowledgement_is_refused(hall_manager, municipal_admin,
                                                                                  chaoyang):
    inc = report(hall_manager, chaoyang)
    version = inc.version
    halls.incident_update(actor=hall_manager, incident=inc, version=version, isolation_room_used=True,
                          authority_called_at=clock.now(), authority_called_by="王主管", authority_reference="REF-1",
                          outcome="120转运至定点医院")
    assert OutboxMessage.objects.filter(event="incident_updated").count() == 1
    with nothing_written(), pytest.raises(ValidationError, match="续报"):
        halls.incident_acknowledge(actor=municipal_admin, incident=inc, version=version)
    with nothing_written(), pytest.raises(ValidationError, match="联系卫生健康部门的时间"):
        halls.incident_update(actor=hall_manager, incident=inc, version=version + 1, isolation_room_used=True,
                              authority_called_at=None, authority_called_by="王", authority_reference="", outcome="")


def test_staff_incidents_the_center_sees_every_district_a_district_its_own(
        client, hall_manager, leader_chaoyang, leader_haidian, hall_manager_haidian, clerk_chaoyang,
        municipal_admin, chaoyang, haidian):
    cy = report(leader_chaoyang, chaoyang, kind=Incident.Kind.STAFF, description="窗口工作人员张某确诊",
                isolation_room_used=False)
    hd = report(hall_manager_haidian, haidian, kind=Incident.Kind.STAFF, description="海淀工作人员疑似")
    assert set(selectors.incidents_visible(user=municipal_admin)) == {cy, hd}
    assert list(selectors.incidents_visible(user=hall_manager)) == [cy]
    assert list(selectors.incidents_visible(user=leader_haidian)) == [hd]
    # A district's staff can neither report for another district nor acknowledge anything.
    with nothing_written(), pytest.raises(PermissionDenied):
        report(leader_haidian, chaoyang)
    for actor in (hall_manager, leader_chaoyang, clerk_chaoyang):
        with nothing_written(), pytest.raises(PermissionDenied):
            halls.incident_acknowledge(actor=actor, incident=cy, version=cy.version)
    client.force_login(leader_haidian)
    with nothing_written():
        assert client.get(reverse("backoffice:incident", args=[cy.pk])).status_code == 404
        # Acknowledging is the center's: a district's leader is refused before the look-up, the same 403
        # for an incident that exists and for one that does not (review-input12 F14).
        for pk in (cy.pk, 99999999):
            assert client.post(reverse("backoffice:incident_acknowledge", args=[pk]), {"version": 1}).status_code == 403
    assert "张某" not in client.get(reverse("backoffice:incidents")).content.decode()


# --- Duty and inspections (11) --------------------------------------------------------------------


def test_the_duty_roster_takes_a_leader_of_the_district_or_the_center(hall_manager, leader_chaoyang,
                                                                      leader_haidian, leader, clerk_chaoyang, chaoyang):
    a = halls.duty_assign(actor=hall_manager, hall=chaoyang, day=DAY, leader=leader_chaoyang)
    b = halls.duty_assign(actor=hall_manager, hall=chaoyang, day=DAY, leader=leader)  # the center's leader
    assert a.pk == b.pk and DutyAssignment.objects.get().leader == leader
    assert [e.action for e in events(a)] == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]
    with nothing_written(), pytest.raises(ValidationError, match="不属于"):
        halls.duty_assign(actor=hall_manager, hall=chaoyang, day=DAY, leader=leader_haidian)
    with nothing_written(), pytest.raises(ValidationError, match="领导角色"):
        halls.duty_assign(actor=hall_manager, hall=chaoyang, day=DAY, leader=clerk_chaoyang)
    with nothing_written(), pytest.raises(PermissionDenied):
        halls.duty_assign(actor=clerk_chaoyang, hall=chaoyang, day=DAY, leader=leader_chaoyang)
    roster = selectors.duty_roster(hall=chaoyang, start=DAY, days=3)
    assert [r["duty"] for r in roster] == [b, None, None]


def test_a_leaders_inspection_with_findings_and_their_fixes(client, hall_manager, leader_chaoyang, chaoyang):
    with nothing_written(), pytest.raises(ValidationError, match="请逐项检查"):
        halls.inspection_record(actor=leader_chaoyang, hall=chaoyang, day=DAY, checklist={"masks_gloves": True},
                                findings={})
    with nothing_written(), pytest.raises(ValidationError, match="须写明发现的问题：隔离室可用"):
        halls.inspection_record(actor=leader_chaoyang, hall=chaoyang, day=DAY,
                                checklist={**ALL_IN_PLACE, "isolation_room": False}, findings={})
    with nothing_written(), pytest.raises(PermissionDenied):
        halls.inspection_record(actor=hall_manager, hall=chaoyang, day=DAY, checklist=ALL_IN_PLACE, findings={})
    client.force_login(leader_chaoyang)
    data = {"day": "2020-02-20", **{f"ok_{k}": "1" for k in ALL_IN_PLACE}, "ok_isolation_room": "0",
            "finding_isolation_room": "隔离室堆放杂物", "finding_posters": "入口海报褪色"}
    r = client.post(reverse("backoffice:hall_inspect", args=[chaoyang.pk]), data)
    insp = Inspection.objects.get()
    assert r.status_code == 302 and insp.inspector == leader_chaoyang and insp.checklist["isolation_room"] is False
    assert sorted(f.item for f in insp.findings.all()) == ["isolation_room", "posters"]
    finding = insp.findings.get(item="isolation_room")

    url = reverse("backoffice:finding_fix", args=[insp.pk, finding.pk])
    with nothing_written():
        refused = client.post(url, {"fix": "清理", "fixed_on": "2020-02-20"})
    assert refused.status_code == 403 and "无权登记整改情况" in refused.content.decode()
    client.force_login(hall_manager)
    assert client.post(url, {"fix": "当日清理杂物，隔离室恢复可用", "fixed_on": "2020-02-20"}).status_code == 302
    finding.refresh_from_db()
    assert (finding.fixed_on, finding.fixed_by) == (DAY, hall_manager) and events(finding)[-1].reason == "登记整改情况"
    page = client.get(reverse("backoffice:inspection", args=[insp.pk])).content.decode()
    assert "已整改" in page and "入口海报褪色" in page and Finding.objects.filter(fixed_on__isnull=True).count() == 1


def test_another_district_sees_no_hall_page(client, hall_manager_haidian, chaoyang):
    client.force_login(hall_manager_haidian)
    with nothing_written():
        for name in ("hall_day", "hall_duty", "hall_inspect", "hall_incident_new"):
            assert client.get(reverse(f"backoffice:{name}", args=[chaoyang.pk])).status_code == 404
            # Inspecting is the leader's: a hall manager is refused before the look-up (403, as for a hall
            # that does not exist, review-input12 F14); what the manager may do, 朝阳's hall is not found.
            expected = 403 if name == "hall_inspect" else 404
            for pk in (chaoyang.pk, 99999999):
                assert client.post(reverse(f"backoffice:{name}", args=[pk]), {}).status_code == expected, name
    assert "朝阳区社会保险" not in client.get(reverse("backoffice:halls")).content.decode()


@override_settings(SHEBAO_CENTER_DUTY_PHONE="13700000000")
def test_the_center_duty_phone_gets_an_sms_too(hall_manager, chaoyang):
    report(hall_manager, chaoyang)
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]
    assert personas.office("110105").name in OutboxMessage.objects.get(channel="sms").subject


def test_the_home_page_surfaces_an_unacknowledged_incident_until_the_center_signs_for_it(
        client, hall_manager, municipal_admin, clerk_chaoyang, clerk_haidian, chaoyang):
    # Review finding: the center's home page said nothing of a district's report; it had to go looking.
    inc = report(hall_manager, chaoyang)
    client.force_login(municipal_admin)
    home = client.get(reverse("web:home")).content.decode()
    assert 'id="open-incidents"' in home and "有 1 份疫情事件报告等待签收" in home and "去签收" in home
    client.force_login(clerk_chaoyang)  # the district sees its own report as not yet signed for
    assert "有 1 份疫情事件报告尚未经市中心签收" in client.get(reverse("web:home")).content.decode()
    client.force_login(clerk_haidian)  # another district sees nothing of it
    assert 'id="open-incidents"' not in client.get(reverse("web:home")).content.decode()
    halls.incident_acknowledge(actor=municipal_admin, incident=inc, version=inc.version)
    client.force_login(municipal_admin)
    assert 'id="open-incidents"' not in client.get(reverse("web:home")).content.decode()
