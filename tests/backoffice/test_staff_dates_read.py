"""The staff pages that still read dates on their own now read them as every page does
(`core.inputs.read_date`, `form_date`; bad-input review leftovers 3): a day the calendar does not have
is said not to exist (it was 请填写有效日期, 不是有效日期, or a None the service told 请填写…), one
outside the plausible range is said so where the page has no range of its own, full-width digits are
digits. One test a page: the announcements' date, the collection pages' days (the what-if, the rights
statement, an assessment), the dashboard's period, a deferral's due date and an employer's facts, a
retiree's death date, and a case's own date fields (the business fields, pages and API alike). The
halls' and the audit cases' are in tests/operations/test_hall_dates_read.py, the front desk's received
date in tests/backoffice/test_front_desk_channels_and_phone_check.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from shebao.core.models import Announcement
from tests.backoffice.test_relief_pages import _apply, in_force_with_hard_hit_employer  # noqa: F401 (a fixture)
from tests.nothing_written import nothing_written

NO_DAY = "2020-02-30"
NOT_SO = "不存在：2020年2月只有29天"


def _page(response) -> str:
    return response.content.decode()


# --- Announcements: the lift date and a new deadline ---------------------------------------------


@pytest.mark.parametrize(("kind", "label"), [("lift", "解除日期"), ("deadline", "新的截止日期")])
def test_an_announcements_date_that_does_not_exist_is_said_so(client, municipal_admin, kind, label):
    client.force_login(municipal_admin)
    with nothing_written():
        r = client.post(reverse("backoffice:announcements"), {"kind": kind, "date": NO_DAY, "do": "preview",
                                                              "months": "2020-03"})
    assert f"{label}“{NO_DAY}”{NOT_SO}" in _page(r)  # it was 请填写有效日期（年-月-日，如2020-04-30）
    with nothing_written():
        r = client.post(reverse("backoffice:announcements"), {"kind": kind, "date": "", "months": "2020-03"})
    assert f"请填写{label}（年-月-日，如2020-04-30）" in _page(r)


def test_an_announcements_date_reads_full_width_digits(client, municipal_admin):
    client.force_login(municipal_admin)
    r = client.post(reverse("backoffice:announcements"), {"kind": "deadline", "months": "2020-03",
                                                          "date": "２０２０-０４-３０"})
    assert r.status_code == 302
    assert Announcement.objects.get().value == {"2020-03": "2020-04-30"}


# --- Collection: the what-if's days, the rights statement's, an assessment's ---------------------


def test_the_what_ifs_days_are_read_as_everywhere(client, municipal_admin, settings):
    settings.SHEBAO_TODAY = dt.date(2020, 4, 1)
    client.force_login(municipal_admin)
    url = reverse("collection:assessment_runs")
    r = client.get(url, {"as_of": NO_DAY, "lifted_on": "2020-04-30"})
    assert f"核定日“{NO_DAY}”{NOT_SO}" in _page(r)  # the field named (bad-input review 16, 3)
    r = client.get(url, {"as_of": "2020-12-31", "lifted_on": "9999-12-31"})
    assert "假设疫情解除日期“9999-12-31”晚于2021-04-01，不是有效的日期，请核对" in _page(r)
    r = client.get(url, {"as_of": "２０２０-１２-３１", "lifted_on": "2020-04-30"})
    assert "受影响单位" in _page(r) and "不存在" not in _page(r) and "格式错误" not in _page(r)


def test_the_rights_records_coverage_day_is_named(client, clerk_chaoyang, person_chaoyang):
    """Bad-input review 16, 3: ?on=2020-02-30 said 日期“2020-02-30”不存在 without naming the field."""
    client.force_login(clerk_chaoyang)
    r = client.get(reverse("collection:person_rights", args=[person_chaoyang.pk]), {"on": NO_DAY})
    assert r.status_code == 400 and f"医疗保险待遇查询日“{NO_DAY}”{NOT_SO}" in _page(r)


def test_a_rights_statements_day_that_does_not_exist_is_said_so(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("collection:person_rights_statement", args=[person_chaoyang.pk]), {"as_of": NO_DAY})
    assert r.status_code == 302
    assert [str(m) for m in get_messages(r.wsgi_request)] == [f"截至日期“{NO_DAY}”{NOT_SO}"]


def test_an_assessments_day_is_read_as_everywhere(client, collection_clerk):
    client.force_login(collection_clerk)
    for typed, said in ((NO_DAY, f"核定日“{NO_DAY}”{NOT_SO}"),
                        ("0001-01-01", "核定日“0001-01-01”早于1990-01-01，不是有效的日期，请核对"),
                        ("", "请填写核定日")):
        with nothing_written():
            r = client.post(reverse("collection:assessment_start"), {"as_of": typed}, follow=True)
        assert said in _page(r)


# --- The dashboard's period ------------------------------------------------------------------------


def test_the_dashboards_days_are_read_as_everywhere(client, leader, settings):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 1)
    client.force_login(leader)
    r = client.get(reverse("backoffice:dashboard"), {"end": NO_DAY})
    assert r.status_code == 400 and f"截止日期“{NO_DAY}”{NOT_SO}" in _page(r)
    r = client.get(reverse("backoffice:dashboard"), {"start": "9999-12-31"})
    assert r.status_code == 400 and "起始日期“9999-12-31”晚于2021-03-01" in _page(r)
    r = client.get(reverse("backoffice:dashboard"), {"start": "２０２０-０２-０１", "end": "２０２０-０２-２９"})
    assert r.status_code == 200, _page(r)[-1500:]


# --- Relief: a deferral's due date, an employer's facts ------------------------------------------------


def test_a_deferrals_due_date_that_does_not_exist_is_said_so(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("collection:relief_deferrals"), {
            "credit_code": employer_chaoyang.credit_code, "rule": "relief-2020-covid/hardship-deferral-extended",
            "months": "2020-07", "due_until": NO_DAY, "reason": "疫情停工"})
    assert r.status_code == 400 and f"缓缴至“{NO_DAY}”{NOT_SO}" in _page(r)


def test_a_deferrals_due_date_reads_full_width_digits(client, clerk_chaoyang, in_force_with_hard_hit_employer):  # noqa: F811
    from shebao.collection.models import Deferral

    client.force_login(clerk_chaoyang)
    r = _apply(client, in_force_with_hard_hit_employer, due_until="２０２０-１２-３１")  # it was 格式错误
    assert r.status_code == 302 and Deferral.objects.get().due_until == dt.date(2020, 12, 31)


@pytest.mark.parametrize(("typed", "said"), [
    (NO_DAY, f"起始日期“{NO_DAY}”{NOT_SO}"), ("9999-12-31", "起始日期“9999-12-31”晚于"),
    ("20200309", "起始日期“20200309”格式错误，应为年-月-日，如2020-03-09")])
def test_an_employers_facts_date_is_read_as_everywhere(client, municipal_admin, employer_chaoyang, typed, said):
    client.force_login(municipal_admin)
    with nothing_written():
        r = client.post(reverse("collection:relief_employer_facts", args=[employer_chaoyang.pk]), {
            "effective_from": typed, "unit_type": "enterprise", "size_class": "small", "source": "划型结果"})
    assert r.status_code == 400 and said in _page(r)


def test_an_employers_facts_date_reads_full_width_digits(client, municipal_admin, employer_chaoyang):
    from shebao.registry.models import EmployerFacts

    client.force_login(municipal_admin)
    r = client.post(reverse("collection:relief_employer_facts", args=[employer_chaoyang.pk]), {
        "effective_from": "２０２０-０１-０１", "unit_type": "enterprise", "size_class": "small", "source": "划型结果"})
    assert r.status_code in (200, 302) and EmployerFacts.objects.get().effective_from == dt.date(2020, 1, 1)


# --- A retiree's death date ------------------------------------------------------------------------------


def test_a_death_date_that_does_not_exist_is_said_so(client, clerk_chaoyang, settings):
    from shebao.benefits.models import Suspension
    from tests.benefits.conftest import declare

    settings.SHEBAO_TODAY = dt.date(2020, 3, 10)
    retiree = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    client.force_login(clerk_chaoyang)
    url = reverse("backoffice:retiree_stop", args=[retiree.pk])
    with nothing_written():
        r = client.post(url, {"do": "suspend", "reason": "death", "died_on": NO_DAY})
    assert r.status_code == 400 and f"死亡日期“{NO_DAY}”{NOT_SO}" in _page(r)
    assert not Suspension.objects.exists()
    r = client.post(url, {"do": "suspend", "reason": "death", "died_on": "２０２０-０３-０２"})
    assert r.status_code == 302 and Suspension.objects.get().retiree.died_on == dt.date(2020, 3, 2)


def test_a_refused_death_date_and_lift_date_quote_what_was_typed(client, clerk_chaoyang, municipal_admin, settings):
    """Bad-input review 16, 4: died_on=0001-01-01 said 死亡日期早于1990-01-01 with no value, a lift
    解除日期1-01-01早于2020年 (strftime's reformatting)."""
    from tests.benefits.conftest import declare

    settings.SHEBAO_TODAY = dt.date(2020, 3, 10)
    retiree = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2019, 10, 1))
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.post(reverse("backoffice:retiree_stop", args=[retiree.pk]),
                        {"do": "suspend", "reason": "death", "died_on": "0001-01-01"})
    assert r.status_code == 400 and "死亡日期“0001-01-01”早于1990-01-01" in _page(r)
    client.force_login(municipal_admin)
    with nothing_written():
        r = client.post(reverse("backoffice:announcements"), {"kind": "lift", "date": "0001-01-01", "do": "preview"})
    assert "解除日期“0001-01-01”早于2020年" in _page(r), _page(r)[-2000:]
