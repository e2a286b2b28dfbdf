"""`crypto.decrypt_many` answers what `crypto.decrypt` (Fernet) answers for each value, and refuses what
it refuses; `crypto.encrypt_many` writes tokens that Fernet itself opens (issue 17: the bank payment
file opens millions of account tokens at once, the generator writes millions). Both are one call of
`cryptography`'s Fernet a value, in this process or spread over processes (`crypto.Workers`): each path
is held to Fernet here."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet, MultiFernet
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


def _fernet_opens(token):
    """What `cryptography`'s MultiFernet itself answers for a stored value (the reference)."""
    if not crypto.is_token(token):
        return token
    return MultiFernet([Fernet(K1), Fernet(K2)]).decrypt(token.encode()).decode()


@settings(max_examples=60, deadline=None)
@given(st.lists(value, max_size=40))
def test_the_bulk_path_answers_as_fernet_and_decrypt_do(values):
    stored = [_stored(v) for v in values]
    with override_settings(SHEBAO_FIELD_KEYS=[K1, K2]):
        assert crypto.decrypt_many(stored) == [crypto.decrypt(s) for s in stored] == [_fernet_opens(s) for s in stored]


def test_a_list_spread_over_processes_answers_in_order_as_fernet_does(monkeypatch):
    """Over SPREAD_FROM values the work is cut in parts done by other processes: the answers are those of
    Fernet, in the order of the values (clear values, None, "" and both keys' tokens mixed)."""
    stored = [_stored(v) for v in [("new", "6222020000000000011"), None, ("old", "一二三" * 9), "", ("clear", "62"),
                                   ("new", "a" * 16), ("old", "b" * 15)] * 5]
    monkeypatch.setattr(crypto, "SPREAD_FROM", 4)
    with override_settings(SHEBAO_FIELD_KEYS=[K1, K2]):
        assert crypto.decrypt_many(stored) == [_fernet_opens(s) for s in stored]
        with crypto.Workers(3) as workers:  # kept for several calls
            assert crypto.decrypt_many(stored, workers=workers) == [_fernet_opens(s) for s in stored]
            assert crypto.decrypt_many(stored[:3], workers=workers) == [_fernet_opens(s) for s in stored[:3]]


@pytest.mark.parametrize("spread", [False, True])
def test_bulk_tokens_are_fernet_tokens_of_the_newest_key(spread, monkeypatch):
    """`encrypt_many` writes what Fernet opens under the newest key, each with its own IV, in order;
    a token or an empty value is refused before anything is encrypted."""
    if spread:
        monkeypatch.setattr(crypto, "SPREAD_FROM", 2)
    values = ["11010519491231002X", "13800001234", "6222000000000000001", "x", "一二三" * 9, "a" * 16, "b" * 15] * 3
    with override_settings(SHEBAO_FIELD_KEYS=[K1, K2]):
        tokens = crypto.encrypt_many(values)
        assert [Fernet(K1).decrypt(t.encode()).decode() for t in tokens] == values
        assert len(set(tokens)) == len(tokens)
        assert crypto.decrypt_many(tokens) == values
        with pytest.raises(ValueError):
            crypto.encrypt_many(["1", ""])
        with pytest.raises(ValueError):
            crypto.encrypt_many(["1", None])
        with pytest.raises(ValueError):
            crypto.encrypt_many(["1", tokens[0]])


def _tampered(token: str, at: int) -> str:
    data = bytearray(base64.urlsafe_b64decode(token))
    data[at] ^= 1
    return base64.urlsafe_b64encode(bytes(data)).decode()


@pytest.mark.parametrize("at", [5, 12, 30, -40, -1])  # time stamp, IV, ciphertext, MAC
def test_a_tampered_token_is_refused_as_decrypt_refuses_it(at, monkeypatch):
    with override_settings(SHEBAO_FIELD_KEYS=[K1]):
        good = crypto.encrypt("6222020000000000011")
        bad = _tampered(good, at)
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(bad)
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt_many([good, bad])
        assert crypto.decrypt_many([good, good]) == ["6222020000000000011"] * 2
        if at == -1:  # refused in a process of its own too (the bad one in the part another process opens)
            monkeypatch.setattr(crypto, "SPREAD_FROM", 2)
            with pytest.raises(ImproperlyConfigured, match="SHEBAO_FIELD_KEYS"):
                crypto.decrypt_many([good, good, good, bad])


def test_a_token_no_key_opens_is_refused():
    with override_settings(SHEBAO_FIELD_KEYS=[K2]):
        token = crypto.encrypt("6222020000000000011")
    with override_settings(SHEBAO_FIELD_KEYS=[K1]), pytest.raises(ImproperlyConfigured, match="SHEBAO_FIELD_KEYS"):
        crypto.decrypt_many([token])
