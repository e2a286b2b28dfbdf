"""The business clock (core.clock): one "today" in Beijing, a settable training/demo date, refused in
production unless allowed, and no business code reading the machine's clock around it."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

from shebao.cases.models import Case
from shebao.core import clock
from shebao.core.models import AuditEvent, PersonalDataAccess
from tests.businesses.desk import refund_fields

SRC = Path(__file__).resolve().parents[2] / "src" / "shebao"

# The one module that reads the machine's clock. Everything else, stored time stamps and schedules
# alike, goes through shebao.core.clock (now() for what happened, wall_now() for schedules).
WALL_CLOCK_ALLOWED = {"core/clock.py": "the one place that reads it"}
MACHINE_CLOCK = re.compile(r"date\.today\(\)|timezone\.now\b|timezone\.localdate\(\)|timezone\.localtime\(\)"
                           r"|datetime\.now\b|datetime\.utcnow\b|datetime\.today\(|\btime\.time\(\)"
                           r"|\bauto_now(_add)?\s*=|functions\.Now\(|\bNow\(\)|CURRENT_TIMESTAMP")


def _code(line: str) -> str:
    """A line without its comment (a comment may name what it avoids)."""
    return line.split("#", 1)[0]


def test_no_code_reads_the_machine_clock_directly():
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if "/migrations/" in rel or rel in WALL_CLOCK_ALLOWED:
            continue
        in_doc = False
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.count('"""') == 1:
                in_doc = not in_doc
                continue
            if not in_doc and MACHINE_CLOCK.search(_code(line)):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "use shebao.core.clock.now()/today() (wall_now() for schedules):\n" + "\n".join(offenders)


@pytest.mark.parametrize("line", [
    'created_at = models.DateTimeField("x", auto_now_add=True)',
    'updated_at = models.DateTimeField("x", auto_now=True)',
    "at = models.DateTimeField(default=timezone.now)",
    "stamp = datetime.now(dt.UTC)",
    "when = dt.datetime.utcnow()",
    "started = time.time()",
    "at = models.DateTimeField(db_default=Now())",
])
def test_the_guard_catches_every_spelling_of_the_machine_clock(line):
    assert MACHINE_CLOCK.search(_code(line))


def test_every_stored_time_stamp_defaults_to_the_business_clock():
    """No DateTimeField stamps itself from the machine: each default is clock.now (wall_now only for
    the assessment job's heartbeat, a schedule)."""
    from django.apps import apps
    from django.db import models as dj

    schedules = {("collection", "assessmentjob", "updated_at"), ("reports", "exportjob", "updated_at")}
    for model in apps.get_models():
        if not model.__module__.startswith("shebao."):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, dj.DateTimeField):
                continue
            assert not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False), field
            if field.has_default():
                key = (model._meta.app_label, model._meta.model_name, field.name)
                expected = clock.wall_now if key in schedules else clock.now
                assert field.default is expected, f"{key}: {field.default!r}"


def test_today_is_the_date_in_beijing_not_the_hosts_utc_date():
    # 2020-02-19 20:30 UTC is 2020-02-20 04:30 in Beijing: a UTC host's date.today() says the 19th.
    at = dt.datetime(2020, 2, 19, 20, 30, tzinfo=dt.UTC)
    with override_settings(SHEBAO_TODAY=None), mock.patch("django.utils.timezone.now", return_value=at):
        assert clock.today() == dt.date(2020, 2, 20)
        assert clock.now() == at


def test_a_set_business_date_moves_today_and_keeps_the_time_of_day():
    at = dt.datetime(2026, 11, 30, 1, 15, tzinfo=dt.UTC)  # 09:15 in Beijing
    with override_settings(SHEBAO_TODAY=dt.date(2020, 2, 20)), mock.patch("django.utils.timezone.now",
                                                                         return_value=at):
        assert clock.today() == dt.date(2020, 2, 20)
        stamp = clock.now()
        assert stamp.tzinfo is not None
        local = stamp.astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert (local.date(), local.hour, local.minute) == (dt.date(2020, 2, 20), 9, 15)


@pytest.mark.parametrize("raw", ["2020/02/20", "2020-02-30", "tomorrow"])
def test_a_malformed_business_date_is_refused(raw):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="SHEBAO_TODAY"):
        clock.parse_business_date(raw)


def _start(env: dict[str, str]) -> subprocess.CompletedProcess:
    drop = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SHEBAO_TODAY", "SHEBAO_ALLOW_BUSINESS_DATE"}
    full = {k: v for k, v in os.environ.items() if k not in drop}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "shebao", "check"], env=full, capture_output=True, text=True,
                          timeout=120)


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "shebao.example"}


def test_production_refuses_a_business_date_unless_allowed():
    refused = _start({**PRODUCTION, "SHEBAO_TODAY": "2020-02-20"})
    assert refused.returncode != 0 and "SHEBAO_ALLOW_BUSINESS_DATE" in refused.stderr
    allowed = _start({**PRODUCTION, "SHEBAO_TODAY": "2020-02-20", "SHEBAO_ALLOW_BUSINESS_DATE": "true"})
    assert allowed.returncode == 0, allowed.stderr
    typo = _start({"DEBUG": "true", "SHEBAO_TODAY": "2020-2-20x"})
    assert typo.returncode != 0 and "SHEBAO_TODAY" in typo.stderr


def _beijing_date(stamp: dt.datetime) -> dt.date:
    return stamp.astimezone(dt.timezone(dt.timedelta(hours=8))).date()


@override_settings(SHEBAO_TODAY=dt.date(2020, 2, 20))
def test_a_front_desk_case_on_a_training_copy_is_dated_the_business_date(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    home = client.get(reverse("web:home")).content.decode()
    assert "业务日期：2020-02-20" in home
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
        "refund_kind": "base_difference", **refund_fields(person_chaoyang), "token": "t-clock", "do": "save"})
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.applied_on == dt.date(2020, 2, 20)
    assert dt.date(2020, 2, 20) == case.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert case.deadline is None or case.deadline >= dt.date(2020, 2, 20)
    # The history, the audit row and the read trail are on the business date too (one clock), so a
    # trainee searching the trail by the business date finds what was done "today".
    event = AuditEvent.objects.filter(model__iendswith="case", object_pk=str(case.pk)).order_by("pk").first()
    assert event is not None and _beijing_date(event.at) == dt.date(2020, 2, 20)
    assert [_beijing_date(t.at) for t in case.transitions.all()] == [dt.date(2020, 2, 20)] * case.transitions.count()
    client.get(reverse("web:person_detail", args=[person_chaoyang.pk]))
    read = PersonalDataAccess.objects.filter(actor=clerk_chaoyang).order_by("-pk").first()
    assert read is not None and _beijing_date(read.at) == dt.date(2020, 2, 20)
    queue = client.get(reverse("backoffice:queue")).content.decode()
    assert f"#{case.pk}" in queue and case.deadline is not None and "badge bad\">已超期" not in queue


def test_without_a_business_date_the_top_bar_says_nothing(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    with override_settings(SHEBAO_TODAY=None):
        assert "业务日期" not in client.get(reverse("web:home")).content.decode()


@override_settings(SHEBAO_TODAY=dt.date(2020, 2, 20))
def test_a_sign_in_is_stamped_on_the_business_date(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    clerk_chaoyang.refresh_from_db()
    assert _beijing_date(clerk_chaoyang.last_login) == dt.date(2020, 2, 20)
