"""On commitment (1.2a/b) and refunds (1.2c), end to end through the API."""

from __future__ import annotations

import hashlib
import json

from shebao.cases.models import CommitmentLetter, PhoneCheck
from tests.cases.conftest import act, example, submit
from tests.nothing_written import nothing_written


def _letter(client, case_id, text="本单位承诺所报补缴信息真实，如有不实愿承担法律责任。"):
    return client.post(f"/api/v1/cases/{case_id}/commitment-letter/",
                       {"text": text, "signer": "北京朝阳测试科技有限公司（法定代表人 陈一）",
                        "signed_at": "2020-02-10T09:30:00+08:00"}, format="json")


def test_a_back_payment_on_commitment_is_accepted_on_the_letter_and_approved(cy, rv, person_130, employer_chaoyang):
    ex = example("p04")
    r = submit(cy, business=ex["business"], channel="online", employer=employer_chaoyang.pk, person=person_130.pk,
               applicant_kind="employer", applied_on=ex["applied_on"], facts={"period": ex["period"]})
    assert r.status_code == 201, r.json()
    case = r.json()
    assert (case["mode"], case["clauses"], case["requires"]) == ("commitment", ["1.2a"], ["commitment_letter"])
    assert case["facts"]["person"]["beijing_pension_months"] == 130  # from the registry, not stated

    with nothing_written():
        no_letter = act(cy, case["id"], "accept")
    assert no_letter.status_code == 422
    assert no_letter.json()["errors"][0]["field"] == "commitment_letter"
    assert "承诺书" in no_letter.json()["errors"][0]["reason_zh"]

    captured = _letter(cy, case["id"]).json()["commitment_letter"]
    stored = CommitmentLetter.objects.get(case_id=case["id"])
    expected = hashlib.sha256(json.dumps(
        {"case": case["id"], "business": case["business"], "facts": case["facts"], "text": stored.text,
         "signer": stored.signer, "signed_at": stored.signed_at.isoformat()},
        sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert captured["sha256"] == stored.sha256 == expected
    with nothing_written():
        refused = _letter(cy, case["id"], text="改过的承诺")
    assert refused.status_code == 409  # fixed once captured

    assert act(cy, case["id"], "accept").json()["status"] == "in_review"
    with nothing_written():
        refused = act(cy, case["id"], "approve")
    assert refused.status_code == 403  # a clerk does not approve
    done = act(rv, case["id"], "approve").json()
    assert done["status"] == "completed"
    assert [t["action"] for t in done["transitions"]] == ["submit", "commitment_letter", "accept", "approve"]


def test_approval_needs_a_confirmed_phone_check(cy, rv, person_chaoyang, paid_due):
    ex = example("p10")
    case = submit(cy, business=ex["business"], channel="online", person=person_chaoyang.pk,
                  applied_on=ex["applied_on"], facts={"refund_kind": ex["refund_kind"]}).json()
    assert (case["workflow"], case["clauses"]) == ("refund", ["1.2c"])
    _letter(cy, case["id"], text="本人承诺退费信息真实。")
    act(cy, case["id"], "accept")

    with nothing_written():
        refused = act(rv, case["id"], "approve")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "phone_check"
    assert "电话核实" in refused.json()["errors"][0]["reason_zh"]

    r = cy.post(f"/api/v1/cases/{case['id']}/phone-checks/", {"outcome": "not_reached"}, format="json")
    assert r.status_code == 201
    with nothing_written():
        refused = act(rv, case["id"], "approve")
    assert refused.status_code == 422  # an unanswered call confirms nothing

    r = cy.post(f"/api/v1/cases/{case['id']}/phone-checks/", {"outcome": "confirmed", "note": "本人确认退费"},
                format="json")
    checks = r.json()["phone_checks"]
    assert [c["outcome"] for c in checks] == ["not_reached", "confirmed"]
    assert checks[1]["phone"] == "138****5678" and "13812345678" not in r.content.decode()
    assert PhoneCheck.objects.filter(case_id=case["id"], outcome="confirmed").get().phone == "13812345678"

    assert act(rv, case["id"], "approve").json()["status"] == "completed"


def test_a_case_not_on_commitment_takes_no_letter(cy, employer_chaoyang):
    case = submit(cy, business="monthly_report_back_payment", channel="online", employer=employer_chaoyang.pk,
                  applied_on="2020-02-10").json()
    with nothing_written():
        r = _letter(cy, case["id"])
    assert r.status_code == 409 and "不适用承诺制" in r.json()["errors"][0]["reason_zh"]
