"""The demo's e-mail reaches a page instead of failing (a fresh user's walk of `make demo`: the outreach's
e-mail recipients read 失败待重试 with "[Errno 111] Connection refused", for the demo has no mail server).

On a DEBUG copy with no EMAIL_HOST set the settings choose Django's file-based e-mail backend, the outbox
sends e-mail through Django's EMAIL_BACKEND (it built an SMTP connection of its own before), and the
messages are shown, newest first and in Chinese, at /portal/demo/email/ (演示邮件收件箱), linked from the
SMS inbox. A copy with a mail server, or with DEBUG off, sends over SMTP and has no such page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shebao.cases.models import OutboxMessage
from shebao.cases.notifications import deliver_batch, outbox_message

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
INBOX = "/portal/demo/email/"
FILES = "django.core.mail.backends.filebased.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(("env", "backend"), [
    ({"DEBUG": "true"}, FILES),  # the demo: no mail server
    ({"DEBUG": "true", "EMAIL_HOST": "mail.example.org"}, SMTP),  # a development copy with one
    ({"DEBUG": "false", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "shebao.example.org"}, SMTP),  # production
], ids=["demo", "debug-with-mail-server", "production"])
def test_the_settings_write_a_demos_email_to_files_and_send_anyone_elses_over_smtp(env, backend, tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_") and k not in ("DEBUG",)}
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**base, **env, "DJANGO_SETTINGS_MODULE": "shebao.config.settings",
                              "PYTHONPATH": str(ROOT / "src"), "SHEBAO_NOTIFY_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [backend, str(tmp_path / "email")]


def _queue(recipient: str, subject: str, body: str) -> OutboxMessage:
    message = outbox_message(event="outreach", channel="email", recipient=recipient, subject=subject, body=body)
    message.save()
    return message


def test_a_demos_email_is_delivered_to_the_inbox_page_not_refused(client, settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = FILES
    settings.EMAIL_FILE_PATH = tmp_path / "email"
    settings.SHEBAO_NOTIFY_DIR = tmp_path
    empty = client.get(INBOX)
    assert empty.status_code == 200 and "还没有发出的电子邮件" in empty.content.decode()
    first = _queue("hr@jia.example", "关于阶段性减免社会保险费的通知", "贵单位2020年2月至6月免征单位缴费部分。")
    assert deliver_batch() == {"sent": 1, "failed": 0}
    second = _queue("finance@yi.example", "您的申请已受理", "申请编号42已受理。\n如有疑问请致电12333。")
    assert deliver_batch() == {"sent": 1, "failed": 0}
    for message in (first, second):
        message.refresh_from_db()
        assert message.state == OutboxMessage.State.SENT and message.last_error == ""
    page = client.get(INBOX).content.decode()
    listed = page.split('id="email"', 1)[1]
    assert "关于阶段性减免社会保险费的通知" in listed and "贵单位2020年2月至6月免征单位缴费部分。" in listed
    assert "h***@jia.example" in listed and "hr@jia.example" not in listed
    assert "申请编号42已受理。<br>如有疑问请致电12333。" in listed
    assert listed.index("您的申请已受理") < listed.index("关于阶段性减免")  # newest first
    # the SMS inbox leads to it
    sms = client.get("/portal/demo/sms/").content.decode()
    assert f'href="{INBOX}"' in sms and "演示邮件收件箱" in sms


@pytest.mark.parametrize("copy", ["production", "mail-server"])
def test_the_email_inbox_does_not_exist_off_a_demo_copy(client, settings, tmp_path, copy):
    settings.DEBUG = copy == "mail-server"
    settings.EMAIL_BACKEND = FILES if copy == "production" else SMTP
    settings.EMAIL_FILE_PATH = tmp_path
    (tmp_path / "one.log").write_bytes(b"To: a@b.example\nSubject: secret\n\nbody 123456\n" + b"-" * 79 + b"\n")
    r = client.get(INBOX)
    assert r.status_code == 404 and "123456" not in r.content.decode()
    assert 'href="/portal/demo/email/"' not in client.get("/portal/demo/sms/").content.decode()


def test_an_email_not_handed_over_is_said_in_chinese_to_the_staff(settings):
    """Where there is a mail server that cannot be reached, the row's 最近错误 (the outreach page shows it)
    says so in Chinese, not "[Errno 111] Connection refused"."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    message = _queue("hr@jia.example", "通知", "正文")
    assert deliver_batch() == {"sent": 0, "failed": 1}
    message.refresh_from_db()
    assert message.last_error == f"邮件服务器（127.0.0.1:{port}）拒绝连接，请检查邮件服务器是否运行"
