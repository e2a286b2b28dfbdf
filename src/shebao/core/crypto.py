"""Encryption at rest of personal numbers (issue 16 §4), and keyed hashes to look them up.

A column holding an ID number, a phone number or a bank account stores a Fernet token (AES-128-CBC
with HMAC-SHA256, from the `cryptography` package of the Python Cryptographic Authority), never the
number: a copy of the database, a backup or a replica shows no number. Python code reads and
writes plain values; the field (`core.fields.EncryptedTextField`) encrypts on the way in and
decrypts on the way out. A token is random each time, so the database cannot compare it: a column
that is looked up by its number has a blind index beside it (`core.fields.BlindIndexField`), the
HMAC-SHA256 of the normalised number under a separate key, and lookups go through `blind_index()`.

Keys (docs/encryption.md says how to make, keep and rotate them):

* ``SHEBAO_FIELD_KEYS``: one or more Fernet keys (url-safe base64 of 32 bytes), comma-separated,
  NEWEST FIRST. The first encrypts; every key decrypts (`MultiFernet`), so a new key is put in
  front and `shebao encryption_rotate` re-encrypts every row under it before an old key is dropped.
* ``SHEBAO_BLIND_INDEX_KEY``: the HMAC key of the blind indexes. Changing it needs
  `shebao encryption_rotate`, which recomputes every index from the decrypted values.

Unset (a demo or test install), both are derived from SECRET_KEY, each under its own label; a
production install sets them, kept apart from the database and its backups (then SECRET_KEY can
be changed without losing the data).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shebao.core.normalize import normalize_code

# Every Fernet token starts with its version byte 0x80: "gAAAAA" in url-safe base64. A personal
# number never does, so a value written below the ORM in clear is told apart from a token.
TOKEN_PREFIX = "gAAAAA"


def secret_keys() -> tuple[str, ...]:
    """SECRET_KEY, then every key of SECRET_KEY_FALLBACKS (newest first): the keys a value keyed under
    the site's secret is checked against. The first one writes; the others only verify what was
    written before a rotation (README: rotating the key)."""
    return (settings.SECRET_KEY, *(k for k in getattr(settings, "SECRET_KEY_FALLBACKS", None) or [] if k))


def keyed_digests(key_salt: str, value: str, *, algorithm: str = "sha1") -> list[str]:
    """The hex HMAC of `value` (Django's `salted_hmac` with `key_salt`) under every key of
    `secret_keys()`, the current key's first. Write the first; accept any (`keyed_digest_matches`),
    so a rotation of SECRET_KEY neither signs anyone out nor voids what was keyed under the old key."""
    from django.utils.crypto import salted_hmac

    return [salted_hmac(key_salt, value, secret=key, algorithm=algorithm).hexdigest() for key in secret_keys()]


def keyed_digest_matches(digest: str, key_salt: str, value: str, *, algorithm: str = "sha1") -> bool:
    """Whether `digest` is the HMAC of `value` under SECRET_KEY or one of SECRET_KEY_FALLBACKS
    (compared in constant time, every key tried)."""
    from django.utils.crypto import constant_time_compare

    found = False
    for candidate in keyed_digests(key_salt, value, algorithm=algorithm):
        found |= constant_time_compare(str(digest or ""), candidate)
    return found


def derived_key(label: str, secret: str | None = None) -> bytes:
    """A 32-byte key derived from SECRET_KEY (or the old key `secret`) for `label` (demo and test
    installs only)."""
    return hashlib.sha256(f"shebao:{label}:{settings.SECRET_KEY if secret is None else secret}".encode()).digest()


def field_keys() -> tuple[str, ...]:
    """The Fernet keys, newest first (``settings.SHEBAO_FIELD_KEYS``, else the key derived from
    SECRET_KEY, then those derived from SECRET_KEY_FALLBACKS: a demo copy whose SECRET_KEY was
    rotated still opens its columns, and `shebao encryption_rotate` moves them to the new key)."""
    keys = tuple(k.strip() for k in (getattr(settings, "SHEBAO_FIELD_KEYS", None) or []) if k.strip())
    if keys:
        return keys
    return tuple(base64.urlsafe_b64encode(derived_key("field-encryption", key)).decode() for key in secret_keys())


def blind_index_key() -> bytes:
    raw = getattr(settings, "SHEBAO_BLIND_INDEX_KEY", "") or ""
    return raw.encode() if raw else derived_key("blind-index")


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "SHEBAO_FIELD_KEYS must be Fernet keys (url-safe base64 of 32 bytes), comma-separated") from exc


def fernet() -> MultiFernet:
    return _fernet(field_keys())


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def encrypt(value: str | None) -> str | None:
    """The token of `value` under the newest key; None and "" stay as they are (nothing to hide,
    and "no account" stays comparable)."""
    if value is None or value == "" or is_token(value):
        return value
    return fernet().encrypt(str(value).encode()).decode()


def encrypt_many(values: list[str]) -> list[str]:
    """`encrypt` of many values at once, for bulk loads (the generator writes millions): the same
    Fernet tokens (version 0x80, time stamp, random IV, AES-128-CBC of the PKCS7-padded value,
    HMAC-SHA256; https://github.com/fernet/spec), opened by `decrypt` like any other.

    Fernet encrypts one value per call, about 15 µs each in Python. Here the values are grouped by
    their padded length and each CBC step of a group is one AES-ECB call over all of its values
    (`cryptography`'s AES; CBC is C_i = AES(P_i xor C_(i-1)), C_0 the IV), so what is left per value is
    its HMAC and base64. Values must be non-empty plain strings (a token or "" is a caller's error:
    ValueError)."""
    import os

    import numpy as np
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from shebao.core import clock

    key = base64.urlsafe_b64decode(field_keys()[0])
    signing, aes = key[:16], Cipher(algorithms.AES(key[16:]), modes.ECB())
    stamp = b"\x80" + int(clock.wall_now().timestamp()).to_bytes(8, "big")
    out: list[str] = [""] * len(values)
    groups: dict[int, list[int]] = {}
    padded: list[bytes] = []
    for i, value in enumerate(values):
        if not value or is_token(value):
            raise ValueError("encrypt_many: every value must be a non-empty plain string")
        raw = str(value).encode()
        fill = 16 - len(raw) % 16  # PKCS7: 1..16 bytes, each the count
        padded.append(raw + bytes([fill]) * fill)
        groups.setdefault(len(padded[-1]), []).append(i)
    for size, rows in groups.items():
        blocks = np.frombuffer(b"".join(padded[i] for i in rows), dtype=np.uint8).reshape(len(rows), size // 16, 16)
        ivs = np.frombuffer(os.urandom(16 * len(rows)), dtype=np.uint8).reshape(len(rows), 16)
        cipher = np.empty_like(blocks)
        previous = ivs
        for b in range(size // 16):
            encryptor = aes.encryptor()
            step = encryptor.update(np.bitwise_xor(blocks[:, b], previous).tobytes()) + encryptor.finalize()
            previous = cipher[:, b] = np.frombuffer(step, dtype=np.uint8).reshape(len(rows), 16)
        body = np.concatenate([ivs, cipher.reshape(len(rows), size)], axis=1).tobytes()
        width = 16 + size
        for k, i in enumerate(rows):
            signed = stamp + body[k * width:(k + 1) * width]
            out[i] = base64.urlsafe_b64encode(signed + hmac.digest(signing, signed, "sha256")).decode()
    return out


def decrypt(value: str | None) -> str | None:
    """The plain value of a token (any key of SHEBAO_FIELD_KEYS). A value that is not a token (a
    row written in clear below the ORM, before `shebao encryption_rotate` encrypts it) is returned
    as it is. Raises ImproperlyConfigured when no key opens the token (a key was dropped too soon)."""
    if not is_token(value):
        return value
    try:
        return fernet().decrypt(str(value).encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("an encrypted value opens with none of SHEBAO_FIELD_KEYS: "
                                   "was a key removed before `shebao encryption_rotate` ran?") from None


# Fernet's token layout (https://github.com/fernet/spec/blob/master/Spec.md): version 0x80, an 8-byte
# time stamp, a 16-byte IV, the AES-128-CBC ciphertext (whole 16-byte blocks, PKCS#7 padded) and the
# HMAC-SHA256 of everything before it; the key is the 16-byte signing key then the 16-byte encryption key.
_HEAD, _MAC, _BLOCK = 25, 32, 16
BULK_CHUNK = 20_000


def decrypt_many(values: list[str | None]) -> list[str | None]:
    """`decrypt` of each of ``values``, in order: the same answers and the same refusals, for a column
    read whole (the bank payment file's accounts, millions of lines: `decrypt` costs about 10 µs a token
    in `Fernet`'s own objects, this about a third of it).

    Tokens under the newest key are opened together, as the Fernet specification says and nothing
    less: each token's HMAC-SHA256 is checked first, in constant time (`hmac.compare_digest`), then all
    their ciphertext blocks are decrypted by one AES call (`cryptography`'s AES in ECB mode, i.e. the
    block cipher alone) and each block XORed with the ciphertext block before it, the IV for the first:
    CBC decryption by its definition (NIST SP 800-38A §6.2), done for the whole chunk at once instead
    of one CBC decryptor per token; then the PKCS#7 padding is checked and removed. Like `Fernet.decrypt`
    without a ``ttl``, the time stamp is not read. A value in clear, a token under an older key and
    anything malformed or tampered with go through `decrypt` itself, which answers or raises as it
    always does (tests/core/test_crypto_bulk.py holds the two equal on random values)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = base64.urlsafe_b64decode(field_keys()[0])
    signing, encryption = raw[:16], raw[16:]
    out: list[str | None] = list(values)
    for start in range(0, len(out), BULK_CHUNK):
        picked: list[int] = []
        blocks: list[bytes] = []
        before: list[bytes] = []
        for i in range(start, min(start + BULK_CHUNK, len(out))):
            value = out[i]
            if not is_token(value):
                continue
            try:
                data = base64.urlsafe_b64decode(value)
            except (ValueError, TypeError):
                continue  # left to `decrypt`, which refuses it
            body = len(data) - _HEAD - _MAC
            if data[0] != 0x80 or body < _BLOCK or body % _BLOCK or not hmac.compare_digest(
                    hmac.digest(signing, data[:-_MAC], "sha256"), data[-_MAC:]):
                continue  # another key, or not a token of ours: `decrypt` answers
            picked.append(i)
            blocks.append(data[_HEAD:-_MAC])
            before.append(data[_HEAD - _BLOCK:-_MAC - _BLOCK])  # the IV, then every block but the last
        if picked:
            ciphertext, chained = b"".join(blocks), b"".join(before)
            decryptor = Cipher(algorithms.AES(encryption), modes.ECB()).decryptor()
            plain = decryptor.update(ciphertext) + decryptor.finalize()
            plain = (int.from_bytes(plain, "big") ^ int.from_bytes(chained, "big")).to_bytes(len(plain), "big")
            at = 0
            for i, block in zip(picked, blocks, strict=True):
                padded = plain[at:at + len(block)]
                at += len(block)
                pad = padded[-1]
                if 1 <= pad <= _BLOCK and padded[-pad:] == bytes([pad]) * pad:
                    try:
                        out[i] = padded[:-pad].decode()
                        continue
                    except UnicodeDecodeError:
                        pass
                out[i] = decrypt(out[i])  # refused there as it always is
        opened = set(picked)
        for i in range(start, min(start + BULK_CHUNK, len(out))):
            if i not in opened and is_token(out[i]):
                out[i] = decrypt(out[i])
    return out


def rotate(value: str | None) -> str | None:
    """`value` re-encrypted under the newest key (a value in clear is encrypted)."""
    if value is None or value == "":
        return value
    if not is_token(value):
        return encrypt(value)
    return fernet().rotate(str(value).encode()).decode()


def blind_index(value: str | None, *, kind: str) -> str:
    """The keyed hash a number is looked up by: HMAC-SHA256 (hex) of ``kind:normalised value``.

    `kind` keeps equal digits of different kinds apart ("bank_account", "id_number", "phone"); the
    value is normalised as typed anywhere (`core.normalize.normalize_code`: full-width digits,
    spaces, lower-case x). "" for an empty value.
    """
    code = normalize_code(value)
    if not code:
        return ""
    return hmac.new(blind_index_key(), f"{kind}:{code}".encode(), hashlib.sha256).hexdigest()


def rewrite_rows(model: type, *, batch: int = 2000) -> int:
    """Rewrite every row of `model`: each encrypted column under the newest key (a value still in
    clear is encrypted), each blind index recomputed under the current index key. Returns the rows
    rewritten. Each batch is its own transaction, so a run stopped half-way is simply run again.
    Used by `rotate_all` and by the forward-only data migrations (with their historical model)."""
    from django.db import transaction

    from shebao.core.fields import BlindIndexField, EncryptedTextField

    fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
    names = [f.name for f in fields] + [f.name for f in indexes]
    if not fields:
        return 0
    count, last = 0, None
    while True:
        qs = model._default_manager.order_by("pk").only("pk", *names)
        if last is not None:
            qs = qs.filter(pk__gt=last)
        rows = list(qs[:batch])
        if not rows:
            return count
        for row in rows:
            for index in indexes:
                setattr(row, index.attname, blind_index(getattr(row, index.source), kind=index.kind))
        with transaction.atomic():
            model._default_manager.bulk_update(rows, names)
        count += len(rows)
        last = rows[-1].pk


def rotate_all(*, batch: int = 2000) -> dict[str, int]:
    """Re-encrypt every encrypted column of every model under the newest key and recompute every
    blind index (`rewrite_rows`). Returns the rows rewritten per model ("registry.Employer": n).
    Run after putting a new key first in SHEBAO_FIELD_KEYS (or changing SHEBAO_BLIND_INDEX_KEY);
    an old key may be dropped afterwards (docs/encryption.md)."""
    from django.apps import apps

    from shebao.core.fields import EncryptedTextField

    return {model._meta.label: rewrite_rows(model, batch=batch) for model in apps.get_models()
            if any(isinstance(f, EncryptedTextField) for f in model._meta.concrete_fields)}
