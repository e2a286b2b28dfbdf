"""Relief packs in the rules core: the 2020 pack's rules at their boundaries, worked out by hand from
人社部发〔2020〕11号, 人社部发〔2020〕49号, 医保发〔2020〕6号 and Beijing's notice of 2020-03-08; the batch
reading equals the single one; deferral limits; a malformed pack names its file and line."""

from __future__ import annotations

import shutil
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules.dates import month_index
from shebao.rules.policy import PACKS_DIR, available_packs
from shebao.rules.relief import (
    INSURANCES,
    SIZE_CLASSES,
    UNIT_TYPES,
    deferral_refusals,
    load_relief_pack,
    relief_columns,
    relief_fen,
    relief_pack_names,
    relief_rule_for,
)
from shebao.rules.yamlload import PackError

PACK = load_relief_pack("relief-2020-covid")


def rule(unit_type: str, size: str, month: str, insurance: str, industry: str = "I65") -> str | None:
    r = relief_rule_for([PACK], insurance=insurance, month=month, unit_type=unit_type, size_class=size,
                        industry=industry)
    return None if r is None else r.id


# (unit type, size class, month, insurance) -> the rule, read off the notices by hand.
CASES = [
    # SMEs: exempt from February (11号 第一条, Beijing: 2月至6月) ...
    ("enterprise", "small", "2020-01", "pension", None),
    ("enterprise", "small", "2020-02", "pension", "sme-exempt"),
    ("enterprise", "micro", "2020-02", "unemployment", "sme-exempt"),
    ("enterprise", "medium", "2020-06", "work_injury", "sme-exempt"),
    # ... extended to December (49号 第一条), not a month further.
    ("enterprise", "medium", "2020-07", "pension", "sme-exempt-extended"),
    ("enterprise", "small", "2020-12", "pension", "sme-exempt-extended"),
    ("enterprise", "small", "2021-01", "pension", None),
    # Large enterprises: halved February to April (Beijing), extended to June (49号), not July.
    ("enterprise", "large", "2020-02", "pension", "large-half"),
    ("enterprise", "large", "2020-04", "unemployment", "large-half"),
    ("enterprise", "large", "2020-05", "work_injury", "large-half-extended"),
    ("enterprise", "large", "2020-06", "pension", "large-half-extended"),
    ("enterprise", "large", "2020-07", "pension", None),
    # Social organisations are "other units": halved like large enterprises (Beijing).
    ("social_organization", "", "2020-03", "pension", "social-organization-half"),
    ("social_organization", "", "2020-06", "pension", "social-organization-half-extended"),
    ("social_organization", "", "2020-07", "pension", None),
    # Individual businesses insured as units: exempt like SMEs, whatever their size (11号 第四条).
    ("individual_business", "", "2020-02", "pension", "individual-business-exempt"),
    ("individual_business", "large", "2020-12", "work_injury", "individual-business-exempt-extended"),
    # Government bodies and public institutions are left out of the three insurances (11号 第一条).
    ("government", "", "2020-02", "pension", None),
    ("public_institution", "", "2020-05", "unemployment", None),
    # An enterprise not classified gets no size-class relief.
    ("enterprise", "", "2020-02", "pension", None),
    # Medical: halved February to June for every unit (医保发〔2020〕6号 第一条), not July; maternity never.
    ("enterprise", "small", "2020-02", "medical", "medical-half"),
    ("government", "", "2020-06", "medical", "medical-half"),
    ("enterprise", "large", "2020-07", "medical", None),
    ("enterprise", "small", "2020-01", "medical", None),
    ("enterprise", "small", "2020-03", "maternity", None),
]


@pytest.mark.parametrize(("unit_type", "size", "month", "insurance", "expected"), CASES)
def test_the_2020_rules_at_their_boundaries(unit_type, size, month, insurance, expected) -> None:
    assert rule(unit_type, size, month, insurance) == expected


def test_the_amounts_worked_out_by_hand() -> None:
    # 10,000 yuan base: pension employer 16 % = 1,600 yuan; an SME pays none of it, a large one half.
    sme = relief_rule_for([PACK], insurance="pension", month="2020-02", unit_type="enterprise",
                          size_class="small", industry="")
    large = relief_rule_for([PACK], insurance="pension", month="2020-02", unit_type="enterprise",
                            size_class="large", industry="")
    assert sme is not None and large is not None
    assert relief_fen(160_000, sme.payable) == 160_000
    assert relief_fen(160_000, large.payable) == 80_000
    # An odd fen: 1.61 yuan halved is 0.805 payable, rounded half-up to 0.81; relief 0.80.
    assert relief_fen(161, large.payable) == 80
    assert relief_fen(0, large.payable) == 0
    assert sme.kind_zh == "免征" and large.kind_zh == "减半征收"
    assert "人社部发〔2020〕" not in sme.reference.document  # Beijing's notice is the pack's rule
    assert "北京市" in sme.reference.document and "11号第一条" in sme.reference.clause


def test_relief_packs_are_not_policy_packs() -> None:
    assert "relief-2020-covid" in relief_pack_names()
    assert "relief-2020-covid" not in available_packs()
    assert PACK.facts_fixed_on == date(2020, 3, 9)
    assert PACK.months() == (month_index("2020-02"), month_index("2020-12"))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(INSURANCES), st.integers(month_index("2019-11"), month_index("2021-02")),
                               st.integers(0, 10**9), st.sampled_from(UNIT_TYPES), st.sampled_from(("", *SIZE_CLASSES)),
                               st.sampled_from(("", "H62", "C13", "G54"))), max_size=60))
def test_the_batch_reading_equals_the_single_one(rows) -> None:
    cols = relief_columns([PACK], insurance=np.asarray([r[0] for r in rows], dtype=object),
                          month=np.asarray([r[1] for r in rows], dtype=np.int64),
                          employer_fen=np.asarray([r[2] for r in rows], dtype=np.int64),
                          unit_type=np.asarray([r[3] for r in rows], dtype=object),
                          size_class=np.asarray([r[4] for r in rows], dtype=object),
                          industry=np.asarray([r[5] for r in rows], dtype=object))
    for i, (ins, m, e, ut, sc, ind) in enumerate(rows):
        single = relief_rule_for([PACK], insurance=ins, month=m, unit_type=ut, size_class=sc, industry=ind)
        if single is None:
            assert cols.rule_index[i] == -1 and cols.relief_fen[i] == 0
        else:
            assert cols.rules[cols.rule_index[i]] is single
            assert cols.relief_fen[i] == relief_fen(e, single.payable)
            assert 0 <= cols.relief_fen[i] <= e


@given(e=st.integers(0, 10**12), n=st.integers(0, 12), d=st.integers(1, 12))
def test_relief_never_exceeds_the_employer_share(e, n, d) -> None:
    if n > d:
        return
    r = relief_fen(e, Fraction(n, d))
    assert 0 <= r <= e
    assert e - r == (2 * e * n + d) // (2 * d)  # the payable part, rounded half-up


# --- Deferral: 6 months at most (11号 第三条), and not past 2020-12-31 (49号) -----------------------------
DEFER = PACK.deferral("hardship-deferral")


def refusals(months, until, due_in_force, unit_type="enterprise", size="small"):
    return [r.field for r in deferral_refusals(DEFER, months=months, due_until=until, due_in_force=due_in_force,
                                               unit_type=unit_type, size_class=size, industry="")]


def test_a_deferral_reaches_six_months_after_the_due_date_and_not_a_day_more() -> None:
    due = {"2020-03": date(2020, 3, 25)}
    assert refusals(["2020-03"], date(2020, 9, 25), due) == []
    assert refusals(["2020-03"], date(2020, 9, 26), due) == ["due_until"]
    # February's due date was extended to 2020-03-31 (notice 0.2): six months from that (Civil Code months).
    assert refusals(["2020-02"], date(2020, 9, 30), {"2020-02": date(2020, 3, 31)}) == []
    assert refusals(["2020-02"], date(2020, 10, 1), {"2020-02": date(2020, 3, 31)}) == ["due_until"]


def test_a_deferral_under_11hao_covers_february_to_june_only() -> None:
    """人社部发〔2020〕11号 第三条: deferral in its period of relief (2020-02..06), six months at most."""
    assert refusals(["2020-06"], date(2020, 12, 25), {"2020-06": date(2020, 6, 25)}) == []
    assert refusals(["2020-07"], date(2020, 12, 25), {"2020-07": date(2020, 7, 25)}) == ["months"]
    assert refusals(["2020-01"], date(2020, 6, 1), {"2020-01": date(2020, 3, 31)}) == ["months"]
    assert refusals(["2020-03"], date(2020, 3, 25), {"2020-03": date(2020, 3, 25)}) == ["due_until"]  # not later


EXTENDED = PACK.deferral("hardship-deferral-extended")


def test_the_49hao_extension_reaches_the_end_of_2020_and_no_further() -> None:
    """人社部发〔2020〕49号 第三条: "可继续缓缴社会保险费至2020年12月底": any month of 2020-02..12 to
    2020-12-31 at the latest (no six-month limit), pension, unemployment and work injury only."""
    def ext(months, until, due):
        return [r.field for r in deferral_refusals(EXTENDED, months=months, due_until=until, due_in_force=due,
                                                   unit_type="enterprise", size_class="small", industry="")]

    assert EXTENDED.issued_on == date(2020, 6, 22)
    assert "人社部发〔2020〕49号" in EXTENDED.reference.document and "第三条" in EXTENDED.reference.clause
    assert ext(["2020-10"], date(2020, 12, 31), {"2020-10": date(2020, 10, 25)}) == []
    assert ext(["2020-10"], date(2021, 1, 1), {"2020-10": date(2020, 10, 25)}) == ["due_until"]
    assert ext(["2020-03"], date(2020, 12, 31), {"2020-03": date(2020, 3, 25)}) == []  # past six months
    assert ext(["2021-01"], date(2021, 3, 1), {"2021-01": date(2021, 1, 25)}) == ["months"]
    assert ext(["2020-01"], date(2020, 6, 1), {"2020-01": date(2020, 3, 31)}) == ["months"]
    assert EXTENDED.coverage.insurances == frozenset({"pension", "unemployment", "work_injury"})
    assert DEFER.issued_on == date(2020, 2, 20) and "medical" not in DEFER.coverage.insurances
    medical = PACK.deferral("hardship-deferral-medical")
    # 职工医保's deferral rests on 医保发〔2020〕6号 第二条, known only to its month (2020-02 -> 02-29).
    assert medical.coverage.insurances == frozenset({"medical"}) and medical.issued_on == date(2020, 2, 29)
    assert "医保发〔2020〕6号" in medical.reference.document and "第二条" in medical.reference.clause
    assert medical.max_months == 6 and medical.limit(date(2020, 3, 25)) == date(2020, 9, 25)


def test_government_bodies_may_not_defer_and_the_reason_names_the_notice() -> None:
    out = deferral_refusals(DEFER, months=["2020-03"], due_until=date(2020, 5, 1),
                            due_in_force={"2020-03": date(2020, 3, 25)}, unit_type="government", size_class="",
                            industry="")
    assert [r.field for r in out] == ["employer"]
    assert "机关" in out[0].zh and "人社部发〔2020〕11号" in out[0].zh and "第三条" in out[0].zh


def test_a_malformed_pack_fails_with_its_file_and_line(tmp_path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR / "relief-2020-covid", packs / "relief-2020-covid")
    path = packs / "relief-2020-covid" / "relief.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    bad = next(i for i, ln in enumerate(lines) if "payable: {numerator: 1, denominator: 2}" in ln)
    lines[bad] = lines[bad].replace("numerator: 1", "numerator: 3")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PackError) as e:
        load_relief_pack("relief-2020-covid", packs_dir=packs)
    assert e.value.line == bad + 1 and "numerator" in e.value.reason
    path.write_text(text.replace("document: bj-2020-03-08", "document: nowhere", 1), encoding="utf-8")
    with pytest.raises(PackError, match="unknown document 'nowhere'"):
        load_relief_pack("relief-2020-covid", packs_dir=packs)
    path.write_text(text.replace("insurances: [pension, unemployment, work_injury]", "insurances: [pensions]", 1),
                    encoding="utf-8")
    with pytest.raises(PackError, match="pensions"):
        load_relief_pack("relief-2020-covid", packs_dir=packs)


# --- The 2022 deferral pack: added as data only (its folder), read by the same code --------------------
PACK_2022 = load_relief_pack("relief-2022-deferral")


def refusals_2022(rule_id, months, until, due_in_force, unit_type="enterprise", size="large", industry="H6210"):
    return [r.field for r in deferral_refusals(PACK_2022.deferral(rule_id), months=months, due_until=until,
                                               due_in_force=due_in_force, unit_type=unit_type, size_class=size,
                                               industry=industry)]


def test_2022_a_restaurant_defers_pension_of_april_to_june_to_the_end_of_2023_and_not_a_day_more() -> None:
    due = {"2022-04": date(2022, 4, 25), "2022-06": date(2022, 6, 25)}
    assert refusals_2022("hard-hit-pension", ["2022-04", "2022-06"], date(2023, 12, 31), due) == []
    assert refusals_2022("hard-hit-pension", ["2022-04"], date(2024, 1, 1), due) == ["due_until"]
    assert refusals_2022("hard-hit-pension", ["2022-03"], date(2022, 9, 1), {"2022-03": date(2022, 3, 25)}) == [
        "months"]
    # 31号 extended pension to December 2022, under its own clause; January 2023 is outside.
    assert refusals_2022("hard-hit-pension-extended", ["2022-12"], date(2023, 12, 31),
                         {"2022-12": date(2022, 12, 25)}) == []
    assert refusals_2022("hard-hit-pension-extended", ["2023-01"], date(2023, 12, 31),
                         {"2023-01": date(2023, 1, 25)}) == ["months"]


def test_2022_unemployment_and_work_injury_are_deferred_one_year_at_most() -> None:
    due = {"2022-04": date(2022, 4, 25), "2023-03": date(2023, 3, 25)}
    assert refusals_2022("hard-hit-unemployment-work-injury", ["2022-04"], date(2023, 4, 25), due) == []
    assert refusals_2022("hard-hit-unemployment-work-injury", ["2022-04"], date(2023, 4, 26), due) == ["due_until"]
    # March 2023: a year would reach 2024-03-25, but the end of 2023 comes first (50号).
    assert refusals_2022("hard-hit-unemployment-work-injury", ["2023-03"], date(2023, 12, 31), due) == []
    assert refusals_2022("hard-hit-unemployment-work-injury", ["2023-03"], date(2024, 1, 1), due) == ["due_until"]


def test_2022_industries_and_size_classes_decide_who_may_defer() -> None:
    may = {"2022-05": date(2022, 5, 25)}
    for industry in ("H62", "F5212", "L7271", "G5611", "G53", "G5411", "G55"):  # the five hard-hit industries
        assert refusals_2022("hard-hit-pension", ["2022-05"], date(2023, 1, 1), may, industry=industry) == []
    assert refusals_2022("hard-hit-pension", ["2022-05"], date(2023, 1, 1), may, industry="I65") == ["employer"]
    assert refusals_2022("hard-hit-pension", ["2022-05"], date(2023, 1, 1), may, unit_type="government") == [
        "employer"]
    sept = {"2022-09": date(2022, 9, 25)}
    assert refusals_2022("sme-from-september", ["2022-09"], date(2023, 6, 1), sept, size="small", industry="I65") == []
    assert refusals_2022("sme-from-september", ["2022-09"], date(2023, 6, 1), sept, size="large",
                         industry="I65") == ["employer"]
    assert refusals_2022("sme-from-september", ["2022-08"], date(2023, 6, 1), {"2022-08": date(2022, 8, 25)},
                         size="small", industry="I65") == ["months"]
    assert refusals_2022("units-from-september", ["2022-10"], date(2023, 6, 1), {"2022-10": date(2022, 10, 25)},
                         unit_type="public_institution", size="", industry="") == []


def test_the_2022_pack_relieves_nothing_and_defers_only() -> None:
    assert PACK_2022.reliefs == ()
    assert relief_rule_for([PACK, PACK_2022], insurance="pension", month="2022-05", unit_type="enterprise",
                           size_class="small", industry="H62") is None


def test_the_2022_pack_was_added_with_no_change_under_src_but_its_folder() -> None:
    """The design's test (issue 19): a new emergency is a new pack folder, not new code."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    folder = "src/shebao/rules/packs/relief-2022-deferral/"
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", folder + "relief.yaml"], cwd=root,
                           capture_output=True, text=True, check=True).stdout.split()
    if not added:
        pytest.skip("the pack's commit is not in this checkout's history")
    files = subprocess.run(["git", "show", "--name-only", "--format=", added[-1]], cwd=root, capture_output=True,
                           text=True, check=True).stdout.split()
    under_src = [f for f in files if f.startswith("src/")]
    assert under_src and all(f.startswith(folder) for f in under_src), under_src


def test_a_document_is_known_from_its_date_and_a_date_to_the_month_from_the_months_last_day() -> None:
    """review-user3 U9: what a business day may show or apply starts with the day its documents exist."""
    covid, y2022 = load_relief_pack("relief-2020-covid"), load_relief_pack("relief-2022-deferral")
    issued = {d.number or d.title: d.issued_on for d in covid.documents}
    assert issued["人社部发〔2020〕11号"] == date(2020, 2, 20)
    assert issued["医保发〔2020〕6号"] == date(2020, 2, 29)  # "2020-02": the day within it is not known
    assert covid.issued_on == date(2020, 2, 20) and y2022.issued_on == date(2022, 4, 30)


def test_a_document_date_of_another_form_is_refused_where_it_stands(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR / "relief-2020-covid", packs / "relief-2020-covid")
    f = packs / "relief-2020-covid" / "relief.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace('date: "2020-02"\n', 'date: "2020年2月"\n', 1), encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_relief_pack("relief-2020-covid", packs_dir=packs)
    assert "YYYY-MM-DD" in str(exc.value)


def test_no_month_asked_is_refused_by_the_rule_itself_and_an_unregistered_employer_is_named_so() -> None:
    """Mutation survivors of deferral_refusals (issue 19): the rule refuses an application naming no
    month (the service refuses it earlier, so only this test reads it), and an employer without facts is
    named 未登记类型 and 行业未登记 in its refusal."""
    out = deferral_refusals(DEFER, months=[], due_until=date(2020, 5, 1), due_in_force={}, unit_type="",
                            size_class="", industry="")
    assert [(r.field, r.zh) for r in out][1:] == [("months", "请至少选择一个缓缴的费款所属期")]
    assert out[0].field == "employer" and out[0].zh.startswith("该单位（未登记类型、未划型、行业未登记）不在“")


def test_every_month_asked_is_answered_with_its_own_reason() -> None:
    """Mutation survivors of deferral_refusals: a month outside the rule does not stop the check of the
    months after it, each refusal says its month, and a malformed month names the field."""
    from shebao.rules.dates import InputError

    out = deferral_refusals(DEFER, months=["2020-01", "2020-03"], due_until=date(2020, 9, 26),
                            due_in_force={"2020-01": date(2020, 3, 31), "2020-03": date(2020, 3, 25)},
                            unit_type="enterprise", size_class="small", industry="")
    assert [r.field for r in out] == ["months", "due_until"]
    assert out[0].zh.startswith("费款所属期2020-01不在可缓缴的2020-02至2020-06之内（“")
    assert out[1].zh.startswith("2020-03费款最迟只能缓缴至2020-09-25（原缴费期限2020-03-25）（“")
    with pytest.raises(InputError) as e:
        deferral_refusals(DEFER, months=["2020-13"], due_until=date(2020, 5, 1), due_in_force={},
                          unit_type="enterprise", size_class="small", industry="")
    assert e.value.field == "months"


def test_a_deferral_to_the_due_date_itself_says_it_must_be_later() -> None:
    [r] = deferral_refusals(DEFER, months=["2020-03"], due_until=date(2020, 3, 25),
                            due_in_force={"2020-03": date(2020, 3, 25)}, unit_type="enterprise", size_class="small",
                            industry="")
    assert (r.field, r.zh) == ("due_until", "缓缴至的日期须晚于2020-03费款原缴费期限2020-03-25")
