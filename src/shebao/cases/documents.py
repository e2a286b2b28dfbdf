"""Document uploads: checked by content, size and count; stored with a SHA-256.

The declared content type and file name are not trusted: a file is what its content shows, and the
content must be whole (review-input9 F7: a PNG header followed by random bytes was stored as an image).
`check_upload` is the one check of every road that stores a document (the staff case page, the
employer's and the insured person's portal pages, the API: all through `cases.services.document_attach`):

- the first bytes name the kind (PDF, JPEG, PNG); anything else is refused;
- a name or client content type that declares another kind (``scan.pdf`` holding a PNG, a zip renamed
  ``.pdf``) is refused; ``photo.bin`` or ``application/octet-stream`` declare nothing;
- a PNG's chunks (each length, type and CRC) and a JPEG's segments are walked to the image's end
  (`image_end_trimmed`): what follows the end is not stored, an image that does not walk is refused;
- an image's width and height are read from its header (``Image.open`` reads no pixel) and one over
  `max_pixels` is refused before anything is decoded (review F7: a 9400×9400 PNG of 257 kB, just under
  Pillow's own limit of 89.5 million pixels, cost 3.4 s and 340 MB to verify); then it is decoded whole
  with Pillow (``verify``, then opened again and ``load``-ed), and Pillow's decompression-bomb warning is
  an error here as well;
- a PDF is parsed with pypdf and must have at least one page and open without a password; what pypdf
  decompresses while it is read is held to one budget for the whole file (`pdf_inflate_budget`).

Limits are settings with safe defaults (`SHEBAO_UPLOAD_MAX_BYTES`, `SHEBAO_UPLOAD_MAX_PER_CASE`,
`SHEBAO_UPLOAD_MAX_PIXELS`).
Every refusal is an `UploadRefused` (field ``file``) whose Chinese text names the file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from shebao.core.errors import UploadRefused
from shebao.core.scoping import user_may_see_district

MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
KIND_ZH = {"application/pdf": "PDF文件", "image/jpeg": "JPEG图片", "image/png": "PNG图片"}
PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG"}
# what clients also send for the three kinds (old browsers, scanners' drivers)
_ALIASES = {"image/pjpeg": "image/jpeg", "image/jpg": "image/jpeg", "image/x-png": "image/png",
            "application/x-pdf": "application/pdf", "application/acrobat": "application/pdf"}
_DECLARE_NOTHING = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
# pypdf logs a warning for every repair it tries on a damaged file (a client's garbage, not ours to
# act on); the refusal says it once. Set once here, not per call: threads share the logger.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def max_bytes() -> int:
    return int(getattr(settings, "SHEBAO_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def max_per_case() -> int:
    return int(getattr(settings, "SHEBAO_UPLOAD_MAX_PER_CASE", 30))


# The most pixels an uploaded image may have: 40 million (4000万像素). A document is a page: an A4 page
# scanned at 600 dpi is 4961×7016 = 34.8 million pixels, 37.7 million with a scanner's 5 mm overscan
# on each side; a phone's photo of a page is 12 to 24 million (a 48-million-pixel photo is mostly over
# the 10 MB cap of `max_bytes` anyway). Decoding costs about 4 bytes and 40 ns a pixel (an A4 at 600 dpi
# measured 1.6 s and 150 MB at load 5.8 on the 2-core host), so the limit is under half Pillow's
# default (89.5 million), which let a 257 kB PNG cost 3.4 s and 340 MB (review F7).
MAX_PIXELS = 40_000_000


# The most pages an uploaded PDF may have: a case's evidence is a few pages, a scanned booklet a few
# dozen. A PDF of 100,000 pages (a page tree whose leaves repeat one tiny page, a few kB) was accepted
# after minutes of listing its pages (review-input12 F8): the page tree is now counted first, stopping
# at the cap, before any page is listed.
PDF_MAX_PAGES = 200
# Nodes of the page tree visited at most while counting (intermediate nodes and pages together): a
# tree of empty or self-referring /Kids is refused, however small its /Count.
_PDF_TREE_NODES_MAX = 4 * PDF_MAX_PAGES


# The most bytes pypdf may decompress while an uploaded PDF is checked, all streams together (cross-
# reference streams, object streams, and any other stream it decodes): 200 times the file's size, at most
# 64 MB. pypdf's own limits are per stream (75 MB each): a PDF of 141 kB whose 2 pages each sat in an
# object stream of 74 MB took 22.9 s and 318 MB to accept, and a 10 MB upload could hold ~138 such
# pages, about 30 minutes and 13 GB (review-input13 F2). A real PDF's object and cross-reference streams
# hold dictionaries, compressed 3 to 10 times; pages' content and images are not decoded by the check.
PDF_MAX_INFLATED_BYTES = 64 * 1024 * 1024
PDF_MAX_INFLATE_RATIO = 200
# pypdf retries a damaged Flate stream byte by byte (about a microsecond a byte) up to this much input
PDF_MAX_ZLIB_RECOVERY_BYTES = 1024 * 1024


def pdf_inflate_budget(size: int) -> int:
    """The most bytes pypdf may decompress reading an uploaded PDF of ``size`` bytes (the settings
    ``SHEBAO_UPLOAD_MAX_PDF_INFLATED_BYTES`` and ``SHEBAO_UPLOAD_MAX_PDF_INFLATE_RATIO``).

    >>> pdf_inflate_budget(1000), pdf_inflate_budget(10 * 1024 * 1024) == PDF_MAX_INFLATED_BYTES
    (200000, True)
    """
    most = int(getattr(settings, "SHEBAO_UPLOAD_MAX_PDF_INFLATED_BYTES", PDF_MAX_INFLATED_BYTES))
    ratio = int(getattr(settings, "SHEBAO_UPLOAD_MAX_PDF_INFLATE_RATIO", PDF_MAX_INFLATE_RATIO))
    return max(1, min(most, ratio * size))


class _InflateBudget:
    def __init__(self, left: int) -> None:
        self.left = left
        self.exceeded = False


class PdfInflateBudgetExceeded(Exception):
    """What pypdf decompressed reading one PDF went over its `pdf_inflate_budget`."""


# The budget of the PDF being checked in this thread / context; None outside `_pdf_problem`, where the
# decoder below is pypdf's own.
_INFLATE_BUDGET: ContextVar[_InflateBudget | None] = ContextVar("shebao_pdf_inflate_budget", default=None)


def _install_budgeted_decoder() -> None:
    """Make pypdf's one decoder of a stream's data (``pypdf.filters.decode_stream_data``, which
    ``EncodedStreamObject.get_data`` looks up at each call) charge what it returns to the budget of the
    check under way. pypdf documents limits per stream only (`pypdf.Configuration`, applied here with
    ``apply_configuration``: each stream may decode at most what is left of the budget, so one stream
    stops early instead of decoding its 75 MB); the sum over streams needs the count kept here."""
    from pypdf import apply_configuration, filters
    from pypdf.errors import LimitReachedError

    original = filters.decode_stream_data
    if getattr(original, "shebao_budgeted", False):
        return

    def decode_stream_data(stream: Any) -> bytes:
        budget = _INFLATE_BUDGET.get()
        if budget is None:
            return original(stream)
        if budget.exceeded or budget.left <= 0:  # 0 would mean "no limit" to pypdf
            budget.exceeded = True
            raise PdfInflateBudgetExceeded
        left = budget.left
        with apply_configuration(
                zlib_maximum_output_length=left, lzw_maximum_output_length=left,
                run_length_maximum_output_length=left, brotli_maximum_output_length=left,
                jbig2_maximum_output_length=left, jbig2dec_binary=None,
                zlib_maximum_recovery_input_length=PDF_MAX_ZLIB_RECOVERY_BYTES):
            try:
                data = original(stream)
            except LimitReachedError:
                budget.exceeded = True
                raise
        budget.left -= len(data)
        if budget.left < 0:
            budget.exceeded = True
            raise PdfInflateBudgetExceeded
        return data

    decode_stream_data.shebao_budgeted = True  # type: ignore[attr-defined]
    filters.decode_stream_data = decode_stream_data


@contextmanager
def _inflate_budget(size: int) -> Iterator[_InflateBudget]:
    _install_budgeted_decoder()
    budget = _InflateBudget(pdf_inflate_budget(size))
    token = _INFLATE_BUDGET.set(budget)
    try:
        yield budget
    finally:
        _INFLATE_BUDGET.reset(token)


def max_pdf_pages() -> int:
    """The most pages of an uploaded PDF (`PDF_MAX_PAGES`, the setting ``SHEBAO_UPLOAD_MAX_PDF_PAGES``)."""
    return int(getattr(settings, "SHEBAO_UPLOAD_MAX_PDF_PAGES", PDF_MAX_PAGES))


def max_pixels() -> int:
    """The most pixels (width × height) an uploaded image may have (`MAX_PIXELS`, the setting
    ``SHEBAO_UPLOAD_MAX_PIXELS``)."""
    return int(getattr(settings, "SHEBAO_UPLOAD_MAX_PIXELS", MAX_PIXELS))


def pixels_problem(size: tuple[int, int], who: str) -> str:
    """Why an image of ``size`` (width, height in pixels, as its header says) is refused, in Chinese
    naming the file and the limit, or ``""``."""
    limit = max_pixels()
    width, height = size
    if width * height <= limit:
        return ""
    shown = f"{limit // 10_000:,}万" if limit % 10_000 == 0 else f"{limit:,}"
    return (f"{who}的图片像素过多（{width}×{height}，共{width * height:,}像素，超过{shown}像素的上限），"
            "请按300dpi或600dpi扫描、或缩小后重新上传")


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    content_type: str
    extension: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def sniff(head: bytes) -> tuple[str, str] | None:
    """The type a file's first bytes declare.

    >>> sniff(b"%PDF-1.7 ...")
    ('application/pdf', 'pdf')
    """
    for magic, ctype, ext in MAGIC:
        if head.startswith(magic):
            return ctype, ext
    return None


def shown_name(stream: Any) -> str:
    """The upload's file name as a refusal quotes it: without folders or invisible characters, at most
    60 characters (its end kept, where the extension is); ``所选文件`` when it has none."""
    from shebao.core.inputs import strip_bad_text

    raw = getattr(stream, "name", None)
    name = strip_bad_text(str(raw)).replace("\\", "/").rsplit("/", 1)[-1].strip() if raw else ""
    if not name:
        return "所选文件"
    return f"文件“{name if len(name) <= 60 else '…' + name[-59:]}”"


def declared_types(stream: Any) -> set[str]:
    """The content types an upload declares besides its content: its name's extension (by the standard
    `mimetypes` table) and the client's ``content_type``; unknown or octet-stream declare nothing."""
    out = set()
    name = getattr(stream, "name", None)
    if name:
        guessed, _ = mimetypes.guess_type(str(name).replace("\\", "/").rsplit("/", 1)[-1], strict=False)
        out.add((guessed or "").lower())
    out.add(str(getattr(stream, "content_type", "") or "").split(";")[0].strip().lower())
    return {_ALIASES.get(t, t) for t in out} - _DECLARE_NOTHING


def damaged_text(content_type: str, who: str) -> str:
    """The refusal of an image (``image/png`` or ``image/jpeg``) that does not open or does not parse."""
    return f"{who}看似{KIND_ZH[content_type]}，但内容不完整或已损坏，无法打开，请重新扫描或拍照后上传"


def content_problem(content: bytes, content_type: str, who: str) -> str:
    """Why ``content`` (non-empty, its kind `content_type` sniffed from its first bytes) is not a whole
    file of that kind, in Chinese naming the file (``who``, as `shown_name` gives it), or ``""``."""
    if content_type == "application/pdf":
        return _pdf_problem(content, who)
    from PIL import Image

    fmt = PILLOW_FORMAT[content_type]
    damaged = damaged_text(content_type, who)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here it is an error
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[fmt]) as im:
                if too_many := pixels_problem(im.size, who):  # read from the header: no pixel decoded yet
                    return too_many
                im.verify()  # the whole file's structure and checksums, without decoding pixels
            with Image.open(io.BytesIO(content), formats=[fmt]) as im:
                im.load()  # every pixel decoded: a truncated or garbled image stream fails here
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return (f"{who}的图片像素过多（超过{Image.MAX_IMAGE_PIXELS:,}像素），可能是恶意构造的文件，"
                "请缩小后重新上传")
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, struct.error…)
        return damaged
    return ""


def _pdf_problem(content: bytes, who: str) -> str:
    from pypdf import PdfReader

    damaged = f"{who}看似PDF文件，但内容不完整或已损坏，无法打开，请重新生成或扫描后上传"
    bomb = f"{who}解压后过大，疑似压缩炸弹，请上传普通PDF（可重新扫描或“打印为PDF”后上传）"
    # pypdf in non-strict mode catches many errors and tries again (rebuilding the cross-reference
    # table by scanning the file): an exceeded budget is judged by the budget, whatever pypdf made of it
    with _inflate_budget(len(content)) as budget:
        try:
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                return bomb if budget.exceeded else f"{who}是加密的PDF文件，无法打开，请去除密码后重新上传"
            counted = _pdf_pages_counted(reader, max_pdf_pages())
            if budget.exceeded:
                return bomb
            if counted is None:
                return (f"{who}的页数超过{max_pdf_pages()}页的上限（或页面目录无法读取），"
                        "请只上传本次申请所需的页面，或分成几份上传")
            pages = len(reader.pages)
            for page in reader.pages:
                page.mediabox  # noqa: B018 - each page's dictionary read, not just counted
        except Exception:  # pypdf raises PdfReadError, PdfStreamError, ValueError, KeyError… on garbage
            return bomb if budget.exceeded else damaged
        if budget.exceeded:
            return bomb
    if pages == 0:
        return f"{who}是没有任何页面的PDF文件，请检查后重新上传"
    return ""


def _pdf_pages_counted(reader: Any, most: int) -> int | None:
    """The pages of the PDF's page tree, counted by walking it from the catalog's /Pages and stopping
    as soon as there are more than ``most`` (or `_PDF_TREE_NODES_MAX` nodes visited): None then, and for
    a tree that is not one (a node reached twice, a /Kids that is no array). The /Count a node states is
    read first and trusted only to refuse (it may understate what the tree holds)."""
    root = reader.trailer["/Root"].get_object()["/Pages"].get_object()
    stated = root.get("/Count")
    if isinstance(stated, int) and stated > most:
        return None
    pages, seen, todo = 0, set(), [root]
    while todo:
        node = todo.pop()
        if len(seen) >= _PDF_TREE_NODES_MAX or id(node) in seen:
            return None
        seen.add(id(node))
        kids = node.get("/Kids")
        if node.get("/Type") == "/Page" or kids is None:
            pages += 1
            if pages > most:
                return None
            continue
        kids = kids.get_object()
        if not isinstance(kids, list):
            return None
        todo.extend(k.get_object() for k in kids)
    return pages


def image_end_trimmed(content: bytes, content_type: str) -> bytes | None:
    r"""A PNG or JPEG without what follows its end (PNG: the IEND chunk; JPEG: the EOI marker after the
    last scan); other content as it is; None for an image whose structure does not parse to its end
    (refused as damaged by `check_upload`).

    Bytes after an image's end are no part of it: no viewer shows them, and they carry what the check
    of the image never saw (a ZIP or a script appended makes a "polyglot" file) to whoever downloads the
    document. A PNG with data appended after IEND was stored whole (review-input12 F15); what is stored
    now is the image alone (a phone's JPEG often carries a trailer of its own, so refusing would turn
    away good photographs).

    The end is found by walking the file's structure as its standard defines it, each piece checked
    (review-input13 F5): an end found by trusting one field was bypassed by a PNG whose IEND chunk
    stated a false length (the trailer then read as IEND's data) and by a JPEG with junk bytes between
    two segments (the walk stopped, the file was kept whole; Pillow and libjpeg skip such bytes and
    decode the image). What does not walk is refused rather than kept whole.

    >>> import zlib
    >>> def chunk(kind, data, length=None):
    ...     n = len(data) if length is None else length
    ...     return n.to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    >>> head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", bytes(13))
    >>> image_end_trimmed(head + chunk(b"IEND", b"") + b"PK\x03\x04", "image/png") == head + chunk(b"IEND", b"")
    True
    >>> image_end_trimmed(head + chunk(b"IEND", b"", length=4) + b"PK\x03\x04", "image/png") is None
    True
    """
    if content_type == "image/png":
        end = _png_end(content)
    elif content_type == "image/jpeg":
        end = _jpeg_end(content)
    else:
        return content
    return content[:end] if end is not None else None


# PNG (ISO/IEC 15948, 5.3): a chunk's length is at most 2^31-1; its type is four ASCII letters; its CRC
# covers type and data. IHDR comes first with 13 bytes of data; IEND has none.
_PNG_CHUNK_MAX = 2**31 - 1


def _png_end(content: bytes) -> int | None:
    """The end of the PNG's IEND chunk, every chunk before it walked by its length and its CRC checked;
    None when a chunk's length runs past the file, its type is no four letters, its CRC is wrong, the
    first chunk is no IHDR, IEND has data, or no IEND is reached."""
    view = memoryview(content)
    pos, n = 8, len(content)
    while True:
        if pos + 12 > n:
            return None
        length = int.from_bytes(view[pos:pos + 4], "big")
        kind = bytes(view[pos + 4:pos + 8])
        end = pos + 12 + length  # length, type, data, CRC
        if length > _PNG_CHUNK_MAX or end > n or not kind.isalpha():  # bytes: ASCII letters only
            return None
        if zlib.crc32(view[pos + 4:end - 4]) != int.from_bytes(view[end - 4:end], "big"):
            return None
        if pos == 8 and (kind != b"IHDR" or length != 13):
            return None
        if kind == b"IEND":
            return end if length == 0 else None
        pos = end


# JPEG (ITU-T T.81, B.1.1): markers that stand alone (TEM, RST0-7); every other marker but SOI and EOI
# starts a segment whose 2-byte length (itself included) is at least 2. Reserved markers (02-BF) and a
# second SOI are no part of an image.
_JPEG_ALONE = frozenset([0x01, *range(0xD0, 0xD8)])


def _jpeg_end(content: bytes) -> int | None:
    """The end of the JPEG's EOI marker: its segments walked by their lengths (an EXIF thumbnail's own
    EOI is inside APP1 and skipped), each scan's entropy-coded data read up to the next marker. None
    when anything but a marker (or 0xFF fill bytes before one) stands where a marker must, a marker is
    reserved or a second SOI, a segment's length is under 2 or runs past the file, or no EOI is reached."""
    pos, n = 2, len(content)
    while pos < n:
        if content[pos] != 0xFF:
            return None  # junk between segments (review-input13 F5)
        while pos + 1 < n and content[pos + 1] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos + 1 >= n:
            return None
        marker = content[pos + 1]
        if marker == 0xD9:
            return pos + 2
        if marker in _JPEG_ALONE:
            pos += 2
            continue
        if marker < 0xC0 or marker == 0xD8:
            return None
        if pos + 4 > n:
            return None
        length = int.from_bytes(content[pos + 2:pos + 4], "big")
        if length < 2 or pos + 2 + length > n:
            return None
        pos += 2 + length
        if marker != 0xDA:
            continue
        while True:  # entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or a restart marker
            pos = content.find(b"\xff", pos)
            if pos < 0 or pos + 1 >= n:
                return None
            following = content[pos + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                pos += 2
                continue
            if following == 0xFF:
                pos += 1
                continue
            break
    return None


def check_count(already: int) -> None:
    """UploadRefused when a case already holds `max_per_case` documents."""
    if already >= max_per_case():
        raise UploadRefused(f"每件申请最多上传{max_per_case()}份材料", f"at most {max_per_case()} files per case", field="file")


def check_upload(stream: IO[bytes] | Any, *, already: int = 0) -> CheckedUpload:
    """Read and check one upload (a file-like object; its ``name`` and ``content_type`` when it has
    them); raises UploadRefused (field ``file``), in Chinese naming the file, when there are already
    `max_per_case` documents (``already``), or the file is empty, over `max_bytes`, not a PDF/JPEG/PNG
    by content, declared as another kind by its name or content type, or not a whole file of its kind."""
    check_count(already)
    who = shown_name(stream)
    limit = max_bytes()
    content = stream.read(limit + 1)
    if not content:
        raise UploadRefused(f"文件为空：{who}是0字节的文件，请检查后重新选择", "the file is empty", field="file")
    if len(content) > limit:
        raise UploadRefused(f"{who}超过{limit // (1024 * 1024)}MB上限", f"the file exceeds {limit} bytes", field="file")
    kind = sniff(content[:16])
    if kind is None:
        raise UploadRefused(f"{who}无法接收：只接受PDF、JPEG、PNG文件（按文件内容判断）",
                            "only PDF, JPEG and PNG files are accepted (judged by content)", field="file")
    ctype, ext = kind
    other = sorted(declared_types(stream) - {ctype})
    if other:
        said = "、".join(KIND_ZH.get(t, t) for t in other)
        raise UploadRefused(f"{who}的内容是{KIND_ZH[ctype]}，与其文件名或类型所称的{said}不符，请检查后重新上传",
                            f"the content is {ctype} but the file declares {', '.join(other)}", field="file")
    trimmed = image_end_trimmed(content, ctype)
    if trimmed is None:
        raise UploadRefused(damaged_text(ctype, who), f"the {ctype} does not parse to its end", field="file")
    problem = content_problem(trimmed, ctype, who)
    if problem:
        raise UploadRefused(problem, f"the file is not a whole, readable {ctype}", field="file")
    return CheckedUpload(trimmed, ctype, ext, hashlib.sha256(trimmed).hexdigest())


def document_may_read(*, user: Any, document: Any) -> bool:
    """Staff of the case's district (or the municipal center) may read a document, and the case's own
    applicant in the portal (a `PortalActor` whose employer or person applied); nobody else."""
    from shebao.cases.selectors import case_owned_by
    from shebao.core.permissions import PortalActor

    if isinstance(user, PortalActor):
        return case_owned_by(user, document.case)
    return user_may_see_district(user, document.case.office_id)
