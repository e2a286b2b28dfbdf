"""An employer's POST-only address asks who is signed in before it asks the method: a person's session
(or none) is sent to the employer sign-in as at every other employer address; only a signed-in employer
is told 405 (review-input14 8: a person's GET of /portal/employer/accounts/1/disable/ answered 405)."""

from __future__ import annotations

import pytest

from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_employer, sign_in_person


@pytest.fixture
def post_only(admin_chaoyang):
    from django.urls import reverse

    return [reverse("portal:employer_account_disable", args=[admin_chaoyang.pk])]


def test_a_person_is_sent_to_the_employer_sign_in(client, settings, insured, post_only):
    sign_in_person(client, settings, insured)
    with nothing_written():
        for url in post_only:
            r = client.get(url)
            assert r.status_code == 302 and r["Location"].startswith("/portal/employer/sign-in/"), url


def test_nobody_is_sent_to_the_employer_sign_in(client, post_only):
    for url in post_only:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/portal/employer/sign-in/"), url


def test_a_signed_in_administrator_is_told_the_method(client, settings, admin_chaoyang, post_only):
    sign_in_employer(client, settings, admin_chaoyang)
    for url in post_only:
        assert client.get(url).status_code == 405, url
