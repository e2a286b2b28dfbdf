"""Every PDF prints names in full or not at all (issue 12, class 7): 王𠮷 (U+20BB7) on a receipt."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4

from shebao.cases.models import Case
from shebao.core import pdffonts
from shebao.core.pdffonts import StrictCanvas, UnprintableText, missing_characters, pdf_font
from tests import personas
from tests.businesses.desk import refund_fields


def test_the_pdf_font_is_installed():
    # .ci/run installs Debian's fonts-babelstone-han; a machine without it cannot print names in full.
    assert pdffonts.font_file().is_file(), f"缺少PDF字体：apt-get install {pdffonts.DEBIAN_PACKAGE}"


def pdf_text(pdf: bytes) -> str:
    """The characters a PDF's fonts map back to Unicode (their ToUnicode tables), from every stream."""
    chars = []
    for m in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", pdf):
        raw = pdf[m.end():m.end() + int(m.group(1))]
        try:
            data = zlib.decompress(raw)
        except zlib.error:
            data = raw
        for hexes in re.findall(rb"<([0-9a-fA-F]{2,8})>\s*<([0-9a-fA-F]{4,8})>", data):
            chars.append(bytes.fromhex(hexes[1].decode()).decode("utf-16-be", errors="replace"))
    return "".join(chars)


def draw(text: str) -> bytes:
    buf = io.BytesIO()
    c = StrictCanvas(buf, pagesize=A4)
    c.setFont(pdf_font(), 12)
    c.drawString(50, 700, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_name_beyond_the_basic_plane_is_embedded_in_full():
    pdf = draw("申请人：王𠮷")
    assert b"/FontFile2" in pdf  # the TrueType font is embedded (a subset), not referenced
    assert "𠮷" in pdf_text(pdf) and "王" in pdf_text(pdf)


@pytest.fixture
def ext_b_case(client, clerk_chaoyang):
    person = personas.make_person("王𠮷", serial=9)
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "refund", "applicant_kind": "person", "id_number": person.id_number,
        "refund_kind": "base_difference", **refund_fields(person), "token": "t-font", "do": "save"})
    assert r.status_code == 302, r.content.decode()[:2000]
    return Case.objects.get()


def test_the_receipt_of_wang_ji_prints_the_name_in_full(client, ext_b_case):
    r = client.get(reverse("backoffice:case_receipt", args=[ext_b_case.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "王" in text and "𠮷" in text


def test_no_receipt_is_printed_when_the_font_lacks_a_character(client, ext_b_case, monkeypatch):
    monkeypatch.setattr(pdffonts, "missing_characters", lambda text: ["𠮷"] if "𠮷" in text else [])
    r = client.get(reverse("backoffice:case_receipt", args=[ext_b_case.pk]))
    assert r.status_code == 500 and not r.content.startswith(b"%PDF")
    assert "U+20BB7" in r.content.decode() and "未生成PDF" in r.content.decode()


def test_no_pdf_is_printed_without_the_font(client, ext_b_case, settings, tmp_path):
    settings.SHEBAO_PDF_FONT = str(tmp_path / "absent.ttf")
    r = client.get(reverse("backoffice:case_receipt", args=[ext_b_case.pk]))
    assert r.status_code == 500 and "fonts-babelstone-han" in r.content.decode()


CJK = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),    # CJK Unified Ideographs
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),    # Extension A
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),  # Extension B
    st.characters(min_codepoint=0x2A700, max_codepoint=0x2EBEF),  # Extensions C to F
    st.characters(min_codepoint=0x30000, max_codepoint=0x3134F),  # Extension G
)


@settings(max_examples=60, deadline=None)
@given(st.text(CJK, min_size=1, max_size=4))
def test_any_name_is_printed_in_full_or_refused(name):
    try:
        pdf = draw(f"申请人：{name}")
    except UnprintableText as e:
        assert e.chars and all(c in name for c in e.chars)
        return
    assert missing_characters(name) == []
    text = pdf_text(pdf)
    assert all(c in text for c in name)


def test_the_ci_installs_the_font_package():
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert pdffonts.DEBIAN_PACKAGE in ci and pdffonts.DEFAULT_FONT_FILE in ci
