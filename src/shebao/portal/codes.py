"""One-time sign-in codes sent by SMS (issue 15): hashed, expiring, single use, sending rate-limited.

A code is six random digits (`secrets`), stored only as an HMAC keyed by the server's secret (a
leaked table cannot be tried against the million codes offline), valid `CODE_TTL` (five minutes),
void after `MAX_ATTEMPTS` wrong entries, and consumed by a conditional UPDATE, so two requests
racing with the same code sign in once. Sending is limited per subject (one a minute, five an
hour) and per client address (twenty an hour): the rows of the last hour are the counter, so the
limit holds across processes without a shared cache.

The code's text goes to the SMS adapter of the notification outbox (`cases.notifications.adapter_for`,
the file adapter writes `<SHEBAO_NOTIFY_DIR>/sms.jsonl` unless a gateway is configured) at once,
and is not stored in the outbox table: a queued row would keep the plain code in the database.

A person's sign-in must not tell whether an ID number is registered, by its message, its rate-limit
text or its time (bad-input review D4). So a code row is made for every number asked for (an
unregistered one gets a row whose code is sent to no one: `deliver=False`), the limits count those
rows alike, and the message to the gateway is handed to a background sender (`deliver_later`): the
request does the same database work either way and never waits for the gateway.

Times here are the machine's (expiry and limits are security records of real time, like session
expiry), not the business clock.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from shebao.core import clock
from shebao.core.crypto import keyed_digest_matches, keyed_digests
from shebao.core.masking import mask_phone
from shebao.portal.models import SignInCode

CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
logger = logging.getLogger(__name__)

_sender: ThreadPoolExecutor | None = None
_sender_lock = threading.Lock()
_pending: set[Future[Any]] = set()


def _deliver(adapter: Any, message: Any) -> None:
    try:
        adapter.send(message)
    except Exception:  # the person asks again after the gap; the code is never logged
        logger.exception("sign-in code to %s not delivered", mask_phone(message.recipient))


def _deliver_later(adapter: Any, message: Any) -> None:
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-sms")
            atexit.register(_sender.shutdown, wait=True)
        future = _sender.submit(_deliver, adapter, message)
        _pending.add(future)
    future.add_done_callback(_pending.discard)


def deliveries_wait(timeout: float = 30) -> None:
    """Wait until the codes handed to the background sender are delivered (tests; shutdown)."""
    import concurrent.futures

    with _sender_lock:
        pending = list(_pending)
    concurrent.futures.wait(pending, timeout=timeout)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass(frozen=True)
class Refusal:
    """Why no code was sent: `zh` for the page; `retry_minutes`, for an hourly limit, in how many
    minutes a code may be asked for again (None for the one-a-minute gap: a code was just sent)."""

    zh: str
    retry_minutes: int | None = None


CODE_HASH_SALT = "shebao.portal.sign_in_code"


def _digest(code_id: int, code: str) -> str:
    return keyed_digests(CODE_HASH_SALT, f"{code_id}:{code}", algorithm="sha256")[0]


def _digest_matches(digest: str, code_id: int, code: str) -> bool:
    # A code sent just before SECRET_KEY was rotated still verifies (SECRET_KEY_FALLBACKS).
    return keyed_digest_matches(digest, CODE_HASH_SALT, f"{code_id}:{code}", algorithm="sha256")


def sending_refusal(*, subject: str, ip_address: str | None) -> Refusal | None:
    """Why a code may not be sent now to `subject` from `ip_address`, or None if it may."""
    now = clock.wall_now()
    hour = now - dt.timedelta(hours=1)
    recent = SignInCode.objects.filter(subject=subject, created_at__gte=hour)
    gap = dt.timedelta(seconds=_limit("SHEBAO_PORTAL_CODE_GAP_SECONDS", 60))
    if recent.filter(created_at__gte=now - gap).exists():
        return Refusal(f"验证码已发送，请{int(gap.total_seconds())}秒后再重新获取。")
    limit = _limit("SHEBAO_PORTAL_CODES_PER_HOUR", 5)
    if recent.count() >= limit:
        minutes = _minutes_until_free(recent, limit, now)
        return Refusal(f"该账户一小时内获取验证码次数过多，请{minutes}分钟后再试。", retry_minutes=minutes)
    limit = _limit("SHEBAO_PORTAL_CODES_PER_ADDRESS_HOUR", 20)
    by_address = SignInCode.objects.filter(ip_address=ip_address, created_at__gte=hour)
    if ip_address and by_address.count() >= limit:
        minutes = _minutes_until_free(by_address, limit, now)
        return Refusal(f"本网络一小时内获取验证码次数过多，请{minutes}分钟后再试。", retry_minutes=minutes)
    return None


def hourly_limit_reached(*, subject: str, ip_address: str | None) -> Refusal | None:
    """The hourly limit that refuses `subject` another code now, or None: what the code step says in
    place of 验证码已发送 and of the offer to ask again (a fresh user's walk: the banner said 次数过多 while
    the page still said the code was sent and offered 重新获取验证码). Reads only."""
    refused = sending_refusal(subject=subject, ip_address=ip_address)
    return refused if refused is not None and refused.retry_minutes is not None else None


def _minutes_until_free(recent: Any, limit: int, now: dt.datetime) -> int:
    """Whole minutes (at least 1) until fewer than `limit` of `recent` (codes of the last hour) fall
    within the hour before: when the one that brings the count under the limit turns an hour old."""
    times = list(recent.order_by("-created_at").values_list("created_at", flat=True)[:limit])
    left = times[-1] + dt.timedelta(hours=1) - now
    return max(1, -(-int(left.total_seconds()) // 60))


def code_send(*, purpose: str, subject: str, mobile: str, ip_address: str | None, deliver: bool = True,
              deliver_later: bool = False) -> SignInCode | Refusal:
    """Make a code for `subject`, send it by SMS to `mobile`, and return its row; or a Refusal if the
    sending limits say no. Earlier unused codes of the subject are void from now on (only the latest
    counts). Raises whatever the SMS adapter raises (nothing is then kept).

    `deliver=False`: the row is made and counted but the code goes to no one (a number that is not
    registered, so that its answers are a registered one's). `deliver_later`: the message is handed
    to the background sender once the row is written; a failed delivery is logged, not raised."""
    from shebao.cases.models import OutboxMessage
    from shebao.cases.notifications import adapter_for, outbox_message

    refused = sending_refusal(subject=subject, ip_address=ip_address)
    if refused:
        return refused
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.wall_now()
    with transaction.atomic():
        SignInCode.objects.filter(subject=subject, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        row = SignInCode.objects.create(purpose=purpose, subject=subject, code_hash="",
                                        sent_to=mask_phone(mobile) if deliver else "",
                                        ip_address=ip_address, created_at=now, expires_at=now + CODE_TTL)
        row.code_hash = _digest(row.pk, code)
        row.save(update_fields=["code_hash"])
        minutes = int(CODE_TTL.total_seconds() // 60)
        message = outbox_message(
            event="portal_sign_in_code", channel=OutboxMessage.Channel.SMS, recipient=mobile,
            subject="【社保经办】网上办事登录验证码",
            body=f"您的网上办事登录验证码为{code}，{minutes}分钟内有效，仅可使用一次。请勿告诉他人；"
                 "工作人员不会向您索要验证码。")
        if not deliver:
            return row
        adapter = adapter_for(OutboxMessage.Channel.SMS)
        if not deliver_later:
            adapter.send(message)  # inside: a failed send keeps no code
    if deliver_later:
        _deliver_later(adapter, message)
    return row


def code_check(*, subject: str, code: str) -> bool:
    """Whether `code` is the subject's latest live code; a right code is used up, a wrong one counts
    against the code (void after MAX_ATTEMPTS)."""
    now = clock.wall_now()
    row = (SignInCode.objects.filter(subject=subject, used_at__isnull=True, expires_at__gt=now,
                                     attempts__lt=MAX_ATTEMPTS).order_by("-created_at", "-pk").first())
    code = (code or "").strip()
    if row is None or not (code.isascii() and code.isdigit() and len(code) == 6):
        if row is not None:
            SignInCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return False
    if not _digest_matches(row.code_hash, row.pk, code):
        SignInCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return False
    # Single use even when two requests carry the code at once: only one UPDATE finds it unused.
    return SignInCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now) == 1
