"""Refreshing the leaders' tallies after the writes that change them, never on a page's read.

Every write of a counted row leaves an audit event (core.audit). When the transaction that wrote an
event about a counted model commits, `tallies_refresh_after_write` runs once for that transaction:

* ``SHEBAO_TALLIES_REFRESH = "thread"`` (the default): a single background thread of the process
  refreshes (`reports.tallies.tallies_refresh`); writes that commit while it runs make it run once
  more, so a burst of writes costs one or two refreshes, never one each, and the writer never waits;
* ``"inline"``: the refresh runs in the writer's thread right after the commit (a single-threaded
  server, tests that check the hook);
* ``"off"``: only `shebao reports_refresh` (cron, `shebao demo_setup`) refreshes.

The dashboard only reads, and shows how fresh its figures are (`tallies_freshness`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction

log = logging.getLogger(__name__)

_lock = threading.Lock()
_pending = False
_thread: threading.Thread | None = None


def watched_labels() -> frozenset[str]:
    """The model labels (``cases.Case``…) whose audit events change a tally."""
    from shebao.reports.tallies import SOURCES

    return frozenset(label for s in SOURCES for label in s.watch)


def _after_commit() -> None:
    try:
        tallies_refresh_after_write()
    except Exception:  # a refresh that fails must not fail the write that committed before it
        log.exception("tallies refresh after a write failed")


def audit_written(labels: set[str] | frozenset[str]) -> None:
    """Called when audit events about `labels` were written: schedule one refresh after the commit
    of the current transaction (once per transaction, however many events it writes)."""
    if not labels & watched_labels():
        return
    if getattr(settings, "SHEBAO_TALLIES_REFRESH", "thread") == "off":
        return
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(func is _after_commit for _, func, _ in conn.run_on_commit):
        return
    transaction.on_commit(_after_commit)


def tallies_refresh_after_write() -> None:
    """Refresh now (``inline``) or wake the process's refresher thread (``thread``); see the module."""
    global _pending, _thread
    mode = getattr(settings, "SHEBAO_TALLIES_REFRESH", "thread")
    if mode == "off":
        return
    if mode == "inline":
        from shebao.reports.tallies import tallies_refresh

        tallies_refresh()
        return
    with _lock:
        _pending = True
        if _thread is not None:
            return  # the running thread sees `_pending` before it stops
        _thread = threading.Thread(target=_loop, daemon=True, name="tallies-refresh")
        _thread.start()


def refresher_wait(timeout: float = 60.0) -> bool:
    """Wait for the refresher thread (tests, the command); True when no refresh is running."""
    thread = _thread
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True


def _loop() -> None:
    global _pending, _thread
    from shebao.reports.tallies import tallies_refresh

    close_old_connections()
    try:
        while True:
            with _lock:
                if not _pending:
                    _thread = None
                    return
                _pending = False
            try:
                tallies_refresh()
            except Exception:
                log.exception("tallies refresh failed")
    finally:
        connection.close()


@dataclass(frozen=True)
class Freshness:
    """How fresh the tallies are: when they were last refreshed (None: never) and how many audit
    events about counted rows came after (they will be counted by the next refresh)."""

    refreshed_at: dt.datetime | None
    rebuilt_at: dt.datetime | None
    pending: int


def tallies_freshness() -> Freshness:
    """Read-only: the watermark and the count of counted-model events after it (an index range)."""
    from shebao.core.models import AuditEvent
    from shebao.reports.models import TallyWatermark

    mark = TallyWatermark.objects.filter(pk=1).first()
    if mark is None or mark.rebuilt_at is None:
        return Freshness(refreshed_at=None, rebuilt_at=None, pending=0)
    pending = AuditEvent.objects.filter(pk__gt=mark.last_event_id, model__in=sorted(watched_labels())).count()
    return Freshness(refreshed_at=mark.refreshed_at, rebuilt_at=mark.rebuilt_at, pending=pending)


def connect() -> None:
    """Hook the audit trail (reports.apps.ReportsConfig.ready)."""
    from django.db.models.signals import post_save

    from shebao.core.audit import events_written
    from shebao.core.models import AuditEvent

    def on_event(sender: Any, instance: AuditEvent, created: bool, raw: bool = False, **kwargs: Any) -> None:
        if created and not raw:
            audit_written({instance.model})

    def on_events(sender: Any, labels: set[str], **kwargs: Any) -> None:
        audit_written(labels)

    post_save.connect(on_event, sender=AuditEvent, dispatch_uid="reports-tallies-after-write", weak=False)
    events_written.connect(on_events, dispatch_uid="reports-tallies-after-bulk", weak=False)
