"""The insured person's pages (issue 15): the rights record and its statement printed from the
portal, a card replacement applied for online through the same definition as the desk and followed
to its EMS number and certificate, a residents' pension registration behind the identity check, and
the person's own cases and messages only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from shebao.cases import services as cases
from shebao.collection.models import RightsStatement
from shebao.core import clock
from shebao.core.models import AuditEvent
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.portal.conftest import sign_in_person

pytestmark = pytest.mark.django_db
ADDRESS = {"reason": "lost", "recipient_name": "王小明", "recipient_phone": "13900139000",
           "postal_address": "北京市朝阳区朝阳门外大街1号院2单元301", "postal_code": "100020"}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_person_sees_their_rights_record_and_prints_its_statement(client, settings, insured, employer_chaoyang):
    row = contribution(insured, employer_chaoyang, "2019-12", 1_000_000, paid_on=dt.date(2019, 12, 20))
    sign_in_person(client, settings, insured)
    page = client.get("/portal/person/rights/").content.decode()
    assert "2019-12" in page and "按时缴费" in page and "养老保险" in page
    assert f"{row.pension_base_fen // 100:,}.00" in page
    with nothing_written():  # a bare POST (no day shown) prints nothing
        assert client.post("/portal/person/rights/statement/").status_code == 400
    r = client.post("/portal/person/rights/statement/", {"as_of": clock.today().isoformat()})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    st = RightsStatement.objects.get(person=insured)
    assert st.channel == "portal" and st.issued_by_label.startswith("网上办事：参保人 王小明")
    assert f"验证码：{st.code_display}" in pdf_text(r.content) and "2019-12" in pdf_text(r.content)
    event = AuditEvent.objects.get(model="collection.RightsStatement")
    assert event.actor is None and event.actor_label.startswith("网上办事：")


def test_another_persons_statement_is_refused_by_the_service(insured, insured_haidian):
    from shebao.collection.statements import rights_statement_issue
    from shebao.core.permissions import ActionRefused
    from shebao.portal.access import person_actor

    with nothing_written(), pytest.raises(ActionRefused):
        rights_statement_issue(actor=person_actor(insured), person=insured_haidian)


def test_a_person_cannot_open_another_persons_case(client, settings, insured, insured_haidian, clerk_chaoyang):
    theirs, _ = cases.case_submit(actor=clerk_chaoyang, business="card_replacement", channel="counter",
                                  person=insured, applicant_kind="person", applied_on=dt.date(2020, 2, 10),
                                  details=ADDRESS)
    sign_in_person(client, settings, insured_haidian)
    assert client.get(f"/portal/person/cases/{theirs.pk}/").status_code == 404
    assert client.get(f"/portal/person/cases/{theirs.pk}/card-certificate.pdf").status_code == 404
    assert f"申请编号{theirs.pk}" not in client.get("/portal/person/cases/").content.decode()
