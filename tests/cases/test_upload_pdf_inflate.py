"""A PDF whose object streams decompress to far more than the file was accepted after seconds and
hundreds of MB (review-input13 F2: 141 kB, 2 pages each in an object stream of 74 MB, just under pypdf's
75 MB per stream, took 22.9 s and 318 MB). What pypdf decompresses reading an upload is held to one
budget for the whole file (`documents.pdf_inflate_budget`): 200 times its size, at most 64 MB.
"""

from __future__ import annotations

import io
import tracemalloc

import pytest

from shebao.cases.documents import (
    _INFLATE_BUDGET,
    PDF_MAX_INFLATED_BYTES,
    UploadRefused,
    check_upload,
    pdf_inflate_budget,
)
from tests.uploads import pdf, pdf_in_object_streams

BOMB = "文件“scan.pdf”解压后过大，疑似压缩炸弹，请上传普通PDF"


class _Upload(io.BytesIO):
    def __init__(self, content: bytes, name: str = "scan.pdf") -> None:
        super().__init__(content)
        self.name = name


def _refused(content: bytes) -> str:
    with pytest.raises(UploadRefused) as refused:
        check_upload(_Upload(content))
    return refused.value.zh


def test_the_budget_is_200_times_the_file_at_most_64_mb():
    assert pdf_inflate_budget(100_000) == 20_000_000
    assert pdf_inflate_budget(10 * 1024 * 1024) == PDF_MAX_INFLATED_BYTES == 64 * 1024 * 1024


@pytest.mark.parametrize(("what", "pages", "pad"), [
    ("2 pages of 74 MB each, the review's file", 2, 74_000_000),
    ("40 pages of 2 MB each: every stream small, their sum over the budget", 40, 2_000_000),
])
def test_a_pdf_decompressing_past_the_budget_is_refused_quickly(what, pages, pad):
    content = pdf_in_object_streams(pages, pad)
    assert len(content) < 200_000, what
    # The work done, not the wall time (a loaded CI machine took 7.7 s for a 2 s refusal): the memory
    # Python held while refusing stays within twice the budget (200x the file, 29 MB here), where the
    # review's file inflated 148 MB and held 318 MB before (22.9 s).
    tracemalloc.start()
    try:
        said = _refused(content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 200 * len(content) + 16_000_000, (what, peak)  # the budget, and one copy of it
    assert BOMB in said, (what, said)
    assert _INFLATE_BUDGET.get() is None  # the budget ends with the check


def test_pdfs_in_object_streams_and_plain_ones_are_taken():
    for content in (pdf_in_object_streams(1), pdf_in_object_streams(150), pdf(150), pdf(3)):
        assert check_upload(_Upload(content)).content_type == "application/pdf"


def test_the_budget_is_a_setting(settings):
    content = pdf_in_object_streams(20, 20_000)  # 400 kB decompressed from a file of a few kB
    assert check_upload(_Upload(content))
    settings.SHEBAO_UPLOAD_MAX_PDF_INFLATED_BYTES = 100_000
    assert BOMB in _refused(content)


def test_pypdf_outside_a_check_keeps_its_own_limits():
    from pypdf import PdfReader

    check_upload(_Upload(pdf_in_object_streams(2)))  # the budgeted decoder installed
    reader = PdfReader(io.BytesIO(pdf_in_object_streams(3, 1_000_000)))
    assert len(reader.pages) == 3 and reader.pages[2].mediabox.width == 72
