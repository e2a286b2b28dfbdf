"""The business clock: the one place that says what day it is for the agency's work.

Every business date ("today" for deadlines, the day a case is applied for, the as-of date of an
assessment) and every business time stamp (a case received, a document reviewed, a phone check
made) is read here, never from ``datetime.date.today()``, ``timezone.localdate()`` or
``timezone.now()`` directly. Two reasons:

* One "today". On a host whose system clock is UTC, ``date.today()`` is yesterday's date in Beijing
  between 00:00 and 08:00 Beijing time, while ``timezone.localdate()`` is right: mixing them put a
  case's deadline and the queue's "overdue" on different days. Here today is always the date in
  ``settings.TIME_ZONE`` (Asia/Shanghai).
* A business date for training and demonstration. Agencies train staff on a copy of the system
  whose date is set; the demo tells the story of February 2020. ``SHEBAO_TODAY=2020-02-20`` (read
  by the settings into ``settings.SHEBAO_TODAY``) fixes the date: ``today()`` is that date and
  ``now()`` is that date at the real time of day in Beijing. The top bar shows the set date. With
  ``DEBUG=false`` the settings refuse it unless ``SHEBAO_ALLOW_BUSINESS_DATE=true`` says the install
  is a training copy on purpose.

Every stored time stamp comes from here too: case transitions and effects, reads of personal data,
the audit trail, bank and payroll files and their downloads, and every model's created/updated
column (``default=clock.now``; ``auto_now``/``auto_now_add`` would read the machine's clock). On a
training copy the case history, the audit trail and the read trail are then all on the business
date, so a trainee searching the trail by the business date finds what was done "today"; the time
of day is still the real one, so rows keep the order in which people acted.

Only schedules read the real clock, through ``wall_now()``: the outbox's next attempt and delivery,
an assessment job's heartbeat and staleness. On a fixed business date the business time goes back
24 hours at midnight, and a schedule must never go backwards. tests/core/test_clock.py refuses any
other read of the machine's clock in src/.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def parse_business_date(raw: str | None) -> dt.date | None:
    """Read a ``SHEBAO_TODAY`` value: ``None`` or blank for the real date, else ``YYYY-MM-DD``.

    Raises ImproperlyConfigured with the value when it is not a calendar date, so a typo stops
    start-up instead of silently running on the real date.
    """
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"SHEBAO_TODAY应为日期YYYY-MM-DD，不能是{raw!r}") from exc


def business_date() -> dt.date | None:
    """The set business date (``settings.SHEBAO_TODAY``), or ``None`` when the real date is used."""
    value = getattr(settings, "SHEBAO_TODAY", None)
    if value is None or isinstance(value, dt.date):
        return value
    return parse_business_date(str(value))


def today() -> dt.date:
    """The business day: the set business date, else today's date in Beijing (settings.TIME_ZONE)."""
    return business_date() or timezone.localdate()


def now() -> dt.datetime:
    """An aware business time stamp: the real time of day in Beijing, on the business date if set.

    Without a set date this is ``timezone.now()``. With one, it is that date at the current Beijing
    wall-clock time, so records made in a training session sort in the order they were made.
    """
    real = timezone.now()
    fixed = business_date()
    if fixed is None:
        return real
    local = timezone.localtime(real)
    return local.replace(year=fixed.year, month=fixed.month, day=fixed.day)


def as_business(when: dt.datetime) -> dt.datetime:
    """A real time stamp (aware; e.g. one a file or a mail header carries) as ``now()`` would have
    stamped it at that moment: in Beijing, on the business date if one is set. What a page shows beside
    the business date in the top bar (a fresh user's walk: the demo's inboxes said 2026-12-04 02:51
    under 业务日期：2020-02-20 while the staff pages showed the same message on 2020-02-20)."""
    local = timezone.localtime(when)
    fixed = business_date()
    return local if fixed is None else local.replace(year=fixed.year, month=fixed.month, day=fixed.day)


def wall_now() -> dt.datetime:
    """The machine's real time (aware, UTC), for schedules only: retry times, heartbeats, staleness.

    Never store it as the time something was done: use ``now()``, which is the same on a
    production install and stays on the business date on a training copy.
    """
    return timezone.now()
