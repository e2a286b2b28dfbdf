"""Staff pages: an employer's account, the matching queue, runs and what-ifs; district scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.collection.assessment import assessment_run
from shebao.collection.importers import import_remittances
from shebao.collection.models import Due, Payment, RemittanceLine
from shebao.core.models import AuditEvent
from shebao.core.policy import current_policy
from tests.collection.conftest import book_due
from tests.collection.test_bank_imports import statement
from tests.nothing_written import nothing_written
from tests.personas import SETUP


@pytest.fixture
def queued_line(db):
    import_remittances(actor=SETUP, data=statement("Q001,2020-01-06,100.00,北京朝阳测试科技有限公司,6222000011112222,,"),
                       filename="q.csv")
    return RemittanceLine.objects.get(bank_reference="Q001")


def test_an_employers_account_shows_dues_fees_relief_and_the_clause(client, clerk_chaoyang, employer_chaoyang):
    book_due(employer_chaoyang, "2020-02", 100_000)
    client.force_login(clerk_chaoyang)
    response = client.get(reverse("collection:employer_account", args=[employer_chaoyang.pk]), {"as_of": "2020-06-30"})
    html = response.content.decode()
    assert response.status_code == 200
    # Each due shows its number: the refund form (1.2c) asks for the numbers of the dues it refunds.
    due = Due.objects.get(employer=employer_chaoyang, month="2020-02")
    assert "<th>编号</th>" in html and f"<td>{due.pk}</td><td>2020-02</td>" in html
    assert "缴费账户" in html and "2020-03-31" in html
    # The clause notes are written from the policy: the due's own month and extended date (0.2), and
    # the relief's condition while the lifted date is unknown (0.3).
    assert "第0.2条 2020年2月费款征收期延长至2020年3月31日" in html
    assert "第0.3条 疫情期间欠费于疫情解除后3个月内补缴的，免收滞纳金" in html
    assert "1,000.00" in html  # arrears, in yuan


def test_a_clerk_of_another_district_gets_a_404_for_the_account(client, clerk_haidian, employer_chaoyang):
    client.force_login(clerk_haidian)
    with nothing_written():
        response = client.get(reverse("collection:employer_account", args=[employer_chaoyang.pk]))
    assert response.status_code == 404


def test_the_municipal_center_sees_every_district(client, municipal_admin, employer_haidian):
    client.force_login(municipal_admin)
    assert client.get(reverse("collection:employer_account", args=[employer_haidian.pk])).status_code == 200


def test_a_page_needs_a_login(client, employer_chaoyang):
    response = client.get(reverse("collection:employer_account", args=[employer_chaoyang.pk]))
    assert response.status_code == 302


def test_staff_match_a_queued_remittance_to_their_districts_employer(client, clerk_chaoyang, employer_chaoyang,
                                                                     queued_line):
    book_due(employer_chaoyang, "2019-12", 10_000)
    client.force_login(clerk_chaoyang)
    queue = client.get(reverse("collection:remittance_queue")).content.decode()
    assert "Q001" in queue and "6222********2222" in queue and "6222000011112222" not in queue
    page = client.get(reverse("collection:remittance_line", args=[queued_line.pk])).content.decode()
    assert employer_chaoyang.name in page
    response = client.post(reverse("collection:remittance_line_match", args=[queued_line.pk]),
                           {"employer": employer_chaoyang.pk})
    assert response.status_code == 302
    queued_line.refresh_from_db()
    assert (queued_line.status, queued_line.employer, queued_line.matched_by) == ("matched", employer_chaoyang, "人工匹配")
    payment = Payment.objects.get(remittance_line=queued_line)
    assert payment.transaction.author == clerk_chaoyang
    assert AuditEvent.objects.filter(model="collection.RemittanceLine", actor=clerk_chaoyang).exists()


def test_staff_cannot_match_a_remittance_to_another_districts_employer(client, clerk_haidian, employer_chaoyang,
                                                                      queued_line):
    client.force_login(clerk_haidian)
    with nothing_written():
        response = client.post(reverse("collection:remittance_line_match", args=[queued_line.pk]),
                               {"employer": employer_chaoyang.pk})
    assert response.status_code == 404
    queued_line.refresh_from_db()
    assert queued_line.status == "unmatched" and not Payment.objects.exists()


def test_a_read_only_leader_cannot_match(client, leader, employer_chaoyang, queued_line):
    client.force_login(leader)
    with nothing_written():
        refused = client.post(reverse("collection:remittance_line_match", args=[queued_line.pk]),
                              {"employer": employer_chaoyang.pk}, follow=True)
    assert "领导无权匹配银行汇款" in refused.content.decode()  # the table's reason, on the page
    queued_line.refresh_from_db()
    assert queued_line.status == "unmatched"


def test_runs_are_listed_and_a_districts_staff_see_only_their_employers_lines(client, clerk_haidian, employer_chaoyang,
                                                                              employer_haidian):
    book_due(employer_chaoyang, "2019-11", 10_000)
    book_due(employer_haidian, "2019-11", 20_000)
    run, _ = assessment_run(actor=SETUP, as_of=dt.date(2020, 1, 31), policy=current_policy())
    client.force_login(clerk_haidian)
    own = reverse("collection:assessment_run_district", args=[run.pk, employer_haidian.district_id])
    assert own in client.get(reverse("collection:assessment_runs")).content.decode()
    html = client.get(own).content.decode()
    assert employer_haidian.name in html and employer_chaoyang.name not in html
    with nothing_written():
        refused = client.get(reverse("collection:assessment_run", args=[run.pk]))
    assert refused.status_code == 403
    other = reverse("collection:assessment_run_district", args=[run.pk, employer_chaoyang.district_id])
    with nothing_written():
        refused = client.get(other)
    assert refused.status_code == 404


def test_the_municipal_center_sees_the_whole_run(client, municipal_admin, employer_chaoyang, employer_haidian):
    book_due(employer_chaoyang, "2019-11", 10_000)
    book_due(employer_haidian, "2019-11", 20_000)
    run, _ = assessment_run(actor=SETUP, as_of=dt.date(2020, 1, 31), policy=current_policy())
    client.force_login(municipal_admin)
    html = client.get(reverse("collection:assessment_run", args=[run.pk])).content.decode()
    assert employer_haidian.name in html and employer_chaoyang.name in html and "300.00" in html


def test_the_what_if_page_shows_the_change_by_district(client, municipal_admin, employer_chaoyang):
    book_due(employer_chaoyang, "2020-02", 200_000)
    client.force_login(municipal_admin)
    html = client.get(reverse("collection:assessment_runs"),
                      {"as_of": "2020-12-31", "lifted_on": "2020-04-30"}).content.decode()
    assert "受影响单位 <strong>1</strong> 家" in html and "朝阳区" in html and employer_chaoyang.name in html


def test_a_persons_rights_record_page_answers_the_coverage_question(client, clerk_chaoyang, person_chaoyang,
                                                                    employer_chaoyang):
    from shebao.collection.services import dues_build
    from tests.collection.conftest import contribution

    contribution(person_chaoyang, employer_chaoyang, "2020-02", 1_000_000)
    dues_build(actor=SETUP, months=["2020-02"])
    client.force_login(clerk_chaoyang)
    html = client.get(reverse("collection:person_rights", args=[person_chaoyang.pk]),
                      {"as_of": "2020-03-01", "on": "2020-02-20"}).content.decode()
    assert "享受医疗保险待遇" in html and "第0.2条 2020年2月费款征收期延长至2020年3月31日" in html


def test_failed_deductions_are_shown_and_the_collection_desk_retries_them(client, municipal_admin, clerk_haidian,
                                                                          collection_clerk, deduction_employer):
    from shebao.collection.importers import import_deduction_result
    from shebao.collection.models import DeductionRun
    from shebao.collection.services import deduction_run_create

    book_due(deduction_employer, "2019-12", 10_000)
    run = deduction_run_create(actor=SETUP, )
    item = run.items.get()
    import_deduction_result(actor=SETUP, data=(f"item_id,credit_code,amount,result,reason,bank_reference,date\n"
                                  f"{item.pk},{deduction_employer.credit_code},100.00,failed,账户已冻结,,2019-12-24\n"
                                  ).encode(), filename="r.csv")
    client.force_login(clerk_haidian)  # another district sees neither the item nor the run
    assert deduction_employer.name not in client.get(reverse("collection:deduction_runs")).content.decode()
    with nothing_written():
        refused = client.get(reverse("collection:deduction_run", args=[run.pk]))
    assert refused.status_code == 403
    with nothing_written():
        refused = client.post(reverse("collection:deduction_run_retry", args=[run.pk]))
    assert refused.status_code == 403
    client.force_login(municipal_admin)
    assert "账户已冻结" in client.get(reverse("collection:deduction_run", args=[run.pk])).content.decode()
    listing = client.get(reverse("collection:deduction_runs")).content.decode()
    assert f"#{run.pk}" in listing
    # The administrator sees the run but is not the collection desk: refused, nothing written.
    assert "重新扣款" not in client.get(reverse("collection:deduction_run", args=[run.pk])).content.decode()
    with nothing_written():
        refused = client.post(reverse("collection:deduction_run_retry", args=[run.pk]))
    assert refused.status_code == 403
    assert not DeductionRun.objects.filter(retry_of=run).exists() and run.items.get().status == "failed"
    client.force_login(collection_clerk)
    response = client.post(reverse("collection:deduction_run_retry", args=[run.pk]))
    retry = DeductionRun.objects.get(retry_of=run)
    assert response.status_code == 302 and retry.items.get().employer == deduction_employer
    assert retry.request_file.lines == 1 and run.items.get().status == "retried"


def test_a_districts_what_if_counts_only_its_own_employers(client, clerk_haidian, employer_chaoyang, employer_haidian):
    book_due(employer_chaoyang, "2020-02", 200_000)
    book_due(employer_haidian, "2020-02", 100_000)
    client.force_login(clerk_haidian)
    html = client.get(reverse("collection:assessment_runs"),
                      {"as_of": "2020-12-31", "lifted_on": "2020-04-30"}).content.decode()
    assert "受影响单位 <strong>1</strong> 家" in html
    assert employer_haidian.name in html and employer_chaoyang.name not in html


def test_a_districts_staff_see_their_failed_deductions_in_the_list(client, clerk_chaoyang, deduction_employer):
    from shebao.collection.importers import import_deduction_result
    from shebao.collection.services import deduction_run_create

    book_due(deduction_employer, "2019-12", 10_000)
    item = deduction_run_create(actor=SETUP, ).items.get()
    import_deduction_result(actor=SETUP, data=(f"item_id,credit_code,amount,result,reason,bank_reference,date\n"
                                  f"{item.pk},{deduction_employer.credit_code},100.00,failed,账户已冻结,,2019-12-24\n"
                                  ).encode(), filename="r.csv")
    client.force_login(clerk_chaoyang)
    html = client.get(reverse("collection:deduction_runs")).content.decode()
    assert deduction_employer.name in html and "账户已冻结" in html
