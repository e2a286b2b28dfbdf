"""Finding things as a clerk types them: the queue by case number or applicant, people by the start
of their number, employers by the pinyin initials of their name; an empty result shows no paging."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from shebao.cases import services as case_services
from shebao.cases.models import Case
from shebao.registry.models import Employer
from shebao.registry.services import employer_name_initials
from tests import personas
from tests.personas import SETUP

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(clerk_chaoyang, person_chaoyang, employer_chaoyang):
    from tests.cases.conftest import employ, valid_details
    from tests.collection.conftest import book_due

    # What the two applications' content names: 张三's employment, and a paid due to refund.
    employ(person_chaoyang, employer_chaoyang)
    book_due(employer_chaoyang, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    refund, _ = case_services.case_submit(actor=clerk_chaoyang, business="refund", channel="counter",
                                          person=person_chaoyang, details=valid_details(
                                              "refund", person=person_chaoyang, facts={"refund_kind": "overpayment"}))
    report, _ = case_services.case_submit(actor=clerk_chaoyang, business="monthly_report_back_payment",
                                          channel="post", employer=employer_chaoyang, details=valid_details(
                                              "monthly_report_back_payment", employer=employer_chaoyang))
    return refund, report


def queue_numbers(client, **params) -> set[int]:
    html = client.get(reverse("backoffice:queue"), params).content.decode()
    return {c.pk for c in Case.objects.all() if f">#{c.pk}<" in html}


@pytest.mark.parametrize("typed", ["{pk}", "#{pk}", " ＃{pk} "])
def test_the_queue_finds_a_case_by_its_number(client, clerk_chaoyang, cases, typed):
    refund, report = cases
    client.force_login(clerk_chaoyang)
    assert queue_numbers(client, q=typed.format(pk=report.pk)) == {report.pk}
    # A number finds the case whatever the other filters say (here: a completed case, "open" filter).
    Case.objects.filter(pk=refund.pk).update(status="completed")
    assert queue_numbers(client, q=typed.format(pk=refund.pk), status="open") == {refund.pk}


@pytest.mark.parametrize("typed, finds", [("张三", "refund"), ("张", "refund"), ("zs", "refund"),
                                          ("朝阳测试", "report"), ("北京朝阳", "report")])
def test_the_queue_finds_cases_by_the_applicants_name(client, clerk_chaoyang, cases, typed, finds):
    refund, report = cases
    client.force_login(clerk_chaoyang)
    assert queue_numbers(client, q=typed) == {(refund if finds == "refund" else report).pk}


def test_the_queue_search_stays_in_the_district(client, clerk_haidian, cases):
    client.force_login(clerk_haidian)
    refund, _report = cases
    assert queue_numbers(client, q=str(refund.pk)) == set()
    assert queue_numbers(client, q="张三") == set()


def test_an_empty_result_shows_no_page_number(client, clerk_chaoyang, person_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    for url, q in ((reverse("backoffice:queue"), "王五"), (reverse("web:person_search"), "王五"),
                   (reverse("web:employer_search"), "不存在的单位")):
        html = (client.post if url == reverse("web:person_search") else client.get)(url, {"q": q}).content.decode()
        assert "第1页" not in html and "没有" in html, url
    html = client.post(reverse("web:person_search"), {"q": "张三"}).content.decode()
    assert "张三" in html and "第1页" not in html  # one page: nothing to page through


def test_paging_links_appear_when_there_is_a_next_page(client, clerk_chaoyang, monkeypatch):
    from shebao.backoffice import registry as views

    for serial in range(3, 6):
        personas.make_person("张" + "一二三四五"[serial - 1], serial=serial)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(clerk_chaoyang)
    html = client.post(reverse("web:person_search"), {"q": "张"}).content.decode()
    assert "第1页" in html and "下一页" in html and 'name="page" value="2"' in html
    html = client.post(reverse("web:person_search"), {"q": "张", "page": 2}).content.decode()
    assert "上一页" in html and "下一页" not in html


@pytest.mark.parametrize("prefix", ["110105", "1101051975", "11010519750501", "１１０１０５"])
def test_people_are_found_by_the_start_of_their_id_number(client, clerk_chaoyang, person_chaoyang, person_haidian,
                                                          prefix):
    client.force_login(clerk_chaoyang)
    html = client.post(reverse("web:person_search"), {"q": prefix}).content.decode()
    assert "张三" in html and "李四" not in html
    html = client.post(reverse("web:person_search"), {"q": "110108"}).content.decode()
    assert "李四" not in html  # another district's person stays unseen


def test_a_passport_number_is_found_by_its_start(client, clerk_chaoyang):
    import datetime as dt

    from shebao.registry.services import person_register

    person_register(actor=SETUP, id_number="E12345678", id_type="passport", name="约翰", gender="male",
                    birth_date=dt.date(1980, 1, 1), district=personas.office("110105"))
    client.force_login(clerk_chaoyang)
    assert "约翰" in client.post(reverse("web:person_search"), {"q": "E1234"}).content.decode()


def test_employers_carry_the_initials_of_their_name(employer_chaoyang):
    assert employer_name_initials("北京华信科技有限公司") == "bjhxkjyxgs"
    stored = Employer.objects.get(pk=employer_chaoyang.pk).name_initials
    assert stored == employer_name_initials(employer_chaoyang.name) and stored.endswith("cskjyxgs")


@pytest.mark.parametrize("typed", ["cskj", "CSKJ", "bj", "kjyxgs"])
def test_employers_are_found_by_pinyin_initials(client, clerk_chaoyang, employer_chaoyang, employer_haidian, typed):
    client.force_login(clerk_chaoyang)
    html = client.get(reverse("web:employer_search"), {"q": typed}).content.decode()
    assert employer_chaoyang.name in html and employer_haidian.name not in html


def test_renaming_an_employer_renews_its_initials(employer_chaoyang):
    from shebao.registry.services import employer_update

    employer_update(actor=SETUP, employer=employer_chaoyang, name="北京华信科技有限公司", reason="更名")
    assert Employer.objects.get(pk=employer_chaoyang.pk).name_initials == "bjhxkjyxgs"


def test_generated_employers_carry_their_initials(db):
    from shebao.registry.generator import GenerateOptions, generate

    generate(GenerateOptions(employers=5, persons=20, from_month="2019-11", months=2, seed=7))
    rows = list(Employer.objects.values_list("name", "name_initials"))
    assert rows and all(initials == employer_name_initials(name) for name, initials in rows)


def test_a_person_search_is_posted_never_put_in_the_url(client, clerk_chaoyang, person_chaoyang):
    """An ID number typed in the search stays out of URLs, browser history and access logs (issue 16 §4)."""
    client.force_login(clerk_chaoyang)
    home = client.get(reverse("web:home")).content.decode()
    assert re.search(r'<form novalidate method="post" action="/persons/"', home)
    row = f'href="/persons/{person_chaoyang.pk}/"'
    html = client.post(reverse("web:person_search"), {"q": person_chaoyang.id_number}).content.decode()
    assert row in html and '<form novalidate method="post" class="searchbar">' in html
    assert 'href="?' not in html  # paging is posted too
    # A query in the URL is not searched.
    assert row not in client.get(reverse("web:person_search"), {"q": person_chaoyang.id_number}).content.decode()
