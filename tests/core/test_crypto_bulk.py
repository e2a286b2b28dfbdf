"""`crypto.decrypt_many` answers what `crypto.decrypt` answers for each value, and refuses what it
refuses (issue 17: the bank payment file opens millions of account tokens at once)."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.core import crypto

K1, K2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()

# plain values of any length (one block, several, a whole block of padding), in clear or encrypted
# under the newest key or an older one; None and "" as the columns hold them
plain = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=70)
value = st.one_of(st.none(), st.just(""), st.tuples(st.sampled_from(["clear", "new", "old"]), plain))


def _stored(v):
    if v is None or v == "":
        return v
    how, text = v
    if how == "clear":
        return "x" + text  # never a token's start
    with override_settings(SHEBAO_FIELD_KEYS=[K1 if how == "new" else K2]):
        return crypto.encrypt(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(value, max_size=40), st.integers(min_value=1, max_value=7))
def test_the_bulk_path_answers_as_decrypt_does(values, chunk):
    stored = [_stored(v) for v in values]
    with override_settings(SHEBAO_FIELD_KEYS=[K1, K2]):
        expected = [crypto.decrypt(s) for s in stored]
        old, crypto.BULK_CHUNK = crypto.BULK_CHUNK, chunk  # chunks cut anywhere
        try:
            assert crypto.decrypt_many(stored) == expected
        finally:
            crypto.BULK_CHUNK = old


def _tampered(token: str, at: int) -> str:
    data = bytearray(base64.urlsafe_b64decode(token))
    data[at] ^= 1
    return base64.urlsafe_b64encode(bytes(data)).decode()


@pytest.mark.parametrize("at", [5, 12, 30, -40, -1])  # time stamp, IV, ciphertext, MAC
def test_a_tampered_token_is_refused_as_decrypt_refuses_it(at):
    with override_settings(SHEBAO_FIELD_KEYS=[K1]):
        good = crypto.encrypt("6222020000000000011")
        bad = _tampered(good, at)
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(bad)
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt_many([good, bad])
        assert crypto.decrypt_many([good, good]) == ["6222020000000000011"] * 2


def test_a_token_no_key_opens_is_refused():
    with override_settings(SHEBAO_FIELD_KEYS=[K2]):
        token = crypto.encrypt("6222020000000000011")
    with override_settings(SHEBAO_FIELD_KEYS=[K1]), pytest.raises(ImproperlyConfigured, match="SHEBAO_FIELD_KEYS"):
        crypto.decrypt_many([token])
