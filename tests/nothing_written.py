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
from typing import Any

from django.apps import apps
from django.conf import settings


def _counts(shown: Any = None) -> dict[str, int]:
    out = {m._meta.label: m._default_manager.count() for m in apps.get_models()
           if m._meta.managed and not m._meta.proxy}
    if shown is not None:  # the reads of the person the refusal shows are the trail's, not the action's
        from shebao.core.models import PersonalDataAccess

        out[PersonalDataAccess._meta.label] = PersonalDataAccess.objects.exclude(
            model=shown._meta.label, object_pk=str(shown.pk)).count()
    return out


def _files() -> set[str]:
    out: set[str] = set()
    for name in ("MEDIA_ROOT", "SHEBAO_NOTIFY_DIR", "SHEBAO_BANK_FILE_DIR"):
        root = getattr(settings, name, None)
        if root and Path(root).is_dir():
            out |= {str(p) for p in Path(root).rglob("*")}
    return out


@contextlib.contextmanager
def nothing_written(*, shown: Any = None) -> Iterator[None]:
    """Fail if the block adds or removes a row in any table or a file in the app's directories.

    Rows changed in place are not counted here: a test of a refused change also reloads the row.
    `shown`: the person a refused page still shows (the front desk names whom the number found): the
    read of their data is in the trail (core.reads, review-user13 (22)), every other row is counted.
    """
    before_rows, before_files = _counts(shown), _files()
    yield
    after_rows, after_files = _counts(shown), _files()
    changed = {k: (before_rows.get(k), v) for k, v in after_rows.items() if before_rows.get(k) != v}
    assert not changed, f"a refused action wrote rows: {changed}"
    assert before_files == after_files, f"a refused action touched files: {sorted(before_files ^ after_files)}"
