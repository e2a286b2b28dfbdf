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
