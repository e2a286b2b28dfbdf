"""The outreach page says what is true (office16 walk, finding 1): before approval nothing is queued, so a
draft's preview says what approval will do (审核通过后发送) and how many recipients it has, never 已排队;
an approved message's recipients are listed a page at a time, the counts covering all of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.operations import outreach
from tests import personas

NO_CONTACT = outreach.TEMPLATES["no_contact"]
EMPLOYERS = 30  # two channels each: 60 rows, more than a page


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.fixture
def many(db):
    made = [personas.make_employer(personas.numbered("北京朝阳测试科技有限公司", n), serial=100 + n)
            for n in range(EMPLOYERS)]
    for n, e in enumerate(made):
        outreach.employer_contact_save(actor=personas.SETUP, employer=e, phone=f"138000{n:05d}",
                                       email=f"hr{n}@example.com")
    return made


def _draft(actor, district):
    return outreach.outreach_draft(
        actor=actor, title=NO_CONTACT["title"], audience="district_employers", channels=["sms", "email"],
        purpose="service", subject=NO_CONTACT["subject"], body=NO_CONTACT["body"], district=district)


def _text(response) -> str:
    from tests.visible_text import visible_text

    return "".join(visible_text(response.content.decode()))


def test_a_draft_says_nothing_is_queued_yet_and_counts_its_recipients(
        client, clerk_chaoyang, chaoyang, many):
    o = _draft(clerk_chaoyang, chaoyang)
    client.force_login(clerk_chaoyang)
    page = client.get(reverse("backoffice:outreach", args=[o.pk]))
    text = _text(page)
    assert "已排队" not in text and "待邮寄" not in text
    assert f"收件人 {EMPLOYERS} 名，共 {2 * EMPLOYERS} 条" in text
    assert f"审核通过后发送：{2 * EMPLOYERS}" in text and "尚未发送" in text


def test_an_approved_messages_recipients_are_paged(client, clerk_chaoyang, reviewer_chaoyang, chaoyang, many):
    o = _draft(clerk_chaoyang, chaoyang)
    outreach.outreach_approve(actor=reviewer_chaoyang, outreach=o, version=o.version)
    client.force_login(reviewer_chaoyang)
    url = reverse("backoffice:outreach", args=[o.pk])
    first = client.get(url).content.decode()
    assert first.count("data-recipient=") == 50 and "下一页" in first and "page=2" in first
    # The counts are of every recipient, not of the page shown.
    assert f"待发送：{2 * EMPLOYERS}" in _text(client.get(url))
    assert f"收件人 {EMPLOYERS} 名，共 {2 * EMPLOYERS} 条" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("data-recipient=") == 2 * EMPLOYERS - 50 and "上一页" in second and "下一页" not in second
    assert client.get(url, {"page": "x"}).status_code == 400


def test_the_recipients_pager_says_how_many_pages_there_are(client, clerk_chaoyang, reviewer_chaoyang, chaoyang,
                                                            many):
    """A fresh user's walk: the pager said 第1页 下一页 with no total; the rows are counted (共N条), so
    it says 共N页 too."""
    o = _draft(clerk_chaoyang, chaoyang)
    outreach.outreach_approve(actor=reviewer_chaoyang, outreach=o, version=o.version)
    client.force_login(reviewer_chaoyang)
    url = reverse("backoffice:outreach", args=[o.pk])
    pages = -(-2 * EMPLOYERS // 50)
    assert pages >= 2
    assert f"第1页，共{pages}页" in _text(client.get(url))
    assert f"第2页，共{pages}页" in _text(client.get(url, {"page": 2}))
