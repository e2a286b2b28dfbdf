"""Center staff see an announcement's effects before publishing it, late fees included (0.3)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from shebao.core.models import Announcement
from tests.collection.conftest import book_due


def test_the_lift_preview_counts_employers_whose_late_fees_change(client, municipal_admin, employer_chaoyang):
    # Unpaid 2020-02 dues: no fee while the lift is unknown; lifted on 2020-04-30 and still unpaid
    # after the make-up deadline, the exemption is lost (Reading 0.3b).
    book_due(employer_chaoyang, "2020-02", 1_000_000)
    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:announcements"), {"kind": "lift", "date": "2020-04-30", "do": "preview"})
    html = r.content.decode()
    assert r.status_code == 200 and "滞纳金变化的单位 1 个" in html
    assert not Announcement.objects.exists()


def test_only_the_center_publishes(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    assert client.get(reverse("backoffice:announcements")).status_code == 403


def test_moving_a_deadline_is_a_published_parameter(client, municipal_admin):
    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:announcements"),
                    {"kind": "deadline", "months": "2020-01,2020-02", "date": "2020-04-30"})
    assert r.status_code == 302
    ann = Announcement.objects.get()
    assert ann.parameter == "collection.period_overrides" and ann.value == {"2020-01": "2020-04-30",
                                                                            "2020-02": "2020-04-30"}
    from shebao.core.policy import current_policy
    from shebao.rules import due_date
    assert due_date("2020-02", current_policy()) == dt.date(2020, 4, 30)
