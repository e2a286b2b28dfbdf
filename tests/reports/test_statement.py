"""The employer's account statement as a PDF: dues, payments, late fees and relief with their clauses,
the employer's name in full, every page rendered (pdfium) and read back (pypdf) (issue 20)."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2
from django.urls import reverse
from pypdf import PdfReader

from tests import personas
from tests.collection.conftest import book_due


def _pages_render(pdf: bytes) -> list[tuple[int, int, int]]:
    """Each page drawn as an image: (width, height, dark pixels) — a page with text has ink on it."""
    out = []
    doc = pypdfium2.PdfDocument(pdf)
    for i in range(len(doc)):
        image = doc[i].render(scale=1).to_pil().convert("L")
        dark = sum(image.histogram()[:128])
        out.append((image.width, image.height, dark))
    return out


def test_the_statement_prints_dues_late_fees_and_clauses_with_the_name_in_full(client, clerk_chaoyang, settings,
                                                                              db):
    settings.SHEBAO_TODAY = "2020-06-30"
    employer = personas.make_employer("北京𠮷祥物流有限公司", serial=333)  # 𠮷: outside the basic plane
    for month in ("2019-10", "2019-11", "2019-12", "2020-01"):
        book_due(employer, month, 123_456)
    book_due(employer, "2019-09", 50_000, paid_on=dt.date(2019, 10, 10))
    client.force_login(clerk_chaoyang)
    r = client.get(reverse("backoffice:employer_statement", args=[employer.pk]), {"as_of": "2020-06-30"})
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"] == "application/pdf"
    pdf = r.content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "北京𠮷祥物流有限公司" in text
    assert "单位社会保险费对账单" in text and "2019-12" in text and "1,234.56" in text
    assert "滞纳金" in text and "第0.3" in text  # the late-fee clause of the notice, with its number
    assert "2019-10-10" in text  # the payment
    pages = _pages_render(pdf)
    assert pages and all(w > 500 and h > 800 and dark > 500 for w, h, dark in pages)


def test_a_long_account_runs_over_pages_and_another_districts_employer_is_not_found(client, clerk_chaoyang,
                                                                                     clerk_haidian, db, settings):
    settings.SHEBAO_TODAY = "2020-06-30"
    employer = personas.make_employer("北京朝阳长账户有限公司", serial=334)
    for y in (2017, 2018, 2019):
        for m in range(1, 13):
            for insurance in ("pension", "medical"):
                book_due(employer, f"{y}-{m:02d}", 10_000, insurance=insurance)
    client.force_login(clerk_chaoyang)
    pdf = client.get(reverse("backoffice:employer_statement", args=[employer.pk])).content
    pages = _pages_render(pdf)
    assert len(pages) >= 3 and all(dark > 100 for _, _, dark in pages)
    reader = PdfReader(io.BytesIO(pdf))
    assert "第2页" in reader.pages[1].extract_text() and "（续）" in reader.pages[1].extract_text()
    client.force_login(clerk_haidian)
    assert client.get(reverse("backoffice:employer_statement", args=[employer.pk])).status_code == 404
    assert client.get(reverse("backoffice:employer_statement", args=[employer.pk]),
                      {"as_of": "2020-02-30"}).status_code == 404
