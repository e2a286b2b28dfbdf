"""Document uploads: checked by content (magic bytes), size and count; stored with a SHA-256.

The declared content type and file name are not trusted: a file is what its first bytes say.
Limits are settings with safe defaults (`SHEBAO_UPLOAD_MAX_BYTES`, `SHEBAO_UPLOAD_MAX_PER_CASE`).
"""

from __future__ import annotations

import hashlib
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


def max_bytes() -> int:
    return int(getattr(settings, "SHEBAO_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def max_per_case() -> int:
    return int(getattr(settings, "SHEBAO_UPLOAD_MAX_PER_CASE", 30))


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


def check_upload(stream: IO[bytes] | Any, *, already: int) -> CheckedUpload:
    """Read and check one upload; raises UploadRefused naming the field and the reason."""
    if already >= max_per_case():
        raise UploadRefused(f"每件申请最多上传{max_per_case()}份材料", f"at most {max_per_case()} files per case", field="file")
    limit = max_bytes()
    content = stream.read(limit + 1)
    if not content:
        raise UploadRefused("文件为空", "the file is empty", field="file")
    if len(content) > limit:
        raise UploadRefused(f"文件超过{limit // (1024 * 1024)}MB上限", f"the file exceeds {limit} bytes", field="file")
    kind = sniff(content[:16])
    if kind is None:
        raise UploadRefused("只接受PDF、JPEG、PNG文件（按文件内容判断）", "only PDF, JPEG and PNG files are accepted (judged by content)", field="file")
    return CheckedUpload(content, kind[0], kind[1], hashlib.sha256(content).hexdigest())


def document_may_read(*, user: Any, document: Any) -> bool:
    """Staff of the case's district (or the municipal center) may read a document, and the case's own
    applicant in the portal (a `PortalActor` whose employer or person applied); nobody else."""
    from shebao.cases.selectors import case_owned_by
    from shebao.core.permissions import PortalActor

    if isinstance(user, PortalActor):
        return case_owned_by(user, document.case)
    return user_may_see_district(user, document.case.office_id)
