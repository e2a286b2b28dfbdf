"""The relief API (api/relief.py): the same services as the pages, problem details in Chinese on bad
input, nothing stored on a refusal, a district's staff within their district."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from shebao.collection.models import Deferral, ReliefPublication, ReliefPublicationRequest
from shebao.collection.relief import employer_facts_record, relief_pack_publish
from shebao.collection.services import dues_build
from shebao.registry.models import EmployerFacts
from tests import personas
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.personas import SETUP

PACK = "relief-2020-covid"


def _api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def _problem(r, field):
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json"), r.content
    body = r.json()
    zh = [e["reason_zh"] for e in body["errors"] if e.get("field", "").startswith(field)]
    assert zh, body
    return zh[0]


def test_the_packs_and_a_district_what_if(db, clerk_chaoyang, person_chaoyang, person_haidian):
    a = personas.make_employer("北京朝阳接口试算有限公司", serial=70)
    b = personas.make_employer("北京海淀接口试算有限公司", serial=71, district_code="110108")
    for e in (a, b):
        employer_facts_record(employer=e, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                              size_class="small", actor=SETUP)
    contribution(person_chaoyang, a, "2020-04", 1_000_000)
    contribution(person_haidian, b, "2020-04", 1_000_000)
    dues_build(actor=SETUP, months=["2020-04"])
    api = _api(clerk_chaoyang)
    packs = api.get("/api/v1/relief/packs/").json()
    assert {p["name"] for p in packs} == {"relief-2020-covid", "relief-2022-deferral"}
    rule = next(r for p in packs for r in p["rules"] if r["key"] == f"{PACK}/sme-exempt")
    assert rule["payable"] == "0" and rule["months_from"] == "2020-02" and rule["document"]
    with nothing_written():
        w = api.get("/api/v1/relief/what-if/", {"pack": PACK}).json()
    assert w["scope"] == "本区" and w["employers"] == 1 and w["relief_fen"] == 220_000
    assert [d["district"] for d in w["by_district"]] == ["朝阳区"]
    assert "没有名为" in _problem(api.get("/api/v1/relief/what-if/", {"pack": "nope"}), "pack")


def test_each_rule_says_its_documents_date_and_the_day_it_applies_from(db, settings, clerk_chaoyang):
    """The packs list gives each rule its document's date as written and the day it is known from: a
    date to the month counts from the month's last day (医保发〔2020〕6号 "2020-02" → 2020-02-29); on
    2020-06-21 the 49号 rules are listed, not known; on 2020-06-22 they are."""
    settings.SHEBAO_TODAY = dt.date(2020, 6, 21)

    def rules():
        packs = _api(clerk_chaoyang).get("/api/v1/relief/packs/").json()
        return {r["key"]: r for p in packs if p["name"] == PACK for r in p["rules"]}

    before = rules()
    assert {k: (r["document_date"], r["issued_on"], r["known"]) for k, r in before.items() if k in {
        f"{PACK}/medical-half", f"{PACK}/sme-exempt", f"{PACK}/hardship-deferral",
        f"{PACK}/hardship-deferral-extended", f"{PACK}/sme-exempt-extended"}} == {
        f"{PACK}/medical-half": ("2020-02", "2020-02-29", True),
        f"{PACK}/sme-exempt": ("2020-03-08", "2020-03-08", True),
        f"{PACK}/hardship-deferral": ("2020-02-20", "2020-02-20", True),
        f"{PACK}/hardship-deferral-extended": ("2020-06-22", "2020-06-22", False),
        f"{PACK}/sme-exempt-extended": ("2020-06-22", "2020-06-22", False),
    }
    assert "人社部发〔2020〕49号" in before[f"{PACK}/hardship-deferral-extended"]["document"]
    settings.SHEBAO_TODAY = dt.date(2020, 6, 22)
    assert all(r["known"] for r in rules().values())


def test_publishing_through_the_api_takes_two_people(db, municipal_admin):
    checker = personas.make_staff("api_relief_checker", role="municipal_admin", office_code="110000")
    r = _api(municipal_admin).post("/api/v1/relief/publication-requests/", {"pack": PACK, "reason": "文件已印发"},
                                   format="json")
    assert r.status_code == 201 and r.json()["outcome"] == "pending"
    pk = r.json()["id"]
    with nothing_written():
        r = _api(municipal_admin).post(f"/api/v1/relief/publication-requests/{pk}/decision/", {"approve": True},
                                       format="json")
    assert r.status_code == 403 and "另一名工作人员" in r.content.decode()
    r = _api(checker).post(f"/api/v1/relief/publication-requests/{pk}/decision/", {"approve": True}, format="json")
    assert r.status_code == 200 and r.json()["outcome"] == "approved" and r.json()["published_on"]
    assert ReliefPublication.objects.get().published_by_label == checker.get_username()
    assert ReliefPublicationRequest.objects.get().decided_by == checker


@pytest.mark.parametrize(("body", "field"), [
    ({"pack": PACK}, "reason"),
    ({"pack": PACK, "reason": "x" * 201}, "reason"),
    ({"pack": PACK, "reason": "文件已印发", "extra": 1}, "extra"),
    ({"pack": "nope", "reason": "文件已印发"}, "pack"),
])
def test_a_bad_publication_request_is_a_problem_and_nothing_stored(db, municipal_admin, body, field):
    with nothing_written():
        r = _api(municipal_admin).post("/api/v1/relief/publication-requests/", body, format="json")
    _problem(r, field)


@pytest.fixture
def hard_hit(db, person_chaoyang):
    relief_pack_publish(pack=PACK, actor=SETUP, on=dt.date(2020, 3, 8))
    employer = personas.make_employer("北京困难接口测试有限公司", serial=72)
    contribution(person_chaoyang, employer, "2020-07", 1_000_000)
    dues_build(actor=SETUP, months=["2020-07"])
    return employer


def _deferral_body(e, **over):
    # July 2020 rests on 人社部发〔2020〕49号 (2020-06-22), which continued deferral of the three
    # insurances of 人社部 to the end of 2020 (medical insurance stays with 医保发〔2020〕6号: to June).
    return {"employer": e.pk, "pack": PACK, "rule": "hardship-deferral-extended", "months": ["2020-07"],
            "due_until": "2020-12-31", "reason": "疫情停工", **over}


def test_a_deferral_applied_and_approved_through_the_api(hard_hit, clerk_chaoyang, reviewer_chaoyang, clerk_haidian):
    r = _api(clerk_chaoyang).post("/api/v1/relief/deferrals/", _deferral_body(hard_hit), format="json")
    assert r.status_code == 201 and r.json()["status"] == "applied" and "人社部发〔2020〕49号" in r.json()["basis"]
    pk = r.json()["id"]
    assert _api(clerk_haidian).get(f"/api/v1/relief/deferrals/{pk}/").status_code == 404
    assert _api(clerk_haidian).get("/api/v1/relief/deferrals/").json()["results"] == []
    page = _api(clerk_chaoyang).get("/api/v1/relief/deferrals/").json()
    assert [d["id"] for d in page["results"]] == [pk] and page["next"] is None
    ahead = _api(reviewer_chaoyang).get(f"/api/v1/relief/deferrals/{pk}/").json()["to_defer"]
    assert ahead["dues"] == 3 and ahead["employer_fen"] > 0 and ahead["empty_months"] == {}
    r = _api(reviewer_chaoyang).post(f"/api/v1/relief/deferrals/{pk}/decision/", {"approve": True}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["dues_deferred"] == 3
    assert r.json()["deferred_fen"] == ahead["employer_fen"] and r.json()["to_defer"] is None
    assert Deferral.objects.get().status == "approved"


@pytest.mark.parametrize(("over", "field"), [
    ({"due_until": "9999-12-31"}, "due_until"),
    ({"due_until": "2021-01-01"}, "due_until"),  # beyond the end of 2020 (49号)
    ({"months": ["2020-13"]}, "months"),
    ({"months": []}, "months"),
    ({"months": ["2020-08"]}, "months"),  # not assessed: nothing to defer (E9)
    ({"reason": ""}, "reason"),
    ({"employer": -1}, "employer"),
])
def test_a_bad_deferral_is_a_problem_and_nothing_stored(hard_hit, clerk_chaoyang, over, field):
    with nothing_written():
        r = _api(clerk_chaoyang).post("/api/v1/relief/deferrals/", _deferral_body(hard_hit, **over), format="json")
    _problem(r, field)


def test_facts_recorded_through_the_api_by_the_center_only(db, municipal_admin, clerk_chaoyang, employer_chaoyang):
    url = f"/api/v1/relief/employers/{employer_chaoyang.pk}/facts/"
    body = {"effective_from": "2020-03-09", "unit_type": "enterprise", "size_class": "small", "industry": "h62"}
    with nothing_written():
        assert _api(clerk_chaoyang).post(url, body, format="json").status_code == 403
    r = _api(municipal_admin).post(url, body, format="json")
    assert r.status_code == 201 and r.json()["industry"] == "H62"
    assert EmployerFacts.objects.get(employer=employer_chaoyang).size_class == "small"
    assert _api(clerk_chaoyang).get(url).json()["results"][0]["size_class_display"] == "小型"


@pytest.mark.parametrize(("over", "field"), [
    ({"effective_from": "0001-01-01"}, "effective_from"),
    ({"unit_type": "bank"}, "unit_type"),
    ({"industry": "Z99"}, "industry"),
    ({"size_class": "huge"}, "size_class"),
])
def test_bad_facts_are_a_problem_and_nothing_stored(db, municipal_admin, employer_chaoyang, over, field):
    body = {"effective_from": "2020-03-09", "unit_type": "enterprise", "size_class": "small", **over}
    with nothing_written():
        r = _api(municipal_admin).post(f"/api/v1/relief/employers/{employer_chaoyang.pk}/facts/", body, format="json")
    _problem(r, field)


def test_the_size_class_calculator(db, clerk_chaoyang):
    api = _api(clerk_chaoyang)
    r = api.get("/api/v1/relief/size-class/", {"industry": "F52", "employees": "50", "revenue": "500"})
    assert r.status_code == 200 and r.json()["size_class"] == "medium" and "第四条（五）" in r.json()["basis"]
    assert "不能为负数" in _problem(api.get("/api/v1/relief/size-class/", {"industry": "F52", "employees": "-1",
                                                                          "revenue": "5"}), "employees")
    assert "不是国民经济行业分类" in _problem(api.get("/api/v1/relief/size-class/", {"industry": "ZZ"}), "industry")


@pytest.mark.parametrize(("body", "field"), [
    ({"industry": "I65", "employees": "5", "revenue": "999999999999999"}, "revenue"),
    ({"industry": "I65", "employees": 13800138000, "revenue": "1"}, "employees"),
])
def test_the_calculator_posted_says_its_own_range_message_not_the_guards(db, clerk_chaoyang, body, field):
    """review-input3 E10: in the address these figures read as a phone or ID number; in the body the
    calculator answers them, in its own words."""
    api = _api(clerk_chaoyang)
    assert "超出合理范围" in _problem(api.post("/api/v1/relief/size-class/", body, format="json"), field)
    r = api.post("/api/v1/relief/size-class/", {"industry": "F52", "employees": 50, "revenue": "500"}, format="json")
    assert r.status_code == 200 and r.json()["size_class"] == "medium"
    assert _problem(api.post("/api/v1/relief/size-class/", {"industry": "F52", "x": 1}, format="json"), "x")


@pytest.mark.parametrize(("figures", "field", "message"), [
    ({"employees": "３０１０.0"}, "employees", "从业人员应为整数"), ({"employees": "50.0"}, "employees", "从业人员应为整数"),
    ({"revenue": "1e3"}, "revenue", "不是数字"), ({"assets": "4..8"}, "assets", "不是数字"),
    ({"revenue": "+500"}, "revenue", "不是数字"), ({"employees": "0x10"}, "employees", "不是数字"),
])
def test_the_calculator_reads_figures_written_out_only(db, clerk_chaoyang, figures, field, message):
    """review-input11 F7: "３０１０.0" employees and "1e3" (万元) revenue were read as 3010 and 1000 in a legal
    size decision. A figure is digits with at most one point; a head count has none; full-width digits from a
    Chinese input method and spaces around stay readable."""
    api = _api(clerk_chaoyang)
    body = {"industry": "H62", "employees": "50", "revenue": "500", **figures}
    assert message in _problem(api.post("/api/v1/relief/size-class/", body, format="json"), field)
    r = api.post("/api/v1/relief/size-class/", {"industry": "F52", "employees": " ５０ ", "revenue": "500.00"},
                 format="json")
    assert r.status_code == 200 and r.json()["size_class"] == "medium"


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/api/v1/relief/deferrals/", "facts"])
@pytest.mark.parametrize("position", ["p=abc", "p=99999999999999999999999", "r=1&p=x"])
def test_the_relief_lists_are_checked_cursor_pages(municipal_admin, employer_chaoyang, address, position):
    """review-input3 E16: the deferral list ignored ``cursor`` and answered every row; now a forged
    cursor is 400 "分页游标无效" keyed ``cursor`` (F13), as on every other list."""
    import base64

    if address == "facts":
        address = f"/api/v1/relief/employers/{employer_chaoyang.pk}/facts/"
    r = _api(municipal_admin).get(address, {"cursor": base64.b64encode(position.encode()).decode()})
    assert r.status_code == 400 and [e["field"] for e in r.json()["errors"]] == ["cursor"]
    assert "分页游标无效" in r.json()["errors"][0]["reason_zh"]


def test_the_deferral_list_pages_with_a_real_cursor(db, clerk_chaoyang, hard_hit, monkeypatch):
    from shebao.api.relief import Newest
    from tests.collection.relief_helpers import open_dues

    monkeypatch.setattr(Newest, "page_size", 2)
    months = ["2020-08", "2020-09", "2020-10"]
    open_dues(hard_hit, months)
    api = _api(clerk_chaoyang)
    ids = [api.post("/api/v1/relief/deferrals/", _deferral_body(hard_hit, months=[m]), format="json").json()["id"]
           for m in months]
    first = api.get("/api/v1/relief/deferrals/").json()
    assert len(first["results"]) == 2 and first["next"]
    seen = [d["id"] for d in first["results"]]
    while first["next"]:
        first = api.get(first["next"]).json()
        seen += [d["id"] for d in first["results"]]
    assert seen == sorted(ids, reverse=True)


def test_a_deferral_takes_the_rule_key_the_packs_api_lists(hard_hit, clerk_chaoyang):
    """review-input8 F10: GET /relief/packs/ lists the deferral rule as "<pack>/<rule>", and a client that
    sent that key back was told the rule does not exist; another pack's prefix is still refused."""
    packs = _api(clerk_chaoyang).get("/api/v1/relief/packs/").json()
    keys = [r["key"] for p in packs if p["name"] == PACK for r in p["rules"] if r["kind"] == "deferral"]
    assert keys == [f"{PACK}/hardship-deferral", f"{PACK}/hardship-deferral-medical", f"{PACK}/hardship-deferral-extended"]
    key = keys[2]
    r = _api(clerk_chaoyang).post("/api/v1/relief/deferrals/", _deferral_body(hard_hit, rule=key), format="json")
    assert r.status_code == 201, r.content.decode()
    with nothing_written():
        r = _api(clerk_chaoyang).post("/api/v1/relief/deferrals/",
                                      _deferral_body(hard_hit, rule="other-pack/hardship-deferral"), format="json")
    _problem(r, "rule")


# --- 补减免 through the API: the what-if and the run, the center only --------------------------------------
@pytest.fixture
def waiting_for_49hao(db, settings, person_chaoyang, person_haidian):
    """Published on 2020-06-21 with July's dues built that day: two small enterprises (朝阳区 has paid
    July, 海淀区 owes it) whose July pension, unemployment and work injury 人社部发〔2020〕49号 exempts from
    2020-06-22 (1,600 + 80 + 20 yuan each on a 10,000-yuan base)."""
    settings.SHEBAO_TODAY = dt.date(2020, 6, 21)
    relief_pack_publish(pack=PACK, actor=SETUP)
    a = personas.make_employer("北京朝阳补减免接口有限公司", serial=73)
    b = personas.make_employer("北京海淀补减免接口有限公司", serial=74, district_code="110108")
    for e in (a, b):
        employer_facts_record(employer=e, effective_from=dt.date(2020, 1, 1), unit_type="enterprise",
                              size_class="small", actor=SETUP)
    contribution(person_chaoyang, a, "2020-07", 1_000_000, paid_on=dt.date(2020, 6, 21))
    contribution(person_haidian, b, "2020-07", 1_000_000)
    dues_build(actor=SETUP, months=["2020-07"])
    settings.SHEBAO_TODAY = dt.date(2020, 6, 22)
    return a, b


def test_the_re_relief_what_if_counts_by_district_and_writes_nothing(waiting_for_49hao, municipal_admin,
                                                                     collection_clerk, clerk_chaoyang):
    with nothing_written():
        r = _api(collection_clerk).get("/api/v1/relief/newly-known/")
    body = r.json()
    assert r.status_code == 200 and body["on"] == "2020-06-22"
    assert (body["dues"], body["employers"], body["reduced_fen"], body["credited_fen"], body["relief_fen"]) == (
        6, 2, 170_000, 170_000, 340_000)
    [doc] = body["by_document"]
    assert "人社部发〔2020〕49号" in doc["document"] and doc["issued_on"] == "2020-06-22"
    assert doc["rules"] == [f"{PACK}/sme-exempt-extended"] and doc["dues"] == 6
    assert body["by_district"] == [
        {"district": "朝阳区", "dues": 3, "employers": 1, "reduced_fen": 0, "credited_fen": 170_000},
        {"district": "海淀区", "dues": 3, "employers": 1, "reduced_fen": 170_000, "credited_fen": 0}]
    with nothing_written():
        r = _api(clerk_chaoyang).get("/api/v1/relief/newly-known/")
    assert r.status_code == 403 and r["Content-Type"].startswith("application/problem+json")
    # The refusal names the preview refused, not the publishing (review-user9 F3).
    assert "无权查看补减免试算" in r.json()["detail"] and "申请发布" not in r.json()["detail"]
    assert _api(municipal_admin).get("/api/v1/relief/newly-known/").json()["dues"] == 6
    # A parameter the preview does not read is refused by name, never ignored (review-input9 F5).
    for query in ({"on": "2020-12-31"}, {"pack": "xx"}):
        [name] = query
        assert f"不认识的查询参数“{name}”" in _problem(
            _api(municipal_admin).get("/api/v1/relief/newly-known/", query), name)
    assert "不认识的查询参数“on”" in _problem(_api(municipal_admin).get("/api/v1/relief/packs/", {"on": "garbage"}), "on")


@pytest.mark.parametrize(("body", "field", "message"), [
    ({}, "confirm", "必填"),
    ({"confirm": False}, "confirm", "请确认执行补减免"),
    ({"confirm": "也许"}, "confirm", ""),
    # Money moves only on JSON true (review-input9 F5: "true" and 1 ran the 补减免).
    ({"confirm": "true"}, "confirm", "应为JSON的true或false"),
    ({"confirm": 1}, "confirm", "应为JSON的true或false"),
    ({"confirm": True, "on": "2020-12-31"}, "on", "不认识的项目"),  # the day is the business day, never given
])
def test_a_bad_re_relief_request_is_a_problem_in_chinese_and_changes_nothing(waiting_for_49hao, municipal_admin,
                                                                              body, field, message):
    with nothing_written():
        r = _api(municipal_admin).post("/api/v1/relief/newly-known/", body, format="json")
    assert message in _problem(r, field)


def test_re_relief_through_the_api_writes_the_ledger_and_records_once(waiting_for_49hao, municipal_admin,
                                                                      collection_clerk):
    from shebao.collection import ledger
    from shebao.collection.models import Due, LedgerTransaction, ReliefReapplication
    from shebao.collection.reconcile import books_reconcile

    a, b = waiting_for_49hao
    with nothing_written():  # the collection desk may look, not run
        assert _api(collection_clerk).post("/api/v1/relief/newly-known/", {"confirm": True},
                                           format="json").status_code == 403
    r = _api(municipal_admin).post("/api/v1/relief/newly-known/", {"confirm": True}, format="json")
    assert r.status_code == 200, r.content.decode()
    [applied] = r.json()["reapplications"]
    assert r.json()["applied_on"] == "2020-06-22"
    record = ReliefReapplication.objects.get()
    assert applied["id"] == record.pk and applied["transaction"] == record.transaction_id
    assert (record.applied_on, record.document_issued_on, record.dues, record.employers) == (
        dt.date(2020, 6, 22), dt.date(2020, 6, 22), 6, 2)
    assert (record.reduced_fen, record.credited_fen) == (170_000, 170_000)
    assert record.applied_by_label == municipal_admin.get_username()
    entry = LedgerTransaction.objects.get(kind="relief")
    assert entry == record.transaction and "人社部发〔2020〕49号" in entry.memo
    assert ledger.account_balance(account="relief:pension") == 2 * 160_000
    three = ["pension", "unemployment", "work_injury"]
    owed = Due.objects.filter(employer=b, month="2020-07", insurance__in=three, split_from__isnull=True)
    assert {(d.employer_fen, d.relief_fen, d.relief_rule) for d in owed} == {
        (0, 160_000, f"{PACK}/sme-exempt-extended"), (0, 8_000, f"{PACK}/sme-exempt-extended"),
        (0, 2_000, f"{PACK}/sme-exempt-extended")}
    paid = Due.objects.filter(employer=a, month="2020-07", insurance__in=three, split_from__isnull=True)
    assert all(d.relief_credited and d.relief_fen == d.employer_fen for d in paid)
    assert books_reconcile().ok, books_reconcile().problems
    # A second call changes nothing and says so.
    with nothing_written():
        again = _api(municipal_admin).post("/api/v1/relief/newly-known/", {"confirm": True}, format="json")
    assert again.status_code == 200 and again.json()["reapplications"] == []
    assert _api(municipal_admin).get("/api/v1/relief/newly-known/").json()["dues"] == 0
