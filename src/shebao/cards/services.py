"""Writes of replacement cards (5.1). Each runs in one transaction with its audit row; each checks
the permission table (core/permissions.py) and the district line before it writes.

* `card_order_create`: the order made when a card replacement (`card_replacement`) completes, with
  its certificate code. Idempotent: a second call for the same case returns the first order.
* `card_order_advance`: the card moves one step (made, posted with its EMS number, delivered).

Refusals are `ValidationError({field: Chinese message})` for bad input and `ActionRefused` for a
role or district that may not act; nothing is written either way.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shebao.cards.models import CardOrder, CardReason
from shebao.core import clock, codes
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.inputs import person_name_checked
from shebao.core.normalize import normalize_code, normalize_phone, normalize_text
from shebao.core.permissions import actor_user, require
from shebao.core.policy import current_policy
from shebao.core.versions import refuse_unread

# The certificate's verification code: the agency's one kind of code (core.codes).
CODE_ALPHABET = codes.CODE_ALPHABET
CODE_LENGTH = codes.CODE_LENGTH
# A mainland mobile number (MIIT numbering plan: 1, then 3-9, then nine digits) or a fixed line
# with its area code (0 then 9 to 11 digits): the number EMS calls on delivery.
_PHONE_RE = re.compile(r"1[3-9]\d{9}|0\d{9,11}")
# EMS item numbers (UPU S10: two letters, eight digits, check digit, two letters) or EMS's
# domestic all-digit numbers of 13 digits.
_EMS_RE = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}|\d{13}")
_POSTAL_CODE_RE = re.compile(r"\d{6}")
ADDRESS_MIN_CHARS = 6


def new_certificate_code() -> str:
    return codes.new_verification_code()


def normalize_certificate_code(value: object) -> str:
    """The code as typed (spaces, hyphens, lower case, full-width) as stored: ``abcd-efgh`` → ``ABCDEFGH``."""
    return codes.normalize_verification_code(value)


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> str:
    """The check digit of a UPU S10 item number's eight-digit serial (UPU standard S10, 4.2):
    weights 8 6 4 2 3 5 9 7, C = 11 - (sum mod 11); 10 becomes 0 and 11 becomes 5.

    >>> s10_check_digit("12345678"), s10_check_digit("47312482")  # EA123456785CN, RR473124829GB
    ('5', '9')
    """
    c = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    return str({10: 0, 11: 5}.get(c, c))


def ems_tracking_number_error(number: str) -> str:
    """Why `number` (normalised) is not an EMS tracking number, in Chinese, or ``""``: the S10 form
    with a right check digit (the ninth digit), or EMS's domestic all-digit number of 13 digits."""
    if not number:
        return "请填写EMS邮件号"
    if not _EMS_RE.fullmatch(number):
        return "EMS邮件号应为13位：2位字母、9位数字、2位字母（如EA123456785CN），或13位数字"
    if number[0].isalpha():
        expected = s10_check_digit(number[2:10])
        if number[10] != expected:
            return (f"EMS邮件号第11位（校验位）应为{expected}，实为{number[10]}：邮件号有误，请核对邮件详情单"
                    "（万国邮联S10标准）")
    return ""


def card_order_inputs(*, reason: Any, recipient_name: Any, recipient_phone: Any, postal_address: Any,
                      postal_code: Any = "") -> dict[str, str]:
    """The postal data of a card replacement, normalised and checked; ValidationError names each bad
    field in Chinese. Used by the service and by any form that wants to check before submitting."""
    errors: dict[str, str] = {}
    reason = str(reason or "").strip()
    if reason not in CardReason.values:
        errors["reason"] = "请选择补换卡原因（" + "、".join(CardReason.labels) + "）"
    # one rule for a person's name (review-input8 F5), stored as it spells it (the 间隔号 as U+00B7)
    name, why = person_name_checked(recipient_name)
    if not name:
        errors["recipient_name"] = "请填写收件人姓名"
    elif why:
        errors["recipient_name"] = f"收件人姓名{why}"
    phone = normalize_phone(recipient_phone)
    if not phone:
        errors["recipient_phone"] = "请填写收件人电话"
    elif not _PHONE_RE.fullmatch(phone):
        errors["recipient_phone"] = "收件人电话应为11位大陆手机号码或带区号的固定电话"
    address = normalize_text(postal_address)
    if len(address) < ADDRESS_MIN_CHARS:
        errors["postal_address"] = f"请填写完整的邮寄地址（区、街道、门牌号，至少{ADDRESS_MIN_CHARS}个字）"
    elif len(address) > 200:
        errors["postal_address"] = "邮寄地址不能超过200个字"
    code = normalize_code(postal_code)
    if code and not _POSTAL_CODE_RE.fullmatch(code):
        errors["postal_code"] = "邮政编码应为6位数字"
    if errors:
        raise ValidationError(errors)
    return {"reason": reason, "recipient_name": name, "recipient_phone": phone, "postal_address": address,
            "postal_code": code}


def card_order_create(*, actor: Any, case: Any, reason: str, recipient_name: str, recipient_phone: str,
                      postal_address: str, postal_code: str = "") -> CardOrder:
    """The replacement card's order for a card replacement case (5.1), status 已申请制卡, with the
    领卡证明's verification code, issued today (business date).

    Idempotent: the case's existing order is returned unchanged (a completion retried after a crash,
    or run twice, makes one order). Raises ActionRefused (role, district) and ValidationError
    (the postal data, `card_order_inputs`; a case that is not a card replacement or names no person).
    """
    require(actor, "card_order.create", district_id=case.office_id)
    existing = CardOrder.objects.filter(case_id=case.pk).first()
    if existing is not None:
        return existing
    if case.business != "card_replacement":
        raise ValidationError({"business": f"“{case.business_zh}”不是社会保障卡补换卡申请，不能生成补换卡订单"})
    if case.person_id is None:
        raise ValidationError({"person": "补换卡申请须指明参保人员"})
    data = card_order_inputs(reason=reason, recipient_name=recipient_name, recipient_phone=recipient_phone,
                             postal_address=postal_address, postal_code=postal_code)
    now = clock.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                order = CardOrder.objects.create(
                    case_id=case.pk, person_id=case.person_id, office_id=case.office_id, **data,
                    certificate_code=new_certificate_code(), certificate_issued_on=clock.today(),
                    ordered_at=now, last_actor=actor_user(actor))
                audit_create(actor=actor, instance=order, reason=f"补换卡申请#{case.pk}办结：申请制卡，出具领卡证明")
            return order
        except IntegrityError:
            existing = CardOrder.objects.filter(case_id=case.pk).first()
            if existing is not None:  # a concurrent completion made it first
                return existing
            # Otherwise two codes collided (one chance in 10^18): draw another.
    raise RuntimeError("could not draw a unique certificate code")  # pragma: no cover


def ems_delivery_from(on: dt.date) -> dt.date | None:
    """5.1: the first day EMS delivers replacement cards (pack parameter `cards.ems_delivery_from`)."""
    value = current_policy().value("cards.ems_delivery_from", on)
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


STEP_FIELDS = {CardOrder.Status.MADE: "made_at", CardOrder.Status.POSTED: "posted_at",
               CardOrder.Status.DELIVERED: "delivered_at"}


def card_order_advance(*, actor: Any, order: CardOrder, status: str, tracking_number: str = "",
                       expected_version: int | None = None) -> CardOrder:
    """Move a card one step: 已申请制卡 → 已制卡 → 已交EMS寄出 (with its EMS number) → 已妥投.

    Posting records the EMS tracking number (UPU S10 form or 13 digits) and is refused before the
    pack's `cards.ems_delivery_from` (5.1: EMS delivers from 2020-02-03). Delivery ends the
    certificate's validity. A step skipped or repeated, or a stale `expected_version` (another clerk
    acted first), is refused with ValidationError naming the field; nothing is written.
    """
    require(actor, "card_order.update", district_id=order.office_id)
    status = str(status or "").strip()
    number = normalize_code(tracking_number)
    with transaction.atomic():
        locked = CardOrder.objects.select_for_update().get(pk=order.pk)
        refuse_unread(expected_version)  # a page's version missing (428) or garbled (400): core.versions (review-input14 2)
        if expected_version is not None and locked.version != expected_version:
            raise ValidationError({"version": "该补换卡订单已被他人更新，请刷新后重试"})
        steps = list(CardOrder.STEPS)
        if status not in CardOrder.Status.values:
            raise ValidationError({"status": "请选择制卡进度（已制卡、已交EMS寄出或已妥投）"})
        current = steps.index(CardOrder.Status(locked.status))
        wanted = steps.index(CardOrder.Status(status))
        if wanted != current + 1:
            nxt = CardOrder.Status(steps[current + 1]).label if current + 1 < len(steps) else ""
            hint = f"下一步只能是“{nxt}”" if nxt else "卡片已妥投，进度已结束"
            raise ValidationError({"status": f"当前进度为“{locked.get_status_display()}”，不能改为"
                                             f"“{CardOrder.Status(status).label}”：{hint}"})
        if status == CardOrder.Status.POSTED:
            problem = ems_tracking_number_error(number)
            if problem:
                raise ValidationError({"tracking_number": problem})
            today = clock.today()
            start = ems_delivery_from(today)
            if start is not None and today < start:
                raise ValidationError({"status": f"EMS自{start:%Y-%m-%d}起寄递补换的社会保障卡（第5.1条），"
                                                 "此前不能登记寄出"})
        elif number:
            raise ValidationError({"tracking_number": "只有登记寄出时才填写EMS邮件号"})
        before = snapshot(locked)
        locked.status = status
        setattr(locked, STEP_FIELDS[CardOrder.Status(status)], clock.now())
        if status == CardOrder.Status.POSTED:
            locked.ems_tracking_number = number
        locked.last_actor = actor_user(actor)
        locked.version += 1
        locked.save()
        audit_update(actor=actor, instance=locked, before=before,
                     reason=f"补换卡进度：{locked.get_status_display()}"
                            + (f"（EMS邮件号{number}）" if number else ""))
        _tell_applicant(locked, actor=actor)
    return locked


# What the applicant is told of each step of their card, on the case's history and by message (review-user12
# F15: the history stopped at 已办结 and nothing was sent while the card was made, posted and delivered).
CARD_STEP_TEXT = {
    CardOrder.Status.MADE: "新社会保障卡已制作完成，即将由EMS寄出",
    CardOrder.Status.POSTED: "新社会保障卡已交EMS寄出",
    CardOrder.Status.DELIVERED: "新社会保障卡已妥投，领卡证明自即日起失效",
}


def _posted_more(order: CardOrder) -> str:
    from shebao.core.contact import card_line

    return f"EMS邮件号{order.ems_tracking_number}，可在EMS官网查询寄递进度，或拨打{card_line()}查询。"


# What a step's message says besides its head and status.
CARD_MESSAGE_MORE: dict[str, Any] = {
    CardOrder.Status.MADE: lambda order: "即将由EMS寄出。",
    CardOrder.Status.POSTED: _posted_more,
    CardOrder.Status.DELIVERED: lambda order: "领卡证明自即日起失效。",
}


def _tell_applicant(order: CardOrder, *, actor: Any) -> None:
    """One event on the card's case (the history's 已制卡 / 已交EMS寄出 / 已妥投, with the EMS number and
    where to follow it) and the applicant's message about it, in the step's transaction."""
    from shebao.cases.models import Case, CaseTransition
    from shebao.cases.notifications import outbox_enqueue
    from shebao.core.contact import card_line
    from shebao.core.permissions import actor_label

    if not order.case_id:
        return
    case = Case.objects.get(pk=order.case_id)
    text = CARD_STEP_TEXT.get(CardOrder.Status(order.status), order.get_status_display())
    if order.status == CardOrder.Status.POSTED:
        text += f"，EMS邮件号{order.ems_tracking_number}，可在EMS官网查询寄递进度，或拨打{card_line()}查询"
    user = actor_user(actor)
    CaseTransition.objects.create(case=case, action="card_progress", from_status=case.status,
                                  to_status=case.status, actor=user, actor_label=actor_label(actor),
                                  actor_role=getattr(user, "role", "") or "", note=text)
    # The message's head already says the step (cases.notifications.EVENT_TEXT) and its status where the
    # card stands: it adds only what the head does not say (review-user14 (5): 已制作完成 was said twice).
    outbox_enqueue(case=case, event=f"card_{order.status}", extra=CARD_MESSAGE_MORE.get(order.status, lambda o: "")(order))
