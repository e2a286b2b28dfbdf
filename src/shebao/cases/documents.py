"""Document uploads: checked by content, size and count; stored with a SHA-256.

The declared content type and file name are not trusted: a file is what its content shows, and the
content must be whole (review-input9 F7: a PNG header followed by random bytes was stored as an image).
`check_upload` is the one check of every road that stores a document (the staff case page, the
employer's and the insured person's portal pages, the API: all through `cases.services.document_attach`):

- the first bytes name the kind (PDF, JPEG, PNG); anything else is refused;
- a name or client content type that declares another kind (``scan.pdf`` holding a PNG, a zip renamed
  ``.pdf``) is refused; ``photo.bin`` or ``application/octet-stream`` declare nothing;
- an image's width and height are read from its header (``Image.open`` reads no pixel) and one over
  `max_pixels` is refused before anything is decoded (review F7: a 9400×9400 PNG of 257 kB, just under
  Pillow's own limit of 89.5 million pixels, cost 3.4 s and 340 MB to verify); then it is decoded whole
  with Pillow (``verify``, then opened again and ``load``-ed), and Pillow's decompression-bomb warning is
  an error here as well;
- a PDF is parsed with pypdf and must have at least one page and open without a password.

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


def content_problem(content: bytes, content_type: str, who: str) -> str:
    """Why ``content`` (non-empty, its kind `content_type` sniffed from its first bytes) is not a whole
    file of that kind, in Chinese naming the file (``who``, as `shown_name` gives it), or ``""``."""
    kind = KIND_ZH[content_type]
    if content_type == "application/pdf":
        return _pdf_problem(content, who)
    from PIL import Image

    fmt = PILLOW_FORMAT[content_type]
    damaged = f"{who}看似{kind}，但内容不完整或已损坏，无法打开，请重新扫描或拍照后上传"
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
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return f"{who}是加密的PDF文件，无法打开，请去除密码后重新上传"
        pages = len(reader.pages)
        for page in reader.pages:
            page.mediabox  # noqa: B018 - each page's dictionary read, not just counted
    except Exception:  # pypdf raises PdfReadError, PdfStreamError, ValueError, KeyError… on garbage
        return damaged
    if pages == 0:
        return f"{who}是没有任何页面的PDF文件，请检查后重新上传"
    return ""


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
    problem = content_problem(content, ctype, who)
    if problem:
        raise UploadRefused(problem, f"the file is not a whole, readable {ctype}", field="file")
    return CheckedUpload(content, ctype, ext, hashlib.sha256(content).hexdigest())


def document_may_read(*, user: Any, document: Any) -> bool:
    """Staff of the case's district (or the municipal center) may read a document, and the case's own
    applicant in the portal (a `PortalActor` whose employer or person applied); nobody else."""
    from shebao.cases.selectors import case_owned_by
    from shebao.core.permissions import PortalActor

    if isinstance(user, PortalActor):
        return case_owned_by(user, document.case)
    return user_may_see_district(user, document.case.office_id)
