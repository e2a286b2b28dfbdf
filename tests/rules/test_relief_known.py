"""Relief packs as known on the business day (issue 19): a rule applies only from the day its document is
issued, and relieving newly known rules later ends where deciding with everything known would.

The 2020 pack by hand: on 2020-02-20 (人社部发〔2020〕11号) no relief rule is known, only the deferral; on
2020-02-29 the medical halving (医保发〔2020〕6号, dated to the month: its last day); on 2020-03-08
Beijing's notice (the exemption and halving of February..June); on 2020-06-22 the 49号 extensions.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.rules.dates import month_index
from shebao.rules.policy import Reference
from shebao.rules.relief import (
    INSURANCES,
    SIZE_CLASSES,
    UNIT_TYPES,
    Coverage,
    ReliefPack,
    ReliefRule,
    load_relief_pack,
    packs_known_on,
    relief_fen,
    relief_rule_for,
    rule_newly_known,
    shadowing_problems,
)

PACK = load_relief_pack("relief-2020-covid")


@pytest.mark.parametrize(("day", "known"), [
    (date(2020, 2, 19), []),
    (date(2020, 2, 20), []),
    (date(2020, 2, 28), []),
    (date(2020, 2, 29), ["medical-half"]),
    (date(2020, 3, 7), ["medical-half"]),
    (date(2020, 3, 8), ["sme-exempt", "individual-business-exempt", "large-half", "social-organization-half",
                        "medical-half"]),
    (date(2020, 6, 21), ["sme-exempt", "individual-business-exempt", "large-half", "social-organization-half",
                         "medical-half"]),
    (date(2020, 6, 22), [r.id for r in PACK.reliefs]),
])
def test_the_2020_pack_as_known_on_each_day(day: date, known: list[str]) -> None:
    assert [r.id for r in PACK.known_on(day).reliefs] == known
    # The deferral rests on 人社部发〔2020〕11号 of 2020-02-20, medical's on 医保发〔2020〕6号 (known to its
    # month, so from 2020-02-29), its continuation on 49号 of 2020-06-22.
    assert [r.id for r in PACK.known_on(day).deferrals] == (
        [] if day < date(2020, 2, 20) else ["hardship-deferral"] if day < date(2020, 2, 29)
        else ["hardship-deferral", "hardship-deferral-medical"] if day < date(2020, 6, 22)
        else ["hardship-deferral", "hardship-deferral-medical", "hardship-deferral-extended"])


def test_a_small_enterprise_february_due_is_exempt_from_beijings_notice_on() -> None:
    """Built on 2020-02-20, a small enterprise's February pension due is owed in full; on 2020-03-08
    Beijing's notice exempts it; a second run that day changes nothing."""
    facts = dict(insurance="pension", month="2020-02", unit_type="enterprise", size_class="small", industry="I65")
    assert relief_rule_for(packs_known_on([PACK], date(2020, 2, 20)), **facts) is None
    assert rule_newly_known([PACK], current="", known_before=date(2020, 2, 20), day=date(2020, 3, 7), **facts) is None
    rule = rule_newly_known([PACK], current="", known_before=date(2020, 2, 20), day=date(2020, 3, 8), **facts)
    assert rule is not None and rule.id == "sme-exempt" and rule.reference.document.startswith("北京市")
    assert rule_newly_known([PACK], current=rule.key, known_before=date(2020, 2, 20), day=date(2020, 3, 8),
                            **facts) is None
    # A due built after the notice and not relieved then was not relieved for its facts: not this step's.
    assert rule_newly_known([PACK], current="", known_before=date(2020, 3, 8), day=date(2020, 7, 1), **facts) is None


def test_july_is_exempt_only_from_the_49_notice_on() -> None:
    facts = dict(insurance="pension", month="2020-07", unit_type="enterprise", size_class="micro", industry="I65")
    assert relief_rule_for(packs_known_on([PACK], date(2020, 6, 21)), **facts) is None
    rule = relief_rule_for(packs_known_on([PACK], date(2020, 6, 22)), **facts)
    assert rule is not None and rule.id == "sme-exempt-extended" and "49号" in rule.reference.document


# --- Properties, on generated packs ----------------------------------------------------------------------
MONTHS = (month_index("2020-01"), month_index("2020-12"))
DAYS = (date(2020, 1, 1), date(2020, 12, 31))
days = st.dates(min_value=DAYS[0], max_value=DAYS[1])
FACTS = st.fixed_dictionaries({
    "insurance": st.sampled_from(INSURANCES), "month": st.integers(*MONTHS),
    "unit_type": st.sampled_from(UNIT_TYPES), "size_class": st.sampled_from(("", *SIZE_CLASSES)),
    "industry": st.sampled_from(("I65", "H62", "C13", "")),
})


@st.composite
def relief_rules(draw: st.DrawFn, index: int) -> ReliefRule:
    m_from = draw(st.integers(*MONTHS))
    subset = st.one_of(st.none(), st.sets(st.sampled_from(UNIT_TYPES), min_size=1).map(frozenset))
    sizes = st.one_of(st.none(), st.sets(st.sampled_from(SIZE_CLASSES), min_size=1).map(frozenset))
    coverage = Coverage(frozenset(draw(st.sets(st.sampled_from(INSURANCES), min_size=1))), draw(subset), draw(sizes),
                        draw(st.one_of(st.none(), st.sampled_from([("I",), ("H62",), ("C", "I65")]))),
                        m_from, draw(st.integers(m_from, MONTHS[1])))
    payable = Fraction(draw(st.integers(0, 2)), 2)
    return ReliefRule("p", f"r{index}", f"r{index}", coverage, payable, Reference("doc", "c"), issued_on=draw(days))


@st.composite
def relief_packs(draw: st.DrawFn, *, orderly: bool) -> ReliefPack:
    """A pack of up to 6 rules; ``orderly``: without `shadowing_problems` (as the loader requires)."""
    rules = [draw(relief_rules(i)) for i in range(draw(st.integers(0, 6)))]
    if orderly and shadowing_problems(rules):
        rules.sort(key=lambda r: r.issued_on)  # a stable sort by issue date always leaves none
    return ReliefPack("p", "1", "p", (), tuple(rules), ())


@settings(max_examples=200, deadline=None)
@given(relief_packs(orderly=False), days, st.lists(FACTS, min_size=1, max_size=20))
def test_the_rules_applied_on_a_day_are_among_those_issued_by_then(pack, day, dues) -> None:
    known = pack.known_on(day)
    assert {r.id for r in known.reliefs} == {r.id for r in pack.reliefs if r.issued_on <= day}
    for facts in dues:
        rule = relief_rule_for([known], **facts)
        assert rule is None or rule.issued_on <= day
        # ... and it is the rule deciding with everything known gives, unless a rule not yet issued would.
        everything = relief_rule_for([pack], **facts)
        if everything is not None and everything.issued_on <= day:
            assert rule == everything


@settings(max_examples=300, deadline=None)
@given(relief_packs(orderly=True), st.lists(st.tuples(FACTS, days), min_size=1, max_size=20),
       st.lists(days, max_size=4))
def test_relieving_newly_known_rules_ends_where_everything_known_does(pack, dues, runs) -> None:
    """Each due is built on its day with the rules known then; the step runs on some later days and once
    all documents are issued (twice: the second run changes nothing). Every due ends with the rule and the
    relief that building it with everything known gives."""
    assert not shadowing_problems(pack.reliefs)
    all_known = max((r.issued_on for r in pack.reliefs), default=DAYS[0])
    for facts, built in dues:
        rule = relief_rule_for(packs_known_on([pack], built), **facts)
        current = rule.key if rule else ""
        for day in sorted(d for d in [*runs, all_known, all_known] if d >= built):
            newly = rule_newly_known([pack], current=current, known_before=built, day=day, **facts)
            if newly is not None:
                assert newly.issued_on > built and newly.issued_on <= day
                current = newly.key
        expected = relief_rule_for([pack], **facts)
        assert current == (expected.key if expected else "")
        if expected is not None:
            relieved = pack.rule(current)
            assert relief_fen(160000, relieved.payable) == relief_fen(160000, expected.payable)


def test_a_later_rule_listed_before_an_earlier_one_it_overlaps_is_refused() -> None:
    """Without this check the property above fails: a due relieved at half by the earlier rule would
    stay at half once the later exemption listed first is known."""
    cov = Coverage(frozenset({"pension"}), None, None, None, *MONTHS)
    later = ReliefRule("p", "later", "l", cov, Fraction(0), Reference("d", "c"), issued_on=date(2020, 6, 1))
    earlier = ReliefRule("p", "earlier", "e", cov, Fraction(1, 2), Reference("d", "c"), issued_on=date(2020, 3, 1))
    assert [rid for _, rid in shadowing_problems([later, earlier])] == ["later"]
    assert shadowing_problems([earlier, later]) == []
    disjoint = ReliefRule("p", "july", "j", Coverage(frozenset({"pension"}), None, None, None, MONTHS[1], MONTHS[1]),
                          Fraction(0), Reference("d", "c"), issued_on=date(2020, 6, 1))
    half_to_june = ReliefRule("p", "h", "h", Coverage(frozenset({"pension"}), None, None, None, MONTHS[0],
                                                      MONTHS[1] - 1), Fraction(1, 2), Reference("d", "c"),
                              issued_on=date(2020, 3, 1))
    assert shadowing_problems([disjoint, half_to_june]) == []


def test_the_loader_refuses_such_a_pack_at_its_line(tmp_path) -> None:
    import shutil

    from shebao.rules.policy import PACKS_DIR
    from shebao.rules.yamlload import PackError

    shutil.copytree(PACKS_DIR / "relief-2020-covid", tmp_path / "relief-2020-covid")
    path = tmp_path / "relief-2020-covid" / "relief.yaml"
    text = path.read_text(encoding="utf-8")
    # The 49号 extension of the exemption, widened back to February and listed first.
    block_start = text.index("  - id: sme-exempt-extended")
    block_end = text.index("  - id: individual-business-exempt-extended")
    block = text[block_start:block_end].replace('from: "2020-07"', 'from: "2020-02"')
    text = text[:block_start] + text[block_end:]
    text = text.replace("reliefs:\n", "reliefs:\n" + block, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_relief_pack("relief-2020-covid", packs_dir=tmp_path)
    assert "sme-exempt-extended" in str(exc.value) and "relief.yaml" in str(exc.value)


def _cov(**kw) -> Coverage:
    base = dict(insurances=frozenset({"pension"}), unit_types=None, size_classes=None, industries=None,
                month_from=MONTHS[0], month_to=MONTHS[1])
    return Coverage(**{**base, **kw})


@pytest.mark.parametrize(("a", "b", "overlap"), [
    (_cov(), _cov(), True),
    (_cov(insurances=frozenset({"medical"})), _cov(), False),
    (_cov(month_to=MONTHS[0]), _cov(month_from=MONTHS[0] + 1), False),
    (_cov(month_from=MONTHS[1]), _cov(month_to=MONTHS[1] - 1), False),
    (_cov(unit_types=frozenset({"enterprise"})), _cov(unit_types=frozenset({"government"})), False),
    (_cov(unit_types=frozenset({"enterprise"})), _cov(), True),
    (_cov(), _cov(unit_types=frozenset({"government"})), True),
    (_cov(size_classes=frozenset({"large"})), _cov(size_classes=frozenset({"small", "micro"})), False),
    (_cov(size_classes=frozenset({"large", "small"})), _cov(size_classes=frozenset({"small"})), True),
    (_cov(industries=("C",)), _cov(industries=("C13",)), True),  # C13 is a C
    (_cov(industries=("C13",)), _cov(industries=("C",)), True),
    (_cov(industries=("C13",)), _cov(industries=("C14", "H62")), False),
    (_cov(industries=("C13",)), _cov(), True),
])
def test_two_coverages_overlap_when_some_due_is_covered_by_both(a, b, overlap) -> None:
    assert a.overlaps(b) is overlap and b.overlaps(a) is overlap


def test_a_documents_day_given_to_the_year_counts_from_its_last_day() -> None:
    from shebao.rules.relief import Document

    assert Document("", "2022", "x").issued_on == date(2022, 12, 31)
    assert Document("", "2022-12", "x").issued_on == date(2022, 12, 31)
    for bad in ("2022-1", "22", "2022-12-1"):
        with pytest.raises(ValueError, match=f"^{bad}$"):  # the text refused is named
            _ = Document("", bad, "x").issued_on


def test_the_2022_pack_as_known_on_each_day_keeps_only_its_issued_deferrals() -> None:
    """A pack without relief rules: its deferral extensions (人社部发〔2022〕31号, 2022-05-31; 人社厅发〔2022〕
    50号, dated to September) are left out before their day."""
    pack = load_relief_pack("relief-2022-deferral")
    assert [r.id for r in pack.known_on(date(2022, 4, 30)).deferrals] == ["hard-hit-pension",
                                                                         "hard-hit-unemployment-work-injury"]
    assert len(pack.known_on(date(2022, 5, 31)).deferrals) == 3
    assert pack.known_on(date(2022, 9, 30)) is pack
    assert pack.known_on(date(2022, 4, 29)).deferrals == ()


def test_a_rule_by_industry_covers_an_employer_of_that_industry() -> None:
    rule = ReliefRule("p", "h62", "h", _cov(industries=("H62",)), Fraction(0), Reference("d", "c"),
                      issued_on=date(2020, 3, 1))
    pack = ReliefPack("p", "1", "p", (), (rule,), ())
    facts = dict(insurance="pension", month=MONTHS[0], unit_type="enterprise", size_class="small")
    assert relief_rule_for([pack], industry="H621", **facts) == rule
    assert relief_rule_for([pack], industry="I65", **facts) is None
    assert relief_rule_for([pack], industry="", **facts) is None
