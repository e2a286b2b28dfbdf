"""Small files for upload tests, made here with the libraries the check reads them with (Pillow, pypdf),
so every test sends whole files (`cases.documents.check_upload` decodes images and parses PDFs), and
the broken ones review-input9 F7 named.

`pdf(n)` a PDF of ``n`` blank pages; `png()`/`jpeg()` a small image; `PDF`, `PNG`, `JPEG` one of each.
Variants (``pdf(tag=b"2")``) differ in their bytes, for tests that upload two different files.
"""

from __future__ import annotations

import io
import random
import zipfile

from PIL import Image
from pypdf import PdfWriter


def pdf(pages: int = 1, *, tag: bytes = b"") -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=72, height=72)
    if tag:
        w.add_metadata({"/Subject": tag.decode("ascii")})
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _image(fmt: str, size: tuple[int, int], seed: int) -> bytes:
    rnd = random.Random(seed)  # noisy pixels: a cut file loses image data, not only its end marker
    im = Image.frombytes("RGB", size, bytes(rnd.randrange(256) for _ in range(size[0] * size[1] * 3)))
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


def png(size: tuple[int, int] = (4, 4), seed: int = 0) -> bytes:
    return _image("PNG", size, seed)


def jpeg(size: tuple[int, int] = (4, 4), seed: int = 0) -> bytes:
    return _image("JPEG", size, seed)


PDF, PNG, JPEG = pdf(), png(), jpeg()


def broken() -> dict[str, tuple[str, bytes]]:
    """Each refused kind (review-input9 F7) as (file name, content)."""
    rnd = random.Random(7)
    big_png = png((64, 64))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "不是PDF")
    return {
        "truncated PNG": ("scan.png", big_png[: len(big_png) // 2]),
        "PNG header and random bytes": ("photo.png", b"\x89PNG\r\n\x1a\n" + rnd.randbytes(400)),
        "JPEG header and garbage": ("photo.jpg", b"\xff\xd8\xff\xe0" + rnd.randbytes(400)),
        "PDF header and garbage": ("form.pdf", b"%PDF-1.7\n" + rnd.randbytes(400)),
        "zero-page PDF": ("empty.pdf", pdf(0)),
        "zip renamed .pdf": ("archive.pdf", zipped.getvalue()),
    }


def good(seed: int = 0) -> dict[str, tuple[str, bytes]]:
    """A whole PNG, JPEG and PDF as (file name, content), different bytes for each ``seed``."""
    return {"PNG": ("photo.png", png(seed=seed)), "JPEG": ("photo.jpg", jpeg(seed=seed)),
            "PDF": ("form.pdf", pdf(tag=b"%d" % seed))}


def pdf_in_object_streams(pages: int, pad: int = 0) -> bytes:
    """A PDF of ``pages`` pages whose page objects each sit in an object stream of their own (Flate,
    PDF 1.5, with a cross-reference stream), each padded with ``pad`` spaces after the page's dictionary:
    with a large ``pad`` a decompression bomb (review-input13 F2: 2 pages of 74 MB in 141 kB), with
    none an ordinary PDF written the way newer producers write. Catalog 1, page tree 2, page ``i`` is
    object 3 + i in stream 1000 + i."""
    import struct
    import zlib

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    entries: dict[int, tuple[int, int, int]] = {}  # object → (type, field 2, field 3) of its xref row

    def plain(num: int, body: bytes) -> None:
        entries[num] = (1, len(out), 0)
        out.extend(b"%d 0 obj\n" % num + body + b"\nendobj\n")

    plain(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    plain(2, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages)
    for i in range(pages):
        header = b"%d 0 " % (3 + i)
        stream = zlib.compress(header + b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>" + b" " * pad, 9)
        entries[3 + i] = (2, 1000 + i, 0)
        plain(1000 + i, b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
              % (len(header), len(stream)) + stream + b"\nendstream")
    xref_num = 1000 + pages
    entries[xref_num] = (1, len(out), 0)
    rows = b"".join(struct.pack(">BIH", *entries.get(n, (0, 0, 0))) for n in range(xref_num + 1))
    packed = zlib.compress(rows)
    xref_at = len(out)
    out.extend(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
               b"stream\n" % (xref_num, xref_num + 1, len(packed)) + packed + b"\nendstream\nendobj\n")
    out.extend(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(out)
