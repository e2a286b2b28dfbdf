"""Uploads checked by content, size and count; submissions validated per business, in two languages."""

from __future__ import annotations

import hashlib

import pytest

from shebao.cases.models import Case, Document
from tests.cases.conftest import PDF, PNG, submit, upload, valid_details
from tests.nothing_written import nothing_written
from tests.uploads import pdf


def _case(cy, employer):
    return submit(cy, business="monthly_report_back_payment", channel="online", employer=employer.pk,
                  applied_on="2020-02-10").json()


def test_an_upload_is_judged_by_its_content_and_stored_with_its_checksum(cy, employer_chaoyang):
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        fake = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload("scan.pdf", b"MZ\x90\x00 not a pdf")},
                       format="multipart")
    assert fake.status_code == 400
    assert fake.json()["errors"][0]["field"] == "file" and "PDF" in fake.json()["errors"][0]["reason_zh"]
    ok = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload("photo.bin", PNG)}, format="multipart")
    assert ok.status_code == 201
    doc = Document.objects.get(case_id=case["id"])
    assert doc.content_type == "image/png" and doc.sha256 == hashlib.sha256(PNG).hexdigest()
    body = cy.get(f"/api/v1/cases/{case['id']}/documents/{doc.pk}/content/")
    assert b"".join(body.streaming_content) == PNG and body["X-Content-SHA256"] == doc.sha256


def test_a_form_field_that_is_no_utf8_is_refused_at_its_field(cy, employer_chaoyang):
    """review-input11 F2: a name of bytes ED A0 80 (a surrogate, no UTF-8) was decoded by Django as “���”,
    stored, and quoted back in later messages. Refused at ``name``, nothing stored; the same name in
    UTF-8 is kept."""
    case = _case(cy, employer_chaoyang)
    url = f"/api/v1/cases/{case['id']}/documents/"

    def multipart(name: bytes) -> bytes:
        return (b"--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n" + name + b"\r\n"
                b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
                b"Content-Type: image/png\r\n\r\n" + PNG + b"\r\n--B--\r\n")

    with nothing_written():
        bad = cy.generic("POST", url, multipart(b"\xed\xa0\x80\xb3\xf5"), content_type="multipart/form-data; boundary=B")
    assert bad.status_code == 400
    error = bad.json()["errors"][0]
    assert error["field"] == "name" and "不是有效的UTF-8编码" in error["reason_zh"] and "\ufffd" not in error["reason_zh"]
    ok = cy.generic("POST", url, multipart("缴费凭证".encode()), content_type="multipart/form-data; boundary=B")
    assert ok.status_code == 201 and Document.objects.get(case_id=case["id"]).name == "缴费凭证"


def test_size_and_count_limits_are_enforced(cy, employer_chaoyang, settings):
    settings.SHEBAO_UPLOAD_MAX_BYTES = len(PDF) + 100
    settings.SHEBAO_UPLOAD_MAX_PER_CASE = 2
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        big = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(content=PDF + b"x" * 200)},
                      format="multipart")
    assert big.status_code == 400 and "上限" in big.json()["errors"][0]["reason_zh"]
    for i in range(2):  # two different files (the same file twice is one document)
        assert cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(content=pdf(tag=b"%d" % i))},
                       format="multipart").status_code == 201
    with nothing_written():
        third = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(content=pdf(tag=b"9"))},
                        format="multipart")
    assert third.status_code == 400 and "最多" in third.json()["errors"][0]["reason_zh"]


def test_a_back_payment_without_its_period_names_the_field(cy, employer_chaoyang, person_chaoyang):
    content = valid_details("individual_back_payment", person=person_chaoyang, employer=employer_chaoyang,
                            applied_on="2020-02-10")
    del content["period"]
    with nothing_written():
        r = submit(cy, business="individual_back_payment", channel="online", employer=employer_chaoyang.pk,
                   person=person_chaoyang.pk, applicant_kind="employer", applied_on="2020-02-10", details=content)
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    err = r.json()["errors"][0]
    assert err["field"] == "details.period" and err["reason_zh"] == "请填写补缴期间" and "period" in err["reason_en"]
    assert not Case.objects.exists()


def test_an_application_without_its_content_is_refused_naming_every_missing_field(cy, employer_chaoyang,
                                                                                   person_chaoyang):
    """The API refuses what the front desk and the portal refuse: no `details`, or `details` lacking
    fields its business requires, is answered with problem details naming each field in Chinese
    (rules.business_fields.details_validate, the one check of every road); nothing is stored."""
    for details in (None, {}, {"refund_kind": "overpayment"}):
        body = {} if details is None else {"details": details}
        with nothing_written():
            r = cy.post("/api/v1/cases/", {"business": "refund", "channel": "counter", "applicant_kind": "person",
                                           "person": person_chaoyang.pk, "applied_on": "2020-02-10", **body},
                        format="json")
        assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json"), r.content
        errors = {e["field"]: e["reason_zh"] for e in r.json()["errors"]}
        missing = {"details.amount_fen": "请填写退费金额", "details.dues": "请填写所退费款",
                   "details.payee_name": "请填写收款人户名", "details.bank_name": "请填写开户银行",
                   "details.bank_account": "请填写收款银行账号"}
        if details is not None and "refund_kind" in details:
            assert errors == missing, errors
        else:
            assert errors == {"details.refund_kind": "请选择退费类型", **missing}, errors
    # A business without fields takes an application without content, as before.
    r = cy.post("/api/v1/cases/", {"business": "medical_manual_reimbursement", "channel": "post",
                                   "person": person_chaoyang.pk, "applied_on": "2020-02-10"}, format="json")
    assert r.status_code == 201 and r.json()["details"] == {}


def test_a_period_not_in_the_past_is_not_a_back_payment(cy, employer_chaoyang, person_chaoyang):
    with nothing_written():
        r = submit(cy, business="individual_back_payment", channel="online", employer=employer_chaoyang.pk,
                   person=person_chaoyang.pk, applicant_kind="employer", applied_on="2020-02-10",
                   facts={"period": {"from": "2019-06", "to": "2020-02"}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "facts.period.to" and "解读1.y" in r.json()["errors"][0]["reason_zh"]


def test_stated_facts_may_not_contradict_the_registry(cy, employer_chaoyang, person_chaoyang):
    with nothing_written():
        r = submit(cy, business="individual_back_payment", channel="online", employer=employer_chaoyang.pk,
                   person=person_chaoyang.pk, applicant_kind="employer", applied_on="2020-02-10",
                   facts={"period": {"from": "2018-01", "to": "2019-06"}, "person": {"beijing_pension_months": 130}})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "facts.person.beijing_pension_months"


def test_a_channel_the_business_does_not_offer_is_refused_but_the_counter_takes_anything(cy, person_chaoyang):
    with nothing_written():
        wechat = submit(cy, business="person_change", channel="wechat", person=person_chaoyang.pk,
                        facts={"fields": ["phone"]})
    assert wechat.status_code == 400 and wechat.json()["errors"][0]["field"] == "channel"
    counter = submit(cy, business="person_change", channel="counter", person=person_chaoyang.pk,
                     facts={"fields": ["phone"]})
    assert counter.status_code == 201


def test_unknown_business_and_bad_channel_are_field_errors(cy, employer_chaoyang):
    with nothing_written():
        r = submit(cy, business="no_such_thing", channel="online", employer=employer_chaoyang.pk)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "business"
    with nothing_written():
        r = submit(cy, business="refund", channel="pigeon", employer=employer_chaoyang.pk)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "channel"


def test_a_work_injury_of_medical_staff_goes_ahead_of_the_queue(cy, clerk_chaoyang, person_chaoyang):
    """9 through the API: the flag gives the fast-track deadline and the first place in the queue,
    ahead of a case that is due earlier and was registered before it."""
    from django.test import Client
    from django.urls import reverse

    earlier = submit(cy, business="medical_manual_reimbursement", channel="post", person=person_chaoyang.pk,
                     applied_on="2020-02-01").json()
    injured = submit(cy, business="medical_manual_reimbursement", channel="post", person=person_chaoyang.pk,
                     applied_on="2020-02-20", work_injury_medical=True).json()
    assert (earlier["deadline"], injured["deadline"]) == ("2020-02-21", "2020-02-23")  # 20 days; 9's 3 days
    assert injured["priority"] > earlier["priority"] == 0
    page = Client()
    page.force_login(clerk_chaoyang)
    html = page.get(reverse("backoffice:queue")).content.decode()
    assert html.index(f"/office/cases/{injured['id']}/") < html.index(f"/office/cases/{earlier['id']}/")


def test_the_schema_describes_the_case_api(cy):
    r = cy.get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/v1/cases/{id}/transitions/" in text and "Idempotency-Key" in text


def test_the_same_file_twice_in_a_case_is_refused_naming_the_first_and_nothing_is_written(cy, employer_chaoyang):
    """Review 3, E7: the same PDF uploaded six times was stored six times."""
    case = _case(cy, employer_chaoyang)
    assert cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(), "name": "劳动合同"},
                   format="multipart").status_code == 201
    with nothing_written():
        again = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload("copy.pdf"), "name": "合同"},
                        format="multipart")
    assert again.status_code == 409
    err = again.json()["errors"][0]
    assert err["field"] == "file" and "该文件已上传过（材料“劳动合同”" in err["reason_zh"]
    assert Document.objects.filter(case_id=case["id"]).count() == 1


@pytest.mark.parametrize(("name", "says"), [
    ("\u202efdp.exe", "U+202E"), ("合同\u200b", "U+200B"), ("材" * 5000, "不能超过100个字符（现为5000个）"),
])
def test_a_document_name_with_an_invisible_control_or_too_long_is_refused_by_the_api_and_the_service(
        cy, employer_chaoyang, clerk_chaoyang, name, says):
    """Review 3, E7: the portal cut a 5,000-character name to 100 without a word; U+202E was accepted."""
    from shebao.cases.services import document_attach
    from shebao.core.errors import UploadRefused

    case = Case.objects.get(pk=_case(cy, employer_chaoyang)["id"])
    with nothing_written():
        r = cy.post(f"/api/v1/cases/{case.pk}/documents/", {"file": upload(), "name": name}, format="multipart")
    body = r.content.decode()
    assert r.status_code == 400 and (says in body if says.startswith("U+") else "100" in body), body
    with nothing_written(), pytest.raises(UploadRefused) as refused:
        document_attach(case=case, actor=clerk_chaoyang, name=name, stream=upload())
    assert refused.value.entries()[0][0] == "name" and says in refused.value.entries()[0][1]


def test_a_nul_in_an_api_document_name_is_said_in_chinese_not_drfs_mistranslation(cy, employer_chaoyang):
    """Review 3, E16: DRF says "不允许是用空字符串" for a NUL."""
    case = _case(cy, employer_chaoyang)
    with nothing_written():
        r = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(), "name": "a\x00b"}, format="multipart")
    assert r.status_code == 400 and "U+0000" in r.json()["detail"] and "空字符串" not in r.content.decode()


def test_an_upload_is_filed_under_the_business_month_and_readable_by_the_service_only(cy, employer_chaoyang,
                                                                                   settings, tmp_path):
    """Review 3, E15: files were -rw-r--r-- in drwxr-xr-x folders named by the wall clock (cases/2026/11/)."""
    import stat
    from pathlib import Path

    settings.MEDIA_ROOT = tmp_path
    settings.SHEBAO_TODAY = __import__("datetime").date(2020, 2, 20)
    case = _case(cy, employer_chaoyang)
    assert cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload()}, format="multipart").status_code == 201
    doc = Document.objects.get(case_id=case["id"])
    assert doc.file.name.startswith("cases/2020/02/")
    path = Path(doc.file.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700


def test_thousands_of_unknown_keys_get_a_bounded_answer(cy, person_chaoyang):
    """review-input7 F1: every error entry repeated the list of all fields, so 4,000 unknown keys in
    `details` made a 236 MB answer and 100,000 took the server's memory. The answer names at most
    MAX_LISTED fields and counts the rest; its size no longer grows with the keys; nothing is stored."""
    from shebao.cases.services import DetailsRefused

    junk = {f"k{i:05d}": i for i in range(5_000)}
    with nothing_written():
        r = cy.post("/api/v1/cases/", {"business": "refund", "channel": "counter", "applicant_kind": "person",
                                       "person": person_chaoyang.pk, "applied_on": "2020-02-10", "details": junk},
                    format="json")
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    assert len(r.content) < 64_000, len(r.content)
    errors = r.json()["errors"]
    assert len(errors) == DetailsRefused.MAX_LISTED + 1
    assert errors[-1]["field"] == "details" and errors[-1]["reason_zh"].startswith("另有")
    assert all(e["reason_en"] == f"refused: {e['field']}" for e in errors)
