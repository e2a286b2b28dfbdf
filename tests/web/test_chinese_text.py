"""Every page and PDF of a walkthrough, for every role, reads as Chinese: no catalog code, no English.

A small generated city with the demo's staff and sample cases (every business, mode and channel);
each demo account opens every page it can reach, the case pages and receipts of the cases it sees,
and the error pages (another district's case, an unknown address, a form whose token expired).
Visible text is what a browser shows (tests/visible_text.py); the receipt PDF is read from its
drawing operators.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from shebao.cases.models import Case
from shebao.collection.assessment import assessment_run
from shebao.core.policy import announcement_publish, current_policy
from shebao.registry.generator import GenerateOptions, generate
from shebao.registry.models import Employer, Person
from shebao.rules.catalog import businesses
from shebao.staff.demo import DEMO_ACCOUNTS
from shebao.staff.models import User
from tests.businesses.desk import refund_fields
from tests.personas import SETUP
from tests.visible_text import foreign_words, page_problems, pdf_text, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    generate(GenerateOptions(employers=12, persons=240, from_month="2019-10", months=5, seed=11))
    call_command("demo_setup", "--cases", "22", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    announcement_publish(actor=admin, parameter="collection.period_overrides", value={"2020-03": "2020-04-30"},
                         title="2020年3月社会保险费征收期延长至4月30日", clause="0.2")
    assessment_run(actor=SETUP, as_of=dt.date(2020, 2, 20), policy=current_policy())
    return admin


def _pages_for(user: User) -> list[str]:
    pages = [reverse("web:home"), reverse("backoffice:queue"), reverse("backoffice:queue") + "?deadline=overdue",
             reverse("backoffice:front_desk"), reverse("backoffice:review_queue"),
             reverse("backoffice:announcements"), reverse("web:person_search") + "?q=zs",
             reverse("web:employer_search") + "?q=北京", reverse("collection:assessment_runs"),
             reverse("collection:remittance_queue"), reverse("collection:deduction_runs")]
    pages += [reverse("backoffice:front_desk") + f"?business={b.code}" for b in businesses()]
    cases = Case.objects.filter(office__code__startswith=(user.office.code[:6] if user.office else "x"))
    if user.role in ("municipal_admin", "auditor", "leader") or user.is_superuser:
        cases = Case.objects.all()
    seen_modes: set[tuple[str, str]] = set()
    for case in cases.order_by("pk"):
        if (case.business, case.mode) in seen_modes:
            continue
        seen_modes.add((case.business, case.mode))
        pages.append(reverse("backoffice:case_detail", args=[case.pk]))
    person = Person.objects.filter(district__code="110105").order_by("pk").first()
    employer = Employer.objects.filter(district__code="110105").order_by("pk").first()
    pages += [reverse("web:person_detail", args=[person.pk]), reverse("web:employer_detail", args=[employer.pk]),
              reverse("collection:employer_account", args=[employer.pk]),
              reverse("collection:person_rights", args=[person.pk])]
    return pages


def test_every_page_and_receipt_of_every_role_reads_as_chinese(city):
    problems: list[str] = []
    opened = 0
    for username, *_ in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for url in _pages_for(user):
            r = client.get(url)
            if r.status_code in (301, 302):
                continue
            assert r.status_code in (200, 403, 404), (username, url, r.status_code)
            if r["Content-Type"].startswith("text/html"):
                opened += 1
                problems += [f"{username} {url} [{r.status_code}] {p}" for p in page_problems(r.content.decode())]
        visible = Case.objects.all() if user.sees_whole_city or user.is_superuser else \
            Case.objects.filter(office=user.office)
        for case in visible.order_by("pk")[:12]:
            r = client.get(reverse("backoffice:case_receipt", args=[case.pk]))
            if r.status_code != 200:
                continue
            for line in pdf_text(r.content):
                if words := foreign_words(line):
                    problems.append(f"{username} receipt #{case.pk}: {line!r}: {words}")
    for url in (reverse("web:public_announcements"), reverse("web:login")):  # what anyone may read
        r = Client().get(url)
        assert r.status_code == 200, url
        problems += [f"anonymous {url} {p}" for p in page_problems(r.content.decode())]
    assert opened > 100
    assert not problems, "codes or English a user sees:\n" + "\n".join(dict.fromkeys(problems))


@pytest.fixture
def chaoyang_case(clerk_chaoyang, person_chaoyang):
    client = Client()
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {
        "business": "refund", "applicant_kind": "person", "id_number": person_chaoyang.id_number,
        "refund_kind": "overpayment", **refund_fields(person_chaoyang), "token": "t-err", "do": "save"})
    assert r.status_code == 302
    return Case.objects.get()


@override_settings(DEBUG=True)
def test_error_pages_are_chinese_in_the_layout_even_with_debug_on(chaoyang_case, clerk_haidian):
    clerk_hd = Client()
    clerk_hd.force_login(clerk_haidian)
    other = chaoyang_case
    r = clerk_hd.get(reverse("backoffice:case_detail", args=[other.pk]))
    html = r.content.decode()
    assert r.status_code == 404 and "未找到" in html and "怎么办" in html and "返回首页" in html
    assert "URLconf" not in html and "Page not found" not in html and other.person.name not in html
    assert not page_problems(html)
    r = clerk_hd.get("/no/such/page/")
    html = r.content.decode()
    assert r.status_code == 404 and "未找到" in html and "URLconf" not in html and "待办" in html
    assert not page_problems(html)
    anonymous = Client()
    r = anonymous.get("/no/such/page/")
    assert r.status_code == 404 and "登录" in r.content.decode() and not page_problems(r.content.decode())


def test_an_expired_form_says_so_in_chinese(clerk_chaoyang):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:front_desk"), {"business": "refund", "do": "save"})
    html = r.content.decode()
    assert r.status_code == 403 and "页面已过期" in html and "刷新" in html and not page_problems(html)
    assert "CSRF" not in " ".join(visible_text(html))


def test_the_api_answers_json_only_with_chinese_details(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.get("/api/v1/cases/999999/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/")
    body = r.json()
    assert body["title"] == "未找到" and not foreign_words(body.get("detail", ""))
    r = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT="text/html")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/problem+json")
