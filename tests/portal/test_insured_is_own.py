"""The insured person of a card replacement (its postal address) and of a pension transfer is the
person signed in, or, for an employer's account (its administrator or an HR clerk), that employer's
own employee: never another person's number put into the form or the call (issue 15). Held by the
case service, so that every road (both portal forms, a call without content) is refused alike, and
nothing is written."""

from __future__ import annotations

import pytest

from shebao.cases.models import Case
from shebao.cases.services import DetailsRefused, case_submit
from shebao.core.permissions import ActionRefused
from shebao.portal.access import employer_actor, person_actor
from shebao.portal.person_services import person_case_submit
from shebao.portal.services import employer_clerk_add
from shebao.registry.models import EmploymentSpell
from tests.cases.conftest import valid_details
from tests.nothing_written import nothing_written
from tests.portal.conftest import PASSWORD, identity_checked, sign_in_employer, sign_in_person

pytestmark = pytest.mark.django_db
CARD = {"reason": "lost", "recipient_name": "王小明", "recipient_phone": "13900139000",
        "postal_address": "北京市朝阳区建国路88号院3号楼501室"}
TRANSFER_OUT = {"region": "上海市", "lines": [{"month": "2019-01", "amount_fen": 64000}]}


@pytest.fixture
def hr_clerk(admin_chaoyang):
    return employer_clerk_add(actor=employer_actor(admin_chaoyang), login="hr1", display_name="人事专员",
                              mobile="13800138009", password=PASSWORD)


@pytest.fixture
def own_employee(employer_chaoyang, person_chaoyang):
    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    return person_chaoyang


@pytest.fixture
def someone_else(employer_haidian, person_haidian):
    EmploymentSpell.objects.create(person=person_haidian, employer=employer_haidian, from_month="2015-01")
    return person_haidian


def test_a_person_may_not_apply_for_a_card_posted_for_someone_else(insured, insured_haidian):
    me = person_actor(insured)
    with nothing_written():
        with pytest.raises(ActionRefused) as refused:
            person_case_submit(actor=me, person=insured_haidian, business="card_replacement", details=CARD,
                               identity_checked=True)
        assert refused.value.zh == "只能为本人申请"
        with pytest.raises(ActionRefused) as refused:  # the case service itself, whatever calls it
            case_submit(actor=me, business="card_replacement", channel="online", person=insured_haidian,
                        applicant_kind="person", details=CARD)
        assert refused.value.zh == "只能为本单位或本人申请"


def test_the_card_form_applies_for_the_person_signed_in_only(client, settings, insured, insured_haidian):
    sign_in_person(client, settings, insured)
    identity_checked(client, insured)
    # Another person's record or number put into the posted form is no input of the business: the card
    # is the signed-in person's own, whatever else the post carries.
    r = client.post("/portal/person/card/", {**CARD, "person": insured_haidian.pk,
                                              "id_number": insured_haidian.id_number, "submission": "s1"})
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.person == insured and case.applicant_kind == "person"
    assert not Case.objects.filter(person=insured_haidian).exists()


@pytest.mark.parametrize("business", ["transfer_out", "transfer_in"])
@pytest.mark.parametrize("who", ["admin", "clerk"])
def test_an_employer_may_not_transfer_another_employers_worker(business, who, admin_chaoyang, hr_clerk,
                                                               employer_chaoyang, someone_else):
    actor = employer_actor(admin_chaoyang if who == "admin" else hr_clerk)
    with nothing_written():
        # without content (the content's checks would refuse it too): the service itself refuses it
        with pytest.raises(DetailsRefused) as refused:
            case_submit(actor=actor, business=business, channel="online", employer=employer_chaoyang,
                        person=someone_else, applicant_kind="employer")
        assert [e.field for e in refused.value.errors] == ["person"]
        assert "单位只能为本单位" in refused.value.errors[0].zh
        assert someone_else.name not in refused.value.errors[0].zh  # the name is not told
        with pytest.raises(DetailsRefused):
            case_submit(actor=actor, business=business, channel="online", employer=employer_chaoyang,
                        person=someone_else, applicant_kind="employer",
                        details=TRANSFER_OUT if business == "transfer_out" else None)


def test_an_hr_clerk_transfers_its_own_employee(hr_clerk, employer_chaoyang, own_employee):
    case, created = case_submit(actor=employer_actor(hr_clerk), business="transfer_in", channel="online",
                                employer=employer_chaoyang, person=own_employee, applicant_kind="employer",
                                details=valid_details("transfer_in", person=own_employee, employer=employer_chaoyang))
    assert created and case.person == own_employee and case.employer == employer_chaoyang


def test_the_employer_form_refuses_another_employers_worker_at_the_number(client, settings, admin_chaoyang,
                                                                         someone_else):
    sign_in_employer(client, settings, admin_chaoyang)
    with nothing_written():
        r = client.post("/portal/employer/cases/new/", {
            "business": "transfer_out", "id_number": someone_else.id_number, "token": "t1", "region": "上海市",
            "lines": "2019-01,640"})
    page = r.content.decode()
    assert r.status_code == 400 and 'id="f-id_number-error"' in page
    assert "本单位没有该证件号码的职工" in page and someone_else.name not in page
