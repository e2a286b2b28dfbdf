"""A number typed in a staff form is read as a person types it (review-user5 F8): the full-width digits
and point a Chinese input method gives (３７．５) are a number, and an empty input asks for the value
(请填写…) instead of saying it is not a number. The hall log's temperature and visitor count, and the
enterprise size indicators (rules.sme_size), read through core.normalize like every other number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from shebao.operations.models import FeverReading, HallDayLog
from shebao.rules.sme_size import indicator_value
from tests.nothing_written import nothing_written
from tests.operations.test_form_errors_at_fields import at_field

DAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def _on_day(settings, tmp_path):
    settings.SHEBAO_TODAY = DAY
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"


@pytest.mark.parametrize(("typed", "tenths"), [("３７．５", 375), ("３８", 380), ("37.5℃", 375), ("３７．５℃", 375)])
def test_a_full_width_temperature_is_a_temperature(client, hall_manager, chaoyang, typed, tenths):
    client.force_login(hall_manager)
    r = client.post(reverse("backoffice:hall_day", args=[chaoyang.pk]), {
        "do": "fever", "day": "2020-02-20", "at": "00:00", "celsius": typed, "action": "劝离"})
    assert r.status_code == 302, r.content.decode()[:500]
    assert FeverReading.objects.get().tenths == tenths


def test_an_empty_temperature_or_count_asks_for_it(client, hall_manager, chaoyang):
    client.force_login(hall_manager)
    url = reverse("backoffice:hall_day", args=[chaoyang.pk])
    with nothing_written():
        at_field(client.post(url, {"do": "fever", "day": "2020-02-20", "at": "00:00", "celsius": " ",
                                   "action": "劝离"}), "fever-celsius", "请填写体温")
        at_field(client.post(url, {"do": "log", "day": "2020-02-20", "visitors_checked": ""}),
                 "log-visitors_checked", "请填写测温人数")
        at_field(client.post(url, {"do": "log", "day": "2020-02-20", "visitors_checked": "abc"}),
                 "log-visitors_checked", "测温人数须为")
    assert not (FeverReading.objects.exists() or HallDayLog.objects.exists())


def test_a_full_width_visitor_count_is_a_count(client, hall_manager, chaoyang):
    client.force_login(hall_manager)
    r = client.post(reverse("backoffice:hall_day", args=[chaoyang.pk]),
                    {"do": "log", "day": "2020-02-20", "visitors_checked": "１３２", "version": "0"})
    assert r.status_code == 302 and HallDayLog.objects.get().visitors_checked == 132


def test_full_width_size_indicators_are_numbers():
    assert indicator_value("１２．５", "revenue") == Decimal("12.5")
    assert indicator_value("１，２００", "employees") == 1200
    assert indicator_value("", "assets") is None
