"""`nothing_written()`: the proof that a refused action wrote nothing.

A test of a refusal checks the answer AND that nothing was stored: no row in any table (the audit
trail, the outbox, personal-data reads, the ledger included), no file under the media, outbox or
bank-file directories. Use it around the refused call:

    with nothing_written():
        response = client.post(url, data)
    assert response.status_code == 403
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy}


def _files() -> set[str]:
    out: set[str] = set()
    for name in ("MEDIA_ROOT", "SHEBAO_NOTIFY_DIR", "SHEBAO_BANK_FILE_DIR"):
        root = getattr(settings, name, None)
        if root and Path(root).is_dir():
            out |= {str(p) for p in Path(root).rglob("*")}
    return out


@contextlib.contextmanager
def nothing_written() -> Iterator[None]:
    """Fail if the block adds or removes a row in any table or a file in the app's directories.

    Rows changed in place are not counted here: a test of a refused change also reloads the row.
    """
    before_rows, before_files = _counts(), _files()
    yield
    after_rows, after_files = _counts(), _files()
    changed = {k: (before_rows.get(k), v) for k, v in after_rows.items() if before_rows.get(k) != v}
    assert not changed, f"a refused action wrote rows: {changed}"
    assert before_files == after_files, f"a refused action touched files: {sorted(before_files ^ after_files)}"
