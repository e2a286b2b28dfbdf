"""A list asked for a page after its last one shows the last page and says so (review-user6 F9: the
queue's ?page=150 said "没有符合条件的申请" as if nothing matched); a page refused before any view (the
query guard's 400) shows its reader signed in (F10: a refused person search showed the clerk signed
out, with 登录 in the header), in the back office and in the portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.cases.services import case_submit
from shebao.core.inputs import page_rows
from shebao.registry.models import Person
from tests.portal.conftest import sign_in_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_cases(clerk_chaoyang, person_chaoyang):
    return [case_submit(actor=clerk_chaoyang, business="person_change", channel="counter", person=person_chaoyang,
                        applicant_kind="person", details={"changes": {"phone": f"010-8888000{i}"}})[0]
            for i in range(3)]


def test_the_queue_after_its_last_page_shows_the_last_page_and_says_so(client, clerk_chaoyang, three_cases):
    client.force_login(clerk_chaoyang)
    for htmx in (False, True):
        r = client.get(reverse("backoffice:queue"), {"page": "150"}, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
        page = r.content.decode()
        assert r.status_code == 200
        assert "没有第150页：共1页，下面是最后一页（第1页）" in page
        assert "没有符合条件的申请" not in page
        assert all(f"/office/cases/{c.pk}/" in page for c in three_cases)
    plain = client.get(reverse("backoffice:queue"), {"page": "1"}).content.decode()
    assert "page-beyond" not in plain


def test_the_person_search_after_its_last_page_shows_the_last_page(client, clerk_chaoyang, person_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("web:person_search"), {"q": person_chaoyang.name, "page": "7"})
    page = r.content.decode()
    assert r.status_code == 200 and "没有第7页：共1页" in page and person_chaoyang.name in page


def test_page_rows_answers_the_last_page_of_any_list(person_chaoyang, person_haidian):
    qs = Person.objects.order_by("pk")
    n = qs.count()
    assert page_rows(qs, 1, 1).rows == [qs.first()] and page_rows(qs, 1, 1).has_next == (n > 1)
    beyond = page_rows(qs, 99, 1)
    assert (beyond.page, beyond.beyond, beyond.has_next) == (n, 99, False)
    assert beyond.rows == [qs.last()]
    empty = page_rows(qs.none(), 5, 10)
    assert (empty.rows, empty.page, empty.beyond) == ([], 1, None)  # nothing at all: no "最后一页" notice
    assert page_rows(qs.none(), 1, 10).beyond is None


@pytest.mark.parametrize("address", ["/persons/?q=110105196507131772", "/persons/?q=%E2%80%AE",
                                     "/office/?q=13800138000"])
def test_a_refused_address_shows_the_clerk_signed_in(client, clerk_chaoyang, address):
    client.force_login(clerk_chaoyang)
    r = client.get(address)
    page = r.content.decode()
    assert r.status_code == 400
    assert "退出" in page and str(clerk_chaoyang) in page
    assert "110105196507131772" not in page and "13800138000" not in page


def test_a_refused_form_post_shows_the_clerk_signed_in(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.post(reverse("web:person_search"), {"q": "张\x00三"})
    page = r.content.decode()
    assert r.status_code == 400 and "退出" in page and str(clerk_chaoyang) in page


def test_a_refused_address_shows_nobody_signed_in_to_a_stranger(client):
    r = client.get("/persons/?q=110105196507131772")
    assert r.status_code == 400 and "退出" not in r.content.decode()


def test_a_refused_portal_address_shows_the_person_signed_in(client, settings, tmp_path, person_chaoyang):
    from shebao.registry.services import person_update
    from tests.portal.conftest import SETUP

    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"  # the sign-in code's SMS file
    sign_in_person(client, settings, person_update(actor=SETUP, person=person_chaoyang, phone="13900139000"))
    r = client.get("/portal/person/?q=110105196507131772")
    page = r.content.decode()
    assert r.status_code == 400 and "退出" in page
    r = client.get("/portal/person/")
    assert r.status_code == 200  # the session is whole after the refusal
