"""Verification codes printed on the agency's documents (a card-collection certificate, a rights
statement), checked by anyone on a public page.

12 characters of an alphabet without look-alikes (no 0/O, 1/I/L): 31^12 ≈ 7.9e17 codes, so
guessing one that exists is hopeless even without a rate limit. Printed in three groups of four
(``ABCD-EFGH-JKMN``); typed back with any spacing, hyphens, case or full-width characters.
"""

from __future__ import annotations

import secrets

from shebao.core.normalize import normalize_code

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def new_verification_code() -> str:
    """A fresh random code of CODE_LENGTH characters of CODE_ALPHABET (``secrets``, not ``random``)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_verification_code(value: object) -> str:
    """The code as typed (spaces, hyphens, lower case, full-width) as stored: ``abcd-efgh`` → ``ABCDEFGH``."""
    return normalize_code(value)


def verification_code_display(code: str) -> str:
    """The code as printed: ``ABCDEFGHJKMN`` → ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def is_verification_code(compact: str) -> bool:
    """Whether a normalised code could be one of ours (length and alphabet); a cheap refusal first."""
    return len(compact) == CODE_LENGTH and all(c in CODE_ALPHABET for c in compact)
