"""Masking of personal data: ID numbers, bank accounts and phone numbers.

Masked is the default everywhere (pages, API, exports, logs); the full value only comes through
an explicit, recorded "show" action (see `shebao.core.services.personal_data_reveal`).
"""

from __future__ import annotations

import logging
import re


def mask_id_number(value: str | None) -> str:
    """Keep the region (6) and the last 4 characters.

    >>> mask_id_number("11010519491231002X")
    '110105********002X'
    """
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 2) + value[-1:] if len(value) > 2 else "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """>>> mask_phone("13812345678")
    '138****5678'
    """
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str | None) -> str:
    """>>> mask_bank_account("6222021234567890123")
    '6222***********0123'
    """
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_bank_account}

# Citizen ID numbers, mobile numbers and long digit runs (bank accounts) in free text.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ACCOUNT_RE = re.compile(r"(?<!\d)(\d{4})(\d{4,15})(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Mask any ID number, mobile number or account number that appears in free text (logs)."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:].rjust(4, "*"), text)
    text = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _ACCOUNT_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


class MaskingLogFilter(logging.Filter):
    """Masks personal data in every log record before a handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
