"""review-user13 (11): the identity check's instruction on the way to the card page was green, like a
success. A message looks like what it is: information (an instruction, the check's outcome with its time
limit) blue, a success green, an error red, on the portal and the staff's pages alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.portal.conftest import sign_in_person

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"


def _rule(css: str, selector: str) -> str:
    m = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert m, selector
    return m.group(1)


@pytest.mark.parametrize("css", ["portal/static/portal/portal.css", "web/static/web/shebao.css"])
def test_information_is_not_styled_as_a_success(css):
    text = (SRC / css).read_text(encoding="utf-8")
    background = re.compile(r"background:\s*([^;]+);")
    plain = background.search(_rule(text, ".messages li")).group(1)
    success = background.search(_rule(text, ".messages li.success")).group(1)
    error = background.search(_rule(text, ".messages li.error")).group(1)
    assert len({plain, success, error}) == 3, (plain, success, error)
    assert ".messages li.info" not in text or background.search(_rule(text, ".messages li.info")).group(1) == plain


@pytest.mark.django_db
def test_the_card_pages_identity_instruction_is_information(client, settings, insured):
    sign_in_person(client, settings, insured)
    r = client.get(reverse("portal:person_card_apply"), follow=True)
    html = r.content.decode()
    assert r.redirect_chain and "/portal/person/identity/" in r.redirect_chain[-1][0]
    assert re.search(r'<li class="info">办理该业务须先通过身份核验', html), html
