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
