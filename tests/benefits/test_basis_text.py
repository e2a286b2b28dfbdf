"""review-user5 F5: the 依据 of a retiree's pension is the pack's reference, stored with the entitlement and
shown on the staff page (which may be shown to the retiree): Chinese, and a statement of the source, not
the pack writer's note that the figure is approximate (that stays in the pack: Reference.note)."""

from __future__ import annotations

import datetime as dt
import re

from tests.benefits.conftest import declare
from tests.rules.test_pack_text import problem


def test_the_retiree_page_states_the_basis_in_chinese_without_research_notes(client, clerk_chaoyang):
    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2020, 2, 20))
    stored = r.entitlement.parameters
    assert stored["wage.average_monthly_fen"]["document"] == "北京市2018年度全口径城镇单位就业人员月平均工资8847元"
    assert all(problem("document", p["document"]) is None for p in stored.values()), stored
    client.force_login(clerk_chaoyang)
    html = client.get(f"/office/benefits/retirees/{r.pk}/").content.decode()
    basis = re.search(r"依据：(.*?)</p>", html, re.S)
    assert basis, html
    assert "北京市2018年度全口径城镇单位就业人员月平均工资8847元" in basis.group(1)
    assert not re.search(r"[A-Za-z]{2,}", basis.group(1)) and "approximate" not in html and "近似" not in html


def test_sources_stored_before_the_pack_was_restated_are_restated(client, clerk_chaoyang):
    """review-user6 F1: entitlements and awards made before 621574c kept "…8847元 (approximate reference: …)"
    and the pages print what is stored. Migration benefits 0008 rewrites each stored source with the
    pack's text for the same parameter and effective date; values, dates and unknown names stay."""
    import importlib

    from django.apps import apps

    from shebao.benefits.models import Entitlement

    r = declare("赵一", birth=dt.date(1959, 10, 15), serial=11, declared_on=dt.date(2020, 2, 20))
    old = "北京市2018年度全口径城镇单位就业人员月平均工资8847元 (approximate reference: one third of the 2019-07 contribution ceiling)"
    params = r.entitlement.parameters
    params["wage.average_monthly_fen"]["document"] = old
    params["no.such_parameter"] = {"value": 1, "effective": "2019-07-01", "document": "kept as it was"}
    before = {k: dict(v) for k, v in params.items()}
    Entitlement.objects.filter(pk=r.entitlement.pk).update(parameters=params)

    importlib.import_module("shebao.benefits.migrations.0008_parameter_sources_restated").restate(apps, None)

    stored = Entitlement.objects.get(pk=r.entitlement.pk).parameters
    assert stored["wage.average_monthly_fen"] == {**before["wage.average_monthly_fen"],
                                                 "document": "北京市2018年度全口径城镇单位就业人员月平均工资8847元"}
    assert stored["no.such_parameter"] == before["no.such_parameter"]
    assert {k: v for k, v in stored.items() if k != "wage.average_monthly_fen"} == {
        k: v for k, v in before.items() if k != "wage.average_monthly_fen"}
    client.force_login(clerk_chaoyang)
    assert "approximate" not in client.get(f"/office/benefits/retirees/{r.pk}/").content.decode()
