"""Every sentence about the policy in force is written from the policy (0.1; issue 11 fault 3), and the
public page of 0.1 ("及时向社会通告") shows it without signing in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shebao.core.models import Announcement
from shebao.core.policy import announcement_publish

MARCH = "2020年3月的社会保险费征收期延长至2020年4月30日"
# Codes, English and Python values a reader must never see.
LEAKS = re.compile(r"collection\.|epidemic\.|period_overrides|lifted_on|\{'|'\}|announcement-\d")


def _visible(html: str) -> str:
    """The page's text without tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _move_march(actor) -> Announcement:
    import datetime as dt

    from shebao.backoffice.announcements import deadline_move_publish

    return deadline_move_publish(actor=actor, months=["2020-03"], due_on=dt.date(2020, 4, 30))


def test_the_public_page_is_readable_without_signing_in_and_follows_the_policy(client, municipal_admin):
    url = reverse("web:public_announcements")
    r = client.get(url)
    assert r.status_code == 200
    text = _visible(r.content.decode())
    assert "2020年1月、2月的社会保险费征收期延长至2020年3月31日" in text and "（第0.2条）" in text
    assert MARCH not in text and "尚无新的公告" in text
    ann = _move_march(municipal_admin)
    text = _visible(client.get(url).content.decode())
    assert MARCH in text and "2020年1月、2月的社会保险费征收期延长至2020年3月31日" in text
    assert ann.title in text and "2020年3月费款征收期延长至2020年4月30日（第0.2条）" in text
    assert not LEAKS.search(text), LEAKS.search(text)


def test_the_sign_in_page_links_to_the_public_page(client):
    html = client.get(reverse("web:login")).content.decode()
    assert f'href="{reverse("web:public_announcements")}"' in html


def test_the_home_page_says_what_the_policy_says_now(client, clerk_chaoyang, municipal_admin):
    client.force_login(clerk_chaoyang)
    before = _visible(client.get(reverse("web:home")).content.decode())
    assert "2020年1月、2月的社会保险费征收期延长至2020年3月31日" in before and MARCH not in before
    assert "疫情解除后3个月内补办补缴" in before
    _move_march(municipal_admin)
    announcement_publish(actor=municipal_admin, parameter="epidemic.lifted_on", value="2020-04-30",
                         title="疫情解除公告", clause="0.3")
    after = _visible(client.get(reverse("web:home")).content.decode())
    assert MARCH in after and "2020年1月、2月的社会保险费征收期延长至2020年3月31日" in after
    assert "疫情已于2020年4月30日解除" in after and "2020年7月30日前（含当日）补缴" in after
    assert "疫情解除后3个月内补办补缴" not in after


def test_the_announcement_page_prefills_nothing_and_lists_in_chinese(client, municipal_admin):
    _move_march(municipal_admin)
    client.force_login(municipal_admin)
    html = client.get(reverse("backoffice:announcements")).content.decode()
    assert 'value="2020-01,2020-02"' not in html
    text = _visible(html)
    assert "当前：" in text and MARCH in text  # the months extended now, from the policy
    assert "2020年3月费款征收期延长至2020年4月30日" in text and "有效" in text
    assert not LEAKS.search(text), LEAKS.search(text)


def test_a_corrected_announcement_is_kept_and_marked(client, municipal_admin):
    first = announcement_publish(actor=municipal_admin, parameter="epidemic.lifted_on", value="2020-04-30",
                                 title="疫情解除公告", clause="0.3")
    second = announcement_publish(actor=municipal_admin, parameter="epidemic.lifted_on", value="2020-05-15",
                                  title="关于更正疫情解除日期的公告", clause="0.3")
    text = _visible(client.get(reverse("web:public_announcements")).content.decode())
    in_force, corrected = text.split("已被更正的公告")
    assert "疫情解除日期为2020年5月15日" in in_force and "本公告更正了" in in_force
    assert "疫情解除日期为2020年4月30日" in corrected and second.title in corrected
    assert Announcement.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


# "2020/3" is a month people write and every boundary reads it as 2020-03 (issue 12, class 1); 2020/13 is none.
@pytest.mark.parametrize("months,error", [("", "请填写费款所属期"), ("2020/13", "费款所属期“2020/13”无效")])
def test_a_deadline_move_without_a_valid_month_is_refused_and_nothing_is_stored(client, municipal_admin,
                                                                                months, error):
    from shebao.core.models import AuditEvent

    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:announcements"), {"kind": "deadline", "months": months, "date": "2020-04-30"})
    assert r.status_code == 400 and error in r.content.decode()
    assert not Announcement.objects.exists() and not AuditEvent.objects.filter(model="core.Announcement").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_public_page_reads_on_a_phone_from_the_sign_in_page(page, municipal_admin):
    from tests.conftest import screenshot

    _move_march(municipal_admin)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.live_server_url + reverse("web:login"))
    page.click("text=查看政策公告")
    page.wait_for_selector("#policy-in-force")
    assert MARCH in page.inner_text("#policy-in-force")
    assert "2020年3月费款征收期延长至2020年4月30日" in page.inner_text("#announcements")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "public-announcements-390")


def test_an_announcement_is_dated_on_the_business_day(client, municipal_admin, settings):
    import datetime as dt

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)  # a training copy
    ann = _move_march(municipal_admin)
    assert ann.published_at.date() == dt.date(2020, 2, 20)
    text = _visible(client.get(reverse("web:public_announcements")).content.decode())
    assert "发布日期：2020-02-20" in text
