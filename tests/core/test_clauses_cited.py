"""What a decision rests on, named by the pack that has it (review-user11 F8: a case decided by the ordinary
rules read 依据：常态规则（北京市社会保险基金管理中心2020年1月31日通知）, naming the emergency notice for rules
it does not hold; the staff case page printed 第base条 for the same case)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from shebao.core.labels import clauses_cited_zh, pack_title_zh

NOTICE = pack_title_zh("beijing-2020-epidemic")
BASE = pack_title_zh("base")


def test_the_notices_clauses_name_the_notice_and_the_ordinary_rules_their_own_title():
    assert NOTICE == "北京市社会保险基金管理中心2020年1月31日通知" and "常态" in BASE
    # review-user12 F5: the document then its clauses, no version and no brackets (it read
    # 第1.1b条、第0.2条（《…通知（2020年1月31日）》（版本2020.01.31）） with a doubled “））”)
    assert clauses_cited_zh(["1.1b", "0.2"], "beijing-2020-epidemic", "2020.01.31") == f"{NOTICE}第1.1b条、第0.2条"
    assert clauses_cited_zh(["base"], "beijing-2020-epidemic", "2020.01.31") == BASE
    assert clauses_cited_zh([], "beijing-2020-epidemic") == BASE
    assert clauses_cited_zh(["1.1b", "base"], "beijing-2020-epidemic") == f"{NOTICE}第1.1b条；{BASE}"
    relief = pack_title_zh("relief-2020-covid")
    assert clauses_cited_zh(["Reading 0.3b"], "relief-2020-covid") == f"{relief}解读0.3b"
    for clauses, pack in ((["1.1b", "0.2"], "beijing-2020-epidemic"), (["Reading 0.3b"], "relief-2020-covid"),
                          (["1.1b", "base"], "beijing-2020-epidemic")):
        cited = clauses_cited_zh(clauses, pack, "2020.01.31")
        assert "））" not in cited and "版本" not in cited and "《" not in cited, cited
    # A decision of the ordinary rules' own pack names that pack, never the notice.
    assert NOTICE not in clauses_cited_zh(["1.1b"], "base") and BASE in clauses_cited_zh(["1.1b"], "base")


@pytest.mark.django_db
def test_a_case_of_the_ordinary_rules_is_not_attributed_to_the_notice_on_either_page(
        employer_chaoyang, person_chaoyang, clerk_chaoyang, settings):
    from shebao.cases import services as cases
    from shebao.cases.models import Case
    from tests.cases.conftest import employ, valid_details
    from tests.portal.conftest import make_admin, sign_in_employer

    employ(person_chaoyang, employer_chaoyang)
    applied = dt.date(2020, 2, 10)
    case, _ = cases.case_submit(
        actor=clerk_chaoyang, business="individual_back_payment", channel="counter", employer=employer_chaoyang,
        person=person_chaoyang, applicant_kind="employer", applied_on=applied,
        details=valid_details("individual_back_payment", person=person_chaoyang, employer=employer_chaoyang,
                              applied_on=applied))
    assert case.pack == "beijing-2020-epidemic" and case.clauses
    staff = Client()
    staff.force_login(clerk_chaoyang)
    employer_client = Client()
    sign_in_employer(employer_client, settings, make_admin(employer_chaoyang))
    for clauses in (list(case.clauses), ["base"], []):
        Case.objects.filter(pk=case.pk).update(clauses=clauses)
        case.refresh_from_db()
        cited = clauses_cited_zh(case.clauses, case.pack, case.pack_version)
        assert (NOTICE in cited) == bool(clauses and clauses != ["base"])
        for page in (staff.get(f"/office/cases/{case.pk}/").content.decode(),
                     employer_client.get(f"/portal/employer/cases/{case.pk}/").content.decode()):
            assert f"依据：{cited}" in page and "第base条" not in page
