"""Every list a clerk downloads goes one road (issue 20): a list longer than SHEBAO_EXPORT_INLINE_ROWS
offers the background job, whose file, read back with openpyxl, holds the same rows as the direct
download, with the same masking and the same reads of personal data recorded; a job for a run or a
district the user may not see is refused before anything is created, and a job whose user lost the
right before it ran writes nothing."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from shebao.cases.models import Flag
from shebao.collection.models import BankFile, RemittanceLine
from shebao.core.models import AuditEvent, PersonalDataAccess
from shebao.reports.models import ExportJob
from tests import personas
from tests.reports.test_exports import cases  # noqa: F401 (the fixture)
from tests.reports.test_lists import assessed, run  # noqa: F401 (the fixtures)


def _rows(content: bytes) -> list[list]:
    wb = load_workbook(io.BytesIO(content))  # not read-only: empty cells kept
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def _reads() -> list[tuple[str, str, str]]:
    return sorted(PersonalDataAccess.objects.values_list("actor__username", "object_pk", "field"))


def _both_roads(client, settings, url: str, data: dict | None = None, *, post: bool = False) -> tuple[list, ExportJob]:
    """Download `url` directly, then with the inline limit one row below the list's length: the page
    offers the job (writing nothing), the job is started with what the page posts, and its file and
    its reads are compared with the direct download's."""
    ask = client.post if post else client.get
    settings.SHEBAO_EXPORT_INLINE_ROWS = 1_000_000
    r = ask(url, data or {})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats"), r.content[:300]
    direct = _rows(b"".join(r.streaming_content))
    direct_reads = _reads()
    PersonalDataAccess.objects.all().delete()
    assert len(direct) >= 2, "the list must hold a row"

    settings.SHEBAO_EXPORT_INLINE_ROWS = len(direct) - 2  # one data row too many for a direct download
    r = ask(url, data or {})
    page = r.content.decode()
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert "开始后台导出" in page and f'<strong id="export-total">{len(direct) - 1}</strong>' in page
    assert not ExportJob.objects.exists() and not PersonalDataAccess.objects.exists()  # offering writes nothing
    kind = re.search(r'name="kind" value="([^"]*)"', page).group(1)
    params = html.unescape(re.search(r'name="params" value="([^"]*)"', page).group(1))
    r = client.post(reverse("backoffice:export_job_start"), {"kind": kind, "params": params})
    job = ExportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("backoffice:export_job", args=[job.pk])
    assert (job.status, job.rows, job.total) == ("done", len(direct) - 1, len(direct) - 1)
    f = client.get(reverse("backoffice:export_job_file", args=[job.pk]))
    assert f.status_code == 200
    assert _rows(b"".join(f.streaming_content)) == direct
    assert _reads() == direct_reads
    return direct, job


def test_a_long_person_search_is_exported_in_the_background_and_its_text_is_kept_encrypted(
        client, settings, clerk_chaoyang, person_chaoyang):
    personas.make_person("张四", serial=2)
    client.force_login(clerk_chaoyang)
    direct, job = _both_roads(client, settings, reverse("backoffice:persons_export"), {"q": "张"}, post=True)
    assert {r[0] for r in direct[1:]} == {"张三", "张四"}
    assert person_chaoyang.id_number in {r[2] for r in direct[1:]}  # a clerk reads them in full ...
    assert PersonalDataAccess.objects.filter(field="人员查询导出").count() == 2  # ... and the reads are recorded
    # What was typed (it may be an ID number) is kept encrypted on the job and in its audit row.
    job.refresh_from_db()
    assert job.params["q"] != "张" and job.params["q"].startswith("gAAAAA")
    assert "张" not in str(AuditEvent.objects.filter(model="reports.ExportJob").values_list("changes", flat=True))


def test_a_long_person_search_by_id_number_never_stores_the_number_in_clear(client, settings, clerk_chaoyang,
                                                                            person_chaoyang):
    client.force_login(clerk_chaoyang)
    settings.SHEBAO_EXPORT_INLINE_ROWS = 0
    r = client.post(reverse("backoffice:export_job_start"),
                    {"kind": "persons", "params": f"q={person_chaoyang.id_number}"})
    job = ExportJob.objects.get()
    assert r.status_code == 302 and job.status == "done" and job.rows == 1
    assert person_chaoyang.id_number not in str(ExportJob.objects.values_list("params", "title").get())
    assert person_chaoyang.id_number not in str(
        list(AuditEvent.objects.filter(model="reports.ExportJob").values_list("changes", flat=True)))


def test_a_long_review_queue_is_exported_in_the_background(client, settings, clerk_chaoyang, cases):  # noqa: F811
    Flag.objects.create(case=cases[1], office=cases[1].office, kind="manual_operation", description="手工补录",
                        stage="queued")
    client.force_login(clerk_chaoyang)
    direct, job = _both_roads(client, settings, reverse("backoffice:review_export"), {"stage": "queued"})
    assert [r[5] for r in direct[1:]] == ["手工记账", "手工补录"]
    assert job.params == {"stage": "queued"}


def test_a_long_remittance_queue_is_exported_in_the_background(client, settings, clerk_chaoyang):
    bank_file = BankFile.objects.create(kind="remittance_statement", sha256="e" * 64, filename="s.csv", lines=2)
    for i in range(2):
        RemittanceLine.objects.create(bank_file=bank_file, line_no=i + 1, bank_reference=f"R-{i}", amount_fen=12_345,
                                      value_date=dt.date(2020, 2, 10 + i), payer_name="某公司",
                                      payer_account="6222020000000000123")
    client.force_login(clerk_chaoyang)
    direct, _ = _both_roads(client, settings, reverse("backoffice:remittance_export"))
    assert [r[0] for r in direct[1:]] == ["R-0", "R-1"] and {r[2] for r in direct[1:]} == {123.45}


def test_a_long_payroll_run_is_exported_in_the_background_with_the_run_and_status_it_was_asked(
        client, settings, leader, run):  # noqa: F811
    run, payees = run
    client.force_login(leader)
    direct, job = _both_roads(client, settings, reverse("backoffice:payroll_export", args=[run.pk]))
    assert [r[0] for r in direct[1:]] == list(run.transfers.order_by("pk").values_list("pk", flat=True))
    assert all(p.id_number not in str(direct) for p in payees)  # a leader reads masked numbers
    assert job.params == {"pk": str(run.pk)}
    # The page's filter goes with it: a status outside it is refused on both roads.
    r = client.post(reverse("backoffice:export_job_start"), {"kind": "payroll", "params": f"pk={run.pk}&status=x"})
    assert r.status_code == 400 and "支付状态" in r.content.decode()
    assert ExportJob.objects.count() == 1


def test_long_assessment_results_are_exported_in_the_background_for_the_city_and_a_district(
        client, settings, collection_clerk, clerk_chaoyang, assessed, chaoyang, employer_chaoyang):  # noqa: F811
    client.force_login(collection_clerk)
    direct, job = _both_roads(client, settings, reverse("collection:assessment_export", args=[assessed.pk]))
    assert len(direct) == 3 and job.params == {"pk": str(assessed.pk)}
    ExportJob.objects.all().delete()
    client.force_login(clerk_chaoyang)
    direct, job = _both_roads(client, settings, reverse("collection:assessment_district_export",
                                                        args=[assessed.pk, chaoyang.pk]))
    assert [r[0] for r in direct[1:]] == [employer_chaoyang.pk]
    assert job.params == {"pk": str(assessed.pk), "district": str(chaoyang.pk)}


def test_a_long_drill_down_of_the_dashboard_is_exported_in_the_background(client, settings, clerk_chaoyang,
                                                                          cases):  # noqa: F811
    settings.SHEBAO_TODAY = "2020-03-01"
    client.force_login(clerk_chaoyang)
    q = {"start": "2020-02-01", "end": "2020-02-29", "grain": "day", "figure": "applied"}
    direct, job = _both_roads(client, settings, reverse("backoffice:dashboard_cases_export"), q)
    assert sorted(r[0] for r in direct[1:]) == sorted(c.pk for c in cases)  # 朝阳区's, not 海淀's
    assert job.params == q


def _nothing_started(before: int) -> None:
    assert not ExportJob.objects.exists()
    assert AuditEvent.objects.count() == before
    assert not PersonalDataAccess.objects.exists()


def test_a_job_for_a_run_or_district_the_user_may_not_see_is_refused_and_nothing_is_created(
        client, settings, reviewer_chaoyang, clerk_chaoyang, run, assessed, employer_haidian, cases):  # noqa: F811
    run, _ = run
    settings.SHEBAO_EXPORT_INLINE_ROWS = 0
    start = reverse("backoffice:export_job_start")
    haidian = employer_haidian.district_id
    before = AuditEvent.objects.count()
    client.force_login(reviewer_chaoyang)  # a district's reviewer: the city's payroll is not theirs
    assert client.post(start, {"kind": "payroll", "params": f"pk={run.pk}"}).status_code == 403
    _nothing_started(before)
    client.force_login(clerk_chaoyang)  # a district's clerk: not the city's results, not 海淀's
    assert client.post(start, {"kind": "assessment", "params": f"pk={assessed.pk}"}).status_code == 403
    r = client.post(start, {"kind": "assessment_district", "params": f"pk={assessed.pk}&district={haidian}"})
    assert r.status_code == 404
    r = client.post(start, {"kind": "dashboard_cases", "params": f"figure=applied&start=2020-02-01&end=2020-02-29"
                                                                  f"&district={haidian}"})
    assert r.status_code == 403
    # A pk that is no pk is no run (not a 500), and the district's own list stays theirs.
    assert client.post(start, {"kind": "assessment_district", "params": "pk=%C2%B2&district=1"}).status_code == 404
    _nothing_started(before)


def test_a_job_whose_user_lost_the_right_before_it_ran_writes_nothing(client, settings, leader, run):  # noqa: F811
    from shebao.reports.jobs import export_job_execute

    run, _ = run
    reviewer = personas.make_staff("reviewer_cy2", role=personas.Role.DISTRICT_REVIEWER, office_code="110105")
    job = ExportJob.objects.create(kind="payroll", params={"pk": str(run.pk)}, title="支付明细", requested_by=reviewer)
    export_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "无权" in job.error and not job.path
    assert not PersonalDataAccess.objects.exists()
    client.force_login(reviewer)
    assert client.get(reverse("backoffice:export_job_file", args=[job.pk])).status_code == 404


def test_every_list_download_goes_the_one_road():
    """Each list's view is a spec of EXPORT_SPECS (the job can make every list the page offers)."""
    from shebao.backoffice import exports

    assert set(exports.EXPORT_SPECS) >= {"queue", "persons", "review", "remittances", "payroll", "assessment",
                                         "assessment_district", "dashboard_cases"}
    assert not hasattr(exports, "_download") and not hasattr(exports, "_assessment_rows")



def test_a_remittance_queue_in_full_records_each_line_read(client, settings, clerk_chaoyang):
    """The payer's account and memo written in full are a read of personal data (issue 20: "personal
    numbers masked unless the role may see them, and then the export is recorded"): they were written in
    full with nothing recorded."""
    bank_file = BankFile.objects.create(kind="remittance_statement", sha256="d" * 64, filename="s.csv", lines=2)
    lines = [RemittanceLine.objects.create(bank_file=bank_file, line_no=i + 1, bank_reference=f"R-{i}",
                                           amount_fen=100, value_date=dt.date(2020, 2, 10), payer_name=f"付款人{i}",
                                           payer_account="6222020000000000123", memo="身份证110105196507131772")
             for i in range(2)]
    client.force_login(clerk_chaoyang)
    settings.SHEBAO_EXPORT_INLINE_ROWS = 1_000_000
    rows = _rows(b"".join(client.get(reverse("backoffice:remittance_export")).streaming_content))
    assert {r[4] for r in rows[1:]} == {"6222020000000000123"} and "110105196507131772" in rows[1][6]
    assert sorted(PersonalDataAccess.objects.values_list("model", "object_pk", "subject_label", "field")) == [
        ("collection.RemittanceLine", str(line.pk), line.payer_name, "汇款队列导出") for line in lines]
