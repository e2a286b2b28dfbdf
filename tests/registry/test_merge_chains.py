"""A merge chain is followed to its end on every road (issue 16): A merged into B, B merged into C leads to
C, through the one selector `registry.selectors.kept_record`, on each road that looks a person up by ID
number (the desk, the employer portal, the person's sign-in, the roster, a case's checks, the staff search:
page, API, download, the personal-data trail) and in every wording of where a merged record's business went
(the desk's refusal, the API's note, the person's page). The wordings named B, one step only. A loop in
the pointers (never made by the merge) ends the walk instead of hanging it."""

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
from shebao.registry.models import EmploymentSpell, Person
from shebao.registry.selectors import (
    kept_record,
    kept_record_pk,
    merge_group,
    people_by_number,
    person_search,
)
from tests import personas
from tests.collection.test_declarations import csv_bytes
from tests.nothing_written import nothing_written
from tests.registry.merged import business_date, desk_change, merged  # noqa: F401 - the day
from tests.registry.test_person_merge import twice_of

pytestmark = pytest.mark.django_db


def _chain(*, district_code: str = "110105", employer=None) -> tuple[Person, Person, Person]:
    """(a, b, c): the card holder's citizen-ID record `a` merged into `b` (its 护照 record), `b` merged into
    `c` (a third record of the same person), as review copies made before the merge's rules hold them;
    the spell with `employer` on `c`, where the merges moved it."""
    a = personas.make_person("杜竹", birth=dt.date(1965, 7, 13), male=False, serial=18)
    b = twice_of(a)
    c = Person.objects.create(id_type="hmt_permit", id_number="H" + a.id_number[-9:-1], name=a.name,
                              gender=a.gender, birth_date=a.birth_date, district=personas.office(district_code))
    merged(a, b, c)
    if employer is not None:
        EmploymentSpell.objects.create(person=c, employer=employer, from_month="2019-01")
    return a, b, c


def test_the_selector_follows_the_chain_to_its_end_and_stops_on_a_loop(caplog):
    a, b, c = _chain()
    assert kept_record(a) == c and kept_record(b) == c and kept_record(c) == c and kept_record(None) is None
    assert kept_record_pk(a.pk) == c.pk and kept_record_pk(None) is None
    assert people_by_number([a.id_number, b.id_number]) == {a.id_number: c, b.id_number: c}
    assert merge_group([a]) == merge_group([c]) == sorted([a.pk, b.pk, c.pk])
    # Six steps: the old walk stopped after five, on a record still merged.
    people = [personas.make_person("链", serial=40 + i) for i in range(7)]
    for p, q in zip(people, people[1:], strict=False):
        Person.objects.filter(pk=p.pk).update(merged_into=q)
    assert kept_record(Person.objects.get(pk=people[0].pk)) == people[-1]
    assert merge_group([people[0]]) == sorted(p.pk for p in people)
    # A loop (a bad row: the merge refuses a merged record on either side) ends the walk.
    Person.objects.filter(pk=c.pk).update(merged_into=a)
    stopped = kept_record(Person.objects.get(pk=a.pk))
    assert stopped is not None and stopped.pk in {a.pk, b.pk, c.pk} and "loop" in caplog.text
    assert merge_group([a.pk]) == sorted([a.pk, b.pk, c.pk])


def test_the_desk_the_employer_portal_and_the_sign_in_land_on_the_end(client, clerk_chaoyang, employer_chaoyang):
    a, b, c = _chain(employer=employer_chaoyang)
    assert person_for_id_number(a.id_number) == c and person_for_id_number(b.id_number) == c
    assert _employee(employer_chaoyang, a.id_number) == c and _employee(employer_chaoyang, b.id_number) == c
    client.force_login(clerk_chaoyang)
    r = desk_change(client, a.id_number, "chain")
    assert r.status_code == 302, r.content.decode()[:1500]
    assert Case.objects.get().person_id == c.pk


def test_the_desk_names_the_end_when_it_may_not_serve_it(client, clerk_haidian):
    a = personas.make_person("李四", district_code="110108", serial=5)
    b = twice_of(a, district_code="110108")
    c = Person.objects.create(id_type="hmt_permit", id_number="H" + a.id_number[-9:-1], name=a.name,
                              gender=a.gender, birth_date=a.birth_date, district=personas.office("110105"))
    merged(a, b, c, at=None)  # the end is 朝阳's
    client.force_login(clerk_haidian)
    with nothing_written():
        r = desk_change(client, a.id_number, "chain-b")
    html = r.content.decode()
    assert r.status_code == 400 and f"已合并至人员#{c.pk}，请在保留的记录上办理" in html and f"人员#{b.pk}，" not in html
    assert Person.objects.get(pk=a.pk).merged_refusal() == f"该人员为重复登记，已合并至人员#{c.pk}，请在保留的记录上办理"


def test_the_roster_declares_on_the_end(clerk_chaoyang, employer_chaoyang):
    a, _b, c = _chain(employer=employer_chaoyang)
    declaration = declaration_stage(employer=employer_chaoyang, month="2020-02",
                                    data=csv_bytes([f"{a.id_number},杜竹,在职,8000"]),
                                    filename="r.csv", actor=clerk_chaoyang)
    assert (declaration.rows, declaration.error_rows) == (1, 0)
    assert list(DeclarationRow.objects.filter(declaration=declaration).values_list("person", flat=True)) == [c.pk]


def test_a_case_check_reads_the_end(employer_chaoyang):
    """The back-payment lines' check (cases.checks._people: people_by_number) names the end, whose spells
    the merges moved there."""
    from shebao.cases.checks import _people

    a, _b, c = _chain(employer=employer_chaoyang)
    found, errors = _people(None, [{"id_number": a.id_number}])
    assert found == {a.id_number: c} and errors == []


def test_the_search_its_api_its_download_and_the_page_name_the_end(client, clerk_chaoyang):
    a, b, c = _chain()
    assert {a, c} <= set(person_search(user=clerk_chaoyang, query=a.id_number))
    api = APIClient()
    api.force_authenticate(clerk_chaoyang)
    r = api.post("/api/v1/persons/search/", {"q": a.id_number}, format="json")
    rows = {p["id"]: p for p in r.json()["results"]}
    assert r.status_code == 200 and c.pk in rows
    assert rows[a.pk]["merged_into"] == b.pk  # the pointer as stored
    assert rows[a.pk]["merged_note"] == f"已合并至人员#{c.pk}，请在保留的记录上办理"  # where the business is
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("backoffice:persons_export"), {"q": a.id_number})
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active
    out = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [h for h in out if "姓名" in h][0]
    marks = {(row[header.index("重复登记合并")] or "") for row in out[out.index(header) + 1:]}
    assert f"已合并至人员#{c.pk}" in marks and f"已合并至人员#{b.pk}" not in marks
    page = client.get(f"/persons/{a.pk}/").content.decode()
    assert f'id="kept-record" href="/persons/{c.pk}/"' in page and f"请在人员#{c.pk}上办理" in page


def test_the_trail_of_reads_by_number_covers_the_whole_chain(client, municipal_admin):
    """The auditors' trail (backoffice.reads) finds, by A's number, the reads of A, B and C."""
    from shebao.core.reads import personal_data_read

    a, b, c = _chain()
    for p in (a, b, c):
        personal_data_read(actor=municipal_admin, subject=p, what="人员信息页")
    assert merge_group(Person.objects.filter(id_number=a.id_number)) == sorted([a.pk, b.pk, c.pk])


def test_a_merge_refusal_names_the_end_of_the_chain(client, reviewer_chaoyang):
    """review F6: merging A (A merged into B merged into C) again was refused naming B, the first link;
    the refusal names C, where the business is done, on the service, the API and the page."""
    from shebao.registry import merge

    a, b, c = _chain()
    third = personas.make_person("王五", serial=8)
    said = f"人员#{a.pk}已于此前合并至人员#{c.pk}（经人员#{b.pk}），不能再合并；请在保留的记录上办理"
    assert merge.merge_conflicts(keep=third, other=a) == [said]
    assert merge.merge_conflicts(keep=b, other=third) == [
        f"人员#{b.pk}已于此前合并至人员#{c.pk}，不能再合并；请在保留的记录上办理"]
    api = APIClient()
    api.force_authenticate(reviewer_chaoyang)
    with nothing_written():
        r = api.post(f"/api/v1/persons/{third.pk}/merge/", {"other": a.pk, "reason": "核实身份证原件"}, format="json")
    assert r.status_code == 409 and said in r.json()["detail"]
