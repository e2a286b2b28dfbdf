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
from collections.abc import Callable
from functools import lru_cache
from typing import Any

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
            "SHEBAO_FIELD_KEYS应为以逗号分隔的Fernet密钥（32字节的URL安全base64编码）") from exc


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


def decrypt(value: str | None) -> str | None:
    """The plain value of a token (any key of SHEBAO_FIELD_KEYS). A value that is not a token (a
    row written in clear below the ORM, before `shebao encryption_rotate` encrypts it) is returned
    as it is. Raises ImproperlyConfigured when no key opens the token (a key was dropped too soon)."""
    if not is_token(value):
        return value
    return _open(fernet(), value)


# --- Many values at once ------------------------------------------------------------------------
# Each value is one call of `cryptography`'s Fernet/MultiFernet, as `encrypt`/`decrypt` do (about
# 11 µs a value on one core): no cryptography of our own. A long list is cut in parts spread over
# processes (the machine's cores), each part still one Fernet call a value.
WORKERS = 2  # processes a long list is spread over: this one and WORKERS - 1 started for it
SPREAD_FROM = 100_000  # values: a shorter list is done here alone (a process costs ~0.2 s to start)


def _seal_all(keys: tuple[str, ...], values: list[str]) -> list[str]:
    f = _fernet(keys)
    return [f.encrypt(value.encode()).decode() for value in values]


def _open(f: MultiFernet, value: str | None) -> str | None:
    if not is_token(value):
        return value
    try:
        return f.decrypt(str(value).encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("加密数据无法用SHEBAO_FIELD_KEYS中的任何密钥解开："
                                   "是否在运行 shebao encryption_rotate 之前删除了旧密钥？") from None


def _open_all(keys: tuple[str, ...], values: list[str | None]) -> list[str | None]:
    f = _fernet(keys)
    return [_open(f, value) for value in values]


class Workers:
    """Processes that `encrypt_many` and `decrypt_many` spread a long list over, kept for as long as the
    ``with`` block lasts (a caller opening millions of values a chunk at a time starts them once):
    ``with crypto.Workers() as workers: crypto.decrypt_many(tokens, workers=workers)``.

    ``count``: the processes the work is spread over, this one included (default WORKERS; 1: none is
    started). They are started fresh (multiprocessing's "spawn": a new interpreter, no copy of this
    process's database connections or threads) and are given the keys with each part, nothing else.
    As with every "spawn" process, the program's main module is imported again in each of them, so a
    script calling this keeps its work under ``if __name__ == "__main__":`` (`python -m shebao`, the
    benches and pytest do): a script without it runs its work again in the worker, which then waits on
    what the caller holds (found with a throwaway profiling script: the worker blocked on the run's row
    lock, the caller on the worker).
    """

    def __init__(self, count: int = WORKERS) -> None:
        self.count = max(1, int(count))
        self._pool: Any = None

    def __enter__(self) -> Workers:
        if self.count > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.count - 1, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[tuple[str, ...], list], list], keys: tuple[str, ...], values: list) -> list:
        """``fn(keys, values)``, the values cut in ``count`` parts done at the same time (the first here), the
        answers in the order of ``values``; an exception of any part is raised here."""
        if self._pool is None or len(values) < 2:
            return fn(keys, values)
        size = -(-len(values) // self.count)
        parts = [values[i:i + size] for i in range(0, len(values), size)]
        futures = [self._pool.submit(fn, keys, part) for part in parts[1:]]
        try:
            out = fn(keys, parts[0])
            for future in futures:
                out.extend(future.result())
        finally:
            for future in futures:
                future.cancel()
        return out


def _spread(fn: Callable[[tuple[str, ...], list], list], keys: tuple[str, ...], values: list,
            workers: Workers | None) -> list:
    if workers is not None:
        return workers.map(fn, keys, values)
    if len(values) < SPREAD_FROM:
        return fn(keys, values)
    with Workers() as spread:
        return spread.map(fn, keys, values)


def encrypt_many(values: list[str], *, workers: Workers | None = None) -> list[str]:
    """`encrypt` of each of ``values``, in order, for bulk loads (the generator writes millions): the
    tokens of `cryptography`'s Fernet under the newest key, one Fernet call a value (~11 µs), a list of
    SPREAD_FROM values or more spread over WORKERS processes (or over ``workers``). Values must be
    non-empty plain strings (a token or "" is a caller's error: ValueError, nothing encrypted)."""
    if any(not value or is_token(value) for value in values):
        raise ValueError("encrypt_many: every value must be a non-empty plain string")
    keys = field_keys()
    _fernet(keys)  # a malformed key: ImproperlyConfigured here, before any process is started
    return _spread(_seal_all, keys, [str(value) for value in values], workers)


def decrypt_many(values: list[str | None], *, workers: Workers | None = None) -> list[str | None]:
    """`decrypt` of each of ``values``, in order, with the same answers and the same refusals, for a
    column read whole (the pension payment file's accounts: 3,000,000 a month, issue 17): one
    `MultiFernet.decrypt` a token (~11 µs; any key of SHEBAO_FIELD_KEYS), a value in clear, None or ""
    returned as it is; a list of SPREAD_FROM values or more spread over WORKERS processes (or over
    ``workers``). Raises ImproperlyConfigured, as `decrypt` does, when a token opens with no key
    (tampered, or its key dropped too soon)."""
    if not any(is_token(value) for value in values):
        return list(values)  # nothing to open (and no key needed, as `decrypt` needs none then)
    keys = field_keys()
    _fernet(keys)
    return _spread(_open_all, keys, list(values), workers)


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
