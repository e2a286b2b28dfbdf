"""Every date of the halls' pages is read as every staff page reads one (`core.inputs.read_date`,
`read_datetime`; bad-input review leftovers 3): a day the calendar does not have is said not to exist,
one outside the plausible business range is said so, full-width digits are digits. The duty form's day
and a finding's fixed_on went through the halls' own `_date`, which made every fault a None: 2020-02-30
was told 请填写日期, ２０２０-02-20 was refused, and the roster's or the day page's address with
9999-12-31 showed today's page as if it had been asked; an incident's times the same (请填写发现时间)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.core import clock
from shebao.operations import halls
from shebao.operations.models import DutyAssignment, Finding, Incident, Inspection
from tests.nothing_written import nothing_written
from tests.operations.test_halls import ALL_IN_PLACE, DAY, _on_day  # noqa: F401  (_on_day: the same autouse fixture)

NO_DAY = ("2020-02-30", "日期“2020-02-30”不存在：2020年2月只有29天")
FAR = ("9999-12-31", "“9999-12-31”晚于2021-02-20，不是有效的日期，请核对")
EARLY = ("1989-12-31", "“1989-12-31”早于1990-01-01，不是有效的日期，请核对")


def _said(response, status: int, text: str) -> None:
    page = response.content.decode()
    assert response.status_code == status, page[-2000:]
    assert text in page, page[-3000:]


# --- The duty roster: the form's day and the address's from ------------------------------------------


@pytest.mark.parametrize(("typed", "said"), [
    (NO_DAY[0], "带班日期“2020-02-30”不存在：2020年2月只有29天"), (FAR[0], "带班日期" + FAR[1]),
    (EARLY[0], "带班日期" + EARLY[1]), ("2020/02/21", "带班日期“2020/02/21”格式错误，应为年-月-日，如2020-02-20"),
    ("", "请填写带班日期")])
def test_the_duty_forms_day_says_why_it_is_refused(client, hall_manager, leader_chaoyang, chaoyang, typed, said):
    client.force_login(hall_manager)
    with nothing_written():
        r = client.post(reverse("backoffice:hall_duty", args=[chaoyang.pk]), {"day": typed, "leader": leader_chaoyang.pk})
    _said(r, 400, said)
    assert not DutyAssignment.objects.exists()


def test_the_duty_forms_day_reads_full_width_digits(client, hall_manager, leader_chaoyang, chaoyang):
    client.force_login(hall_manager)
    r = client.post(reverse("backoffice:hall_duty", args=[chaoyang.pk]), {"day": "２０２０-０２-２１",
                                                                          "leader": leader_chaoyang.pk})
    assert r.status_code == 302, r.content.decode()[-2000:]
    assert DutyAssignment.objects.get().day == dt.date(2020, 2, 21)


def test_a_role_that_may_not_assign_is_refused_before_the_day_is_read(client, clerk_chaoyang, leader_chaoyang, chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:hall_duty", args=[chaoyang.pk]), {"day": "2020-02-30",
                                                                              "leader": leader_chaoyang.pk})
    assert r.status_code in (403, 404)


@pytest.mark.parametrize(("typed", "said"), [
    (NO_DAY[0], "起始日期“2020-02-30”不存在：2020年2月只有29天"), (FAR[0], "起始日期" + FAR[1])])
def test_the_rosters_address_with_no_day_is_said_not_shown_as_today(client, hall_manager, chaoyang, typed, said):
    client.force_login(hall_manager)
    _said(client.get(reverse("backoffice:hall_duty", args=[chaoyang.pk]), {"from": typed}), 400, said)
    page = client.get(reverse("backoffice:hall_duty", args=[chaoyang.pk]), {"from": "２０２０-０３-０１"})
    assert page.status_code == 200 and 'data-day="2020-03-01"' in page.content.decode()


# --- The day page's address --------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "said"), [NO_DAY, (FAR[0], "日期" + FAR[1]), (EARLY[0], "日期" + EARLY[1])])
def test_the_day_pages_address_with_no_day_is_said(client, hall_manager, chaoyang, typed, said):
    client.force_login(hall_manager)
    _said(client.get(reverse("backoffice:hall_day", args=[chaoyang.pk]), {"day": typed}), 400, said)


def test_the_day_pages_address_reads_full_width_digits(client, hall_manager, chaoyang):
    halls.hall_log_save(actor=hall_manager, hall=chaoyang, day=dt.date(2020, 2, 19), visitors_checked=77)
    client.force_login(hall_manager)
    r = client.get(reverse("backoffice:hall_day", args=[chaoyang.pk]), {"day": "２０２０-０２-１９"})
    assert r.status_code == 200 and 'id="visitors">77<' in r.content.decode()


# --- An inspection's day and a finding's fixed_on -----------------------------------------------------


def _inspection(leader, hall) -> tuple[Inspection, Finding]:
    insp = halls.inspection_record(actor=leader, hall=hall, day=DAY, checklist={**ALL_IN_PLACE, "posters": False},
                                   findings={"posters": "海报褪色"})
    return insp, insp.findings.get()


@pytest.mark.parametrize(("typed", "said"), [(FAR[0], "检查日期" + FAR[1]), (EARLY[0], "检查日期" + EARLY[1])])
def test_an_inspection_day_outside_the_range_is_said(client, leader_chaoyang, chaoyang, typed, said):
    client.force_login(leader_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:hall_inspect", args=[chaoyang.pk]),
                        {"day": typed, **{f"ok_{k}": "1" for k in ALL_IN_PLACE}})
    _said(r, 400, said)


def test_an_inspection_day_reads_full_width_digits(client, leader_chaoyang, chaoyang):
    client.force_login(leader_chaoyang)
    r = client.post(reverse("backoffice:hall_inspect", args=[chaoyang.pk]),
                    {"day": "２０２０-０２-１８", **{f"ok_{k}": "1" for k in ALL_IN_PLACE}})
    assert r.status_code == 302 and Inspection.objects.get().day == dt.date(2020, 2, 18)


@pytest.mark.parametrize(("typed", "said"), [
    (NO_DAY[0], "整改日期“2020-02-30”不存在：2020年2月只有29天"), (FAR[0], "整改日期" + FAR[1]),
    (EARLY[0], "整改日期" + EARLY[1]), ("20200220", "整改日期“20200220”格式错误"), ("", "请填写整改日期")])
def test_a_findings_fixed_on_says_why_it_is_refused(client, hall_manager, leader_chaoyang, chaoyang, typed, said):
    insp, finding = _inspection(leader_chaoyang, chaoyang)
    client.force_login(hall_manager)
    with nothing_written():
        r = client.post(reverse("backoffice:finding_fix", args=[insp.pk, finding.pk]), {"fix": "更换海报",
                                                                                          "fixed_on": typed})
    _said(r, 400, said)
    assert f'id="error-finding{finding.pk}-fixed_on"' in r.content.decode()  # at its input
    finding.refresh_from_db()
    assert finding.fixed_on is None


def test_a_findings_fixed_on_reads_full_width_digits(client, hall_manager, leader_chaoyang, chaoyang):
    insp, finding = _inspection(leader_chaoyang, chaoyang)
    client.force_login(hall_manager)
    r = client.post(reverse("backoffice:finding_fix", args=[insp.pk, finding.pk]), {"fix": "更换海报",
                                                                                      "fixed_on": "２０２０－０２－２０"})
    assert r.status_code == 302
    finding.refresh_from_db()
    assert finding.fixed_on == DAY


def test_a_role_that_may_not_fix_is_refused_before_the_day_is_read(client, leader_chaoyang, chaoyang):
    insp, finding = _inspection(leader_chaoyang, chaoyang)
    client.force_login(leader_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:finding_fix", args=[insp.pk, finding.pk]), {"fix": "x", "fixed_on": "x"})
    assert r.status_code == 403


# --- An incident's times -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "typed", "said"), [
    ("occurred_at", "2020-02-30T10:00", "发现时间“2020-02-30”不存在：2020年2月只有29天"),
    ("occurred_at", "9999-12-31T10:00", "发现时间“9999-12-31T10:00”晚于2021-02-20，不是有效的日期，请核对"),
    ("occurred_at", "2020-02-20T25:00", "发现时间“2020-02-20T25:00”的时间无效，应为时:分（00:00至23:59）"),
    ("occurred_at", "明天上午", "发现时间“明天上午”格式错误，应为年-月-日 时:分，如2020-02-20 10:30"),
    ("occurred_at", "", "请填写发现时间"),
    ("authority_called_at", "2020-02-30T10:00", "联系卫生健康部门时间“2020-02-30”不存在：2020年2月只有29天"),
])
def test_an_incidents_time_says_why_it_is_refused(client, hall_manager, chaoyang, name, typed, said):
    client.force_login(hall_manager)
    data = {"kind": Incident.Kind.HALL_SUSPECTED, "occurred_at": "2020-02-20T00:00", "description": "测温38.1℃",
            "authority_called_by": "张三", name: typed}
    with nothing_written():
        r = client.post(reverse("backoffice:hall_incident_new", args=[chaoyang.pk]), data)
    _said(r, 400, said)
    assert f'id="error-{name}"' in r.content.decode()


def test_an_incidents_time_reads_full_width_digits_and_a_space(client, hall_manager, chaoyang):
    client.force_login(hall_manager)
    r = client.post(reverse("backoffice:hall_incident_new", args=[chaoyang.pk]), {
        "kind": Incident.Kind.HALL_SUSPECTED, "occurred_at": "２０２０-０２-２０ ００:００", "description": "测温38.1℃"})
    assert r.status_code == 302, r.content.decode()[-2000:]
    assert Incident.objects.get().occurred_at == clock.now().replace(hour=0, minute=0, second=0, microsecond=0)


def test_an_incident_follow_up_time_says_why_it_is_refused(client, hall_manager, chaoyang):
    inc = halls.incident_report(actor=hall_manager, hall=chaoyang, kind=Incident.Kind.HALL_SUSPECTED,
                                occurred_at=clock.now(), description="测温38.1℃")
    client.force_login(hall_manager)
    with nothing_written():
        r = client.post(reverse("backoffice:incident_update", args=[inc.pk]), {
            "version": inc.version, "authority_called_at": "2020-02-30T10:00", "authority_called_by": "张三"})
    _said(r, 400, "联系卫生健康部门时间“2020-02-30”不存在：2020年2月只有29天")
    inc.refresh_from_db()
    assert inc.authority_called_at is None
