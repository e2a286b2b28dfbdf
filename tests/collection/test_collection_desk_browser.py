"""The collection desk in a real Chromium on a 390 x 844 phone: a deduction run and its checksum, an
uploaded statement answered line by line, and an assessment whose progress bar is polled by htmx
while the job runs in a background thread, as in production."""

from __future__ import annotations

import re

import pytest

from shebao.collection.models import AssessmentJob, DeductionFile
from tests.collection.conftest import book_due
from tests.web.test_phone_viewport import fits, phone, sign_in  # noqa: F401  (phone is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = "bank_reference,value_date,amount,payer_name,payer_account,credit_code,memo\n"


def test_the_collection_desk_works_from_a_phone(phone, collection_clerk, deduction_employer,  # noqa: F811
                                                remittance_employer, settings, tmp_path):
    settings.SHEBAO_JOBS = "thread"
    book_due(deduction_employer, "2019-12", 10_000)
    book_due(remittance_employer, "2019-12", 20_000)
    sign_in(phone, collection_clerk.username)
    base = phone.live_server_url

    phone.goto(base + "/collection/deductions/")
    fits(phone, "collection-01-deductions")
    phone.click("button:has-text('生成扣款批次')")
    phone.wait_for_selector("text=SHA-256校验值")
    digest = DeductionFile.objects.get().sha256
    assert digest in phone.content()
    fits(phone, "collection-02-run")

    path = tmp_path / "statement.csv"
    path.write_text(f"{STATEMENT}P1,2020-01-06,200.00,某公司,,{remittance_employer.credit_code},社保费\n"
                    "P2,2020-01-06,3.00,不明付款人,,,\n", encoding="utf-8")
    phone.goto(base + "/collection/imports/remittances/")
    phone.set_input_files("input[name=file]", str(path))
    phone.click("button:has-text('导入')")
    phone.wait_for_selector("#import-report")
    report = phone.inner_text("#import-report")
    assert "第2行" in report and remittance_employer.name in report and "第3行" in report and "待人工匹配" in report
    fits(phone, "collection-03-import")

    phone.goto(base + "/collection/assessments/")
    phone.fill("input[name=as_of]", "2020-06-30")
    phone.click("button:has-text('开始核定')")
    phone.wait_for_url(re.compile(r"/collection/assessments/jobs/\d+/"))
    # The bar is updated in place by htmx until the background job is done.
    phone.wait_for_selector("text=核定完成", timeout=90_000)  # the job thread is slow on a loaded 2-core machine
    assert phone.get_attribute("progress", "value") == "100"
    job = AssessmentJob.objects.get()
    assert job.status == "done" and job.run is not None and job.requested_by == collection_clerk
    fits(phone, "collection-04-assessment")
