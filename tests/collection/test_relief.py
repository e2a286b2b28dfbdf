"""Relief packs in collection: dues built under the 2020 pack, publication with credits, deferral as a
business, the statement and the assessment agreeing with the rules core, the what-if of publishing.

Amounts are worked out by hand: a 10,000-yuan base in 2020 gives pension 1,600 + 800, unemployment
80 + 20, medical 1,000 + 203, maternity 80, work injury (class 1) 20 yuan (employer + personal).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.collection import ledger
from shebao.collection.assessment import assessment_compute
from shebao.collection.models import Deferral, Due, LedgerTransaction, ReliefPublication
from shebao.collection.reconcile import books_reconcile
from shebao.collection.relief import (
    deferral_apply,
    deferral_decide,
    deferral_preview_of,
    employer_facts_record,
    relief_pack_publish,
    relief_pack_publish_decide,
    relief_pack_publish_request,
    relief_what_if,
)
from shebao.collection.selectors import employer_account
from shebao.collection.services import SecondPersonRequired, dues_build
from shebao.core.models import AuditEvent
from shebao.registry.models import Employer
from shebao.rules import load_policy
from shebao.rules.dates import add_months, month_index
from tests import personas
from tests.collection.conftest import book_due, contribution
from tests.collection.relief_helpers import open_dues
from tests.nothing_written import nothing_written
from tests.personas import SETUP

PACK = "relief-2020-covid"
BASE = 1_000_000  # 10,000 yuan


def _dues(employer, month):
    return {d.insurance: d for d in Due.objects.filter(employer=employer, month=month, split_from__isnull=True)}


def _classify(employer, unit_type="enterprise", size="small", on=dt.date(2020, 1, 1), industry=""):
    return employer_facts_record(employer=employer, effective_from=on, unit_type=unit_type, size_class=size,
                                 industry=industry, source="划型结果", actor=SETUP)


@pytest.fixture
def published(db):
    return relief_pack_publish(pack=PACK, actor=SETUP, on=dt.date(2020, 3, 8))


def test_dues_built_under_the_pack_relieve_an_sme_and_halve_a_large_enterprise(published, person_chaoyang,
                                                                             person_haidian):
    sme = personas.make_employer("北京小微测试有限公司", serial=31)
    large = personas.make_employer("北京大型测试集团有限公司", serial=32)
    _classify(sme, size="small")
    _classify(large, size="large")
    contribution(person_chaoyang, sme, "2020-02", BASE)
    contribution(person_haidian, large, "2020-02", BASE)
    dues_build(actor=SETUP, months=["2020-02"])
    s = _dues(sme, "2020-02")
    assert (s["pension"].employer_fen, s["pension"].relief_fen, s["pension"].amount_fen) == (0, 160_000, 80_000)
    assert (s["unemployment"].employer_fen, s["unemployment"].relief_fen) == (0, 8_000)
    assert (s["work_injury"].employer_fen, s["work_injury"].relief_fen, s["work_injury"].amount_fen) == (0, 2_000, 0)
    assert (s["medical"].employer_fen, s["medical"].relief_fen, s["medical"].amount_fen) == (50_000, 50_000, 70_300)
    assert (s["maternity"].employer_fen, s["maternity"].relief_fen) == (8_000, 0)
    assert s["pension"].relief_rule == f"{PACK}/sme-exempt" and s["medical"].relief_rule == f"{PACK}/medical-half"
    g = _dues(large, "2020-02")
    assert (g["pension"].employer_fen, g["pension"].relief_fen) == (80_000, 80_000)
    assert (g["unemployment"].employer_fen, g["work_injury"].employer_fen) == (4_000, 1_000)
    # The ledger: income is the full contribution, relief:<insurance> the part relieved, receivable the rest.
    assert ledger.account_balance(account="relief:pension") == 240_000
    assert ledger.account_balance(account=ledger.income_account("pension")) == -(240_000 + 80_000 + 80_000 + 80_000)
    assert ledger.account_balance(account=ledger.RECEIVABLE, employer_id=sme.pk) == sum(
        d.amount_fen for d in s.values())
    assert books_reconcile().ok, books_reconcile().problems


def test_government_bodies_and_unclassified_enterprises_keep_the_three_insurances(published, person_chaoyang,
                                                                                  person_haidian):
    gov = personas.make_employer("北京市某局", serial=33)
    _classify(gov, unit_type="government", size="")
    plain = personas.make_employer("北京未划型测试有限公司", serial=34)  # no facts: an enterprise, unclassified
    contribution(person_chaoyang, gov, "2020-03", BASE)
    contribution(person_haidian, plain, "2020-03", BASE)
    dues_build(actor=SETUP, months=["2020-03"])
    for employer in (gov, plain):
        d = _dues(employer, "2020-03")
        assert (d["pension"].employer_fen, d["pension"].relief_fen, d["pension"].relief_rule) == (160_000, 0, "")
        assert d["medical"].employer_fen == 50_000  # medical halving covers every unit (医保发〔2020〕6号 第一条)


def test_the_first_and_last_months_of_the_sme_exemption(published, person_chaoyang):
    sme = personas.make_employer("北京小微边界测试有限公司", serial=35)
    _classify(sme, size="micro")
    for month in ("2020-01", "2020-02", "2020-12", "2021-01"):
        contribution(person_chaoyang, sme, month, BASE)
    dues_build(actor=SETUP, months=["2020-01", "2020-02", "2020-12", "2021-01"])
    pension = {m: _dues(sme, m)["pension"].employer_fen for m in ("2020-01", "2020-02", "2020-12", "2021-01")}
    assert pension == {"2020-01": 160_000, "2020-02": 0, "2020-12": 0, "2021-01": 160_000}
    assert _dues(sme, "2020-12")["pension"].relief_rule == f"{PACK}/sme-exempt-extended"
    assert _dues(sme, "2020-12")["medical"].relief_fen == 0  # medical halving ended with June


def test_beijing_fixes_the_class_as_classified_on_2020_03_09(published, person_chaoyang, person_haidian):
    grown = personas.make_employer("北京成长测试有限公司", serial=36)
    _classify(grown, size="small", on=dt.date(2020, 3, 1))
    _classify(grown, size="large", on=dt.date(2020, 5, 1))  # grew: the class still holds for the period
    late = personas.make_employer("北京后登记测试有限公司", serial=37)
    _classify(late, size="small", on=dt.date(2020, 4, 1))  # classified after 3月9日: by month
    for employer, person in ((grown, person_chaoyang), (late, person_haidian)):
        for month in ("2020-03", "2020-06"):
            contribution(person, employer, month, BASE)
    dues_build(actor=SETUP, months=["2020-03", "2020-06"])
    assert _dues(grown, "2020-06")["pension"].relief_rule == f"{PACK}/sme-exempt"
    assert _dues(late, "2020-03")["pension"].relief_rule == ""  # not classified at the end of March
    assert _dues(late, "2020-06")["pension"].relief_rule == f"{PACK}/sme-exempt"


def test_publishing_reduces_open_dues_and_credits_the_employers_who_had_paid(db, person_chaoyang, person_haidian):
    paid = personas.make_employer("北京已缴测试有限公司", serial=38)
    open_ = personas.make_employer("北京未缴测试有限公司", serial=39)
    _classify(paid, size="small")
    _classify(open_, size="small")
    contribution(person_chaoyang, paid, "2020-02", BASE, paid_on=dt.date(2020, 2, 20))
    contribution(person_chaoyang, paid, "2020-03", BASE)
    contribution(person_haidian, open_, "2020-02", BASE)
    dues_build(actor=SETUP, months=["2020-02", "2020-03"])
    before = {d.pk: d.amount_fen for d in Due.objects.all()}
    what_if = relief_what_if(pack=PACK)
    assert Due.objects.filter(relief_fen__gt=0).count() == 0  # the what-if writes nothing
    publication = relief_pack_publish(pack=PACK, actor=SETUP, on=dt.date(2020, 3, 8))
    # Paid February: 1,600 + 80 + 20 (three insurances) + 500 (medical half) = 2,200 yuan credited.
    credited = 160_000 + 8_000 + 2_000 + 50_000
    assert publication.credited_fen == credited == what_if.credited_fen
    p2 = _dues(paid, "2020-02")
    assert p2["pension"].relief_credited and p2["pension"].amount_fen == before[p2["pension"].pk]
    # The credit paid the open March dues at once (oldest first), March relieved too.
    march_total = sum(d.amount_fen for d in Due.objects.filter(employer=paid, month="2020-03"))
    assert march_total == 80_000 + 2_000 + 70_300 + 8_000 + 0
    assert Due.objects.filter(employer=paid, month="2020-03", paid_on__isnull=True, amount_fen__gt=0).count() == 0
    assert -ledger.account_balance(account=ledger.EMPLOYER_CREDIT, employer_id=paid.pk) == credited - march_total
    o2 = _dues(open_, "2020-02")
    assert (o2["pension"].amount_fen, o2["pension"].relief_fen, o2["pension"].relief_credited) == (80_000, 160_000,
                                                                                                   False)
    assert publication.reduced_fen == what_if.reduced_fen == 2 * credited
    assert publication.employers == what_if.employers == 2
    assert LedgerTransaction.objects.filter(kind="relief").count() == 1
    assert AuditEvent.objects.filter(model="collection.ReliefPublication").count() == 1
    assert books_reconcile().ok, books_reconcile().problems


def test_a_pack_is_published_once_by_the_center_a_second_person_approving(db, clerk_chaoyang, municipal_admin):
    checker = personas.make_staff("center_checker", role="municipal_admin", office_code="110000")
    with nothing_written(), pytest.raises(PermissionDenied):
        relief_pack_publish(pack=PACK, actor=clerk_chaoyang)
    with nothing_written(), pytest.raises(PermissionDenied):
        relief_pack_publish_request(pack=PACK, actor=clerk_chaoyang, reason="文件已印发")
    with nothing_written(), pytest.raises(ValidationError, match="没有名为"):
        relief_pack_publish_request(pack="no-such-pack", actor=municipal_admin, reason="文件已印发")
    with nothing_written(), pytest.raises(SecondPersonRequired):  # one person alone never publishes
        relief_pack_publish(pack=PACK, actor=municipal_admin)
    with nothing_written(), pytest.raises(ValidationError, match="申请说明"):
        relief_pack_publish_request(pack=PACK, actor=municipal_admin, reason=" ")
    request = relief_pack_publish_request(pack=PACK, actor=municipal_admin, reason="文件已印发")
    with nothing_written(), pytest.raises(ValidationError, match="待复核"):
        relief_pack_publish_request(pack=PACK, actor=checker, reason="再次申请")
    with nothing_written(), pytest.raises(SecondPersonRequired):  # the maker may not check
        relief_pack_publish_decide(request=request, actor=municipal_admin, approve=True)
    with nothing_written(), pytest.raises(ValidationError, match="复核意见"):
        relief_pack_publish_decide(request=request, actor=checker, approve=False)
    done = relief_pack_publish_decide(request=request, actor=checker, approve=True)
    publication = ReliefPublication.objects.get()
    assert done.outcome == "approved" and done.publication == publication and done.decided_by == checker
    assert publication.published_by_label == checker.get_username()
    assert AuditEvent.objects.filter(model="collection.ReliefPublicationRequest", action="create",
                                     actor=municipal_admin).count() == 1
    assert AuditEvent.objects.filter(model="collection.ReliefPublicationRequest", action="update",
                                     actor=checker).count() == 1
    assert AuditEvent.objects.filter(model="collection.ReliefPublication", actor=checker).count() == 1
    with nothing_written(), pytest.raises(ValidationError, match="不能重复发布"):
        relief_pack_publish_request(pack=PACK, actor=municipal_admin, reason="文件已印发")
    with nothing_written(), pytest.raises(ValidationError, match="不能重复发布"):
        relief_pack_publish(pack=PACK, actor=SETUP)


def test_a_declined_request_publishes_nothing(db, municipal_admin):
    checker = personas.make_staff("center_checker2", role="municipal_admin", office_code="110000")
    request = relief_pack_publish_request(pack=PACK, actor=municipal_admin, reason="文件已印发")
    done = relief_pack_publish_decide(request=request, actor=checker, approve=False, note="文件尚未印发")
    assert done.outcome == "declined" and done.publication is None
    assert not ReliefPublication.objects.exists()
    assert not LedgerTransaction.objects.filter(kind="relief").exists()


def test_the_what_if_counts_relief_by_district(db, person_chaoyang, person_haidian):
    a = personas.make_employer("北京朝阳试算有限公司", serial=40)
    b = personas.make_employer("北京海淀试算有限公司", serial=41, district_code="110108")
    _classify(a, size="small")
    _classify(b, size="large")
    contribution(person_chaoyang, a, "2020-04", BASE)
    contribution(person_haidian, b, "2020-04", BASE)
    dues_build(actor=SETUP, months=["2020-04"])
    w = relief_what_if(pack=PACK)
    assert w.employers == 2 and w.dues == 8
    assert w.by_district[a.district_id]["reduced_fen"] == 160_000 + 8_000 + 2_000 + 50_000
    assert w.by_district[b.district_id]["reduced_fen"] == 80_000 + 4_000 + 1_000 + 50_000
    assert w.by_rule[f"{PACK}/large-half"]["relief_fen"] == 85_000
    assert w.deferral_eligible_employers == 2


# --- Deferral ---------------------------------------------------------------------------------------
@pytest.fixture
def deferred_setup(published, person_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    employer = personas.make_employer("北京困难测试有限公司", serial=42)
    _classify(employer, size="large")
    contribution(person_chaoyang, employer, "2020-07", BASE)
    contribution(person_chaoyang, employer, "2020-08", BASE)
    dues_build(actor=SETUP, months=["2020-07", "2020-08"])
    return employer


def test_a_deferral_past_its_rules_limit_is_refused_and_nothing_is_stored(deferred_setup, clerk_chaoyang):
    """人社部发〔2020〕49号 (rule hardship-deferral-extended): July may be deferred to 2020-12-31 and not a
    day more; under 人社部发〔2020〕11号 (rule hardship-deferral) July is not deferrable at all."""
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=deferred_setup, pack=PACK, rule="hardship-deferral-extended", months=["2020-07"],
                       due_until=dt.date(2021, 1, 1), reason="停工", actor=clerk_chaoyang)
    assert "2020-07费款最迟只能缓缴至2020-12-31" in e.value.message_dict["due_until"][0]
    assert "人社部发〔2020〕49号" in e.value.message_dict["due_until"][0]
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=deferred_setup, pack=PACK, rule="hardship-deferral", months=["2020-07"],
                       due_until=dt.date(2020, 12, 31), reason="停工", actor=clerk_chaoyang)
    said = e.value.message_dict["months"][0]
    assert "费款所属期2020-07不在可缓缴的2020-02至2020-06之内" in said and "人社部发〔2020〕11号" in said
    assert "“生产经营出现严重困难的企业缓缴三项社会保险费，2020年2月至6月，不超过6个月”" in said  # names the rule


def test_july_is_deferrable_from_49hao_day_and_not_before(deferred_setup, settings, clerk_chaoyang):
    """The business day decides which notice a deferral may rest on (ReliefPack.known_on): on 2020-06-21
    人社部发〔2020〕49号 is not issued, so July 2020 is refused under both rules, each naming itself; on
    2020-06-22 the 49号 rule registers it to 2020-12-31."""
    settings.SHEBAO_TODAY = dt.date(2020, 6, 21)
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=deferred_setup, pack=PACK, rule="hardship-deferral-extended", months=["2020-07"],
                       due_until=dt.date(2020, 12, 31), reason="停工", actor=clerk_chaoyang)
    assert e.value.message_dict["rule"] == [
        "缓缴条目“生产经营出现严重困难的企业继续缓缴社会保险费至2020年12月底”依据的文件（人力资源社会保障部 财政部 "
        "税务总局关于延长阶段性减免企业社会保险费政策实施期限等问题的通知（人社部发〔2020〕49号，2020-06-22））在业务日期"
        "2020-06-21尚未印发，不能据以缓缴"]
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=deferred_setup, pack=PACK, rule="hardship-deferral", months=["2020-07"],
                       due_until=dt.date(2020, 12, 31), reason="停工", actor=clerk_chaoyang)
    assert "“生产经营出现严重困难的企业缓缴三项社会保险费，2020年2月至6月，不超过6个月”" in e.value.message_dict["months"][0]
    assert "不在可缓缴的2020-02至2020-06之内" in e.value.message_dict["months"][0]
    settings.SHEBAO_TODAY = dt.date(2020, 6, 22)
    d = deferral_apply(employer=deferred_setup, pack=PACK, rule="hardship-deferral-extended", months=["2020-07"],
                       due_until=dt.date(2020, 12, 31), reason="停工", actor=clerk_chaoyang)
    d.refresh_from_db()
    assert (d.rule, d.months, d.due_until, d.applied_on) == ("hardship-deferral-extended", ["2020-07"],
                                                             dt.date(2020, 12, 31), dt.date(2020, 6, 22))


def test_under_11hao_a_month_is_deferred_six_months_at_most(published, settings, clerk_chaoyang):
    """人社部发〔2020〕11号 第三条 "缓缴期限原则上不超过6个月": on 2020-05-10 April's due goes to six
    months after its due date in force (the policy's) and not a day more."""
    from shebao.collection.relief import deferral_due_dates

    settings.SHEBAO_TODAY = dt.date(2020, 5, 10)
    ent = personas.make_employer("北京六个月测试有限公司", serial=46)
    open_dues(ent, ["2020-04"])
    due = deferral_due_dates(["2020-04"])["2020-04"]
    limit = add_months(due, 6)
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-04"],
                       due_until=limit + dt.timedelta(days=1), reason="困难", actor=clerk_chaoyang)
    assert e.value.message_dict["due_until"] == [
        f"2020-04费款最迟只能缓缴至{limit:%Y-%m-%d}（原缴费期限{due:%Y-%m-%d}）（“生产经营出现严重困难的企业缓缴"
        "三项社会保险费，2020年2月至6月，不超过6个月”，人力资源社会保障部 财政部 税务总局关于阶段性减免企业社会保险费的通知"
        "，人社部发〔2020〕11号，2020-02-20，第三条，受疫情影响生产经营出现严重困难的企业可申请缓缴社会保险费，缓缴期限原则上不"
        "超过6个月，缓缴期间免收滞纳金）"]  # no bracket in a bracket (review-user13 (20)): the citation's own, as commas
    d = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-04"], due_until=limit,
                       reason="困难", actor=clerk_chaoyang)
    assert Deferral.objects.get(pk=d.pk).due_until == limit


def test_only_a_second_person_may_approve_a_deferral(deferred_setup, clerk_chaoyang, municipal_admin):
    d = deferral_apply(employer=deferred_setup, pack=PACK, rule="hardship-deferral-extended", months=["2020-08"],
                       due_until=dt.date(2020, 12, 31), reason="疫情停工", actor=municipal_admin)
    with nothing_written(), pytest.raises(PermissionDenied):
        deferral_decide(deferral=d, approve=True, actor=clerk_chaoyang)  # a clerk registers, never approves
    with nothing_written(), pytest.raises(ValidationError, match="登记人以外"):
        deferral_decide(deferral=d, approve=True, actor=municipal_admin)


def test_an_approved_deferral_moves_the_due_date_of_the_employer_share_without_fee(deferred_setup, clerk_chaoyang,
                                                                                  reviewer_chaoyang):
    employer = deferred_setup
    d = deferral_apply(employer=employer, pack=PACK, rule="hardship-deferral-extended", months=["2020-07"],
                       due_until=dt.date(2020, 12, 31), reason="疫情停工，经营困难", actor=clerk_chaoyang)
    assert AuditEvent.objects.filter(model="collection.Deferral", action="create").count() == 1
    deferral_decide(deferral=d, approve=True, actor=reviewer_chaoyang)
    d.refresh_from_db()
    # 人社部发〔2020〕49号 continued the deferral of pension, unemployment and work injury; medical
    # insurance's (医保发〔2020〕6号) ended with June, so July's medical due is owed as before.
    assert d.status == Deferral.Status.APPROVED and d.dues_deferred == 3  # pension, unemployment, injury
    pension = Due.objects.get(employer=employer, month="2020-07", insurance="pension", split_from__isnull=True)
    assert (pension.amount_fen, pension.personal_fen, pension.deferred_to) == (160_000, 0, dt.date(2020, 12, 31))
    personal = Due.objects.get(employer=employer, month="2020-07", insurance="pension", split_from=pension)
    assert (personal.amount_fen, personal.deferred_to) == (80_000, None)
    assert Due.objects.get(employer=employer, month="2020-07", insurance="maternity").deferred_to is None
    assert Due.objects.get(employer=employer, month="2020-07", insurance="medical").deferred_to is None
    assert books_reconcile().ok, books_reconcile().problems
    # On 2020-11-30 the deferred shares owe nothing and no fee; the personal share and August do.
    policy = load_policy(overrides={"epidemic_lifted_on": "2020-06-01"})
    as_of = dt.date(2020, 11, 30)
    account = employer_account(employer=employer, as_of=as_of, policy=policy)
    row = next(r for r in account.dues if r.due.pk == pension.pk)
    assert (row.due_on, row.late_fee_fen, row.overdue_days) == (dt.date(2020, 12, 31), 0, 0)
    assert "缓缴至2020-12-31" in row.deferral and "人社部发〔2020〕49号" in row.deferral
    personal_row = next(r for r in account.dues if r.due.pk == personal.pk)
    assert personal_row.late_fee_fen == (2 * 80_000 * 5 * 128 + 10_000) // 20_000  # 128 days after 07-25
    # The assessment agrees with the statement, deferral included.
    result = assessment_compute(as_of=as_of, policy=policy, prune=True)
    i = list(result.figures.employer_id).index(employer.pk)
    assert int(result.figures.late_fee_fen[i]) == account.late_fee_fen
    assert int(result.figures.arrears_fen[i]) == account.arrears_fen
    assert int(result.figures.waived_fen[i]) == account.waived_fen
    # A second application for the same month is refused.
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=employer, pack=PACK, rule="hardship-deferral-extended", months=["2020-07"],
                       due_until=dt.date(2020, 12, 1), reason="再次", actor=clerk_chaoyang)
    assert e.value.message_dict["months"] == [
        f"费款所属期2020-07的养老保险、失业保险、工伤保险已缓缴至2020-12-31（#{d.pk}），继续缓缴须申请缓缴至该日以后"]


def test_medical_deferral_rests_on_its_own_notice_and_is_applied_for_beside_the_three_insurances(
        published, settings, clerk_chaoyang, reviewer_chaoyang):
    """医保发〔2020〕6号 第二条 defers 职工医保; it is dated only to its month (known from 2020-02-29), so on
    2020-02-20 only the three insurances of 人社部发〔2020〕11号 may be deferred. The two rules are two
    applications of the same months: one pending application per month and insurance type."""
    ent = personas.make_employer("北京医保缓缴测试有限公司", serial=47)
    _classify(ent, size="large")
    open_dues(ent, ["2020-02"])
    open_dues(ent, ["2020-02"], insurance="medical")
    settings.SHEBAO_TODAY = dt.date(2020, 2, 28)
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral-medical", months=["2020-02"],
                       due_until=dt.date(2020, 6, 30), reason="停产", actor=clerk_chaoyang)
    assert "医保发〔2020〕6号" in e.value.message_dict["rule"][0] and "2020-02-28尚未印发" in e.value.message_dict["rule"][0]
    three = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-02"],
                           due_until=dt.date(2020, 6, 30), reason="停产", actor=clerk_chaoyang)
    with nothing_written(), pytest.raises(ValidationError) as e:  # the same months and insurances again
        deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-02"],
                       due_until=dt.date(2020, 7, 31), reason="停产", actor=clerk_chaoyang)
    assert e.value.message_dict["months"] == [
        f"费款所属期2020-02的养老保险、失业保险、工伤保险已有待审批的缓缴申请（#{three.pk}）"]
    settings.SHEBAO_TODAY = dt.date(2020, 2, 29)
    medical = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral-medical", months=["2020-02"],
                             due_until=dt.date(2020, 6, 30), reason="停产", actor=clerk_chaoyang)
    deferral_decide(deferral=three, approve=True, actor=reviewer_chaoyang)
    deferral_decide(deferral=medical, approve=True, actor=reviewer_chaoyang)
    moved = {d.insurance: d.deferral_id for d in Due.objects.filter(employer=ent, month="2020-02",
                                                                    deferred_to=dt.date(2020, 6, 30))}
    assert moved == {"pension": three.pk, "medical": medical.pk}


def test_an_approved_deferral_is_continued_to_a_later_day_under_49hao(published, settings, clerk_chaoyang,
                                                                     reviewer_chaoyang):
    """人社部发〔2020〕49号 第三条 "可继续缓缴社会保险费至2020年12月底": April, deferred under 11号 to 2020-09-30,
    is moved to 2020-12-31 by a second application; the personal share is not split again, and the due
    names the deferral that moved it last. A continuation to a day not after the first is refused."""
    settings.SHEBAO_TODAY = dt.date(2020, 5, 10)
    ent = personas.make_employer("北京继续缓缴测试有限公司", serial=48)
    _classify(ent, size="large")
    due = open_dues(ent, ["2020-04"])[0]
    first = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-04"],
                           due_until=dt.date(2020, 9, 30), reason="停产", actor=clerk_chaoyang)
    deferral_decide(deferral=first, approve=True, actor=reviewer_chaoyang)
    rows = Due.objects.filter(employer=ent).count()
    settings.SHEBAO_TODAY = dt.date(2020, 6, 22)
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral-extended", months=["2020-04"],
                       due_until=dt.date(2020, 9, 30), reason="继续停产", actor=clerk_chaoyang)
    assert "已缓缴至2020-09-30" in e.value.message_dict["months"][0]
    later = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral-extended", months=["2020-04"],
                           due_until=dt.date(2020, 12, 31), reason="继续停产", actor=clerk_chaoyang)
    preview = deferral_preview_of(later)
    assert [d.pk for d in preview.dues] == [due.pk] and preview.employer_fen == due.employer_fen
    deferral_decide(deferral=later, approve=True, actor=reviewer_chaoyang)
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.deferred_to, due.deferral_id, later.dues_deferred) == (dt.date(2020, 12, 31), later.pk, 1)
    assert Due.objects.filter(employer=ent).count() == rows
    assert books_reconcile().ok, books_reconcile().problems


def test_a_government_body_may_not_apply_and_a_refusal_needs_a_reason(published, clerk_chaoyang, reviewer_chaoyang):
    gov = personas.make_employer("北京市某委员会", serial=43)
    _classify(gov, unit_type="government", size="")
    with nothing_written(), pytest.raises(ValidationError, match="机关"):
        deferral_apply(employer=gov, pack=PACK, rule="hardship-deferral", months=["2020-03"],
                       due_until=dt.date(2020, 6, 1), reason="困难", actor=clerk_chaoyang)
    ent = personas.make_employer("北京申请测试有限公司", serial=44)
    open_dues(ent, ["2020-03"])
    d = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-03"],
                       due_until=dt.date(2020, 6, 1), reason="困难", actor=clerk_chaoyang)
    with nothing_written(), pytest.raises(ValidationError, match="理由"):
        deferral_decide(deferral=d, approve=False, actor=reviewer_chaoyang)
    deferral_decide(deferral=d, approve=False, actor=reviewer_chaoyang, note="材料不足")
    d.refresh_from_db()
    assert d.status == Deferral.Status.REFUSED and d.decided_by_label == reviewer_chaoyang.get_username()


def test_a_deferral_of_nothing_owed_is_refused_at_registration_and_nothing_is_stored(published, clerk_chaoyang):
    """review-input3 E9: a month paid in full, or not yet assessed, has nothing to defer (人社部发〔2020〕11号
    第三条 defers contributions owed): refused, each month with its reason, nothing written."""
    ent = personas.make_employer("北京已缴清测试有限公司", serial=47)
    for insurance in ("pension", "medical"):
        book_due(ent, "2020-03", 100_000, insurance=insurance, paid_on=dt.date(2020, 3, 20))
    open_dues(ent, ["2020-04"])
    for months, expected in ((["2020-03"], ["费款所属期2020-03的养老保险、失业保险、工伤保险费款已缴清，无需缓缴"]),
                             (["2020-05"], ["费款所属期2020-05的养老保险、失业保险、工伤保险应缴费款尚未核定"]),
                             (["2020-03", "2020-04", "2020-05"], ["2020-03", "2020-05"])):
        with nothing_written(), pytest.raises(ValidationError) as e:
            deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=months,
                           due_until=dt.date(2020, 8, 31), reason="困难", actor=clerk_chaoyang)
        said = e.value.message_dict["months"]
        assert len(said) == len(expected) and all(x in m for x, m in zip(expected, said, strict=True)), said
    # The open month alone is registered, and its page shows what approval would defer.
    d = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-04"],
                       due_until=dt.date(2020, 8, 31), reason="困难", actor=clerk_chaoyang)
    preview = deferral_preview_of(d)
    assert [x.month for x in preview.dues] == ["2020-04"] and preview.employer_fen == 160_000
    assert preview.empty_months == {}


def test_an_approval_that_would_defer_nothing_is_refused_and_a_second_decision_reads_once(
        published, clerk_chaoyang, reviewer_chaoyang):
    """The month was paid between registration and approval: approval is refused (nothing written),
    the preview says why; a decided application says its outcome once ("已已批准" was E9)."""
    from shebao.collection.services import payment_receive

    ent = personas.make_employer("北京审批前缴清测试有限公司", serial=48)
    (due,) = open_dues(ent, ["2020-04"])
    d = deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-04"],
                       due_until=dt.date(2020, 8, 31), reason="困难", actor=clerk_chaoyang)
    payment_receive(actor=SETUP, employer=ent, amount_fen=due.amount_fen, received_on=dt.date(2020, 4, 20),
                    source="remittance")
    assert deferral_preview_of(d).dues == [] and "已缴清" in deferral_preview_of(d).empty_months["2020-04"]
    with nothing_written(), pytest.raises(ValidationError, match="没有可缓缴的应缴费款，不能批准"):
        deferral_decide(deferral=d, approve=True, actor=reviewer_chaoyang)
    d.refresh_from_db()
    assert d.status == Deferral.Status.APPLIED and d.dues_deferred == 0
    deferral_decide(deferral=d, approve=False, actor=reviewer_chaoyang, note="已缴清，无需缓缴")
    with nothing_written(), pytest.raises(ValidationError) as e:
        deferral_decide(deferral=d, approve=True, actor=reviewer_chaoyang)
    assert "已已" not in str(e.value) and "“不予批准”，不能再次审批" in str(e.value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reason", "困\u202e难", "202E"), ("reason", "困\u200b难", "200B"), ("reason", "难" * 301, "不能超过300个字符"),
])
def test_deferral_text_is_refused_whole_never_cut_or_stored_with_invisible_characters(
        published, clerk_chaoyang, field, value, message):
    ent = personas.make_employer("北京文本测试有限公司", serial=49)
    open_dues(ent, ["2020-04"])
    data = {"reason": "困难", field: value}
    with nothing_written(), pytest.raises(ValidationError, match=message):
        deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-04"],
                       due_until=dt.date(2020, 8, 31), actor=clerk_chaoyang, **data)


def test_a_pack_not_yet_published_grants_no_deferral(db, clerk_chaoyang):
    ent = personas.make_employer("北京未发布测试有限公司", serial=45)
    with nothing_written(), pytest.raises(ValidationError, match="尚未发布"):
        deferral_apply(employer=ent, pack=PACK, rule="hardship-deferral", months=["2020-03"],
                       due_until=dt.date(2020, 6, 1), reason="困难", actor=clerk_chaoyang)


# --- The 2022 deferral pack, through the same services (no code of its own) ---------------------------
def test_2022_a_restaurant_defers_its_pension_share_and_owes_no_fee_until_the_end_of_2023(
        db, person_chaoyang, clerk_chaoyang, reviewer_chaoyang):
    relief_pack_publish(pack="relief-2022-deferral", actor=SETUP, on=dt.date(2022, 5, 31))
    restaurant = personas.make_employer("北京餐饮测试有限公司", serial=46)
    _classify(restaurant, size="small", industry="H6210", on=dt.date(2022, 1, 1))
    contribution(person_chaoyang, restaurant, "2022-05", BASE)
    dues_build(actor=SETUP, months=["2022-05"])
    assert Due.objects.filter(employer=restaurant, relief_fen__gt=0).count() == 0  # deferral relieves nothing
    with nothing_written(), pytest.raises(ValidationError, match="2023-12-31"):
        deferral_apply(employer=restaurant, pack="relief-2022-deferral", rule="hard-hit-pension", months=["2022-05"],
                       due_until=dt.date(2024, 1, 1), reason="堂食暂停", actor=clerk_chaoyang)
    d = deferral_apply(employer=restaurant, pack="relief-2022-deferral", rule="hard-hit-pension",
                       months=["2022-05"], due_until=dt.date(2023, 12, 31), reason="堂食暂停", actor=clerk_chaoyang)
    deferral_decide(deferral=d, approve=True, actor=reviewer_chaoyang)
    d.refresh_from_db()
    assert (d.dues_deferred, d.deferred_fen) == (1, 160_000)  # the pension employer share only
    policy = load_policy(overrides={"epidemic_lifted_on": "2020-06-01"})
    as_of = dt.date(2023, 6, 30)
    account = employer_account(employer=restaurant, as_of=as_of, policy=policy)
    pension = next(r for r in account.dues if r.due.insurance == "pension" and r.due.deferred_to)
    assert (pension.late_fee_fen, pension.due_on) == (0, dt.date(2023, 12, 31))
    assert "人社厅发〔2022〕16号" in pension.deferral
    # Every other due of May 2022 is late since 2022-05-25: 401 days to 2023-06-30 at 0.05 % a day.
    others = sum(r.due.amount_fen for r in account.dues if not r.due.deferred_to)
    assert account.late_fee_fen == sum((2 * r.due.amount_fen * 5 * 401 + 10_000) // 20_000
                                       for r in account.dues if not r.due.deferred_to)
    assert account.arrears_fen == others
    result = assessment_compute(as_of=as_of, policy=policy)
    i = list(result.figures.employer_id).index(restaurant.pk)
    assert (int(result.figures.late_fee_fen[i]), int(result.figures.arrears_fen[i])) == (account.late_fee_fen,
                                                                                          account.arrears_fen)
    assert books_reconcile().ok, books_reconcile().problems


def test_the_commands_list_the_packs_show_the_what_if_publish_and_assess_with_the_relief(db, person_chaoyang,
                                                                                        capsys):
    from django.core.management import call_command

    sme = personas.make_employer("北京命令测试有限公司", serial=47)
    _classify(sme, size="small")
    contribution(person_chaoyang, sme, "2020-02", BASE)
    dues_build(actor=SETUP, months=["2020-02"])
    call_command("relief_packs")
    out = capsys.readouterr().out
    assert "relief-2020-covid" in out and "尚未发布" in out and "人社部发〔2020〕49号" in out
    with nothing_written():
        call_command("relief_packs", what_if=PACK)
    out = capsys.readouterr().out
    assert "单位1家" in out and "2,200.00元" in out and "朝阳" in out  # 1,600 + 80 + 20 + 500 yuan
    call_command("relief_packs", publish=PACK)
    assert "已发布执行" in capsys.readouterr().out
    call_command("assess", as_of="2020-03-31")
    out = capsys.readouterr().out
    assert "政策包减免单位缴费1,700.00元（3笔）：中小微企业免征" in out and "北京市" in out  # 1,600 + 80 + 20
    assert "政策包减免单位缴费500.00元（1笔）：职工基本医疗保险单位缴费减半征收" in out


# --- Batch equals single, deferrals included (hypothesis) -------------------------------------------
MONTHS_2020 = [f"2020-{m:02d}" for m in range(1, 13)]
DAYS_2020 = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2021, 6, 30))
RANDOM_DUE = st.tuples(st.integers(0, 2), st.sampled_from(MONTHS_2020), st.integers(0, 5_000_000),
                       st.none() | DAYS_2020, st.none() | DAYS_2020)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dues=st.lists(RANDOM_DUE, max_size=30), as_of=DAYS_2020,
       lifted=st.none() | st.dates(min_value=dt.date(2020, 2, 1), max_value=dt.date(2020, 12, 31)))
def test_the_assessment_equals_the_statement_with_deferred_dues(db, dues, as_of, lifted):
    Due.objects.all().delete()
    employers = [personas.make_employer(f"北京随机缓缴单位{i}", serial=60 + i) if not Employer.objects.filter(
        name=f"北京随机缓缴单位{i}").exists() else Employer.objects.get(name=f"北京随机缓缴单位{i}") for i in range(3)]
    policy = load_policy(overrides={"epidemic_lifted_on": lifted.isoformat()} if lifted else None)
    Due.objects.bulk_create([
        Due(employer=employers[e], month=m, month_no=month_index(m), insurance="pension", employer_fen=a,
            personal_fen=0, amount_fen=a, paid_on=p, deferred_to=d) for e, m, a, p, d in dues])
    result = assessment_compute(as_of=as_of, policy=policy)
    batch = {int(e): (int(a), int(f), int(w)) for e, a, f, w in zip(
        result.figures.employer_id, result.figures.arrears_fen, result.figures.late_fee_fen,
        result.figures.waived_fen, strict=True)}
    last = month_index(f"{as_of:%Y-%m}")
    for employer in employers:
        account = employer_account(employer=employer, as_of=as_of, policy=policy)
        rows = [r for r in account.dues if r.due.month_no <= last]
        single = (sum(r.due.amount_fen for r in rows if (r.due.paid_on is None or r.due.paid_on > as_of)
                      and r.due_on < as_of and r.due.amount_fen > 0),
                  sum(r.late_fee_fen for r in rows), sum(r.waived_fen for r in rows))
        assert batch.get(employer.pk, (0, 0, 0)) == single


# --- Packs as known on the business day (review-user3 U9) ---------------------------------------------
def test_a_pack_whose_documents_are_not_issued_on_the_business_day_is_neither_offered_nor_published(
        db, settings, municipal_admin):
    """On a training copy's 2020-02-20 the 2022 deferral (人社厅发〔2022〕16号, April 2022) does not exist:
    it is not offered, and neither a request nor a publication of it is taken; nothing is written.
    From the last day of its document's month on, it is offered."""
    from shebao.collection.relief import relief_packs_available

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    assert relief_packs_available() == [PACK]
    with nothing_written(), pytest.raises(ValidationError, match="尚未印发（2022-04-30起可用）"):
        relief_pack_publish_request(pack="relief-2022-deferral", actor=municipal_admin, reason="文件已印发")
    with nothing_written(), pytest.raises(ValidationError, match="尚未印发"):
        relief_pack_publish(pack="relief-2022-deferral", actor=SETUP)
    settings.SHEBAO_TODAY = dt.date(2022, 4, 29)
    assert "relief-2022-deferral" not in relief_packs_available()
    settings.SHEBAO_TODAY = dt.date(2022, 4, 30)
    assert relief_packs_available() == [PACK, "relief-2022-deferral"]
    request = relief_pack_publish_request(pack="relief-2022-deferral", actor=municipal_admin, reason="文件已印发")
    assert request.pk and AuditEvent.objects.filter(model="collection.ReliefPublicationRequest",
                                                    object_pk=str(request.pk)).exists()
