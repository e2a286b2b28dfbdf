"""A rotated SECRET_KEY keeps the cursors handed out under the old one (issue 16): with the old key in
SECRET_KEY_FALLBACKS a client in the middle of a walk gets its next page, not a 400 and page one; new
cursors are signed with the new key; without the fallback the old cursor is refused as any unknown one."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from shebao.api.pagination import _signer
from shebao.core import crypto
from tests import personas
from tests.cases.conftest import client_for

pytestmark = pytest.mark.django_db
OLD = "old-secret-key-of-this-install-0123456789abcdef"
NEW = "new-secret-key-of-this-install-fedcba9876543210"


def _cursor(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cursor"][0]


@pytest.fixture(autouse=True)
def _data_keys_of_their_own(settings):
    """As in production, the data's keys are set apart from SECRET_KEY (docs/encryption.md), so the
    rotation below changes the signing key alone."""
    settings.SHEBAO_FIELD_KEYS = [base64.urlsafe_b64encode(crypto.derived_key("field-encryption")).decode()]
    settings.SHEBAO_BLIND_INDEX_KEY = crypto.derived_key("blind-index").hex()


def test_a_cursor_of_the_old_key_still_walks_after_rotation(municipal_admin):
    people = [personas.make_person(personas.numbered("翻页", n), serial=40 + n) for n in range(3)]
    api = client_for(municipal_admin)
    with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
        first = api.get("/api/v1/persons/", {"page_size": 1})
        assert first.status_code == 200
        next_url = first.json()["next"]
    seen_first = [r["id"] for r in first.json()["results"]]

    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):  # rotated, the old key forgotten
        refused = api.get(next_url)
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "cursor"

    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        second = api.get(next_url)
        assert second.status_code == 200, second.content
        seen_second = [r["id"] for r in second.json()["results"]]
        assert len(seen_second) == 1 and seen_second != seen_first  # the next page, not page one again
        newer = second.json()["next"]
        # The new cursor is signed with the new key alone: it verifies with no fallback at all.
        _signer("/api/v1/persons/", {"page_size": ["1"]}).unsign(_cursor(newer))
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        third = api.get(newer)
        assert third.status_code == 200
        walked = seen_first + seen_second + [r["id"] for r in third.json()["results"]]
    assert sorted(walked) == sorted(p.pk for p in people)
