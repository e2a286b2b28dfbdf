"""The demo's SMS reach a page a demo user can open (ux14 finding 3): the demo said it sent sign-in codes
and progress messages by SMS, but on a demo copy they only became lines of var/outbox/sms.jsonl, which no
one signing in through the browser could read. A DEBUG copy without an SMS gateway shows them, newest
first and in Chinese, at /portal/demo/sms/ (演示短信收件箱), and the code page links to it; anywhere else
the page does not exist."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.notifications import deliver_batch
from shebao.registry.models import EmploymentSpell
from tests.businesses.walk import submit
from tests.portal.conftest import sms_codes

pytestmark = pytest.mark.django_db
INBOX = "/portal/demo/sms/"


def test_a_person_reads_the_sign_in_code_and_the_progress_messages_in_the_demo_inbox(
        client, settings, tmp_path, insured, employer_chaoyang, clerk_chaoyang):
    settings.DEBUG = True
    settings.SHEBAO_NOTIFY_DIR = tmp_path
    empty = client.get(INBOX)
    assert empty.status_code == 200 and "还没有发出的短信" in empty.content.decode()
    r = client.post("/portal/person/sign-in/", {"id_number": insured.id_number})
    assert r.status_code == 302
    page = client.get("/portal/person/sign-in/code/").content.decode()
    assert 'id="demo-sms"' in page and f'href="{INBOX}"' in page and "演示短信收件箱" in page
    [code] = sms_codes(settings, insured.phone)
    inbox = client.get(INBOX).content.decode()
    assert "登录验证码" in inbox and code in inbox and "139****9000" in inbox and insured.phone not in inbox
    # the sign-in works with the code read there
    assert client.post("/portal/person/sign-in/code/", {"code": code})["Location"] == "/portal/person/"
    # an application's message, delivered by the outbox's worker (make demo runs it), comes to the same inbox
    EmploymentSpell.objects.create(person=insured, employer=employer_chaoyang, from_month="2015-01")
    from tests.collection.conftest import book_due

    due = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    case = submit(clerk_chaoyang, "refund", person=insured, details={
        "refund_kind": "overpayment", "amount_fen": 30_000, "dues": [due.pk], "payee_name": insured.name,
        "bank_name": "中国工商银行北京朝阳支行", "bank_account": "6222020000001234567"})
    case.contact_phone = insured.phone
    case.save(update_fields=["contact_phone"])
    from shebao.cases.notifications import outbox_enqueue

    outbox_enqueue(case=case, event="accept")
    assert deliver_batch()["sent"] >= 1
    inbox = client.get(INBOX).content.decode()
    listed = inbox.split('id="sms"', 1)[1]
    assert "办理进度通知" in listed and f"您的申请已受理（申请编号{case.pk}）" in listed
    assert listed.index("办理进度通知") < listed.index("登录验证码")  # newest first


@pytest.mark.parametrize("copy", ["production", "gateway"])
def test_the_inbox_does_not_exist_off_a_demo_copy(client, settings, tmp_path, copy):
    settings.SHEBAO_NOTIFY_DIR = tmp_path
    (tmp_path / "sms.jsonl").write_text('{"to": "13900139000", "body": "验证码123456", "event": "x"}\n',
                                        encoding="utf-8")
    settings.DEBUG = copy == "gateway"
    if copy == "gateway":
        settings.SHEBAO_NOTIFY_ADAPTERS = {"sms": "shebao.operations.gateways.SmsGatewayAdapter"}
    r = client.get(INBOX)
    assert r.status_code == 404 and "123456" not in r.content.decode()


def test_the_inbox_shows_each_send_time_in_beijing_time(client, settings, tmp_path):
    """The file adapter stamps a send in UTC; the inbox showed that stamp as it was, eight hours behind a
    reader in Beijing (final walk, finding 4)."""
    import json

    settings.DEBUG = True
    settings.SHEBAO_NOTIFY_DIR = tmp_path
    (tmp_path / "sms.jsonl").write_text(json.dumps(
        {"to": "13900139016", "event": "portal_sign_in_code", "subject": "", "body": "验证码123456",
         "sent_at": "2026-12-03T16:07:56+00:00"}, ensure_ascii=False) + "\n", encoding="utf-8")
    inbox = client.get(INBOX).content.decode()
    assert "2026-12-04 00:07:56" in inbox and "2026-12-03 16:07:56" not in inbox
