"""The case page's forms say every fault at once, each at its input, and keep what was typed
(review-user7 F2's class; the assessment form's own test is in tests/benefits/test_declaration_effect.py):
here the commitment letter, whose text and signer were judged one after the other."""

from __future__ import annotations

import re

import pytest

from shebao.cases.models import Case, CommitmentLetter
from tests.cases.conftest import submit
from tests.nothing_written import nothing_written


@pytest.mark.parametrize("htmx", [True, False])
def test_the_letter_form_names_both_faults_and_keeps_the_typing(client, cy, clerk_chaoyang, employer_chaoyang, htmx):
    made = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
                  applied_on="2020-02-10").json()
    Case.objects.filter(pk=made["id"]).update(requires=["commitment_letter"])  # a case on commitment (1.2)
    client.force_login(clerk_chaoyang)
    signer = "张" * 101
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with nothing_written():
        r = client.post(f"/office/cases/{made['id']}/letter/", {"text": "  ", "signer": signer}, **extra)
    html = r.content.decode()
    assert r.status_code == 400, html[-1500:]
    assert re.search(r'<textarea name="text"[^>]*aria-invalid="true"', html)
    assert re.search(rf'<input type="text" name="signer"[^>]*value="{signer}"[^>]*aria-invalid="true"', html)
    assert "请填写承诺内容" in html and 'id="error-signer"' in html and "100" in html
    assert not CommitmentLetter.objects.exists()
    # The API says both too, each at its field.
    with nothing_written():
        r = cy.post(f"/api/v1/cases/{made['id']}/commitment-letter/", {"text": "", "signer": ""}, format="json")
    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} == {"text", "signer"}
    # And the service itself, whatever calls it: every fault in one refusal.
    from shebao.cases.services import DetailsRefused, commitment_letter_capture

    with nothing_written(), pytest.raises(DetailsRefused) as refused:
        commitment_letter_capture(case=Case.objects.get(pk=made["id"]), actor=clerk_chaoyang, text="", signer=signer)
    assert [e.field for e in refused.value.errors] == ["text", "signer"]
