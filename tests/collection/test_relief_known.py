"""Relief packs as known on the business day in collection (issue 19): a publication and the dues built on
a day apply only the rules whose document is issued by then, and `relief_known_apply` relieves the rest
when their day comes (补减免), once, with the document that caused it.

Amounts by hand, as tests/collection/test_relief.py: a 10,000-yuan base in 2020 gives the employer
pension 1,600, unemployment 80, medical 1,000, maternity 80, work injury 20 yuan.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shebao.collection import ledger
from shebao.collection.models import Due, LedgerTransaction, ReliefReapplication
from shebao.collection.reconcile import books_reconcile
from shebao.collection.relief import (
    deferral_apply,
    employer_facts_record,
    relief_known_apply,
    relief_newly_known,
    relief_pack_publish,
)
from shebao.collection.services import dues_build
from shebao.core.models import AuditEvent
from shebao.registry.models import Employer
from tests import personas
from tests.collection.conftest import contribution
from tests.nothing_written import nothing_written
from tests.personas import SETUP

PACK = "relief-2020-covid"
BASE = 1_000_000


def _dues(employer, month):
    return {d.insurance: d for d in Due.objects.filter(employer=employer, month=month, split_from__isnull=True)}


def _classify(employer, size, on=dt.date(2020, 1, 1), unit_type="enterprise"):
    return employer_facts_record(employer=employer, effective_from=on, unit_type=unit_type, size_class=size,
                                 source="划型结果", actor=SETUP)


def _fen(dues):
    return {k: (d.employer_fen, d.relief_fen, d.relief_rule.split("/")[-1], d.relief_credited) for k, d in dues.items()}


def test_a_pack_published_on_2020_02_20_relieves_each_rule_from_its_documents_day(db, settings, person_chaoyang,
                                                                                   person_haidian):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    sme = personas.make_employer("北京小微补减免测试有限公司", serial=61)
    large = personas.make_employer("北京大型补减免测试集团有限公司", serial=62)
    _classify(sme, "small")
    _classify(large, "large")
    contribution(person_chaoyang, sme, "2020-02", BASE, paid_on=dt.date(2020, 2, 20))  # the SME has paid
    contribution(person_haidian, large, "2020-02", BASE)
    dues_build(actor=SETUP, months=["2020-02"])
    publication = relief_pack_publish(pack=PACK, actor=SETUP)
    # 人社部发〔2020〕11号 has no relief rule of Beijing's pack; 医保发〔2020〕6号 counts from 2020-02-29.
    assert (publication.published_on, publication.dues, publication.rules_known) == (dt.date(2020, 2, 20), 0, [])
    assert Due.objects.filter(relief_fen__gt=0).count() == 0
    assert relief_known_apply(actor=SETUP) == [] and relief_newly_known() == []

    settings.SHEBAO_TODAY = dt.date(2020, 2, 29)
    [medical] = relief_newly_known()
    assert (medical.issued_on, medical.rules, medical.dues, medical.employers) == (
        dt.date(2020, 2, 29), (f"{PACK}/medical-half",), 2, 2)
    assert (medical.reduced_fen, medical.credited_fen) == (50_000, 50_000)
    [record] = relief_known_apply(actor=SETUP)
    assert "医保发〔2020〕6号" in record.document and record.rules == [f"{PACK}/medical-half"]
    assert (record.applied_on, record.reduced_fen, record.credited_fen) == (dt.date(2020, 2, 29), 50_000, 50_000)
    assert _dues(sme, "2020-02")["medical"].relief_credited and _dues(large, "2020-02")["medical"].employer_fen == 50_000

    settings.SHEBAO_TODAY = dt.date(2020, 3, 7)
    with nothing_written():
        assert relief_known_apply(actor=SETUP) == []
    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    [record] = relief_known_apply(actor=SETUP)
    assert record.document.startswith("北京市人力资源和社会保障局") and record.document_issued_on == dt.date(2020, 3, 8)
    assert record.rules == [f"{PACK}/large-half", f"{PACK}/sme-exempt"]
    # The SME had paid: 1,600 + 80 + 20 credited; the large enterprise's open dues halved: 800 + 40 + 10.
    assert (record.credited_fen, record.reduced_fen, record.dues, record.employers) == (170_000, 85_000, 6, 2)
    assert _fen(_dues(sme, "2020-02")) == {
        "pension": (160_000, 160_000, "sme-exempt", True), "unemployment": (8_000, 8_000, "sme-exempt", True),
        "work_injury": (2_000, 2_000, "sme-exempt", True), "medical": (100_000, 50_000, "medical-half", True),
        "maternity": (8_000, 0, "", False)}
    assert _fen(_dues(large, "2020-02")) == {
        "pension": (80_000, 80_000, "large-half", False), "unemployment": (4_000, 4_000, "large-half", False),
        "work_injury": (1_000, 1_000, "large-half", False), "medical": (50_000, 50_000, "medical-half", False),
        "maternity": (8_000, 0, "", False)}
    # Ledger entries, not edits: one relief entry per document, with the document in its memo.
    entries = LedgerTransaction.objects.filter(kind="relief").order_by("pk")
    assert [t.memo[:8] for t in entries] == ["补减免社会保险费"] * 2 and "北京市" in entries[1].memo
    assert record.transaction == entries[1]
    assert ledger.account_balance(account="relief:pension") == 160_000 + 80_000
    assert AuditEvent.objects.filter(model="collection.ReliefReapplication").count() == 2
    assert books_reconcile().ok, books_reconcile().problems
    # Run twice: nothing changes.
    with nothing_written():
        assert relief_known_apply(actor=SETUP) == []

    # July, built before the 49号 notice (2020-06-22), is owed in full; the notice exempts it.
    settings.SHEBAO_TODAY = dt.date(2020, 6, 21)
    contribution(person_chaoyang, sme, "2020-07", BASE)
    dues_build(actor=SETUP, months=["2020-07"])
    three = Due.objects.filter(employer=sme, month="2020-07", insurance__in=["pension", "unemployment", "work_injury"])
    owed = sum(d.employer_fen for d in three)
    assert owed == 160_000 + 8_000 + 2_000 and not any(d.relief_rule for d in three)
    assert relief_known_apply(actor=SETUP) == []
    settings.SHEBAO_TODAY = dt.date(2020, 6, 22)
    [record] = relief_known_apply(actor=SETUP)
    assert "人社部发〔2020〕49号" in record.document and record.rules == [f"{PACK}/sme-exempt-extended"]
    # The credit left by February's relief had paid part of July at once (oldest first; the pension due
    # split into its paid and open parts): the paid part is credited back, the rest reduced.
    assert record.reduced_fen + record.credited_fen == owed and record.credited_fen == 146_667
    assert all(d.relief_fen and (d.employer_fen == 0 or d.relief_credited) for d in three.all())
    assert books_reconcile().ok, books_reconcile().problems
    assert ReliefReapplication.objects.count() == 3


def test_a_publication_records_the_rules_it_applied(db, settings, client, municipal_admin):
    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    publication = relief_pack_publish(pack=PACK, actor=SETUP)
    assert publication.rules_known == [f"{PACK}/{r}" for r in ("sme-exempt", "individual-business-exempt",
                                                              "large-half", "social-organization-half",
                                                              "medical-half")]
    client.force_login(municipal_admin)
    html = client.get("/collection/relief/what-if/", {"pack": PACK}).content.decode()
    assert "发布时适用的条目（依据文件已于发布日印发）：中小微企业免征三项社会保险单位缴费（2020年2月至6月）" in html
    assert "大型企业减半征收延长执行" not in html.split('id="relief-rules-known"')[1].split("</p>")[0]


def test_relieved_as_known_each_day_equals_building_with_everything_known(db, settings, person_chaoyang,
                                                                         person_haidian):
    """The same dues for twin employers: one pair built on 2020-02-20 and relieved as each notice
    arrives, the other built once every notice is known: the same relief and amount on every due."""
    worlds = {w: {size: personas.make_employer(f"北京{w}{size}一致测试有限公司", serial=63 + 2 * i + j)
                  for j, size in enumerate(("small", "large"))} for i, w in enumerate(("逐日", "一次"))}
    for pair in worlds.values():
        for size, employer in pair.items():
            _classify(employer, size)
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    relief_pack_publish(pack=PACK, actor=SETUP)
    months = ["2020-02", "2020-05", "2020-07"]
    for pair in worlds.values():
        for month in months:
            contribution(person_chaoyang, pair["small"], month, BASE)
            contribution(person_haidian, pair["large"], month, BASE)
    dues_build(actor=SETUP, months=months, employer_ids=[e.pk for e in worlds["逐日"].values()])
    for day in (dt.date(2020, 3, 1), dt.date(2020, 3, 8), dt.date(2020, 7, 1), dt.date(2020, 7, 1)):
        settings.SHEBAO_TODAY = day
        relief_known_apply(actor=SETUP)
    dues_build(actor=SETUP, months=months, employer_ids=[e.pk for e in worlds["一次"].values()])

    def relief(pair):
        return {(size, d.month, d.insurance): (d.relief_fen, d.relief_rule, d.personal_fen)
                for size, e in pair.items() for d in Due.objects.filter(employer=e, split_from__isnull=True)}

    def owed(pair):  # what each due leaves the employer to pay: a credited relief is money back
        return {(size, d.month, d.insurance): d.amount_fen - (d.relief_fen if d.relief_credited else 0)
                for size, e in pair.items() for d in Due.objects.filter(employer=e, split_from__isnull=True)}

    stepwise, at_once = relief(worlds["逐日"]), relief(worlds["一次"])
    assert stepwise == at_once
    assert owed(worlds["逐日"]) == owed(worlds["一次"])
    # February and May: 3 insurances + medical for each; July: the SME's 3 (49号), the large none.
    assert sum(1 for v in at_once.values() if v[0]) == 4 + 4 + 4 + 4 + 3
    assert books_reconcile().ok, books_reconcile().problems


def test_a_due_left_out_for_its_facts_is_not_relieved_by_a_notice_known_when_it_was_built(db, settings,
                                                                                         person_chaoyang):
    """Built on 2020-03-10 for an enterprise not yet classified, March is owed in full; classifying it
    later is no new notice, so the step leaves the due as it is (its facts, not a document, changed)."""
    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    relief_pack_publish(pack=PACK, actor=SETUP)
    plain = personas.make_employer("北京未划型补减免测试有限公司", serial=65)
    settings.SHEBAO_TODAY = dt.date(2020, 3, 10)
    contribution(person_chaoyang, plain, "2020-03", BASE)
    dues_build(actor=SETUP, months=["2020-03"])
    assert _dues(plain, "2020-03")["pension"].relief_rule == ""
    settings.SHEBAO_TODAY = dt.date(2020, 4, 1)
    _classify(plain, "small", on=dt.date(2020, 3, 1))
    with nothing_written():
        assert relief_known_apply(actor=SETUP) == []
    assert relief_newly_known() == []


def test_only_the_center_or_a_named_job_applies_newly_known_rules(db, settings, clerk_chaoyang, municipal_admin,
                                                                 person_chaoyang):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    relief_pack_publish(pack=PACK, actor=SETUP)
    sme = personas.make_employer("北京小微权限测试有限公司", serial=66)
    _classify(sme, "micro")
    contribution(person_chaoyang, sme, "2020-02", BASE)
    dues_build(actor=SETUP, months=["2020-02"])
    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    with nothing_written(), pytest.raises(PermissionDenied):
        relief_known_apply(actor=clerk_chaoyang)
    records = relief_known_apply(actor=municipal_admin)
    assert [r.applied_by_label for r in records] == [municipal_admin.get_username()] * 2
    assert AuditEvent.objects.filter(model="collection.ReliefReapplication", actor=municipal_admin).count() == 2


def test_a_deferral_rule_applies_from_its_documents_day(db, settings, municipal_admin, clerk_chaoyang):
    """The 2022 pack published on 2022-04-30: the extension to July..December (人社部发〔2022〕31号,
    2022-05-31) cannot be applied for before its day."""
    settings.SHEBAO_TODAY = dt.date(2022, 4, 30)
    relief_pack_publish(pack="relief-2022-deferral", actor=SETUP)
    shop = personas.make_employer("北京餐饮缓缴测试有限公司", serial=67)
    employer_facts_record(employer=shop, effective_from=dt.date(2022, 1, 1), unit_type="enterprise",
                          size_class="small", industry="H62", source="划型结果", actor=SETUP)
    with nothing_written(), pytest.raises(ValidationError, match="尚未印发，不能据以缓缴"):
        deferral_apply(employer=shop, pack="relief-2022-deferral", rule="hard-hit-pension-extended",
                       months=["2022-07"], due_until=dt.date(2022, 12, 31), reason="经营困难", actor=clerk_chaoyang)
    settings.SHEBAO_TODAY = dt.date(2022, 5, 31)
    with pytest.raises(ValidationError) as exc:  # known now: refused only for having nothing to defer yet
        deferral_apply(employer=shop, pack="relief-2022-deferral", rule="hard-hit-pension-extended",
                       months=["2022-07"], due_until=dt.date(2022, 12, 31), reason="经营困难", actor=clerk_chaoyang)
    assert "尚未印发" not in str(exc.value) and "尚未核定" in str(exc.value)


def test_the_command_lists_each_rules_day_and_applies_newly_known_rules_once(db, settings, person_chaoyang, capsys):
    from django.core.management import call_command

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    sme = personas.make_employer("北京命令补减免测试有限公司", serial=68)
    _classify(sme, "small")
    contribution(person_chaoyang, sme, "2020-02", BASE)
    dues_build(actor=SETUP, months=["2020-02"])
    call_command("relief_packs", publish=PACK)
    assert "当即减免应缴0笔" in capsys.readouterr().out
    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    call_command("relief_packs")
    out = capsys.readouterr().out
    assert "2020-03-08起适用" in out and "2020-06-22起适用" in out
    assert "待补减免（--apply-known）：北京市" in out and "减少欠缴1,700.00元" in out
    call_command("relief_packs", apply_known=True)
    out = capsys.readouterr().out
    assert "已补减免：北京市" in out and "减少欠缴1,700.00元" in out and "医保发〔2020〕6号" in out
    # 6号 is dated to its month ("2020-02"): the day it counts from is not said to be the day it was issued
    # (review-user8 F8 read 2020-02-29印发, a date the pack does not give)
    assert "2020-02-29起适用" in out and "印发）" not in out
    with nothing_written():
        call_command("relief_packs", apply_known=True)
    assert "没有需要补减免的应缴费用" in capsys.readouterr().out
    assert ReliefReapplication.objects.filter(applied_by_label__contains="relief_packs").count() == 2


# --- Read in chunks (SCAN_BATCH): the same outcome as one read ---------------------------------------------
class _Undo(Exception):
    pass


def _relief_story(settings, center):
    """Publish on 2020-03-08 over February..April dues built on 2020-02-20, then July's dues built on
    2020-06-21 relieved on 2020-06-22 (49号): every figure and stored row the relief writes, without keys
    (a second run in a rolled-back transaction gets new ones)."""
    from django.db.models import Sum

    from shebao.collection.models import Posting, ReliefPublication
    from shebao.collection.relief import relief_known_preview, relief_what_if

    def rows():
        names = dict(Employer.objects.values_list("pk", "name"))
        dues = sorted((names[e], *rest[:-1], rest[-1] is None) for e, *rest in Due.objects.values_list(
            "employer_id", "month", "insurance", "employer_fen", "personal_fen", "amount_fen", "relief_fen",
            "relief_rule", "relief_credited", "paid_on", "split_from_id"))
        postings = sorted((k, a, names.get(e, "")) + (s,) for k, a, e, s in Posting.objects.values_list(
            "transaction__kind", "account", "employer_id").annotate(s=Sum("amount_fen")).values_list(
            "transaction__kind", "account", "employer_id", "s"))
        return dues, postings

    settings.SHEBAO_TODAY = dt.date(2020, 3, 8)
    w = relief_what_if(pack=PACK)
    what_if = (w.dues, w.employers, w.reduced_fen, w.credited_fen, w.by_district, w.by_rule,
               w.deferral_eligible_employers, w.deferral_eligible_fen, w.unclassified_employers)
    p = relief_pack_publish(pack=PACK, actor=SETUP)
    publication = (p.dues, p.employers, p.reduced_fen, p.credited_fen, p.rules_known)
    after_publication = rows()
    settings.SHEBAO_TODAY = dt.date(2020, 6, 21)
    dues_build(actor=SETUP, months=["2020-07"])
    settings.SHEBAO_TODAY = dt.date(2020, 6, 22)
    preview = relief_known_preview(actor=center)
    records = [(r.pack, r.document, r.document_issued_on, r.rules, r.dues, r.employers, r.reduced_fen, r.credited_fen)
               for r in relief_known_apply(actor=SETUP)]
    assert ReliefPublication.objects.count() == 1
    return what_if, publication, after_publication, preview, records, rows()


def test_relief_read_a_due_at_a_time_equals_relief_read_at_once(db, settings, monkeypatch, person_chaoyang,
                                                                 person_haidian, municipal_admin):
    """Publication, its what-if and 补减免 read the candidate dues `SCAN_BATCH` at a time: with one due a
    chunk (every chunk boundary inside an employer, a month, a document) they write and answer exactly
    what one read of all the dues gives."""
    from django.db import transaction

    import shebao.collection.relief as relief

    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    people = [person_chaoyang, person_haidian]
    for i, (size, district) in enumerate([("small", "110105"), ("large", "110108"), ("micro", "110105"),
                                          ("", "110108")]):
        e = personas.make_employer(f"北京分批测试{i}有限公司", serial=80 + i, district_code=district)
        _classify(e, size)
        for month in ("2020-02", "2020-03", "2020-04", "2020-07"):
            contribution(people[i % 2], e, month, BASE * (i + 1), paid_on=dt.date(2020, 2, 20) if i == 0 else None)
    dues_build(actor=SETUP, months=["2020-02", "2020-03", "2020-04"])

    def run(batch):
        monkeypatch.setattr(relief, "SCAN_BATCH", batch)
        try:
            with transaction.atomic():
                raise _Undo(_relief_story(settings, municipal_admin))
        except _Undo as done:
            return done.args[0]

    one_by_one, at_once = run(1), run(1_000_000)
    assert one_by_one == at_once
    what_if, publication, _, preview, records, (dues, postings) = at_once
    # Both districts relieved at publication; 49号's July exemption is the small and micro enterprises' (朝阳区).
    assert publication[0] > 0 and len(what_if[4]) == 2 and preview.dues == 6 and len(preview.by_district) == 1
    assert sum(r[6] + r[7] for r in records) == preview.relief_fen
    assert any(d[7].endswith("sme-exempt-extended") for d in dues)
