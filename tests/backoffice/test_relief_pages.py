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


@pytest.mark.parametrize("pack", ["relief-2020-covid", "relief-2022-deferral"])
def test_research_notes_are_shown_only_to_who_may_publish(client, clerk_chaoyang, collection_clerk, municipal_admin,
                                                          pack):
    """review-user3 U9: the pack writer's notes on its sources ('未能检索到原文', '待…核实') are for the
    administrators who decide on publishing; every other user reads the pack's notes only."""
    from shebao.rules.relief import load_relief_pack
    loaded = load_relief_pack(pack)
    assert loaded.notes and loaded.research_notes
    for user in (clerk_chaoyang, collection_clerk):
        client.force_login(user)
        html = client.get("/collection/relief/what-if/", {"pack": pack}).content.decode()
        assert all(n in html for n in loaded.notes)
        assert not any(n in html for n in loaded.research_notes)
        assert "检索" not in html and "核实" not in html and "relief-research-notes" not in html
        assert "facts_fixed_on" not in html
    client.force_login(municipal_admin)
    html = client.get("/collection/relief/what-if/", {"pack": pack}).content.decode()
    assert all(n in html for n in loaded.notes) and all(n in html for n in loaded.research_notes)
    assert 'id="relief-research-notes"' in html


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
        r = client.post("/collection/relief/size-class/", query)
    assert r.status_code == 200
    assert f"<strong>{expected}</strong>" in r.content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ({"industry": "Z99", "employees": "5", "revenue": "1"}, "不是国民经济行业分类"),
    ({"industry": "F", "employees": "5", "revenue": "1"}, "请填写到大类"),
    ({"industry": "C13", "employees": "-3", "revenue": "1"}, "从业人员不能为负数"),
    ({"industry": "C13", "employees": "99999999", "revenue": "1"}, "超出合理范围"),
    ({"industry": "C13", "employees": "2.5", "revenue": "1"}, "从业人员应为整数"),
    ({"industry": "C13", "employees": "20", "revenue": "1e30"}, "不是数字"),  # no exponent (review-input11 F7)
    ({"industry": "C13", "employees": "20", "revenue": "1e3"}, "不是数字"),
    ({"industry": "C13", "employees": "20", "revenue": "abc"}, "不是数字"),
    # Figures that read like a phone or ID number get the calculator's own message (E10), not the
    # query guard's "号码不得出现在网址中": the form is POSTed.
    ({"industry": "I65", "employees": "5", "revenue": "999999999999999"}, "超出合理范围"),
    ({"industry": "I65", "employees": "13800138000", "revenue": "1"}, "超出合理范围"),
    ({"industry": "I65", "employees": "5", "assets": "110105196507130892"}, "超出合理范围"),
    ({"industry": "C13", "employees": "20"}, "请填写营业收入"),
])
def test_bad_input_to_the_calculator_is_a_chinese_400(client, clerk_chaoyang, query, message):
    client.force_login(clerk_chaoyang)
    r = client.post("/collection/relief/size-class/", query)
    body = r.content.decode()
    assert r.status_code == 400 and message in body and "网址" not in body, body[-2000:]
    assert 'id="size-class-form"' in body  # the form stays, with the figures typed


# --- Publishing: one asks, a second person approves --------------------------------------------------
def test_publishing_from_the_page_takes_two_people_of_the_center(client, municipal_admin, two_districts):
    from shebao.collection.models import Due, ReliefPublication, ReliefPublicationRequest
    from shebao.core.models import AuditEvent

    checker = personas.make_staff("relief_checker", role="municipal_admin", office_code="110000")
    client.force_login(municipal_admin)
    r = client.post("/collection/relief/publish-request/", {"pack": PACK, "reason": "文件已印发"})
    assert r.status_code == 302
    request = ReliefPublicationRequest.objects.get()
    assert (request.requested_by, request.relief_fen, request.employers) == (municipal_admin, 355_000, 2)
    page = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "待申请人以外的一名市中心管理员复核" in page and "同意并发布执行" not in page  # the maker sees no button
    with nothing_written():
        r = client.post(f"/collection/relief/publish-requests/{request.pk}/decide/", {"decision": "approve"})
    assert r.status_code == 302 and not ReliefPublication.objects.exists()
    client.force_login(checker)
    assert "同意并发布执行" in client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    r = client.post(f"/collection/relief/publish-requests/{request.pk}/decide/", {"decision": "approve"})
    assert r.status_code == 302
    publication = ReliefPublication.objects.get()
    assert publication.published_by_label == checker.get_username() and publication.employers == 2
    assert sum(Due.objects.filter(relief_rule__startswith=PACK).values_list("relief_fen", flat=True)) == 355_000
    assert AuditEvent.objects.filter(model="collection.ReliefPublicationRequest", actor=checker).exists()
    page = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "已于" in page and "发布执行" in page and "3,550.00" in page


def test_the_collection_desk_asks_to_publish_and_an_administrator_approves(client, collection_clerk, municipal_admin,
                                                                           two_districts):
    """review-user3 U8: the center's collection clerk (征缴经办人员) may ask; the page says who approves."""
    from shebao.collection.models import ReliefPublication, ReliefPublicationRequest

    client.force_login(collection_clerk)
    page = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "申请发布</button>" in page and "申请人以外的一名市中心管理员复核" in page
    assert client.post("/collection/relief/publish-request/", {"pack": PACK, "reason": "文件已印发"}).status_code == 302
    asked = ReliefPublicationRequest.objects.get()
    assert asked.requested_by == collection_clerk and not ReliefPublication.objects.exists()
    with nothing_written():  # the desk asks; it does not approve
        client.post(f"/collection/relief/publish-requests/{asked.pk}/decide/", {"decision": "approve"})
    client.force_login(municipal_admin)
    client.post(f"/collection/relief/publish-requests/{asked.pk}/decide/", {"decision": "approve"})
    assert ReliefPublication.objects.get().published_by_label == municipal_admin.get_username()


def test_a_district_clerk_may_not_ask_to_publish_and_nothing_is_stored(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    page = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "申请发布</button>" not in page
    assert "发布由市中心管理员、征缴经办人员申请、申请人以外的一名市中心管理员复核" in page  # who does, named
    with nothing_written():
        r = client.post("/collection/relief/publish-request/", {"pack": PACK, "reason": "文件已印发"})
    assert r.status_code == 403 and "无权" in r.content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({"pack": PACK, "reason": ""}, "请填写申请说明"),
    ({"pack": "no-such-pack", "reason": "文件已印发"}, "没有名为"),
    ({"pack": PACK, "reason": "x" * 201}, "不能超过200个字符"),
])
def test_a_bad_publication_request_is_refused_in_chinese_and_nothing_stored(client, municipal_admin, data, message):
    from django.contrib.messages import get_messages

    client.force_login(municipal_admin)
    with nothing_written():
        r = client.post("/collection/relief/publish-request/", data)
    assert r.status_code == 302
    assert any(message in str(m) for m in get_messages(r.wsgi_request))


# --- Deferrals: a clerk registers, a reviewer approves; the statement shows it ------------------------
@pytest.fixture
def in_force_with_hard_hit_employer(db, person_chaoyang):
    from shebao.collection.relief import relief_pack_publish

    relief_pack_publish(pack=PACK, actor=SETUP, on=dt.date(2020, 3, 8))
    employer = personas.make_employer("北京困难页面测试有限公司", serial=62)
    employer_facts_record(employer=employer, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                          size_class="large", source="划型结果", actor=SETUP)
    contribution(person_chaoyang, employer, "2020-07", BASE)
    dues_build(actor=SETUP, months=["2020-07"])
    return employer


def _apply(client, employer, **over):
    # July 2020 rests on 人社部发〔2020〕49号 (continued deferral to 2020-12-31, three insurances).
    data = {"credit_code": employer.credit_code, "rule": f"{PACK}/hardship-deferral-extended", "months": "2020-07",
            "due_until": "2020-12-31", "reason": "疫情停工，经营困难", **over}
    return client.post("/collection/relief/deferrals/", data)


def test_a_full_width_credit_code_is_the_same_code(client, clerk_chaoyang, in_force_with_hard_hit_employer):
    """全角 letters and digits, as the audit form and the portal read them (review-input14 7)."""
    from shebao.collection.models import Deferral

    employer = in_force_with_hard_hit_employer
    client.force_login(clerk_chaoyang)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in employer.credit_code.lower())
    r = _apply(client, employer, credit_code=wide)
    assert r.status_code == 302 and Deferral.objects.get().employer == employer


def test_a_deferral_registered_and_approved_on_the_pages_moves_the_due_date(
        client, clerk_chaoyang, reviewer_chaoyang, in_force_with_hard_hit_employer):
    from shebao.collection.models import Deferral, Due

    employer = in_force_with_hard_hit_employer
    client.force_login(clerk_chaoyang)
    r = _apply(client, employer)
    d = Deferral.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/collection/relief/deferrals/{d.pk}/"
    assert d.status == "applied" and d.applied_by_label == clerk_chaoyang.get_username()
    page = client.get(f"/collection/relief/deferrals/{d.pk}/").content.decode()
    assert "人社部发〔2020〕49号" in page and "批准缓缴</button>" not in page  # a clerk does not approve
    client.force_login(reviewer_chaoyang)
    assert "批准缓缴</button>" in client.get(f"/collection/relief/deferrals/{d.pk}/").content.decode()
    r = client.post(f"/collection/relief/deferrals/{d.pk}/decide/", {"decision": "approve"})
    d.refresh_from_db()
    assert r.status_code == 302 and d.status == "approved" and d.dues_deferred == 3
    pension = Due.objects.get(employer=employer, month="2020-07", insurance="pension", split_from__isnull=True)
    assert pension.deferred_to == dt.date(2020, 12, 31) and pension.deferral == d
    statement = client.get(f"/collection/employers/{employer.pk}/").content.decode()
    assert "缓缴至2020-12-31" in statement


def test_the_approval_page_shows_what_will_be_deferred_and_a_forged_decision_writes_nothing(
        client, clerk_chaoyang, reviewer_chaoyang, in_force_with_hard_hit_employer):
    """review-user3 U12: before deciding, the reviewer sees the dues and the amount an approval defers,
    and a warning when there is none; review-input3 E9: ``decision=maybe`` is not a refusal."""
    from django.contrib.messages import get_messages

    from shebao.collection.models import Deferral, Due
    from shebao.collection.services import payment_receive
    from shebao.core.money import format_yuan

    employer = in_force_with_hard_hit_employer
    client.force_login(clerk_chaoyang)
    _apply(client, employer)
    d = Deferral.objects.get()
    open_dues = Due.objects.filter(employer=employer, month="2020-07", paid_on__isnull=True,
                                   insurance__in=["pension", "unemployment", "work_injury"])
    total = sum(open_dues.values_list("employer_fen", flat=True))
    client.force_login(reviewer_chaoyang)
    page = client.get(f"/collection/relief/deferrals/{d.pk}/").content.decode()
    assert 'id="deferral-preview-dues"' in page and f"共 <strong>{format_yuan(total)}</strong> 元" in page
    assert "<strong>3</strong> 笔" in page and "生育保险" not in page.split('id="deferral-preview"')[1].split("</div>")[0]
    for forged in ({"decision": "maybe", "note": "材料不足"}, {"note": "材料不足"}):
        with nothing_written():
            r = client.post(f"/collection/relief/deferrals/{d.pk}/decide/", forged)
        assert r.status_code == 302 and any("审批结论" in str(m) and "无效" in str(m)
                                            for m in get_messages(r.wsgi_request))
    d.refresh_from_db()
    assert d.status == "applied"
    # Paid meanwhile: the page warns, and approving is refused with nothing written.
    # (Enough for every open due of the employer and its late fees: a payment settles the oldest first.)
    owed = Due.objects.filter(employer=employer, paid_on__isnull=True).values_list("amount_fen", flat=True)
    payment_receive(actor=SETUP, employer=employer, amount_fen=sum(owed) * 2,
                    received_on=dt.date(2020, 7, 20), source="remittance")
    page = client.get(f"/collection/relief/deferrals/{d.pk}/").content.decode()
    assert "没有可缓缴的应缴费款" in page and "已缴清，无需缓缴" in page, page[page.find("<main"):][:3000]
    with nothing_written():
        r = client.post(f"/collection/relief/deferrals/{d.pk}/decide/", {"decision": "approve"})
    assert any("不能批准" in str(m) for m in get_messages(r.wsgi_request))
    d.refresh_from_db()
    assert d.status == "applied"


def test_a_deferral_of_a_paid_month_is_refused_on_the_page(client, clerk_chaoyang, in_force_with_hard_hit_employer):
    from shebao.collection.models import Due
    from shebao.collection.services import payment_receive

    employer = in_force_with_hard_hit_employer
    owed = sum(Due.objects.filter(employer=employer, paid_on__isnull=True).values_list("amount_fen", flat=True))
    payment_receive(actor=SETUP, employer=employer, amount_fen=owed, received_on=dt.date(2020, 7, 20),
                    source="remittance")
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = _apply(client, employer)
    assert r.status_code == 400 and "费款所属期2020-07的养老保险、失业保险、工伤保险费款已缴清，无需缓缴" in r.content.decode()


@pytest.mark.parametrize(("over", "message"), [
    ({"due_until": "2021-01-01"}, "最迟"),  # beyond the rule's limit (2020-12-31, 人社部发〔2020〕49号)
    ({"due_until": "9999-12-31"}, "缓缴至"),  # an implausible date
    ({"due_until": "2020-13-45"}, "不存在：没有13月"),  # review-input12 F16: not "格式错误"
    ({"due_until": "2020/12/31"}, "格式错误"),
    ({"months": "2020-14"}, "格式错误"),
    ({"months": "2019-07"}, "不在可缓缴的"),
    ({"reason": ""}, "请填写申请缓缴的理由"),
    ({"credit_code": "91110000000000000X"}, "本区没有统一社会信用代码"),
    ({"rule": "relief-2020-covid/no-such-rule"}, "没有缓缴条目"),
])
def test_a_bad_deferral_application_is_refused_in_chinese_and_nothing_stored(
        client, clerk_chaoyang, in_force_with_hard_hit_employer, over, message):
    client.force_login(clerk_chaoyang)
    with nothing_written():
        r = _apply(client, in_force_with_hard_hit_employer, **over)
    assert r.status_code == 400 and message in r.content.decode()


def test_another_districts_deferral_is_not_found(client, clerk_haidian, clerk_chaoyang, in_force_with_hard_hit_employer):
    from shebao.collection.models import Deferral

    client.force_login(clerk_chaoyang)
    _apply(client, in_force_with_hard_hit_employer)
    d = Deferral.objects.get()
    client.force_login(clerk_haidian)
    assert client.get(f"/collection/relief/deferrals/{d.pk}/").status_code == 404
    assert in_force_with_hard_hit_employer.name not in client.get("/collection/relief/deferrals/").content.decode()
    # A clerk may decide no deferral: 403 before anything is read, for this one as for a missing one
    # (review-input12 F14); a 海淀 reviewer, who may decide 海淀's, finds no 朝阳 deferral (404, as missing).
    from tests import personas

    with nothing_written():
        for pk in (d.pk, 999999):
            r = client.post(f"/collection/relief/deferrals/{pk}/decide/", {"decision": "approve"})
            assert r.status_code == 403 and "区经办人员无权审批缓缴申请" in r.content.decode()
    client.force_login(personas.make_staff("reviewer_hd", role=personas.Role.DISTRICT_REVIEWER, office_code="110108"))
    with nothing_written():
        for pk in (d.pk, 999999):
            assert client.post(f"/collection/relief/deferrals/{pk}/decide/", {"decision": "approve"}).status_code == 404


# --- Employer facts: recorded by the center, measured by the standard ---------------------------------
def test_the_center_records_facts_measured_from_the_standards_thresholds(client, municipal_admin, employer_chaoyang):
    from shebao.core.models import AuditEvent
    from shebao.registry.models import EmployerFacts

    client.force_login(municipal_admin)
    r = client.post(f"/collection/relief/employers/{employer_chaoyang.pk}/facts/", {
        "effective_from": "2020-03-09", "unit_type": "enterprise", "industry": "h62", "size_class": "measure",
        "employees": "45", "revenue": "800", "source": "划型结果"})
    assert r.status_code == 302
    row = EmployerFacts.objects.get(employer=employer_chaoyang)
    assert (row.size_class, row.industry, row.effective_from) == ("small", "H62", dt.date(2020, 3, 9))
    assert "第四条（十）" in row.source and row.recorded_by_label == municipal_admin.get_username()
    assert AuditEvent.objects.filter(model="registry.EmployerFacts", action="create").count() == 1
    page = client.get(f"/collection/relief/employers/{employer_chaoyang.pk}/facts/").content.decode()
    assert "小型" in page and "H62" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"effective_from": "9999-12-31", "size_class": "small"}, "起始日期"),
    ({"effective_from": "0001-01-01", "size_class": "small"}, "起始日期"),
    ({"effective_from": "2020-02-30", "size_class": "small"}, "起始日期“2020-02-30”不存在：2020年2月只有29天"),
    ({"industry": "Z99", "size_class": "small"}, "不是国民经济行业分类"),
    ({"industry": "C13", "size_class": "measure", "employees": "-5", "revenue": "10"}, "不能为负数"),
    ({"industry": "C13", "size_class": "measure", "employees": "5", "revenue": "99999999999"}, "超出合理范围"),
    ({"industry": "C13", "size_class": "measure", "employees": "5"}, "请填写营业收入"),
    ({"unit_type": "government", "size_class": "small"}, "只适用于企业"),
    ({"unit_type": "bank", "size_class": "small"}, "单位类型"),
    ({"size_class": "huge"}, "规模"),
    # review-input3 E8: each refused in its own Chinese words, never cut or stored with bidi controls.
    ({"unit_type": "bogus", "size_class": "small"}, "单位类型“bogus”不是可选的单位类型"),
    ({"industry": "C" * 5000, "size_class": "small"}, "行业代码不能超过20个字符（现为5000个）"),
    ({"industry": "Ｈ６２x", "size_class": "small"}, "不是国民经济行业分类"),
    ({"source": "依" * 5000, "size_class": "small"}, "依据不能超过200个字符（现为5000个）"),
    ({"source": "a\u202eb", "size_class": "small"}, "依据第2位是不可见的字符U+202E"),
    ({"source": "a\u200bb", "size_class": "small"}, "U+200B"),
    ({"industry": "C13", "size_class": "measure", "employees": "5", "revenue": "10", "source": "依" * 190},
     "测算说明另占"),
])
def test_bad_facts_are_refused_in_chinese_and_nothing_stored(client, municipal_admin, employer_chaoyang, data,
                                                              message):
    client.force_login(municipal_admin)
    form = {"effective_from": "2020-03-09", "unit_type": "enterprise", "industry": "C13", **data}
    with nothing_written():
        r = client.post(f"/collection/relief/employers/{employer_chaoyang.pk}/facts/", form)
    body = r.content.decode()
    assert r.status_code == 400 and message in body, body[-3000:]
    assert "该变量" not in body and "不是有效选项" not in body  # Django's own model-field texts


def test_full_width_industry_codes_are_read_as_their_ascii_codes(client, municipal_admin, employer_chaoyang):
    from shebao.registry.models import EmployerFacts

    client.force_login(municipal_admin)
    r = client.post(f"/collection/relief/employers/{employer_chaoyang.pk}/facts/", {
        "effective_from": "2020-03-09", "unit_type": "enterprise", "industry": "ｈ６２", "size_class": "small"})
    assert r.status_code == 302 and EmployerFacts.objects.get(employer=employer_chaoyang).industry == "H62"


def test_a_district_clerk_sees_facts_but_may_not_record_them(client, clerk_chaoyang, employer_chaoyang):
    client.force_login(clerk_chaoyang)
    page = client.get(f"/collection/relief/employers/{employer_chaoyang.pk}/facts/").content.decode()
    assert "尚未登记" in page and 'id="facts-form"' not in page
    with nothing_written():
        r = client.post(f"/collection/relief/employers/{employer_chaoyang.pk}/facts/",
                        {"effective_from": "2020-03-09", "unit_type": "enterprise", "size_class": "small"})
    assert r.status_code == 403 and "无权" in r.content.decode()


# --- The demo shows relief ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_demo_has_facts_a_published_pack_and_a_deferral_to_approve(client, capsys):
    from django.core.management import call_command

    from shebao.collection.models import Deferral, Due, ReliefPublication
    from shebao.registry.generator import GenerateOptions, generate
    from shebao.registry.models import EmployerFacts
    from shebao.staff.models import User

    generate(GenerateOptions(employers=30, persons=600, from_month="2019-07", months=8, seed=3))
    call_command("demo_setup", "--cases", "4")
    assert "减免缓缴" in capsys.readouterr().out
    assert ReliefPublication.objects.filter(pack=PACK).count() == 1
    assert EmployerFacts.objects.count() >= 3
    assert Due.objects.filter(relief_rule__startswith=PACK, relief_fen__gt=0).exists()
    client.force_login(User.objects.get(username="admin"))
    page = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "已于" in page and "发布执行" in page
    if Deferral.objects.exists():
        client.force_login(User.objects.get(username="chaoyang_review"))
        d = Deferral.objects.get()
        assert "批准缓缴</button>" in client.get(f"/collection/relief/deferrals/{d.pk}/").content.decode()
    call_command("demo_setup", "--cases", "4")  # again: nothing twice
    assert ReliefPublication.objects.count() == 1 and Deferral.objects.count() <= 1


def test_on_a_training_date_the_pages_offer_only_the_packs_that_exist_then(client, settings, collection_clerk):
    """review-user3 U9: on 2020-02-20 the 2022 deferral pack was offered; it is neither listed nor shown,
    and a request to publish it is refused with nothing written."""
    from shebao.collection.models import ReliefPublicationRequest

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    client.force_login(collection_clerk)
    index = client.get("/collection/relief/").content.decode()
    assert index.count("/collection/relief/what-if/?pack=") == 1 and "relief-2022-deferral" not in index
    r = client.get("/collection/relief/what-if/", {"pack": "relief-2022-deferral"})
    assert r.status_code == 400 and "没有名为“relief-2022-deferral”的减免缓缴政策包" in r.content.decode()
    with nothing_written():
        client.post("/collection/relief/publish-request/", {"pack": "relief-2022-deferral", "reason": "文件已印发"})
    assert not ReliefPublicationRequest.objects.exists()


def test_the_center_relieves_a_later_notice_from_the_pack_page(client, settings, municipal_admin, clerk_chaoyang,
                                                               person_chaoyang):
    """Published on 2020-02-20, the pack relieved nothing (Beijing's notice is of 2020-03-08); on that day
    the page lists what the notice relieves, the center runs it, and the page records it with the
    document. A clerk sees the record but no button, and is refused the POST."""
    from shebao.collection.models import ReliefReapplication
    from shebao.collection.relief import relief_pack_publish

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    sme = personas.make_employer("北京补减免页面有限公司", serial=62)
    employer_facts_record(employer=sme, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                          size_class="small", source="划型结果", actor=SETUP)
    contribution(person_chaoyang, sme, "2020-02", BASE)
    dues_build(actor=SETUP, months=["2020-02"])
    relief_pack_publish(pack=PACK, actor=SETUP)
    client.force_login(municipal_admin)
    html = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "文件尚未印发，业务日期2020-02-20不适用" in html
    assert "没有待补减免的应缴费用" in html and 'id="relief-rules-known"' not in html  # nothing applied then
    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    # The center's collection desk, who answers the employers, sees what waits, read only, and who runs
    # it (review-user8 F8: it read 尚无补减免 while units waited), and is refused the POST.
    collection_desk = personas.make_staff("relief_desk", role=personas.Role.COLLECTION_CLERK, office_code="110000")
    client.force_login(collection_desk)
    html = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "有待补减免的应缴费用" in html and "1,700.00" in html
    assert 'id="relief-apply-known-form"' not in html and "补减免由市中心管理员执行" in html
    with nothing_written():
        assert client.post("/collection/relief/apply-known/", {"pack": PACK}).status_code == 403
    client.force_login(municipal_admin)
    html = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "有待补减免的应缴费用" in html and "执行补减免" in html
    r = client.post("/collection/relief/apply-known/", {"pack": PACK})
    assert r.status_code == 302
    assert ReliefReapplication.objects.count() == 2  # 医保发〔2020〕6号 and Beijing's notice
    html = client.get(r["Location"]).content.decode()
    assert "已执行新印发文件的减免" in html and "北京市人力资源和社会保障局" in html
    assert "1,700.00" in html  # 1,600 + 80 + 20 yuan exempt under Beijing's notice
    client.force_login(clerk_chaoyang)
    html = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "2020-03-08由" in html and "执行补减免" not in html
    with nothing_written():
        assert client.post("/collection/relief/apply-known/", {"pack": PACK}).status_code == 403
