"""A page number in a list's address never reaches the database unbounded (review-input5 F1: the card orders
list answered 500 for ``page=999999999999999999`` once the query guard let plain page numbers through): every
paged back-office list answers a page (clamped) or a Chinese 400 for any page number, never 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

PAGES = ["999999999999999999", "9223372036854775807", "9" * 23, "-1", "0", "abc", "1.5", ""]
LISTS = ["backoffice:queue", "backoffice:card_orders", "backoffice:declarations", "backoffice:personal_data_reads"]


@pytest.mark.parametrize("name", LISTS)
def test_any_page_number_answers_a_page_or_a_chinese_refusal(client, municipal_admin, name):
    client.force_login(municipal_admin)
    for page in PAGES:
        response = client.get(reverse(name), {"page": page})
        assert response.status_code in (200, 400), (name, page, response.status_code)
        if response.status_code == 400:
            assert "页码" in response.content.decode(), (name, page)


@pytest.mark.parametrize("name, last", [("backoffice:queue", 200), ("backoffice:card_orders", 10_000)])
@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "２", "999999999999999999", "13800138000", "LAST+1"])
def test_the_queue_and_the_card_orders_refuse_a_bad_page_as_every_list_does(client, municipal_admin, name,
                                                                            last, page):
    """The queue clamped by hand to 1..200 and the card orders fell back to page 1: a clerk asking for
    page 201 or page "abc" got another page without being told (review-input5 F1). Both read the page
    through core.inputs.page_number: 400 with "页码“…”无效，应为1至…的整数", the value masked."""
    client.force_login(municipal_admin)
    page = str(last + 1) if page == "LAST+1" else page
    for htmx in (False, True):
        r = client.get(reverse(name), {"page": page}, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
        assert r.status_code == 400, (name, page, r.status_code)
        body = r.content.decode()
        assert "页码“" in body and f"应为1至{last}的整数" in body
        assert "13800138000" not in body


def test_the_queue_still_answers_its_last_page_and_links_no_further(client, municipal_admin):
    client.force_login(municipal_admin)
    r = client.get(reverse("backoffice:queue"), {"page": "200"})
    assert r.status_code == 200 and "page=201" not in r.content.decode()
