"""Payroll and assessment lists to take away (Excel, read back with openpyxl: numbers as numbers)
and the assessment run's report by district as a PDF (read back with pypdf, every page rendered with
pdfium) (issue 20)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from shebao.benefits.payroll import payroll_run_start
from shebao.benefits.services import Basis, retiree_declare
from shebao.collection.assessment import assessment_run
from shebao.core.models import PersonalDataAccess
from shebao.core.policy import current_policy
from tests import personas
from tests.collection.conftest import book_due
from tests.reports.test_statement import _pages_render


def _sheet(response):
    assert response.status_code == 200, response.content[:300] if hasattr(response, "content") else ""
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.fixture
def run(db, settings):
    settings.SHEBAO_TODAY = "2020-02-20"
    basis = Basis(record_monthly_fen=312_345, record_reference="核定-L20")
    payees = []
    for i, (name, district) in enumerate((("退休𠮷甲", "110105"), ("退休乙", "110108"))):
        person = personas.make_person(name, birth=dt.date(1959, 10, 15), serial=60 + i, district_code=district)
        retiree_declare(actor=personas.SETUP, person=person, bank_account=f"622202000000000{i:04d}", basis=basis)
        payees.append(person)
    return payroll_run_start(actor=personas.SETUP, month="2020-02"), payees


def test_a_payroll_run_downloads_every_transfer_with_amounts_as_numbers(client, leader, reviewer_chaoyang, run):
    run, payees = run
    client.force_login(leader)
    ws = _sheet(client.get(reverse("backoffice:payroll_export", args=[run.pk])))
    rows = list(ws.iter_rows(min_row=2))
    transfers = list(run.transfers.order_by("pk"))
    assert [r[0].value for r in rows] == [t.pk for t in transfers] and len(rows) >= 2
    for r, t in zip(rows, transfers, strict=True):
        amount = r[5]
        assert amount.data_type == "n" and amount.number_format == "#,##0.00"
        assert round(amount.value * 100) == t.amount_fen
        assert t.bank_account not in str(r[4].value) and str(r[4].value).endswith(t.bank_account[-4:])
        assert t.person.id_number not in str(r[2].value)  # a leader reads masked numbers, nothing recorded
    assert {r[1].value for r in rows} == {p.name for p in payees}  # 𠮷 in full
    assert not PersonalDataAccess.objects.exists()
    # A status outside the page's filter is refused, not answered with an empty file (D14's class).
    r = client.get(reverse("backoffice:payroll_export", args=[run.pk]), {"status": "x" * 300})
    assert r.status_code == 400 and "支付状态" in r.content.decode()
    # A district's staff: the city's payroll is not theirs (payroll.view_city).
    client.force_login(reviewer_chaoyang)
    assert client.get(reverse("backoffice:payroll_export", args=[run.pk])).status_code == 403


@pytest.fixture
def assessed(db, settings, employer_chaoyang, employer_haidian):
    settings.SHEBAO_TODAY = "2020-06-30"
    for month, fen in (("2019-10", 100_001), ("2019-11", 250_000)):
        book_due(employer_chaoyang, month, fen)
    book_due(employer_haidian, "2019-12", 77_777)
    result, _ = assessment_run(as_of=dt.date(2020, 6, 30), policy=current_policy(), actor=personas.SETUP)
    return result


def test_assessment_results_download_for_the_city_and_for_a_district(client, collection_clerk, clerk_chaoyang,
                                                                      assessed, employer_chaoyang, employer_haidian,
                                                                      chaoyang):
    client.force_login(collection_clerk)
    ws = _sheet(client.get(reverse("collection:assessment_export", args=[assessed.pk])))
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[:4] == ["单位编号", "单位名称", "所属区", "欠费（元）"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert set(rows) == {employer_chaoyang.pk, employer_haidian.pk}
    mine = rows[employer_chaoyang.pk]
    assert mine[3].value == pytest.approx(3500.01) and mine[3].number_format == "#,##0.00"
    assert mine[4].value == 2 and isinstance(mine[4].value, int) and mine[4].number_format == "#,##0"
    assert sum(round(r[3].value * 100) for r in rows.values()) == assessed.arrears_fen
    assert sum(round(r[5].value * 100) for r in rows.values()) == assessed.late_fee_fen
    # A district clerk: their district's file only; the city's file and another district's are not theirs.
    client.force_login(clerk_chaoyang)
    ws = _sheet(client.get(reverse("collection:assessment_district_export", args=[assessed.pk, chaoyang.pk])))
    assert [r[0].value for r in ws.iter_rows(min_row=2)] == [employer_chaoyang.pk]
    assert client.get(reverse("collection:assessment_export", args=[assessed.pk])).status_code == 403
    haidian = employer_haidian.district_id
    assert client.get(reverse("collection:assessment_district_export", args=[assessed.pk, haidian])).status_code == 404


def test_the_assessment_report_prints_each_district_with_totals_and_a_chart(client, collection_clerk, assessed):
    client.force_login(collection_clerk)
    r = client.get(reverse("collection:assessment_report", args=[assessed.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "社会保险费征缴核定报告（按区）" in text and "核定日：2020-06-30" in text
    from shebao.core.money import format_yuan

    for d in assessed.districts.select_related("district"):
        assert d.district.name in text and format_yuan(d.arrears_fen) in text
    assert f"欠费{format_yuan(assessed.arrears_fen)}元" in text and "第0.3条" in text
    assert "各区欠费、滞纳金与减免（元）" in text  # the chart's title, drawn with its bars
    pages = _pages_render(r.content)
    assert pages and all(dark > 2000 for _, _, dark in pages)
    assert all((w, h) == pages[0][:2] for w, h, _ in pages)
