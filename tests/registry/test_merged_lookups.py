"""Every look-up by document number leads to the record kept when it finds a record registered twice and
merged (registry.merge; review-user8 F1, review-input8 F2): the front desk, the employer portal, the
roster, the staff search (page, API, download); the API's person says it is merged (review-input8 F3);
the search and its download name an invisible character and refuse a sealed-looking query on a page
(review-input8 F9).

A merge the wrong way round (the 护照 record kept, the citizen ID merged into it) is refused since
(`merge.identity_problem`), but review copies made before hold one: it is written here as such a merge
left it, so the look-ups are held for it too."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from shebao.cases.models import Case
from shebao.collection.declarations import declaration_stage
from shebao.collection.models import DeclarationRow
from shebao.portal.employer import _employee
from shebao.portal.signin import person_for_id_number
from shebao.registry import merge
from shebao.registry.models import EmploymentSpell, Person
from shebao.registry.selectors import kept_record, person_search
from tests import personas
from tests.collection.test_declarations import csv_bytes
from tests.nothing_written import nothing_written
from tests.registry.merged import business_date, desk_change, merged  # noqa: F401 - the day
from tests.registry.test_person_merge import twice_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrong_way(employer_chaoyang):
    """(holder, twice): the card holder's citizen-ID record merged into the 护照 record, its spell moved."""
    holder = personas.make_person("杜竹", birth=dt.date(1965, 7, 13), male=False, serial=18)
    twice = twice_of(holder)
    EmploymentSpell.objects.create(person=twice, employer=employer_chaoyang, from_month="2019-01")
    merged(holder, twice)
    return holder, twice


def test_the_citizen_id_leads_to_the_record_kept_at_the_desk_portal_and_sign_in(client, clerk_chaoyang,
                                                                                employer_chaoyang, wrong_way):
    holder, twice = wrong_way
    assert kept_record(holder) == twice and kept_record(twice) == twice and kept_record(None) is None
    assert person_for_id_number(holder.id_number) == twice
    assert _employee(employer_chaoyang, holder.id_number) == twice  # was: 本单位没有该证件号码的职工
    client.force_login(clerk_chaoyang)
    r = desk_change(client, holder.id_number, "a")
    assert r.status_code == 302, r.content.decode()[:1500]
    assert Case.objects.get().person_id == twice.pk


def test_the_desk_refuses_a_merged_record_whose_kept_one_it_may_not_serve(client, clerk_haidian, municipal_admin):
    holder = personas.make_person("李四", district_code="110108", serial=5)
    twice = twice_of(holder, district_code="110105")  # the kept record is 朝阳's
    merged(holder, twice, at=None)
    client.force_login(clerk_haidian)
    with nothing_written():
        r = desk_change(client, holder.id_number, "b")
    assert r.status_code == 400 and f"已合并至人员#{twice.pk}，请在保留的记录上办理" in r.content.decode()


def test_the_roster_declares_the_merged_number_on_the_record_kept(clerk_chaoyang, employer_chaoyang, wrong_way):
    holder, twice = wrong_way
    declaration = declaration_stage(employer=employer_chaoyang, month="2020-02",
                                    data=csv_bytes([f"{holder.id_number},杜竹,在职,8000"]),
                                    filename="r.csv", actor=clerk_chaoyang)
    assert (declaration.rows, declaration.error_rows) == (1, 0)
    assert list(DeclarationRow.objects.filter(declaration=declaration).values_list("person", flat=True)) == [twice.pk]


def test_the_search_finds_the_record_kept_and_the_api_says_merged(client, clerk_chaoyang, wrong_way):
    holder, twice = wrong_way
    assert set(person_search(user=clerk_chaoyang, query=holder.id_number)) == {holder, twice}
    api = APIClient()
    api.force_authenticate(clerk_chaoyang)
    r = api.post("/api/v1/persons/search/", {"q": holder.id_number}, format="json")
    rows = {p["id"]: p for p in r.json()["results"]}
    assert r.status_code == 200 and set(rows) == {holder.pk, twice.pk}
    assert rows[holder.pk]["merged_into"] == twice.pk and rows[holder.pk]["merged_at"]
    assert rows[holder.pk]["merged_note"] == f"已合并至人员#{twice.pk}，请在保留的记录上办理"
    assert rows[twice.pk]["merged_into"] is None and rows[twice.pk]["merged_note"] == ""
    one = api.get(f"/api/v1/persons/{holder.pk}/").json()
    assert one["merged_into"] == twice.pk
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code == 200:
        assert "merged_into" in schema.content.decode()


def test_the_search_download_marks_merged_records_and_refuses_on_a_page(client, clerk_chaoyang, wrong_way):
    holder, twice = wrong_way
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:persons_export"), {"q": holder.id_number})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [h for h in rows if "姓名" in h][0]
    merged = header.index("重复登记合并")
    marks = sorted((r[merged] or "") for r in rows[rows.index(header) + 1:])
    assert marks == ["", f"已合并至人员#{twice.pk}"]
    r = client.post(reverse("backoffice:persons_export"), {"q": "杜\u200b竹"})
    assert r.status_code == 400 and r["Content-Type"].startswith("text/html")
    assert "查询内容第2位是不可见的字符U+200B（零宽空格）" in r.content.decode() and 'id="export-refused"' in r.content.decode()
    r = client.post(reverse("backoffice:persons_export"), {"q": "gAAAAA" + "x" * 40})
    assert r.status_code == 400 and r["Content-Type"].startswith("text/html")
    assert "查询内容无效，请重新查询" in r.content.decode() and "返回重新查询" in r.content.decode()
    page = client.post(reverse("web:person_search"), {"q": "杜\u200b竹"})
    assert page.status_code == 400 and "查询内容第2位是不可见的字符U+200B" in page.content.decode()
    assert page.context["q"] == "杜竹" and not page.context["rows"]


def test_the_merge_reason_and_identity_rules_hold_in_the_service(municipal_admin):
    holder = personas.make_person("李四", serial=5)
    twice = twice_of(holder)
    with pytest.raises(merge.MergeRefused, match="应保留该记录") as refused:
        merge.person_merge(actor=municipal_admin, keep=twice, other=holder, reason="核实护照原件")
    assert refused.value.status == 409
    with pytest.raises(merge.ReasonRefused, match="合并理由不能超过200个字符（现为201个）") as refused:
        merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核" * 201)
    assert refused.value.field == "reason"
    assert not Person.objects.exclude(merged_into=None).exists()
    merge.person_merge(actor=municipal_admin, keep=holder, other=twice, reason="核" * 200)
    assert Person.objects.get(pk=twice.pk).merged_into_id == holder.pk
