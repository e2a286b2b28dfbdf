"""A page's change of a versioned record carries the version it showed: missing is 428 (请刷新页面后重试),
garbled is 400, stale is 409, and nothing is written in any of them (review-input14 2: the hall day log was
saved without any check when the version was missing, ``abc``, ``-1``, ``０`` or 23 digits long)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.core.versions import UnreadVersion, posted_version
from shebao.operations import halls
from shebao.operations.models import HallDayLog
from tests.nothing_written import nothing_written

DAY = dt.date(2020, 2, 20)
FORM = {"do": "log", "day": "2020-02-20", "visitors_checked": "9", "ventilation": "x", "posters_in_place": "1",
        "notes": ""}


@pytest.fixture(autouse=True)
def _on_day(settings, tmp_path):
    settings.SHEBAO_TODAY = DAY
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


@pytest.fixture
def logged(hall_manager, chaoyang):
    return halls.hall_log_save(actor=hall_manager, hall=chaoyang, day=DAY, visitors_checked=5)


def _post(client, hall, **extra):
    return client.post(reverse("backoffice:hall_day", args=[hall.pk]), {**FORM, **extra})


def test_a_missing_version_is_428_and_nothing_is_written(client, hall_manager, chaoyang, logged):
    client.force_login(hall_manager)
    with nothing_written():
        response = _post(client, chaoyang)
    assert response.status_code == 428
    assert "请刷新页面后重试" in response.content.decode()
    logged.refresh_from_db()
    assert (logged.version, logged.visitors_checked) == (2, 5)


@pytest.mark.parametrize("version", ["abc", "-1", "０", "99999999999999999999999", " 2 "])
def test_a_garbled_version_is_400_and_nothing_is_written(client, hall_manager, chaoyang, logged, version):
    client.force_login(hall_manager)
    with nothing_written():
        response = _post(client, chaoyang, version=version)
    assert response.status_code == 400
    assert "版本号" in response.content.decode() and "无效" in response.content.decode()
    logged.refresh_from_db()
    assert (logged.version, logged.visitors_checked) == (2, 5)


def test_a_stale_version_is_409_and_the_current_one_saves(client, hall_manager, chaoyang, logged):
    client.force_login(hall_manager)
    with nothing_written():
        stale = _post(client, chaoyang, version="1")
    assert stale.status_code == 409 and "日志已被他人更新" in stale.content.decode()
    assert _post(client, chaoyang, version="2").status_code == 302
    logged.refresh_from_db()
    assert (logged.version, logged.visitors_checked) == (3, 9)


def test_the_first_log_of_a_day_is_saved_from_the_page_as_version_0(client, hall_manager, chaoyang):
    client.force_login(hall_manager)
    page = client.get(reverse("backoffice:hall_day", args=[chaoyang.pk]), {"day": "2020-02-20"}).content.decode()
    assert 'name="version" value="0"' in page
    assert _post(client, chaoyang, version="0").status_code == 302
    assert HallDayLog.objects.get().visitors_checked == 9
    # someone else's page, read before that log existed, is stale now
    with nothing_written():
        assert _post(client, chaoyang, version="0").status_code == 409


def test_another_halls_manager_is_refused_before_the_version(client, hall_manager_haidian, chaoyang, logged):
    client.force_login(hall_manager_haidian)
    with nothing_written():
        assert _post(client, chaoyang).status_code in (403, 404)


def test_posted_version_reads_digits_only():
    assert posted_version("4") == 4
    assert [posted_version(v) for v in (None, "", "abc", "-1", "０")] == [
        UnreadVersion(""), UnreadVersion(""), UnreadVersion("abc"), UnreadVersion("-1"), UnreadVersion("０")]
    assert posted_version(None).refusal().status == 428 and posted_version("abc").refusal().status == 400


# --- The same on an audit case's page (before: a missing version was a stale page, 409; garbled too) ---


def test_an_audit_case_action_without_or_with_a_garbled_version(client, municipal_admin, employer_chaoyang):
    from django.test import override_settings

    from shebao.operations import services
    from shebao.operations.models import AuditCase, Source
    from tests import personas

    auditor = personas.make_staff("auditor_cy", role=personas.Role.AUDITOR, office_code="110105",
                                  display_name="朝阳区稽核员")
    with override_settings(SHEBAO_TODAY=dt.date(2020, 4, 2)):
        from shebao.core.policy import announcement_publish

        announcement_publish(actor=municipal_admin, parameter="audit.resumed_on", value="2020-03-16",
                             title="关于恢复稽核工作的公告", clause="7.1")
        case = services.audit_case_register(actor=auditor, source=Source.HOTLINE_12345, employer=employer_chaoyang,
                                            summary="拖欠", complainant_name="王小明", complainant_phone="13812345678")
        client.force_login(auditor)
        url = reverse("backoffice:audit_case_act", args=[case.pk, "open"])
        with nothing_written():
            missing = client.post(url, {})
            garbled = client.post(url, {"version": "abc"})
            stale = client.post(url, {"version": str(case.version + 5)})
        assert (missing.status_code, garbled.status_code, stale.status_code) == (428, 400, 409)
        assert "请刷新页面后重试" in missing.content.decode() and "版本号“abc”无效" in garbled.content.decode()
        assert client.post(url, {"version": str(case.version)}).status_code == 302
    assert AuditCase.objects.get().version == case.version + 1
