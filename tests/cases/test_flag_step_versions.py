"""The review queue's step of a 7.4 flag answers a version it cannot use as every versioned change of
the pages does (core.versions): missing 428 (请刷新页面后重试), garbled 400 (版本号“…”无效), stale 409 (标记已被
他人处理), nothing stored; the queue is drawn again with the message at the flag's form and what was
typed kept. It was a message above the queue after a redirect (302), whatever the fault (bad-input
review leftovers 2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.cases.models import Case, Flag
from shebao.cases.services import flag_raise
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(clerk_chaoyang, employer_chaoyang) -> Flag:
    from tests.cases.conftest import client_for, submit

    created = submit(client_for(clerk_chaoyang), business="monthly_report_back_payment", channel="counter",
                     employer=employer_chaoyang.pk, applied_on="2020-02-10").json()
    flag = flag_raise(actor=clerk_chaoyang, case=Case.objects.get(pk=created["id"]), kind="manual_operation",
                      description="手工记账")
    Flag.objects.filter(pk=flag.pk).update(stage=Flag.Stage.QUEUED)  # the epidemic lifted: in the queue
    flag.refresh_from_db()
    return flag


def _step(client, flag: Flag, **extra):
    return client.post(reverse("backoffice:flag_step", args=[flag.pk]), {"step": "review", "outcome": "核对无误",
                                                                         **extra})


def _unchanged(flag: Flag) -> None:
    stored = Flag.objects.get(pk=flag.pk)
    assert (stored.stage, stored.version, stored.review_outcome) == (Flag.Stage.QUEUED, flag.version, "")


def test_a_missing_version_is_428(client, clerk_chaoyang, flag):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = _step(client, flag)
    assert r.status_code == 428
    page = r.content.decode()
    assert "页面未带版本号，无法确认您看到的是最新内容，请刷新页面后重试" in page
    assert f'id="error-flag{flag.pk}-version"' in page and 'value="核对无误"' in page  # at its form, typed kept
    _unchanged(flag)
    with nothing_written():
        assert _step(client, flag, version="").status_code == 428


@pytest.mark.parametrize("version", ["abc", "-1", "０", "99999999999999999999999", " 1 "])
def test_a_garbled_version_is_400(client, clerk_chaoyang, flag, version):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = _step(client, flag, version=version)
    assert r.status_code == 400
    assert f"版本号“{version[:20]}" in r.content.decode() and "”无效，请刷新页面后重试" in r.content.decode()
    _unchanged(flag)


def test_a_stale_version_is_409_and_the_current_one_is_recorded(client, clerk_chaoyang, flag):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = _step(client, flag, version=str(flag.version + 3))
    assert r.status_code == 409
    assert f"标记已被他人处理（当前版本{flag.version}，您提交的是版本{flag.version + 3}），请刷新后重试" in r.content.decode()
    _unchanged(flag)
    r = _step(client, flag, version=str(flag.version))
    assert r.status_code == 302
    stored = Flag.objects.get(pk=flag.pk)
    assert (stored.stage, stored.version, stored.review_outcome) == (Flag.Stage.REVIEWED, flag.version + 1, "核对无误")


def test_an_empty_conclusion_is_400_at_its_input(client, clerk_chaoyang, flag):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = _step(client, flag, version=str(flag.version), outcome=" ")
    assert r.status_code == 400
    page = r.content.decode()
    assert "须填写结论" in page and f'id="error-flag{flag.pk}-outcome"' in page and 'aria-invalid="true"' in page
    _unchanged(flag)
