"""review-user13 (2): one refund state had three names (待支付 on the office's account page and the
employer's statement, 待退款 in a column, 已核准，待退款 on the case pages). The words come from one table
(collection.refund_words): a refund in each state reads the same on the staff case page, the employer's
bill and its PDF statement, and the insured person's case list and case page."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from shebao.collection import refunds, releases
from shebao.collection.models import Refund
from shebao.collection.refund_words import REFUND_STATUS_ZH
from shebao.core import clock
from shebao.registry.models import EmploymentSpell
from tests.businesses.walk import complete, submit
from tests.collection.conftest import book_due
from tests.portal.conftest import sign_in_employer, sign_in_person
from tests.visible_text import visible_text

pytestmark = pytest.mark.django_db


def _refund(clerk, reviewer, person, due, amount_fen: int) -> Refund:
    case = complete(submit(clerk, "refund", person=person, applied_on=dt.date(2020, 3, 2),
                           details={"refund_kind": "overpayment", "amount_fen": amount_fen, "dues": [due.pk],
                                    "payee_name": person.name, "bank_name": "中国工商银行北京朝阳支行",
                                    "bank_account": "6222020000001234567"}), clerk, reviewer)
    return Refund.objects.get(case=case)


def _one_in_each_state(clerk, reviewer, collection_clerk, municipal_admin, person, due) -> dict[str, Refund]:
    paid, failed, in_file = (_refund(clerk, reviewer, person, due, fen) for fen in (10_000, 11_000, 12_000))
    file = refunds.refund_payment_file_create(actor=collection_clerk)
    releases.refund_payment_file_release(file=file, actor=municipal_admin)
    refunds.refund_payment_file_read(file=file, actor=collection_clerk)
    result = (f"refund_id,status,paid_on,reason\n{paid.pk},成功,{clock.today()},\n"
              f"{failed.pk},失败,,账户已冻结\n").encode()
    report = refunds.refund_result_import(data=result, filename="退费结果.csv", actor=collection_clerk)
    assert not report.errors, report.errors
    payable = _refund(clerk, reviewer, person, due, 13_000)
    cancelled = refunds.refund_cancel(refund=_refund(clerk, reviewer, person, due, 14_000), actor=reviewer,
                                      reason="申请人撤回")
    out = {"paid": paid, "failed": failed, "in_file": in_file, "payable": payable, "cancelled": cancelled}
    for code, refund in out.items():
        refund.refresh_from_db()
        assert refund.status == code
    return out


def test_a_refund_in_each_state_reads_the_same_on_every_page_and_the_statement(
        client, settings, clerk_chaoyang, reviewer_chaoyang, collection_clerk, municipal_admin, admin_chaoyang,
        employer_chaoyang, insured):
    EmploymentSpell.objects.create(person=insured, employer=employer_chaoyang, from_month="2015-01")
    due = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    state = _one_in_each_state(clerk_chaoyang, reviewer_chaoyang, collection_clerk, municipal_admin, insured, due)
    words = {code: REFUND_STATUS_ZH[code] for code in state}
    assert words["payable"] == "已核准，待退款" and words["paid"] == "已退款"

    # the staff case page's status, and the office's account page's refund rows
    client.force_login(clerk_chaoyang)
    for code, refund in state.items():
        page = client.get(f"/office/cases/{refund.case_id}/").content.decode()
        assert f'<span class="badge">{words[code]}</span>' in page, (code, words[code])
    account = client.get(f"/collection/employers/{employer_chaoyang.pk}/").content.decode()
    rows = account.split("<h2>退费</h2>", 1)[1].split("</table>", 1)[0]
    for code, refund in state.items():
        row = rows.split(f"<td>#{refund.pk}</td>", 1)[1].split("</tr>", 1)[0]
        assert words[code] in row, (code, row)
    client.logout()

    # the employer's bill and its PDF statement
    sign_in_employer(client, settings, admin_chaoyang)
    bill = client.get("/portal/employer/account/").content.decode()
    listed = bill.split('id="refunds"', 1)[1].split("</ul>", 1)[0]
    # these refunds are the person's own applications: the bill names no case the employer cannot open
    # (review-user13 (5)), so each row is known by its words, one row per state
    assert sorted(re.findall(r'<span class="badge[^"]*">([^<]+)</span>', listed)) == sorted(words.values())
    assert listed.count("个人申请") == len(state) and "退费申请编号" not in listed
    pdf = client.get("/portal/employer/account/statement.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    section = text.split("三、退费", 1)[1].replace("\n", "")
    for code in state:
        assert section.count(words[code]) == list(words.values()).count(words[code]), (code, section[:400])
    client.logout()

    # the insured person's case list and case page
    sign_in_person(client, settings, insured)
    cases = visible_text(client.get("/portal/person/cases/").content.decode())
    for code, refund in state.items():
        at = next(i for i, chunk in enumerate(cases) if f"{refund.case_id}）" in chunk and "退费" in chunk)
        assert words[code] in cases[at:at + 4], (code, cases[at:at + 4])
        page = client.get(f"/portal/person/cases/{refund.case_id}/").content.decode()
        assert f'id="case-status">{words[code]}</span>' in page, (code, words[code])

    # and no page, list or PDF says a refund's state in another word
    for text_seen in (bill, account, text, " ".join(cases)):
        assert "待支付" not in text_seen and "已办结（已退款）" not in text_seen
