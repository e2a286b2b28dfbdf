"""The relief staff pages (backoffice/relief.py): the packs, the what-if of publishing one (a district's
staff see their district), and the size-class calculator of 工信部联企业〔2011〕300号.

Amounts as in tests/collection/test_relief.py: a 10,000-yuan base in 2020-04 gives pension 1,600,
unemployment 80, work injury 20 yuan (employer shares); a small enterprise is exempt from all three,
a large one pays half.
"""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.collection.relief import employer_facts_record
from shebao.collection.services import dues_build
from tests import personas
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.personas import SETUP

PACK = "relief-2020-covid"
BASE = 1_000_000


@pytest.fixture
def two_districts(db, person_chaoyang, person_haidian):
    a = personas.make_employer("北京朝阳试算页面有限公司", serial=60)
    b = personas.make_employer("北京海淀试算页面有限公司", serial=61, district_code="110108")
    for employer, size in ((a, "small"), (b, "large")):
        employer_facts_record(employer=employer, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                              size_class=size, source="划型结果", actor=SETUP)
    contribution(person_chaoyang, a, "2020-04", BASE)
    contribution(person_haidian, b, "2020-04", BASE)
    dues_build(actor=SETUP, months=["2020-04"])
    return a, b


def test_the_center_sees_the_what_if_of_the_whole_city_by_district_and_rule(client, municipal_admin, two_districts):
    client.force_login(municipal_admin)
    with nothing_written():
        r = client.get("/collection/relief/what-if/", {"pack": PACK})
    html = r.content.decode()
    assert r.status_code == 200
    assert "发布试算（全市" in html
    assert "朝阳区" in html and "海淀区" in html
    # small: 1,600 + 80 + 20 + medical half 500; large: 800 + 40 + 10 + 500 -> 2,200 + 1,350 yuan
    assert "3,550.00" in html or "3550.00" in html
    assert "人社部发〔2020〕11号" in html and "医保发〔2020〕6号" in html  # each rule with its document


def test_a_district_clerk_sees_the_what_if_of_their_district_only(client, clerk_chaoyang, two_districts):
    client.force_login(clerk_chaoyang)
    r = client.get("/collection/relief/what-if/", {"pack": PACK})
    html = r.content.decode()
    assert r.status_code == 200
    assert "发布试算（本区" in html
    assert "朝阳区" in html and "海淀区" not in html
    assert "2,200.00" in html or "2200.00" in html


def test_an_unknown_pack_is_a_chinese_400(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    r = client.get("/collection/relief/what-if/", {"pack": "no-such-pack"})
    assert r.status_code == 400 and "没有名为“no-such-pack”的减免缓缴政策包" in r.content.decode()


def test_the_index_lists_both_packs_and_the_nav_leads_there(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    html = client.get("/collection/relief/").content.decode()
    assert "阶段性减免" in html or "减免" in html
    assert html.count("/collection/relief/what-if/?pack=") == 2
    assert 'href="/collection/relief/">减免缓缴</a>' in client.get("/").content.decode()


def test_the_nav_entry_is_not_shown_to_a_hall_manager(client, db):
    hall = personas.make_staff("hall_relief", role="hall_manager", office_code="110105")
    client.force_login(hall)
    assert "减免缓缴</a>" not in client.get("/").content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ({"industry": "H62", "employees": "45", "revenue": "800"}, "小型企业"),
    ({"industry": "C13", "employees": "1000", "revenue": "40000"}, "大型企业"),
    ({"industry": "C13", "employees": "1000", "revenue": "39999.99"}, "中型企业"),
    ({"industry": "L72", "employees": "9", "assets": "5000"}, "微型企业"),
    ({"industry": "K7010", "revenue": "1000", "assets": "5000"}, "中型企业"),
])
def test_the_calculator_classifies_at_the_standards_boundaries(client, clerk_chaoyang, query, expected):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = client.get("/collection/relief/size-class/", query)
    assert r.status_code == 200
    assert f"<strong>{expected}</strong>" in r.content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ({"industry": "Z99", "employees": "5", "revenue": "1"}, "不是国民经济行业分类"),
    ({"industry": "F", "employees": "5", "revenue": "1"}, "请填写到大类"),
    ({"industry": "C13", "employees": "-3", "revenue": "1"}, "从业人员不能为负数"),
    ({"industry": "C13", "employees": "99999999", "revenue": "1"}, "超出合理范围"),
    ({"industry": "C13", "employees": "2.5", "revenue": "1"}, "从业人员应为整数"),
    ({"industry": "C13", "employees": "20", "revenue": "1e30"}, "超出合理范围"),
    ({"industry": "C13", "employees": "20", "revenue": "abc"}, "不是数字"),
    ({"industry": "C13", "employees": "20"}, "请填写营业收入"),
])
def test_bad_input_to_the_calculator_is_a_chinese_400(client, clerk_chaoyang, query, message):
    client.force_login(clerk_chaoyang)
    r = client.get("/collection/relief/size-class/", query)
    assert r.status_code == 400 and message in r.content.decode()
