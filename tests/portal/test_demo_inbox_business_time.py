"""The demo's inboxes say a message's time as the business clock does (`core.clock`), and name an SMS
by what it is (a fresh user's walk: under 业务日期：2020-02-20 the inboxes stamped items 2026-12-04 02:51,
the real date, while the staff pages showed the same message on 2020-02-20; and every SMS but a code was
labelled 办理进度通知, bulk notices too)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from shebao.cases.notifications import deliver_batch
from tests.portal.test_demo_email import FILES, _queue

pytestmark = pytest.mark.django_db


def _sms(tmp_path, *rows) -> None:
    (tmp_path / "sms.jsonl").write_text("".join(json.dumps(
        {"to": "13900139016", "subject": "", "body": body, "event": event, "sent_at": at}, ensure_ascii=False) + "\n"
        for event, body, at in rows), encoding="utf-8")


def test_the_sms_inbox_says_the_business_date_and_each_messages_kind(client, settings, tmp_path):
    settings.DEBUG = True
    settings.SHEBAO_NOTIFY_DIR = tmp_path
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    real = "2026-12-03T18:51:00+00:00"  # 2026-12-04 02:51 in Beijing
    _sms(tmp_path, ("portal_sign_in_code", "验证码123456", real), ("accept", "您的申请已受理", real),
         ("outreach:7", "周淑芬：疫情期间请网上办理。", real))
    listed = client.get("/portal/demo/sms/").content.decode().split('id="sms"', 1)[1]
    assert "2020-02-20 02:51:00" in listed and "2026-12-04" not in listed
    kinds = [line.split("</strong>")[0].rsplit(">", 1)[1] for line in listed.split('<li class="item">')[1:]]
    assert kinds == ["批量通知", "办理进度通知", "登录验证码"]


def test_the_email_inbox_says_the_business_date(client, settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = FILES
    settings.EMAIL_FILE_PATH = tmp_path / "email"
    settings.SHEBAO_NOTIFY_DIR = tmp_path
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    _queue("hr@jia.example", "疫情期间请网上办理", "正文")
    assert deliver_batch() == {"sent": 1, "failed": 0}
    listed = client.get("/portal/demo/email/").content.decode().split('id="email"', 1)[1]
    assert "2020-02-20 " in listed and f"{timezone.localdate():%Y-%m-%d}" not in listed
