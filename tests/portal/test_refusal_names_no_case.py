"""No message or page shown to an employer or a person names or links a case they cannot open (ux14
finding 6). The user saw an employer's refund refused with 「该费款已有退费申请#N在办理中」, #N being a person's
own refund of the employer's due, which the employer's portal answers 404 for. A refusal made for a
portal applicant (`cases.checks.read_by`) names another application's number only when the applicant may
open it; otherwise it says who applied (个人申请 / 单位申请). Staff still read the number."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.checks import CHECKS, CheckContext, read_by
from shebao.cases.models import Case
from shebao.cases.services import DetailsRefused
from shebao.portal.access import employer_actor, person_actor
from shebao.registry.models import EmploymentSpell
from tests.businesses.walk import submit
from tests.collection.conftest import book_due
from tests.nothing_written import nothing_written
from tests.portal.conftest import identity_checked, sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db
BANK = {"refund_kind": "overpayment", "payee_name": "张三", "bank_name": "中国工商银行北京朝阳支行",
        "bank_account": "6222020000001234567"}


def test_an_employers_refund_refused_for_a_persons_refund_in_handling_names_no_number(
        client, settings, admin_chaoyang, employer_chaoyang, person_chaoyang, clerk_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    paid = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    persons = submit(clerk_chaoyang, "refund", person=person_chaoyang, applied_on=dt.date(2020, 3, 2),
                     details={**BANK, "amount_fen": 70_000, "dues": [paid.pk]})
    assert persons.applicant_kind == "person"
    sign_in_employer(client, settings, admin_chaoyang)
    assert client.get(f"/portal/employer/cases/{persons.pk}/").status_code == 404  # not the employer's to open
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "refund", "id_number": person_chaoyang.id_number, "refund_kind": "overpayment",
            "amount_fen": "300.01", "dues": [str(paid.pk)], "payee_name": employer_chaoyang.name,
            "bank_name": "中国工商银行北京朝阳支行", "bank_account": "6222020000001234567", "token": "x1"})
    reason = r.content.decode().split('id="bf-amount_fen-error"')[1][:400]
    assert r.status_code == 400 and "已有退费申请在办理中（个人申请，合计700.00元）" in reason, reason
    assert f"#{persons.pk}" not in reason and f"/cases/{persons.pk}/" not in r.content.decode()
    # the same refusal read by staff names the case they open
    with pytest.raises(DetailsRefused) as refused:
        submit(clerk_chaoyang, "refund", employer=employer_chaoyang, person=person_chaoyang,
               applicant_kind="employer", details={**BANK, "amount_fen": 30_001, "dues": [paid.pk]})
    assert f"已有退费申请#{persons.pk}在办理中" in refused.value.errors[0].zh


def test_the_employers_own_refund_in_handling_is_named_to_it(employer_chaoyang, person_chaoyang, admin_chaoyang,
                                                           clerk_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    paid = book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    own = submit(clerk_chaoyang, "refund", employer=employer_chaoyang, person=person_chaoyang,
                 applicant_kind="employer", details={**BANK, "amount_fen": 70_000, "dues": [paid.pk]})
    ctx = CheckContext(business="refund", employer=employer_chaoyang, person=person_chaoyang,
                       details={**BANK, "amount_fen": 30_001, "dues": [paid.pk]}, applied_on=dt.date(2020, 2, 20))
    with read_by(employer_actor(admin_chaoyang)):
        [error] = CHECKS["refund_within_paid"](ctx)
    assert f"已有退费申请#{own.pk}在办理中（合计700.00元）" in error.zh


def test_a_person_is_not_led_to_an_application_their_employer_made(
        client, settings, insured, employer_chaoyang, clerk_chaoyang):
    """The person's transfer page and the one-open-application refusal said 「申请编号N」 with a link for a
    transfer out their employer applied for: that case is not the person's to open (404)."""
    from tests import personas

    EmploymentSpell.objects.create(person=insured, employer=employer_chaoyang, from_month="2015-01")
    # the employer's transfer out of its worker, in handling (a stand-in: the registry checks of a real
    # transfer out are not what this test is about)
    employers = Case.objects.create(
        business="transfer_out", business_zh="基本养老保险关系转出", applicant_kind="employer", channel="online",
        employer=employer_chaoyang, person=insured, applied_on=dt.date(2020, 2, 18), mode="direct",
        explanation_zh="说明", pack="p", pack_version="1", office=personas.office("110105"), status="submitted",
        deadline=dt.date(2020, 3, 2))
    ctx = CheckContext(business="transfer_out", employer=None, person=insured, details={},
                       applied_on=dt.date(2020, 2, 20))
    with read_by(person_actor(insured)):
        [error] = CHECKS["one_open_per_person"](ctx)
    assert "单位申请" in error.zh and "申请编号" not in error.zh and "请查看该申请的办理进度" not in error.zh
    [staff_error] = CHECKS["one_open_per_person"](ctx)
    assert f"申请编号{employers.pk}" in staff_error.zh
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    assert client.get(f"/portal/person/cases/{employers.pk}/").status_code == 404
    page = client.get("/portal/person/transfer/out/").content.decode()
    notice = page.split('class="notice" role="status">', 1)[1].split("</p>", 1)[0]
    assert "单位申请" in notice and f"申请编号{employers.pk}" not in notice, notice
    assert f"/portal/person/cases/{employers.pk}/" not in page
    assert Case.objects.count() == 1
