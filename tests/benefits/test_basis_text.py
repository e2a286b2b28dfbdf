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
