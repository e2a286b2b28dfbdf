"""A service notice (服务提示（可退订）) sent by SMS or e-mail ends with how to unsubscribe (a fresh
user's walk: bodies marked 可退订 ended with 咨询电话12333。 and said no way to decline). Opt-outs are
recorded by staff when the person asks by phone or at the counter (replies to an SMS are not read), so
the line names the helpline, not 回复TD. A legal notice, which may not be declined, and a letter carry none."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.models import OutboxMessage
from shebao.core.contact import helpline
from shebao.operations import outreach
from tests.operations.test_outreach import draft, employers  # noqa: F401 (the fixture)


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def test_a_service_notice_ends_with_the_way_to_unsubscribe(clerk_chaoyang, reviewer_chaoyang, employers):  # noqa: F811
    line = f"退订请致电{helpline()}。"
    o = draft(clerk_chaoyang)
    outreach.outreach_approve(actor=reviewer_chaoyang, outreach=o, version=o.version)
    rows = list(o.recipients.all())
    electronic = [r for r in rows if r.channel in ("sms", "email")]
    assert electronic and all(r.body.endswith(line) and r.body.count("退订") == 1 for r in electronic)
    assert all(m.body.endswith(line) for m in OutboxMessage.objects.filter(event=f"outreach:{o.pk}"))
    assert all("退订" not in r.body for r in rows if r.channel == "letter")
    legal = draft(clerk_chaoyang, purpose="legal")
    outreach.outreach_approve(actor=reviewer_chaoyang, outreach=legal, version=legal.version)
    assert all("退订" not in r.body for r in legal.recipients.all())
