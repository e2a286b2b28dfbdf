"""A person's own pension transfer in the portal (issue 15: "pension transfer in and out (4.1)"): behind a
fresh identity check (the account's money leaves for, or is claimed from, another region), through the
same definition, book checks (`registry.accounts`) and case service as the employer's and the desk's; the
district's clerk and reviewer handle it and the account's months and balance move."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases import services as cases
from shebao.cases.models import Case
from shebao.core.permissions import ActionRefused
from shebao.portal.access import person_actor
from shebao.portal.person_services import IDENTITY_CHECKED_BUSINESSES, PERSON_BUSINESSES, person_case_submit
from shebao.registry.accounts import account_summary
from shebao.registry.models import AccountMonth, PensionAccount
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_person
from tests.portal.test_person_identity import identity_check, idp  # noqa: F401 (the provider fixture)

pytestmark = pytest.mark.django_db
TRANSFER_IN = {"region": "河北省石家庄市", "lines": "2015-01,3000,240\n2015-02,3000,240", "submission": "t1"}


@pytest.fixture(autouse=True)
def _today(settings, tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.MEDIA_ROOT = tmp_path / "media"


def test_both_transfers_are_a_persons_business_behind_the_check():
    assert {"transfer_in", "transfer_out"} <= set(PERSON_BUSINESSES)
    assert {"transfer_in", "transfer_out"} <= set(IDENTITY_CHECKED_BUSINESSES)


def _one_month(person) -> None:
    from shebao.registry.accounts import account_transfer_in
    from tests.portal.conftest import SETUP

    account_transfer_in(actor=SETUP, person=person, region="天津市",
                        lines=[{"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000}])


def test_a_transfer_without_a_fresh_check_is_sent_to_the_check_and_refused_by_the_service(client, settings, insured):
    _one_month(insured)  # a transfer out is offered (and checked) only when the account holds a month
    sign_in_person(client, settings, insured)
    for direction in ("in", "out"):
        with nothing_written():
            r = client.post(f"/portal/person/transfer/{direction}/", TRANSFER_IN)
        assert r.status_code == 302 and r["Location"].startswith("/portal/person/identity/?next=")
    with nothing_written(), pytest.raises(ActionRefused) as refused:
        person_case_submit(actor=person_actor(insured), person=insured, business="transfer_out",
                           details={"region": "上海市", "lines": [{"month": "2015-01", "amount_fen": 24_000}]})
    assert refused.value.zh == "办理养老保险关系转移须先通过身份核验（人脸识别）"


def test_a_person_transfers_in_after_the_check_and_the_account_grows_when_it_is_completed(
        client, settings, insured, idp, clerk_chaoyang, reviewer_chaoyang):  # noqa: F811
    sign_in_person(client, settings, insured)
    page = client.get("/portal/person/transfer/").content.decode()
    assert "账户月数" in page and "0个月" in page and "未核验" in page
    idp.approve(insured.id_number)
    done = identity_check(client, idp, next_url="/portal/person/transfer/in/")
    assert done.status_code == 302 and done["Location"] == "/portal/person/transfer/in/"
    form = client.get("/portal/person/transfer/in/").content.decode()
    assert "转出地" in form and "转入月份及金额" in form and "本业务已通过身份核验" in form
    r = client.post("/portal/person/transfer/in/", TRANSFER_IN)
    case = Case.objects.get(person=insured)
    assert r.status_code == 302 and r["Location"] == f"/portal/person/cases/{case.pk}/"
    assert (case.business, case.channel, case.applicant_kind, case.employer) == ("transfer_in", "online", "person",
                                                                                None)
    assert case.details == {"region": "河北省石家庄市", "lines": [
        {"month": "2015-01", "base_fen": 300_000, "amount_fen": 24_000},
        {"month": "2015-02", "base_fen": 300_000, "amount_fen": 24_000}]}
    # The district handles it: the payment record is exchanged over the national platform (2.3).
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    for owed in case.owed_documents.all():
        cases.owed_document_exchange(owed=owed, actor=clerk_chaoyang, source="全国社保转移平台", reference=f"X{owed.pk}")
    case = cases.case_approve(case=case, actor=reviewer_chaoyang)
    assert case.status == "completed"
    summary = account_summary(PensionAccount.objects.get(person=insured))
    assert (summary.months, summary.balance_fen) == (2, 48_000)
    assert "已办结" in client.get(f"/portal/person/cases/{case.pk}/").content.decode()
    page = client.get("/portal/person/transfer/").content.decode()
    assert "2个月" in page and "480.00元" in page


def test_a_transfer_out_of_months_the_account_does_not_hold_is_refused_at_the_rows(client, settings, insured):
    _one_month(insured)
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    with nothing_written():
        r = client.post("/portal/person/transfer/out/", {"region": "上海市", "lines": "2015-01,240",
                                                        "submission": "o1"})
    page = r.content.decode()
    assert r.status_code == 400 and 'id="bf-lines-error"' in page  # said at the rows' box (it was said nowhere)
    assert "第1行" in page and "2015-01" in page
    assert not AccountMonth.objects.filter(month="2015-01").exists()


def test_a_person_transfers_out_what_the_account_holds(client, settings, insured, clerk_chaoyang, reviewer_chaoyang):
    from shebao.registry.accounts import account_transfer_in
    from tests.portal.conftest import SETUP

    account_transfer_in(actor=SETUP, person=insured, region="天津市",
                        lines=[{"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000}])
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    r = client.post("/portal/person/transfer/out/", {"region": "上海市", "lines": "2016-03,240", "submission": "o2"})
    case = Case.objects.get(person=insured, business="transfer_out")
    assert r.status_code == 302 and case.channel == "online"
    case = cases.case_accept(case=case, actor=clerk_chaoyang)
    case = cases.case_approve(case=case, actor=reviewer_chaoyang)
    moved = AccountMonth.objects.get(account__person=insured, month="2016-03")
    assert moved.moved_out_case_id == case.pk and moved.moved_out_region == "上海市"
    assert account_summary(PensionAccount.objects.get(person=insured)).balance_fen == 0


def test_an_unknown_direction_is_not_found(client, settings, insured):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    assert client.get("/portal/person/transfer/sideways/").status_code == 404


def test_the_transfer_out_form_shows_and_prefills_the_whole_account(client, settings, insured, clerk_chaoyang,
                                                                    reviewer_chaoyang):
    """Review-user8 F3: the rows "须与账户记录一致" were asked for without showing them; F2: the whole
    account moves, so the form lists every month with its amount and opens with them filled in."""
    from shebao.registry.accounts import account_transfer_in
    from tests.portal.conftest import SETUP

    account_transfer_in(actor=SETUP, person=insured, region="天津市", lines=[
        {"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000},
        {"month": "2016-04", "base_fen": 300_000, "amount_fen": 97_392}])
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    form = client.get("/portal/person/transfer/out/").content.decode()
    assert "个人账户记录（将全部转出）" in form and "共2个月，余额1,213.92元" in form
    assert "<th scope=\"row\">2016-04</th>" in form and "973.92" in form
    assert "2016-03,240.00\n2016-04,973.92</textarea>" in form  # prefilled: the person only checks them
    r = client.post("/portal/person/transfer/out/", {"region": "上海市", "lines": "2016-03,240.00",
                                                    "submission": "o-part"})
    page = r.content.decode()
    assert r.status_code == 400 and "不能只转部分月份" in page and "2016-04（973.92元）" in page
    assert not Case.objects.filter(business="transfer_out").exists()
    r = client.post("/portal/person/transfer/out/", {"region": "上海市", "lines": "2016-03,240.00\n2016-04,973.92",
                                                    "submission": "o-whole"})
    assert r.status_code == 302
    case = Case.objects.get(person=insured, business="transfer_out")
    assert [x["month"] for x in case.details["lines"]] == ["2016-03", "2016-04"]


def test_a_person_still_employed_is_told_on_the_form_and_refused(client, settings, insured, employer_chaoyang):
    from shebao.registry.accounts import account_transfer_in
    from shebao.registry.models import EmploymentSpell
    from tests.portal.conftest import SETUP

    account_transfer_in(actor=SETUP, person=insured, region="天津市",
                        lines=[{"month": "2016-03", "base_fen": 300_000, "amount_fen": 24_000}])
    EmploymentSpell.objects.create(person=insured, employer=employer_chaoyang, from_month="2019-07")
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    form = client.get("/portal/person/transfer/out/").content.decode()
    assert "参保经历尚未终止（2019-07至今）" in form
    with nothing_written():
        r = client.post("/portal/person/transfer/out/", {"region": "上海市", "lines": "2016-03,240.00",
                                                        "submission": "o-emp"})
    page = r.content.decode()
    assert r.status_code == 400 and 'role="alert"' in page and "须先由单位办理减员（停保）" in page
