"""One configured helpline (review U15: the portal said 12333, the public check page 96102): every
page, message and PDF gives the numbers of core.contact, and no code writes a number of its own."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"
NUMBER = re.compile(r"(?<!\d)(12333|96102)(?!\d)")
ALLOWED = {SRC / "core" / "contact.py", SRC / "config" / "settings.py"}


def test_no_page_message_or_pdf_writes_a_hotline_of_its_own():
    found = []
    for path in SRC.rglob("*"):
        if path.suffix not in (".py", ".html", ".txt") or path in ALLOWED or "data" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if NUMBER.search(line):
                found.append(f"{path.relative_to(SRC)}:{n}: {line.strip()[:80]}")
    assert not found, "use core.contact.helpline()/card_line() or {{ helpline }}/{{ card_line }}:\n" + "\n".join(found)


def test_the_public_check_page_and_the_portal_give_the_same_configured_helpline(client, db, settings):
    settings.SHEBAO_HELPLINE = "010-87654321"
    settings.SHEBAO_CARD_LINE = "010-11112222"
    check = client.get(reverse("web:rights_statement_verify"), {"code": "ABCD-EFGH-JKMN"}).content.decode()
    portal = client.get(reverse("portal:person_sign_in")).content.decode()
    card = client.get(reverse("web:card_certificate_verify"), {"code": "ABCD-EFGH-JKMN"}).content.decode()
    assert "010-87654321" in check and "010-87654321" in portal
    assert "010-11112222" in card and "010-87654321" not in card
    for text in (check, portal, card):
        assert not NUMBER.search(text)


def test_a_case_message_gives_the_configured_helpline(settings):
    from shebao.cases.models import Case
    from shebao.cases.notifications import outbox_messages

    settings.SHEBAO_HELPLINE = "010-87654321"
    case = Case(pk=5, business="b", business_zh="工伤认定", status="submitted", contact_email="a@example.cn")
    assert all("如有疑问请致电010-87654321。" in m.body for m in outbox_messages(case=case, event="submitted"))
