"""Center staff publish announcements (0.1): each preview shows its effects, each publication keeps the
policy's history (0.2) and is recorded, and no one else can publish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.core.models import Announcement, AuditEvent
from shebao.core.policy import current_policy
from shebao.rules import due_date, late_fee_for_due
from tests.collection.conftest import book_due


def test_the_lift_preview_counts_employers_whose_late_fees_change(client, municipal_admin, employer_chaoyang):
    # Unpaid 2020-02 dues: no fee while the lift is unknown; lifted on 2020-04-30 and still unpaid
    # after the make-up deadline, the exemption is lost (Reading 0.3b).
    book_due(employer_chaoyang, "2020-02", 1_000_000)
    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:announcements"), {"kind": "lift", "date": "2020-04-30", "do": "preview"})
    html = r.content.decode()
    assert r.status_code == 200 and "滞纳金变化的单位 1 个" in html
    assert not Announcement.objects.exists() and not AuditEvent.objects.filter(model="core.Announcement").exists()


@pytest.mark.parametrize("who", ["clerk_chaoyang", "clerk_haidian"])
def test_a_district_clerk_can_read_but_not_publish(client, db, request, who):
    # A clerk reads what is published (the permission table: announcement.publish is the center's),
    # is offered no form, and a forged POST is refused with the reason and writes nothing.
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("backoffice:announcements"))
    assert page.status_code == 200 and "征收期延长（第0.2条）" not in page.content.decode()
    r = client.post(reverse("backoffice:announcements"),
                    {"kind": "deadline", "months": "2020-03", "date": "2020-04-30"})
    assert r.status_code == 403 and "区经办人员无权发布政策公告" in r.content.decode()
    assert not Announcement.objects.exists() and not AuditEvent.objects.filter(model="core.Announcement").exists()
    assert due_date("2020-03", current_policy()) == dt.date(2020, 3, 25)


def test_moving_march_keeps_january_and_february_at_the_end_of_march(client, municipal_admin,
                                                                        employer_chaoyang):
    """Issue 11, fault 2: the deadline form replaced the whole history of the collection periods."""
    book_due(employer_chaoyang, "2020-01", 1_000_000)
    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:announcements"),
                    {"kind": "deadline", "months": "2020-03", "date": "2020-04-30"})
    assert r.status_code == 302
    ann = Announcement.objects.get()
    assert (ann.parameter, ann.value, ann.clause) == ("collection.period_overrides", {"2020-03": "2020-04-30"}, "0.2")
    event = AuditEvent.objects.get(model="core.Announcement", object_pk=str(ann.pk))
    assert event.actor == municipal_admin
    policy = current_policy()
    assert [due_date(m, policy) for m in ("2020-01", "2020-02", "2020-03", "2020-04")] == [
        dt.date(2020, 3, 31), dt.date(2020, 3, 31), dt.date(2020, 4, 30), dt.date(2020, 4, 25)]
    # The dated history stays: before the notice no month was extended.
    assert policy.value("collection.period_overrides", on="2020-01-30") == {}
    # A January due paid on 2020-03-20 is still on time: no late fee.
    assert late_fee_for_due("2020-01", 1_000_000, paid_on="2020-03-20", policy=policy).late_fee_fen == 0
    # The employer's account shows the extended date of January.
    page = client.get(reverse("collection:employer_account", args=[employer_chaoyang.pk]) + "?as_of=2020-03-20")
    assert page.status_code == 200 and "2020-03-31" in page.content.decode()


def test_moving_a_deadline_again_moves_only_the_months_it_names(client, municipal_admin):
    client.force_login(municipal_admin)
    for months, day in (("2020-03", "2020-04-30"), ("2020-02", "2020-05-31")):
        assert client.post(reverse("backoffice:announcements"),
                           {"kind": "deadline", "months": months, "date": day}).status_code == 302
    policy = current_policy()
    assert [due_date(m, policy) for m in ("2020-01", "2020-02", "2020-03")] == [
        dt.date(2020, 3, 31), dt.date(2020, 5, 31), dt.date(2020, 4, 30)]
    assert Announcement.objects.count() == 2
    assert AuditEvent.objects.filter(model="core.Announcement").count() == 2


def test_the_page_previews_a_correction_of_the_lifted_date_then_publishes_it(client, municipal_admin):
    from shebao.cases.models import EpidemicLift
    from shebao.cases.services import epidemic_lift_apply

    epidemic_lift_apply(actor=municipal_admin, lifted_on=dt.date(2020, 4, 30))
    client.force_login(municipal_admin)
    page = client.get(reverse("backoffice:announcements")).content.decode()
    assert "已于2020-04-30解除" in page and "正确的解除日期" in page
    r = client.post(reverse("backoffice:announcements"), {"kind": "lift", "date": "2020-05-15", "do": "preview"})
    html = r.content.decode()
    assert "疫情解除日期由2020-04-30改为2020-05-15" in html and "补交期限由 2020-07-30 改为 2020-08-15" in html
    assert "确认发布更正" in html and EpidemicLift.objects.count() == 1 and Announcement.objects.count() == 1
    r = client.post(reverse("backoffice:announcements"), {"kind": "lift", "date": "2020-05-15", "do": "publish"})
    assert r.status_code == 302
    assert list(EpidemicLift.objects.values_list("lifted_on", flat=True)) == [dt.date(2020, 4, 30),
                                                                              dt.date(2020, 5, 15)]
    assert current_policy().value("epidemic.lifted_on") == dt.date(2020, 5, 15)
    listing = client.get(reverse("backoffice:announcements")).content.decode()
    assert "已被更正" in listing and "疫情解除日期为2020年5月15日" in listing


def test_a_lifted_date_before_the_notice_is_published_only_once_confirmed(client, municipal_admin):
    from shebao.cases.models import EpidemicLift

    client.force_login(municipal_admin)
    data = {"kind": "lift", "date": "2020-01-30", "do": "publish"}
    r = client.post(reverse("backoffice:announcements"), data)
    html = r.content.decode()
    assert r.status_code == 200 and "早于通知施行日" in html and 'name="confirmed"' in html
    assert not EpidemicLift.objects.exists() and not Announcement.objects.exists()
    assert not AuditEvent.objects.filter(model="core.Announcement").exists()
    r = client.post(reverse("backoffice:announcements"), {**data, "confirmed": "1"})
    assert r.status_code == 302 and EpidemicLift.objects.get().lifted_on == dt.date(2020, 1, 30)


def test_a_correction_preview_counts_the_late_fees_it_changes(client, municipal_admin, employer_chaoyang):
    from shebao.cases.services import epidemic_lift_apply

    # May 2020 paid on 2020-08-15: outside the window when lifted on 2020-04-30 (a fee from 05-25),
    # inside it when lifted on 2020-06-30 and paid before the make-up deadline (no fee, 0.3).
    book_due(employer_chaoyang, "2020-05", 1_000_000, paid_on=dt.date(2020, 8, 15))
    epidemic_lift_apply(actor=municipal_admin, lifted_on=dt.date(2020, 4, 30))
    client.force_login(municipal_admin)
    html = client.post(reverse("backoffice:announcements"),
                       {"kind": "lift", "date": "2020-06-30", "do": "preview"}).content.decode()
    assert "疫情解除日期由2020-04-30改为2020-06-30" in html
    assert "滞纳金变化的单位 1 个" in html and "减少 410.00 元" in html


@pytest.mark.parametrize("typed", ["0001-01-01", "2019-12-31", "9999-12-31", "2099-01-01"])
def test_an_implausible_lifted_date_is_refused_even_when_confirmed(client, municipal_admin, typed):
    from rest_framework.test import APIClient

    from shebao.cases.models import EpidemicLift
    from tests.nothing_written import nothing_written

    client.force_login(municipal_admin)
    api = APIClient()
    api.force_authenticate(municipal_admin)
    with nothing_written():
        for do in ("preview", "publish"):
            r = client.post(reverse("backoffice:announcements"),
                            {"kind": "lift", "date": typed, "do": do, "confirmed": "1"})
            # a refused form is drawn again with 400, as every page (bad-input review 16, 6: it was 200)
            assert r.status_code == 400 and "不是有效的解除日期" in r.content.decode()
        preview = api.get(f"/api/v1/cases/epidemic-lift/preview/?lifted_on={typed}")
        applied = api.post("/api/v1/cases/epidemic-lift/", {"lifted_on": typed, "confirmed": True}, format="json")
    for r in (preview, applied):
        assert r.status_code == 422, r.content
        assert "不是有效的解除日期" in r.content.decode()
    assert not EpidemicLift.objects.exists() and not Announcement.objects.exists()


@pytest.mark.parametrize("typed", ["0001-01-01", "2019-12-31", "9999-12-31"])
def test_a_collection_period_cannot_end_before_its_month_or_years_ahead(client, municipal_admin, typed):
    from tests.nothing_written import nothing_written

    client.force_login(municipal_admin)
    with nothing_written():
        r = client.post(reverse("backoffice:announcements"), {"kind": "deadline", "months": "2020-01", "date": typed})
    assert r.status_code == 400 and "请核对" in r.content.decode()  # it was 200 (bad-input review 16, 6)
    assert not Announcement.objects.exists()
    assert due_date("2020-01", current_policy()) == dt.date(2020, 3, 31)


def test_the_same_deadline_move_is_published_once(client, municipal_admin):
    """Bad-input review 16, 7: the same move posted twice (full-width months the second time) was
    published twice."""
    from tests.nothing_written import nothing_written

    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:announcements"), {"kind": "deadline", "months": "2020-02", "date": "2020-04-30"})
    assert r.status_code == 302 and Announcement.objects.count() == 1
    with nothing_written():
        r = client.post(reverse("backoffice:announcements"),
                        {"kind": "deadline", "months": "２０２０-０２", "date": "2020-04-30"})
    assert r.status_code == 400 and "已发布，现行有效，无需重复发布" in r.content.decode()
    assert Announcement.objects.count() == 1
    r = client.post(reverse("backoffice:announcements"), {"kind": "deadline", "months": "2020-02", "date": "2020-05-31"})
    assert r.status_code == 302 and Announcement.objects.count() == 2  # another date is another move
