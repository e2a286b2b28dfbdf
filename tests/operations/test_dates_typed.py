"""Every date typed into the API or a page: a day the calendar does not have is said not to exist, one
outside the plausible business range (1990 .. a year after today) is refused as such, full-width digits
are digits (review-input14 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.nothing_written import nothing_written

DAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def _on_day(settings, tmp_path):
    settings.SHEBAO_TODAY = DAY
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


@pytest.fixture
def city(municipal_admin):
    c = APIClient()
    c.force_authenticate(municipal_admin)
    return c


def _detail(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["type"].rsplit("/", 1)[-1], body["errors"][0]["reason_zh"]


OVERDUE = "/api/v1/cases/owed-documents/overdue/"


def test_overdue_on_a_day_that_does_not_exist(city):
    status, kind, said = _detail(city.get(OVERDUE, {"on": "2020-02-30"}))
    assert (status, kind) == (400, "validation")
    assert said == "日期“2020-02-30”不存在：2020年2月只有29天"


def test_overdue_on_a_day_outside_the_business_range(city):
    status, kind, said = _detail(city.get(OVERDUE, {"on": "9999-12-31"}))
    assert (status, kind) == (400, "validation") and said.startswith("日期“9999-12-31”晚于2021-02-20")
    status, _kind, said = _detail(city.get(OVERDUE, {"on": "1989-12-31"}))
    assert status == 400 and said.startswith("日期“1989-12-31”早于1990-01-01")


def test_overdue_on_full_width_digits_and_twice(city):
    assert city.get(OVERDUE, {"on": "２０２０-02-01"}).status_code == 200
    status, _kind, said = _detail(city.get(f"{OVERDUE}?on=2020-02-01&on=2020-02-02"))
    assert status == 400 and "只能给一个值，收到2个" in said


def test_epidemic_lift_preview_says_the_day_does_not_exist(city):
    status, _kind, said = _detail(city.get("/api/v1/cases/epidemic-lift/preview/", {"lifted_on": "2020-02-30"}))
    assert status == 400 and said == "日期“2020-02-30”不存在：2020年2月只有29天"


# --- The hall's day page ---------------------------------------------------------------------------

FEVER = {"do": "fever", "at": "10:00", "celsius": "37.5", "action": "劝离"}


def _fever(client, hall, **over):
    return client.post(reverse("backoffice:hall_day", args=[hall.pk]), {**FEVER, **over})


@pytest.mark.parametrize(("day", "said"), [
    ("2020-02-30", "日期“2020-02-30”不存在：2020年2月只有29天"),
    ("9999-12-31", "日期“9999-12-31”晚于2021-02-20，不是有效的日期，请核对"),
    ("1989-12-31", "日期“1989-12-31”早于1990-01-01，不是有效的日期，请核对"),
])
def test_the_hall_day_says_why_a_day_is_refused(client, hall_manager, chaoyang, day, said):
    client.force_login(hall_manager)
    with nothing_written():
        response = _fever(client, chaoyang, day=day)
    assert response.status_code == 400 and said in response.content.decode()


def test_the_hall_day_reads_full_width_digits(client, hall_manager, chaoyang, settings):
    from shebao.operations.models import FeverReading

    client.force_login(hall_manager)
    response = _fever(client, chaoyang, day="２０２０-０２-２０", at="00:00")
    assert response.status_code == 302, response.content.decode()[-1500:]
    assert FeverReading.objects.get().tenths == 375


def test_a_time_that_is_no_time_is_said_so(client, hall_manager, chaoyang):
    client.force_login(hall_manager)
    with nothing_written():
        response = _fever(client, chaoyang, day="2020-02-20", at="25:00")
    html = response.content.decode()
    assert response.status_code == 400
    assert "测温时间“25:00”无效，应为时:分（00:00至23:59），如10:30" in html and "YYYY-MM-DD" not in html


def test_an_inspection_day_typed_wrong_is_refused_not_read_as_today(client, chaoyang):
    from shebao.operations.models import Inspection
    from tests import personas

    leader = personas.make_staff("leader_cy", role=personas.Role.LEADER, office_code="110105", display_name="领导")
    client.force_login(leader)
    with nothing_written():
        response = client.post(reverse("backoffice:hall_inspect", args=[chaoyang.pk]), {"day": "2020-02-30"})
    assert response.status_code == 400
    assert "检查日期“2020-02-30”不存在：2020年2月只有29天" in response.content.decode()
    assert not Inspection.objects.exists()
