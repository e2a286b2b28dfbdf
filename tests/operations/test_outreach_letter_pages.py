"""The outreach letters batch (the PDF printed for the post) puts every letter on pages of its own, and
a letter longer than a page goes on to its own next page (ux14 finding 8: the letters had no page break
where one ran long, its text running off the foot, so the batch could not be cut apart letter by letter)."""

from __future__ import annotations

import io
from types import SimpleNamespace as N

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from shebao.backoffice.outreach import letters_pdf
from tests.pdf_layout import past_margins, spans

pytestmark = pytest.mark.django_db


def _letter(pk: int, name: str, paragraphs: int) -> N:
    body = "\n".join(f"第{i}段：请于疫情解除后三个月内到所属区社会保险经办机构补办相关手续，逾期不再受理。"
                     for i in range(1, paragraphs + 1))
    return N(pk=pk, name=name, address=f"北京市朝阳区朝阳门外大街{pk}号", subject="关于补缴社会保险费的通知", body=body)


def test_each_letter_starts_on_its_own_page_and_a_long_one_continues_on_its_own_pages(settings):
    settings.SHEBAO_TODAY = "2020-02-20"
    batch = N(pk=7, district=N(name="朝阳区社会保险基金管理中心"))
    letters = [_letter(1, "张三", 3), _letter(2, "李四", 90), _letter(3, "王五", 2)]
    pdf = letters_pdf(batch, letters)
    pages = [p.extract_text().replace("\n", "") for p in PdfReader(io.BytesIO(pdf)).pages]
    owners = [next(name for name in ("张三", "李四", "王五") if f"{name} 收" in text) for text in pages]
    assert owners[0] == "张三" and owners[1] == "李四" and owners[-1] == "王五"
    assert owners.count("张三") == 1 and owners.count("王五") == 1 and owners.count("李四") >= 3
    assert owners == sorted(owners, key=["张三", "李四", "王五"].index)  # one letter's pages together
    long_pages = [t for t, who in zip(pages, owners, strict=True) if who == "李四"]
    assert "第1段" in long_pages[0] and "第90段" in long_pages[-1] and "李四 收（续第2页）" in long_pages[1]
    assert "朝阳区社会保险基金管理中心" in long_pages[-1]  # the signature closes the letter, on its last page
    for i in range(1, 91):
        assert sum(f"第{i}段：" in t for t in long_pages) == 1, i  # every paragraph printed, once
    # the next letter begins at the top of a fresh page: nothing of the long one on it
    assert not any("第" in t and "段：" in t and "王五" in t and "第90段" in t for t in pages)
    # no text runs into the foot or off the page
    body = [s for s in spans(pdf) if "段：" in s.text]
    assert body and min(s.baseline for s in body) >= 25 * mm - 1  # the foot line sits below 25 mm
    assert not past_margins(pdf, margin=10 * mm)
