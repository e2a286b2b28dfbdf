"""A PNG with data appended after IEND was stored whole (review-input12 F15): what follows an image's end
(a ZIP, a script: a "polyglot" file) is no part of the image its check read. An image is stored without
it (`documents.image_end_trimmed`), cut exactly at its end.

The end is found by walking the image's structure, every piece checked (review-input13 F5: a PNG whose
IEND stated a false length, a JPEG with junk between two segments, were stored whole, their trailer
with them): an image whose structure does not walk to its end is refused, whatever Pillow makes of it.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from shebao.cases.documents import check_upload, image_end_trimmed
from shebao.core.errors import UploadRefused
from tests.uploads import jpeg, png


class _Upload(io.BytesIO):
    def __init__(self, content: bytes, name: str) -> None:
        super().__init__(content)
        self.name = name


@pytest.mark.parametrize("make", [png, jpeg])
@pytest.mark.parametrize("trailer", [b"PK\x03\x04" + b"x" * 100, b"<script>alert(1)</script>", b"\x00" * 7,
                                     b"\xff\xd9\xff\xd8"])
def test_data_after_an_images_end_is_not_stored(make, trailer):
    image = make((16, 16), seed=3)
    name = "photo.png" if make is png else "photo.jpg"
    checked = check_upload(_Upload(image + trailer, name))
    assert checked.content == image
    assert checked.sha256 == hashlib.sha256(image).hexdigest()


def _jpeg(size: tuple[int, int], seed: int, **options) -> bytes:
    rnd = random.Random(seed)
    im = Image.frombytes("RGB", size, bytes(rnd.randrange(256) for _ in range(size[0] * size[1] * 3)))
    out = io.BytesIO()
    im.save(out, "JPEG", **options)
    return out.getvalue()


@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 10**6),
       st.sampled_from([{}, {"progressive": True}, {"optimize": True}, {"quality": 5}, {"quality": 100},
                        {"progressive": True, "quality": 30}, {"exif": Image.Exif()}]),
       st.binary(max_size=64))
def test_a_jpeg_is_cut_exactly_at_its_end(width, height, seed, options, trailer):
    image = _jpeg((width, height), seed, **options)
    assert image_end_trimmed(image, "image/jpeg") == image  # a whole file is kept whole
    assert image_end_trimmed(image + trailer, "image/jpeg") == image


@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 10**6), st.binary(max_size=64))
def test_a_png_is_cut_exactly_at_its_end(width, height, seed, trailer):
    image = png((width, height), seed=seed)
    assert image_end_trimmed(image, "image/png") == image
    assert image_end_trimmed(image + trailer, "image/png") == image


def test_a_png_with_a_zip_appended_is_stored_and_served_as_the_image_alone(cy, employer_chaoyang):
    from shebao.cases.models import Document
    from tests.cases.conftest import upload
    from tests.cases.test_documents_and_validation import _case

    case = _case(cy, employer_chaoyang)
    image = png((8, 8), seed=5)
    ok = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload("scan.png", image + b"PK\x03\x04zip")},
                 format="multipart")
    assert ok.status_code == 201
    doc = Document.objects.get(case_id=case["id"])
    assert (doc.content_type, doc.sha256) == ("image/png", hashlib.sha256(image).hexdigest())
    body = cy.get(f"/api/v1/cases/{case['id']}/documents/{doc.pk}/content/")
    assert b"".join(body.streaming_content) == image


ZIP = b"PK\x03\x04" + b"\x14" * 40 + b"PK\x05\x06" + b"\x00" * 18


def _chunk(kind: bytes, data: bytes, *, length: int | None = None, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data) if length is None else length) + kind + data + struct.pack(">I", crc)


def _chunks(image: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(image):
        length = int.from_bytes(image[pos:pos + 4], "big")
        out.append((image[pos + 4:pos + 8], image[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return out


def _png_of(chunks: list[bytes]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def _png_variants() -> dict[str, bytes]:
    """PNGs whose chunk structure does not walk to a true IEND, each followed by a ZIP."""
    (ihdr, ihdr_data), *middle, (_iend, _) = _chunks(png((16, 16), seed=8))
    head = [_chunk(ihdr, ihdr_data)] + [_chunk(k, d) for k, d in middle]
    return {
        # review-input13 F5: IEND's length says the ZIP is its data
        "IEND with a false length": _png_of([*head, _chunk(b"IEND", ZIP)]),
        "IEND's length field alone false": _png_of(head) + struct.pack(">I", len(ZIP)) + b"IEND" + ZIP
        + struct.pack(">I", zlib.crc32(b"IEND")),
        "IEND with a wrong CRC": _png_of([*head, _chunk(b"IEND", b"", crc=0)]) + ZIP,
        "a chunk with a wrong CRC": _png_of([*head[:-1], _chunk(b"IDAT", middle[-1][1], crc=1), _chunk(b"IEND", b"")])
        + ZIP,
        "a chunk whose length runs past the file": _png_of([*head, _chunk(b"tEXt", b"a\x00b", length=2**20)]) + ZIP,
        "a chunk whose length is over 2^31-1": _png_of([*head, _chunk(b"tEXt", b"", length=2**31)]) + ZIP,
        "a chunk type that is no four letters": _png_of([*head, _chunk(b"t\x00Xt", b"x"), _chunk(b"IEND", b"")])
        + ZIP,
        "no IHDR first": _png_of([_chunk(b"tEXt", b"a\x00b"), *head, _chunk(b"IEND", b"")]) + ZIP,
        "junk between two chunks": _png_of([*head, b"junk", _chunk(b"IEND", b"")]) + ZIP,
        "no IEND": _png_of(head) + ZIP,
    }


def _segments(image: bytes) -> tuple[list[bytes], bytes]:
    """A JPEG's segments before its first scan (each with its marker) and the rest from SOS on."""
    out, pos = [], 2
    while image[pos + 1] != 0xDA:
        length = int.from_bytes(image[pos + 2:pos + 4], "big")
        out.append(image[pos:pos + 2 + length])
        pos += 2 + length
    return out, image[pos:]


def _jpeg_variants() -> dict[str, bytes]:
    """JPEGs whose segments do not walk to an EOI, each followed by a ZIP."""
    segments, scan = _segments(jpeg((16, 16), seed=8))
    soi = b"\xff\xd8"
    return {
        # review-input13 F5: bytes that are no marker between two segments (Pillow and libjpeg skip them)
        "junk between two segments": soi + segments[0] + b"junk" + b"".join(segments[1:]) + scan + ZIP,
        "junk holding a marker between two segments": soi + segments[0] + b"\x00\xff\xfe\x00\x04ab"
        + b"".join(segments[1:]) + scan + ZIP,
        "fill bytes and junk after SOI": soi + b"\xff\xffjunk" + b"".join(segments) + scan + ZIP,
        "junk between the last segment and the scan": soi + b"".join(segments) + b"\x01" + scan + ZIP,
        "a segment length under 2": soi + b"".join(segments) + b"\xff\xfe\x00\x01" + scan + ZIP,
        "a segment whose length runs past the file": soi + b"".join(segments) + scan[:-2] + b"\xff\xfe\xff\xff"
        + ZIP,
        "a reserved marker": soi + b"".join(segments) + b"\xff\x50\x00\x04ab" + scan + ZIP,
        "a second SOI": soi + b"".join(segments) + soi + scan + ZIP,
        "a stuffed zero outside a scan": soi + segments[0] + b"\xff\x00" + b"".join(segments[1:]) + scan + ZIP,
        "no EOI": soi + b"".join(segments) + scan[:-2],
    }


@pytest.mark.parametrize(("kind", "content"), [*(("png", c) for c in _png_variants().values()),
                                               *(("jpg", c) for c in _jpeg_variants().values())],
                         ids=[*(f"PNG {k}" for k in _png_variants()), *(f"JPEG {k}" for k in _jpeg_variants())])
def test_an_image_whose_structure_does_not_walk_to_its_end_is_refused(kind, content):
    assert image_end_trimmed(content, "image/png" if kind == "png" else "image/jpeg") is None
    with pytest.raises(UploadRefused) as refused:
        check_upload(_Upload(content, f"scan.{kind}"))
    assert refused.value.field == "file"
    assert refused.value.zh == f"文件“scan.{kind}”看似{'PNG' if kind == 'png' else 'JPEG'}图片，但内容不完整或已损坏，无法打开，请重新扫描或拍照后上传"


def _jpeg_with_fill_and_restarts() -> bytes:
    im = Image.frombytes("RGB", (24, 24), random.Random(4).randbytes(24 * 24 * 3))
    out = io.BytesIO()
    im.save(out, "JPEG", restart_marker_blocks=1)
    segments, scan = _segments(out.getvalue())
    return b"\xff\xd8" + b"\xff\xff".join(segments) + b"\xff" + scan  # 0xFF fill bytes before markers


def _png_with_text_and_split_data() -> bytes:
    (ihdr, ihdr_data), *middle, _ = _chunks(png((16, 16), seed=9))
    data = b"".join(d for k, d in middle if k == b"IDAT")
    return _png_of([_chunk(ihdr, ihdr_data), _chunk(b"tEXt", b"Comment\x00scan"),
                    *(_chunk(b"IDAT", data[i:i + 50]) for i in range(0, len(data), 50)), _chunk(b"IEND", b"")])


@pytest.mark.parametrize("make", [_jpeg_with_fill_and_restarts, _png_with_text_and_split_data])
def test_an_image_whose_structure_walks_is_kept_whole_and_cut_at_its_end(make):
    """What the standards allow (0xFF fill bytes before a marker, restart markers in a scan, a text
    chunk, image data split over many chunks) walks to the end and is stored, without what follows."""
    image = make()
    assert image_end_trimmed(image, "image/jpeg" if image[:2] == b"\xff\xd8" else "image/png") == image
    checked = check_upload(_Upload(image + ZIP, "photo.bin"))
    assert checked.content == image and checked.sha256 == hashlib.sha256(image).hexdigest()


def test_a_png_with_a_false_iend_length_is_refused_by_the_api_and_nothing_is_stored(cy, employer_chaoyang):
    from tests.cases.conftest import upload
    from tests.cases.test_documents_and_validation import _case
    from tests.nothing_written import nothing_written

    case = _case(cy, employer_chaoyang)
    for name, content in (("scan.png", _png_variants()["IEND with a false length"]),
                          ("scan.jpg", _jpeg_variants()["junk between two segments"])):
        with nothing_written():
            r = cy.post(f"/api/v1/cases/{case['id']}/documents/", {"file": upload(name, content)}, format="multipart")
        assert r.status_code == 400, r.content
        error = r.json()["errors"][0]
        assert error["field"] == "file" and f"文件“{name}”看似" in error["reason_zh"] and "已损坏" in error["reason_zh"]
