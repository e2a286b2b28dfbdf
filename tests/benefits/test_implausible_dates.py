"""Dates no business can have are refused before anything is written (bad-input review D6, D7, D9):
a rights statement as of 0001-01-01 was issued and then confirmed as 真实 on the public page; an
employer statement as of 9999-12-31 printed 2,550,335.48 yuan of late fees; a death on 2099-06-15
ended a pension today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shebao.benefits.models import Retiree, Suspension
from shebao.benefits.services import retiree_suspend
from shebao.collection.models import RightsStatement
from shebao.collection.statements import rights_statement_issue
from tests.nothing_written import nothing_written


@pytest.fixture(autouse=True)
def _today(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.mark.parametrize("as_of", [dt.date(1, 1, 1), dt.date(1900, 1, 1), dt.date(2020, 2, 21), dt.date(9999, 12, 31)])
def test_a_rights_statement_of_an_implausible_day_is_not_issued(clerk_chaoyang, person_chaoyang, as_of):
    with nothing_written(), pytest.raises(ValidationError) as refused:
        rights_statement_issue(actor=clerk_chaoyang, person=person_chaoyang, as_of=as_of)
    assert "as_of" in refused.value.message_dict
    assert not RightsStatement.objects.exists()


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1900-01-01"])
def test_an_employer_statement_or_account_of_an_implausible_day_is_refused(client, clerk_chaoyang,
                                                                          employer_chaoyang, as_of):
    client.force_login(clerk_chaoyang)
    r = client.get(reverse("backoffice:employer_statement", args=[employer_chaoyang.pk]), {"as_of": as_of})
    assert r.status_code == 400 and "不是有效的日期" in r.content.decode()
    page = client.get(reverse("collection:employer_account", args=[employer_chaoyang.pk]), {"as_of": as_of})
    assert "不是有效的日期" in page.content.decode()


def test_a_death_after_today_does_not_stop_a_pension(three_retirees, clerk_chaoyang):
    retiree = three_retirees[0]
    with nothing_written(), pytest.raises(ValidationError, match="死亡日期“2099-06-15”不能晚于今天"):
        retiree_suspend(actor=clerk_chaoyang, retiree=retiree, reason=Suspension.Reason.DEATH,
                        died_on=dt.date(2099, 6, 15))
    retiree.refresh_from_db()
    assert retiree.status != Retiree.Status.ENDED and retiree.died_on is None
