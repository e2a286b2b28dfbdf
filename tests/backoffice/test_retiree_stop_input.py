"""A retiree's stop and resume (POST /office/benefits/retirees/<id>/stop/) read what was typed as every
page does and refuse what cannot be (bad-input review A16 3, 4): a note longer than its column is
refused, not cut to 200 characters; a stop month before the retirement month is refused as a death
before retiring is; the month reads full-width digits, 0001-01 is said to be out of range, and an empty
month asks for it by its name. Each refusal is a 400 with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.nothing_written import nothing_written


@pytest.fixture
def retiree(db, settings, client, clerk_chaoyang):
    from tests.benefits.conftest import declare

    settings.SHEBAO_TODAY = dt.date(2020, 3, 10)
    client.force_login(clerk_chaoyang)  # the session is made before what is counted
    return declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))


def _stop(client, user, retiree, **data):
    return client.post(reverse("backoffice:retiree_stop", args=[retiree.pk]), data)


def test_a_stop_note_too_long_is_refused_not_cut(client, clerk_chaoyang, retiree):
    from shebao.benefits.models import Suspension

    with nothing_written():
        r = _stop(client, clerk_chaoyang, retiree, do="suspend", reason="reemployment", from_month="2020-01",
                  note="再就业" * 70)
    assert r.status_code == 400 and "备注不能超过200个字符（现为210个）" in r.content.decode()
    r = _stop(client, clerk_chaoyang, retiree, do="suspend", reason="reemployment", from_month="2020-01",
              note="再" * 200)
    assert r.status_code == 302 and Suspension.objects.get().note == "再" * 200


def test_a_stop_before_the_retirement_month_is_refused(client, clerk_chaoyang, retiree):
    retired = retiree.retirement_month
    assert retired == "2019-10"
    with nothing_written():
        r = _stop(client, clerk_chaoyang, retiree, do="suspend", reason="reemployment", from_month="2019-01")
    assert r.status_code == 400 and f"停发起始月不能早于退休月{retired}" in r.content.decode()


@pytest.mark.parametrize(("typed", "said"), [
    ("0001-01", "停发起始月“0001-01”早于1990-01，不是有效的月份"),
    ("", "请填写停发起始月"),
    ("2020-13", "停发起始月“2020-13”不存在：没有13月"),
    ("abc", "停发起始月应为“年-月”"),
])
def test_a_stop_month_that_cannot_be_is_said_why(client, clerk_chaoyang, retiree, typed, said):
    with nothing_written():
        r = _stop(client, clerk_chaoyang, retiree, do="suspend", reason="reemployment", from_month=typed)
    assert r.status_code == 400 and said in r.content.decode(), r.content.decode()[-3000:]
    assert "填写的是“”" not in r.content.decode()


def test_the_stop_and_resume_months_read_full_width_digits(client, clerk_chaoyang, retiree):
    from shebao.benefits.models import Retiree, Suspension

    r = _stop(client, clerk_chaoyang, retiree, do="suspend", reason="reemployment", from_month="２０２０－０１")
    assert r.status_code == 302 and Suspension.objects.get().from_month == "2020-01"
    with nothing_written():
        r = _stop(client, clerk_chaoyang, retiree, do="resume", from_month="")
    assert r.status_code == 400 and "请填写恢复发放月份" in r.content.decode()
    r = _stop(client, clerk_chaoyang, retiree, do="resume", from_month="２０２０－０３")
    assert r.status_code == 302 and Suspension.objects.get().to_month == "2020-02"
    assert Retiree.objects.get(pk=retiree.pk).status == Retiree.Status.ACTIVE
