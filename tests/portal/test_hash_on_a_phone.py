"""A commitment letter's SHA-256 (64 characters, no break) wraps on a 390 px phone (review finding
8b: once a letter was recorded, the staff case page's 办理记录 step was 546 px wide at 390)."""

from __future__ import annotations

import pytest

from tests.backoffice.test_front_desk_channels_and_phone_check import refund_with_letter
from tests.web.test_phone_viewport import fits, phone, sign_in  # noqa: F401  (phone: the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_case_page_with_a_commitment_letter_fits_a_phone(phone, client, clerk_chaoyang,  # noqa: F811
                                                            person_chaoyang):
    case = refund_with_letter(client, clerk_chaoyang, person_chaoyang)
    sign_in(phone, "clerk_cy")
    response = phone.goto(f"{phone.live_server_url}/office/cases/{case.pk}/")
    assert response.status == 200 and case.commitment_letter.sha256 in phone.content()
    fits(phone, "case-with-commitment-hash")
