"""A message to groups states the policy as the agency's own announcements do (review-user14 (1): the
"不见面" template told employers 2月份至疫情解除当月的征收期顺延，逾期不加收滞纳金 while the home page,
the announcements and the bill said 1月、2月 to 2020年3月31日), signs an SMS 【朝阳区社保】 and not with
the agency's full name, and its letters are titled without the SMS signature, dated in the official
form and numbered 1..N within the batch (review-user14 (2))."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from shebao.core.policy import policy_statements
from shebao.operations import outreach
from shebao.operations.models import Outreach
from tests import personas


@pytest.fixture(autouse=True)
def _dirs(settings, tmp_path):
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


def test_the_template_states_the_policy_in_force_word_for_word(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    page = client.get(reverse("backoffice:outreach_new") + "?template=no_contact").content.decode()
    periods = [s.text for s in policy_statements() if s.id.startswith("collection_periods")]
    relief = [s.text for s in policy_statements() if s.id == "late_fee_relief"]
    assert periods and relief
    assert "2020年1月、2月的社会保险费征收期延长至2020年3月31日" in periods[0]
    for sentence in periods + relief:
        assert sentence in page
    assert "顺延" not in page and "疫情解除当月的征收期" not in page


def test_sms_signature_names_the_district_and_letters_are_formal(
        client, clerk_chaoyang, reviewer_chaoyang, chaoyang):
    employers = [personas.make_employer(f"北京朝阳{n}有限公司", serial=20 + i) for i, n in enumerate("甲乙丙")]
    for i, e in enumerate(employers):
        outreach.employer_contact_save(actor=personas.SETUP, employer=e, phone=f"1380000002{i}",
                                       postal_address=f"北京市朝阳区望京街{i + 1}号")
    t = outreach.template("no_contact")
    o = outreach.outreach_draft(actor=clerk_chaoyang, title=t["title"], audience="district_employers",
                                channels=["sms", "letter"], purpose="service", subject=t["subject"], body=t["body"])
    outreach.outreach_approve(actor=reviewer_chaoyang, outreach=o, version=o.version)
    o.refresh_from_db()
    assert o.state == Outreach.State.APPROVED
    subjects = {r.subject for r in o.recipients.all()}
    assert subjects == {"【朝阳区社保】疫情期间请通过网上办理社保业务"}

    client.force_login(clerk_chaoyang)
    pdf = client.get(reverse("backoffice:outreach_letters", args=[o.pk])).content
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 3
    for n, text in enumerate(pages, start=1):
        assert "疫情期间请通过网上办理社保业务" in text and "【" not in text
        assert "2020年2月20日" in text and "2020年02月20日" not in text
        assert f"第 {n} 封（共 3 封）" in text
