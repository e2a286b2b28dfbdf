"""The outbox: written with the change, delivered at least once with a message id, never lost."""

from __future__ import annotations

import contextlib
import email
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.cases import notifications, services
from shebao.cases.models import Case, CaseTransition, OutboxMessage
from tests.cases.conftest import act, client_for, submit


def _smtp_controller(handler) -> tuple[Any, int]:
    """A local SMTP server (aiosmtpd) on a free loopback port, started, with `handler`."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


@pytest.fixture
def smtp_server(settings):
    class Sink:
        def __init__(self) -> None:
            self.messages: list[email.message.Message] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    sink = Sink()
    controller, port = _smtp_controller(sink)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # the outbox sends through it
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


def _database_for_a_worker(tmp_path: Path) -> tuple[str, Callable[[str], list[tuple]]]:
    """A database URL another process can open, and a way to read it afterwards. The test database itself, on
    either database (the SQLite test database is a file)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        d = connection.settings_dict
        url = (f"postgres://{quote(d['USER'] or '')}:{quote(d['PASSWORD'] or '')}@{d['HOST'] or 'localhost'}:"
               f"{d['PORT'] or 5432}/{d['NAME']}")

        def read(sql: str) -> list[tuple]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())

        return url, read
    path = connection.settings_dict["NAME"]

    def read_file(sql: str) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(path)) as db:
            return list(db.execute(sql).fetchall())

    return f"sqlite:///{path}", read_file


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_loses_no_message(clerk_chaoyang, employer_chaoyang, tmp_path):
    """A real `shebao deliver` process is SIGKILLed while the SMTP server holds its first message
    (received, not yet acknowledged). A worker started during the lease sends nothing; one started
    after it sends all three, the first twice with one Message-ID, which the receiver drops."""
    import asyncio
    import threading

    cy = client_for(clerk_chaoyang)
    for i in range(3):
        submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
               applied_on="2020-02-10", contact_email=f"hr{i}@example.com")
    queued = {str(m) for m in OutboxMessage.objects.values_list("message_id", flat=True)}
    assert len(queued) == 3

    class HoldsTheFirst:
        def __init__(self) -> None:
            self.received: list[email.message.Message] = []
            self.first = threading.Event()
            self.release = threading.Event()

        async def handle_DATA(self, server, session, envelope):
            self.received.append(email.message_from_bytes(envelope.content))
            if len(self.received) == 1:
                self.first.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.05)
            return "250 OK"

    sink = HoldsTheFirst()
    controller, port = _smtp_controller(sink)
    url, read = _database_for_a_worker(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port),
           "SHEBAO_VAR_DIR": str(tmp_path), "SHEBAO_NOTIFY_DIR": str(tmp_path / "outbox")}
    lease = 20  # a process start with Django takes seconds on a loaded 2-core machine
    worker = [sys.executable, "-m", "shebao", "deliver", "--lease-seconds", str(lease), "--interval", "0.2"]
    try:
        first = subprocess.Popen(worker, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert sink.first.wait(timeout=90), first.communicate(timeout=5)
        killed_at = time.monotonic()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        sink.release.set()
        assert first.returncode == -signal.SIGKILL
        # Killed between sending and marking: nothing is marked sent, nothing is lost.
        assert read("SELECT state, COUNT(*) FROM cases_outboxmessage GROUP BY state") == [("pending", 3)]

        # While the dead worker's lease runs, another worker leaves its messages alone …
        early = subprocess.run([*worker, "--once"], env=env, capture_output=True, text=True, timeout=120)
        assert early.returncode == 0, early.stderr
        assert time.monotonic() - killed_at < lease, "the machine is too slow for this lease"
        assert len(sink.received) == 1
        # … and once it has run out, takes them all.
        time.sleep(max(0.0, lease + 0.3 - (time.monotonic() - killed_at)))
        second = subprocess.run([*worker, "--once"], env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
    finally:
        sink.release.set()
        controller.stop()
    assert read("SELECT state, COUNT(*) FROM cases_outboxmessage GROUP BY state") == [("sent", 3)]
    delivered = [m["X-Shebao-Message-Id"] for m in sink.received]
    assert len(delivered) == 4 and set(delivered) == queued
    assert delivered.count(delivered[0]) == 2  # the one in flight at the kill, sent again with its id


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
