"""Notifications to applicants: an outbox written in the transaction of the change, and a worker.

`outbox_enqueue` is called inside a service's transaction, so a change and its message are
committed together or not at all. `deliver_batch` (the `shebao deliver` command) leases rows, sends
them through a channel adapter, then marks them sent: at least once, never lost. Each message
carries its `message_id` (an e-mail's Message-ID header; a field of SMS and WeChat records) so the
receiver can drop a repeat.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from shebao.cases.models import Case, OutboxMessage
from shebao.core import clock
from shebao.core.contact import card_line, helpline
from shebao.core.masking import mask_text

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class Adapter(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class EmailAdapter:
    """E-mail through Django's EMAIL_BACKEND: over SMTP (EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER …,
    EMAIL_TIMEOUT) for real; on a DEBUG copy without a mail server (the demo) as files, which the demo's
    e-mail inbox shows (settings; a demo's e-mail failed with "[Errno 111] Connection refused")."""

    def send(self, message: OutboxMessage) -> None:
        from django.core.mail import EmailMessage, get_connection

        backend = get_connection(fail_silently=False)
        email = EmailMessage(
            subject=message.subject, body=message.body, to=[message.recipient],
            from_email=getattr(settings, "SHEBAO_NOTIFY_FROM", settings.DEFAULT_FROM_EMAIL),
            headers={"Message-ID": f"<{message.message_id}@shebao.invalid>",
                     "X-Shebao-Message-Id": str(message.message_id)},
            connection=backend,
        )
        try:
            email.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as e:
            raise EmailDeliveryError(email_error_zh(e)) from e


class EmailDeliveryError(RuntimeError):
    """An e-mail not handed over; its text (Chinese) is the outbox row's 最近错误, shown to staff."""


def email_error_zh(e: BaseException) -> str:
    """Why an e-mail was not handed over, in Chinese for the staff pages that show a delivery's error
    (the outreach's recipients read "[Errno 111] Connection refused"), with the mail server's reply code
    or the system's error number, never the English text alone."""
    server = f"{getattr(settings, 'EMAIL_HOST', '')}:{getattr(settings, 'EMAIL_PORT', '')}"
    if "filebased" in str(getattr(settings, "EMAIL_BACKEND", "")):
        return f"无法写入演示邮件文件（{getattr(settings, 'EMAIL_FILE_PATH', '')}，系统错误{getattr(e, 'errno', '')}）"
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "邮件服务器拒收该收件地址"
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return f"登录邮件服务器失败（{e.smtp_code}），请检查发信账号和密码"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"邮件服务器拒绝发送（{e.smtp_code}）"
    if isinstance(e, smtplib.SMTPException):
        return "与邮件服务器的通信中断"
    if isinstance(e, ConnectionRefusedError):
        return f"邮件服务器（{server}）拒绝连接，请检查邮件服务器是否运行"
    if isinstance(e, TimeoutError):
        return f"连接邮件服务器（{server}）超时"
    return f"无法连接邮件服务器（{server}，系统错误{e.errno}）" if getattr(e, "errno", None) else \
        f"无法连接邮件服务器（{server}）"


class FileAdapter:
    """The default for SMS and WeChat: one JSON line per message in `<notify dir>/<channel>.jsonl`.

    A gateway adapter replaces it in production by naming a class in `SHEBAO_NOTIFY_ADAPTERS`.
    """

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def path(self) -> Path:
        base = Path(getattr(settings, "SHEBAO_NOTIFY_DIR", Path(settings.VAR_DIR) / "outbox"))
        base.mkdir(parents=True, exist_ok=True)
        return base / f"{self.channel}.jsonl"

    def send(self, message: OutboxMessage) -> None:
        # when it was handed over (the demo's SMS inbox, portal.demo_sms, shows it)
        line = json.dumps({"message_id": str(message.message_id), "to": message.recipient,
                           "subject": message.subject, "body": message.body, "event": message.event,
                           "sent_at": clock.wall_now().isoformat(timespec="seconds")},
                          ensure_ascii=False)
        with open(self.path(), "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())


def adapter_for(channel: str) -> Adapter:
    configured = getattr(settings, "SHEBAO_NOTIFY_ADAPTERS", {}) or {}
    if channel in configured:
        from django.utils.module_loading import import_string

        return import_string(configured[channel])()
    if channel == OutboxMessage.Channel.EMAIL:
        return EmailAdapter()
    return FileAdapter(channel)


EVENT_TEXT: dict[str, str] = {
    "submitted": "您的申请已收到",
    "accept": "您的申请已受理",
    "approve": "您的申请已审批通过",
    "complete": "您的申请已办结",
    "reject": "您的申请未获通过",
    "resume": "您的申请已恢复办理",
    "documents_due": "容缺材料补交期限已确定",
    # the card's steps after its case is completed (cards.services.card_order_advance)
    "card_made": "您的新社会保障卡已制作完成",
    "card_posted": "您的新社会保障卡已寄出",
    "card_delivered": "您的新社会保障卡已妥投",
}


def ask_zh(case: Case, said: str = "") -> str:
    """Whom the applicant calls, as a message ends: the helpline; for a card's case the card line first
    (clause 5.1: the card's delivery and replacement; review-user13 (11): the card case's messages gave only
    the helpline), unless the message already gave it (`said`)."""
    if case.business == "card_replacement" and card_line() not in said:
        return f"社会保障卡寄递进度和补换卡咨询请拨打{card_line()}，其他问题请致电{helpline()}。"
    return f"如有疑问请致电{helpline()}。"


def outbox_enqueue(*, case: Case, event: str, extra: str = "") -> list[OutboxMessage]:
    """Queue the applicant's message about `event` on each contact channel; call inside the transaction."""
    rows = outbox_messages(case=case, event=event, extra=extra)
    if rows:
        OutboxMessage.objects.bulk_create(rows)
    return rows


def outbox_messages(*, case: Case, event: str, extra: str = "") -> list[OutboxMessage]:
    """The unsaved messages for `event`, one per contact channel the applicant gave."""
    head = EVENT_TEXT.get(event, "您的申请有新进展")
    if case.business == "refund" and event == "complete":  # approved, nothing paid yet (review-user13 (2))
        head = "您的退费申请已核准"
    if case.business == "card_replacement" and event == "complete":  # ordered, not in hand (review-user14 (5))
        head = "您的补换卡申请已审批通过，开始制卡"
    status_label = case.get_status_display()  # a completed refund's follows its money (review-user12 F14)
    subject = f"【社保经办】{head}（申请编号{case.pk}）"
    # The applicant's own message needs no personal number whole (a rejection reason may quote one):
    # it travels through carriers' gateways and is kept in the outbox, so it is masked like a page.
    body = mask_text(f"{case.business_zh}（申请编号{case.pk}）：{head}。当前状态：{status_label}。"
                     + (f"{extra}" if extra else "") + f" {ask_zh(case, extra)}")
    now = clock.wall_now()
    rows = []
    for channel, recipient in ((OutboxMessage.Channel.EMAIL, case.contact_email),
                               (OutboxMessage.Channel.SMS, case.contact_phone),
                               (OutboxMessage.Channel.WECHAT, case.contact_wechat)):
        if recipient:
            rows.append(OutboxMessage(case=case, event=event, channel=channel, recipient=recipient,
                                      subject=subject, body=body, next_attempt_at=now))
    return rows


def outbox_message(*, event: str, channel: str, recipient: str, subject: str, body: str, case: Case | None = None,
                   delay_seconds: float = 0) -> OutboxMessage:
    """An unsaved outbox row not tied to an applicant's case (an incident told to the center, an
    outreach message), due now or after `delay_seconds` (a throttled batch spreads its rows out).
    The schedule is the machine's clock, like every retry of the outbox."""
    return OutboxMessage(case=case, event=event, channel=channel, recipient=recipient,
                         subject=mask_text(subject)[:200], body=mask_text(body), next_attempt_at=clock.wall_now() + dt.timedelta(seconds=delay_seconds))


def _claim(*, limit: int, lease_seconds: int, now: dt.datetime) -> list[OutboxMessage]:
    """Lease up to `limit` due messages. The conditional UPDATE makes two workers never share one."""
    token = str(uuid.uuid4())
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    ids = list(OutboxMessage.objects.filter(free, state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    OutboxMessage.objects.filter(free, pk__in=ids, state=OutboxMessage.State.PENDING).update(
        lease_until=now + dt.timedelta(seconds=lease_seconds), lease_token=token)
    return list(OutboxMessage.objects.filter(lease_token=token, pk__in=ids).order_by("pk"))


def deliver_batch(*, limit: int = 100, lease_seconds: int = 60, now: dt.datetime | None = None,
                  adapter: Callable[[str], Adapter] = adapter_for) -> dict[str, int]:
    """Send what is due; returns counts. A crash after sending and before marking leaves the row
    leased: it is sent again when the lease ends (at least once; the receiver drops the repeat)."""
    now = now or clock.wall_now()
    sent = failed = 0
    for message in _claim(limit=limit, lease_seconds=lease_seconds, now=now):
        try:
            adapter(message.channel).send(message)
        except Exception as e:
            attempts = message.attempts + 1
            dead = attempts >= MAX_ATTEMPTS
            OutboxMessage.objects.filter(pk=message.pk, lease_token=message.lease_token).update(
                attempts=attempts, last_error=str(e)[:500], lease_until=None, lease_token="",
                state=OutboxMessage.State.DEAD if dead else OutboxMessage.State.PENDING,
                next_attempt_at=clock.wall_now() + dt.timedelta(seconds=min(3600, 2 ** attempts * 5)))
            log.warning("notification %s failed (attempt %s): %s", message.message_id, attempts, e)
            failed += 1
            continue
        with transaction.atomic():
            OutboxMessage.objects.filter(pk=message.pk, lease_token=message.lease_token).update(
                state=OutboxMessage.State.SENT, sent_at=clock.wall_now(), attempts=message.attempts + 1,
                lease_until=None)
        sent += 1
    return {"sent": sent, "failed": failed}
