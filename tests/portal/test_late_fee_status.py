"""The employer's bill says where its late fee stands and how to pay it (review U11: 滞纳金74.48元
beside 未缴金额0.00元, spread over three paid dues, said neither whether it was owed nor how to pay)."""

from __future__ import annotations

import datetime as dt
import io
import re

from django.urls import reverse
from pypdf import PdfReader

from shebao.collection.selectors import employer_account
from shebao.core.money import format_yuan
from shebao.core.policy import current_policy
from tests.collection.conftest import book_due
from tests.portal.conftest import sign_in_employer


def _status(html: str) -> str:
    """The status element's text, on the portal (a <p>) or the office's page (a <span>); the helpline
    in it is a tel: link on both."""
    found = re.search(r'<(p|span)[^>]*\bid="late-fee-status">(.*?)</\1>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(2))


def test_a_late_fee_on_paid_dues_is_shown_as_unpaid_with_how_to_pay(client, settings, admin_chaoyang,
                                                                     clerk_chaoyang):
    settings.SHEBAO_TODAY = "2020-06-30"
    settings.SHEBAO_HELPLINE = "010-87654321"
    employer = admin_chaoyang.employer
    book_due(employer, "2019-09", 500_000, paid_on=dt.date(2019, 12, 20))  # paid late: the fee is fixed
    book_due(employer, "2019-10", 300_000)  # still open: the fee grows each day
    account = employer_account(employer=employer, as_of=dt.date(2020, 6, 30), policy=current_policy())
    assert account.late_fee_fixed_fen > 0 and account.late_fee_accruing_fen > 0
    assert account.late_fee_fixed_fen + account.late_fee_accruing_fen == account.late_fee_fen
    sign_in_employer(client, settings, admin_chaoyang)
    html = client.get(reverse("portal:employer_account")).content.decode()
    status = _status(html)
    assert f"滞纳金{format_yuan(account.late_fee_fen)}元尚未缴纳" in status
    assert f"费款已缴清、金额已确定的{format_yuan(account.late_fee_fixed_fen)}元" in status
    assert f"随欠费按日累计的{format_yuan(account.late_fee_accruing_fen)}元" in status
    assert "须另行缴纳：请联系朝阳区社会保险基金管理中心开具缴款通知，咨询电话010-87654321" in status
    assert "未缴，费款已缴清，金额已确定" in html and "未缴，按日累计至缴清费款之日" in html  # each due's own state
    # The office's page and the statement PDF say the same.
    client.force_login(clerk_chaoyang)
    page = client.get(reverse("collection:employer_account", args=[employer.pk])).content.decode()
    assert _status(page) == status
    pdf = client.get(reverse("backoffice:employer_statement", args=[employer.pk])).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "滞纳金状态：" in text and "尚未缴纳" in text and "未缴（已定额）" in text and "未缴（累计中）" in text


def test_no_late_fee_says_so(client, settings, admin_chaoyang):
    settings.SHEBAO_TODAY = "2020-06-30"
    book_due(admin_chaoyang.employer, "2020-05", 100_000, paid_on=dt.date(2020, 5, 10))
    sign_in_employer(client, settings, admin_chaoyang)
    html = client.get(reverse("portal:employer_account")).content.decode()
    assert _status(html).startswith("没有应缴的滞纳金。") and "尚未缴纳" not in html
