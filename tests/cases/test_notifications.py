"""The outbox: written with the change, delivered at least once with a message id, never lost."""

from __future__ import annotations

import datetime as dt
import email
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.cases import notifications, services
from shebao.cases.models import Case, CaseTransition, OutboxMessage
from tests.cases.conftest import act, submit


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self) -> None:
            self.messages: list[email.message.Message] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    sink = Sink()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    controller.stop()


def _case(cy, employer, **kw):
    return submit(cy, business="monthly_report_back_payment", channel="online", employer=employer.pk,
                  applied_on="2020-02-10", contact_email="hr@example.com", contact_phone="13900001111",
                  contact_wechat="wx-openid-1", **kw).json()


def test_the_worker_delivers_email_over_smtp_and_sms_and_wechat_to_files(cy, employer_chaoyang, smtp_server,
                                                                         settings):
    case = _case(cy, employer_chaoyang)
    act(cy, case["id"], "accept", outcome="已入账")
    assert OutboxMessage.objects.filter(state="pending").count() == 6
    call_command("deliver", "--once")
    assert OutboxMessage.objects.filter(state="sent").count() == 6
    ids = {str(m.message_id) for m in OutboxMessage.objects.filter(channel="email")}
    assert {m["X-Shebao-Message-Id"] for m in smtp_server.messages} == ids
    assert all("hr@example.com" in m["To"] for m in smtp_server.messages)
    sms = [json.loads(x) for x in (settings.SHEBAO_NOTIFY_DIR / "sms.jsonl").read_text().splitlines()]
    assert {s["message_id"] for s in sms} == {str(m.message_id) for m in OutboxMessage.objects.filter(channel="sms")}
    assert "已办结" in sms[-1]["body"]


def test_a_worker_killed_mid_delivery_loses_no_message(cy, employer_chaoyang, settings):
    case = _case(cy, employer_chaoyang)

    class Killed(BaseException):
        pass

    class DiesWhileSending:
        def send(self, message):
            notifications.FileAdapter(message.channel).send(message)  # sent, but never marked
            raise Killed

    with pytest.raises(Killed):
        notifications.deliver_batch(adapter=lambda channel: DiesWhileSending(), lease_seconds=60)
    assert OutboxMessage.objects.filter(case_id=case["id"], state="pending").count() == 3
    # Another worker does not take a leased message before the lease ends …
    assert notifications.deliver_batch(adapter=notifications.FileAdapter)["sent"] == 0
    # … and takes it afterwards: delivered again, with the same message id for the receiver to drop.
    later = timezone.now() + dt.timedelta(seconds=61)
    sent = notifications.deliver_batch(adapter=notifications.FileAdapter, now=later)
    assert sent["sent"] == 3 and not OutboxMessage.objects.filter(state="pending").exists()
    # The first message (the e-mail, here written to a file) was sent before the kill and again after.
    lines = [json.loads(x) for x in (settings.SHEBAO_NOTIFY_DIR / "email.jsonl").read_text().splitlines()]
    assert len(lines) == 2 and lines[0]["message_id"] == lines[1]["message_id"]


def test_a_failing_channel_is_retried_later(cy, employer_chaoyang):
    _case(cy, employer_chaoyang)

    class Down:
        def send(self, message):
            raise OSError("网关不可用")

    assert notifications.deliver_batch(adapter=lambda c: Down())["failed"] == 3
    m = OutboxMessage.objects.first()
    assert m.state == "pending" and m.attempts == 1 and m.next_attempt_at > timezone.now() and "网关" in m.last_error


def test_a_crash_between_a_transition_and_its_notification_leaves_neither(cy, employer_chaoyang, monkeypatch):
    case = _case(cy, employer_chaoyang)

    def crash(**kw):
        raise RuntimeError("进程在写入通知前崩溃")

    monkeypatch.setattr(services, "outbox_enqueue", crash)
    with pytest.raises(RuntimeError):
        services.case_accept(case=Case.objects.get(pk=case["id"]), actor=cy.handler._force_user, outcome="x")
    stored = Case.objects.get(pk=case["id"])
    assert stored.status == "submitted" and stored.version == 1
    assert not CaseTransition.objects.filter(case=stored, action="accept").exists()
    assert not OutboxMessage.objects.filter(case=stored, event="accept").exists()
    monkeypatch.undo()
    services.case_accept(case=stored, actor=cy.handler._force_user, outcome="x")
    assert OutboxMessage.objects.filter(case=stored, event="accept").count() == 3  # both, together
