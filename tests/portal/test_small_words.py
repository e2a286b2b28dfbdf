"""review-user14 (15): small inconsistencies an HR clerk and a clerk met — the bill's refund line ran
核准于2020-02-20· 所退费款 together; a payment brought over from the old system was labelled 历史已缴; the
staff's 所属区 said the agency's full name (朝阳区社会保险基金管理中心); the employer's home page left out
单位月报, which its menu has; the statement PDF ran 统一社会信用代码 and 所属区 together."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from shebao.collection.models import Payment
from tests.businesses.walk import complete, submit
from tests.collection.conftest import book_due
from tests.portal.conftest import sign_in_employer

pytestmark = pytest.mark.django_db


def test_the_small_words(client, settings, admin_chaoyang, employer_chaoyang, person_chaoyang, clerk_chaoyang,
                         reviewer_chaoyang):
    from shebao.registry.models import EmploymentSpell

    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    paid = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    complete(submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=dt.date(2020, 3, 2),
                    details={"refund_kind": "overpayment", "amount_fen": 30_000, "dues": [paid.pk],
                             "payee_name": "张三", "bank_name": "中国工商银行北京朝阳支行",
                             "bank_account": "6222020000001234567"}), clerk_chaoyang, reviewer_chaoyang)
    assert Payment.Source.HISTORY.label == "原系统已缴（数据转入）"
    sign_in_employer(client, settings, admin_chaoyang)
    home = client.get("/portal/employer/").content.decode()
    assert 'href="/portal/employer/declarations/"' in home.split('class="menu"', 1)[1]
    bill = client.get("/portal/employer/account/").content.decode()
    refunds = bill.split('id="refunds"', 1)[1].split("</ul>", 1)[0]
    assert " · 所退费款" in refunds and "· 所退费款" not in refunds.replace(" · 所退费款", "")
    pdf = client.get("/portal/employer/account/statement.pdf").content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f"统一社会信用代码：{employer_chaoyang.credit_code}；所属区：朝阳区" in text, text[:300]
    client.logout()
    client.force_login(clerk_chaoyang)
    for url in (f"/collection/employers/{employer_chaoyang.pk}/", f"/employers/{employer_chaoyang.pk}/"):
        page = client.get(url).content.decode()
        assert "<dt>所属区</dt><dd>朝阳区</dd>" in page, url
