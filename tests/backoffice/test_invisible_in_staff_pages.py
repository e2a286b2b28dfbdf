"""The staff pages' own forms (outside the business definitions) say an invisible character where it is
and draw the box again without it: the model guard names it with its position
(`core.inputs.field_problems` → `core.masking.invisible_problem`), and the pages redraw what was typed
through `core.masking.shown_data`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.operations.models import Incident
from tests.nothing_written import nothing_written

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall_manager(db):
    from tests import personas

    return personas.make_staff("hall_mgr_inv", role="hall_manager", office_code="110105")


def test_an_incident_report_names_the_character_and_redraws_the_description_clean(client, hall_manager, chaoyang,
                                                                                 settings):
    import datetime as dt

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    client.force_login(hall_manager)
    with nothing_written():
        r = client.post(reverse("backoffice:hall_incident_new", args=[chaoyang.pk]), {
            "kind": "hall_suspected", "occurred_at": "2020-02-20T00:00", "description": "发热\u200b人员一名"})
    page = r.content.decode()
    assert r.status_code == 400, page[:2000]
    assert "第3位是不可见的字符U+200B（零宽空格）" in page
    assert "\u200b" not in page and "发热人员一名" in page
    assert not Incident.objects.exists()
