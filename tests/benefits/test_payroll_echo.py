"""The payroll form says back what was typed safely, and a second start says the run exists
(review-input5 F7): ``month=110105196507131772`` was echoed unmasked, a 5,000-character month whole, a
U+202E inside the page; and a second start of a built month said "generated" though nothing was made."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from shebao.benefits.models import PayrollRun, Transfer
from shebao.core.audit import AuditEvent
from tests.benefits.test_award_payee import _marked
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db
ID = "110105196507131772"


def _said(r) -> list[str]:
    return [str(m) for m in get_messages(r.wsgi_request)]


@pytest.mark.parametrize("month", [ID, "2" * 5000, "\u202e2020-02", "2020-02\u200b", "\u2066２０２０-0２"])
def test_a_refused_month_is_echoed_masked_cut_and_without_bidi_controls(client, three_retirees,
                                                                        collection_clerk, month):
    client.force_login(collection_clerk)
    with nothing_written():
        r = client.post(reverse("backoffice:payroll_run_start"), {"month": month})
    # the runs page again, the message at the month's input (no flash and redirect: the typed month is kept)
    assert r.status_code == 400
    page = r.content.decode()
    text = _marked(page, "month")
    assert "发放月份应为“年-月”" in text, text
    assert ID not in text and len(text) < 200
    assert not any(ch in text for ch in "\u202e\u2066\u200b")
    if month == ID:
        assert "110105********1772" in text and 'value="110105********1772"' in page
    assert ID not in page and "\u202e" not in page and "2" * 100 not in page


def test_a_second_start_of_a_built_month_says_it_exists_and_changes_nothing(client, three_retirees,
                                                                          collection_clerk):
    client.force_login(collection_clerk)
    first = client.post(reverse("backoffice:payroll_run_start"), {"month": "2020-02"})
    run = PayrollRun.objects.get()
    assert any(m.startswith("已生成2020-02") for m in _said(first))
    client.get(first["Location"])  # the run page shows (and so spends) the first message
    transfers, audits = Transfer.objects.count(), AuditEvent.objects.count()
    with nothing_written():
        again = client.post(reverse("backoffice:payroll_run_start"), {"month": "2020-02"})
    assert again.status_code == 302 and again["Location"] == reverse("backoffice:payroll_run", args=[run.pk])
    said = _said(again)
    assert len(said) == 1 and f"#{run.pk}已存在" in said[0] and "本次未重复生成" in said[0], said
    assert not any("已生成" in m for m in said)
    assert PayrollRun.objects.count() == 1 and Transfer.objects.count() == transfers
    assert AuditEvent.objects.count() == audits
