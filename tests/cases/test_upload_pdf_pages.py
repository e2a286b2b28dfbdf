"""A PDF of 100,000 pages was accepted after seconds of listing them (review-input12 F8): the page tree
is counted first, stopping at the cap (`documents.PDF_MAX_PAGES`), before any page is listed.
"""

from __future__ import annotations

import io
import time

import pytest

from shebao.cases.documents import PDF_MAX_PAGES, UploadRefused, check_upload
from tests.uploads import pdf


class _Upload(io.BytesIO):
    def __init__(self, content: bytes, name: str) -> None:
        super().__init__(content)
        self.name = name


def _raw_pdf(kids: list[int], count: int, pages: int) -> bytes:
    """A PDF written by hand: catalog 1, page tree 2 with /Kids the objects ``kids`` and /Count
    ``count``, page objects 3 .. 3 + ``pages`` - 1."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % count]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>"] * pages
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _refused(content: bytes, name: str) -> str:
    with pytest.raises(UploadRefused) as refused:
        check_upload(_Upload(content, name))
    return str(refused.value.args[0]) if refused.value.args else str(refused.value)


@pytest.mark.parametrize(("what", "content"), [
    ("one page repeated 100,000 times", _raw_pdf([3] * 100_000, 100_000, 1)),
    ("the same, stating one page", _raw_pdf([3] * 100_000, 1, 1)),
    ("300 pages stating one", _raw_pdf(list(range(3, 303)), 1, 300)),
    ("201 pages", pdf(PDF_MAX_PAGES + 1)),
])
def test_a_pdf_of_more_pages_than_the_cap_is_refused_at_once(what, content):
    started = time.monotonic()
    message = _refused(content, "scan.pdf")
    assert time.monotonic() - started < 20, what  # minutes before
    assert f"页数超过{PDF_MAX_PAGES}页的上限" in message, (what, message)


def test_a_pdf_at_the_cap_is_taken():
    checked = check_upload(_Upload(pdf(PDF_MAX_PAGES), "scan.pdf"))
    assert checked.content_type == "application/pdf"
    assert check_upload(_Upload(_raw_pdf([3, 4], 2, 2), "two.pdf")).extension == "pdf"


