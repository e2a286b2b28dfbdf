"""The demo's employer facts fit the employers' names (review U15: demo employer 001, a 建筑工程有限公司,
was registered as industry H62, catering): each fact goes to an employer of its kind, or takes the
industry its employer's name says."""

from __future__ import annotations

from shebao.registry.models import EmployerFacts
from shebao.registry.names import EMPLOYER_KIND_INDUSTRY, industry_for_name
from shebao.staff.demo_relief import FACTS, _matched
from tests import personas
from tests.collection.conftest import contribution


def test_each_demo_fact_goes_to_an_employer_of_its_kind(clerk_chaoyang, settings):
    from shebao.staff.demo_relief import demo_relief_create

    settings.SHEBAO_TODAY = "2020-02-20"
    builder = personas.make_employer("北京华信建筑工程有限公司", serial=601)  # first by id, as employer 001 was
    restaurant = personas.make_employer("北京恒安餐饮管理有限公司", serial=602)
    maker = personas.make_employer("北京宏泰制造有限公司", serial=603)
    for i, e in enumerate((builder, restaurant, maker)):
        contribution(personas.make_person(personas.numbered("职工", i), serial=610 + i), e, "2020-02", 800_000)
    demo_relief_create(clerk=clerk_chaoyang)
    facts = {f.employer_id: f for f in EmployerFacts.objects.all()}
    assert facts[restaurant.pk].industry == "H62" and facts[restaurant.pk].size_class == "small"
    assert facts[builder.pk].industry == "E47"  # never H62
    for f in facts.values():
        assert industry_for_name(f.employer.name) in (None, f.industry), (f.employer.name, f.industry)


def test_a_fact_with_no_employer_of_its_kind_takes_the_industry_of_the_name():
    class E:
        def __init__(self, name):
            self.name = name

    wanted = [f for f in FACTS if f[0] == "110105"]
    builder = E("北京华信建筑工程有限公司")
    chosen = _matched([builder], wanted)
    assert chosen == [(builder, ("110105", wanted[0][1], wanted[0][2], "E47"))]
    from shebao.rules.sme_size import industry_code_problem

    assert [c for c in EMPLOYER_KIND_INDUSTRY.values() if industry_code_problem(c)] == []


def test_the_demo_publishes_on_its_day_and_relieves_each_notice_when_its_day_passes(clerk_chaoyang, settings):
    """The demo's 2020-02-20 knows no relief rule of Beijing's pack (issue 19): nothing is relieved at
    publication, and the line says when the rules apply. Run again on 2020-03-09, the re-relief credits
    February under 医保发〔2020〕6号 and Beijing's notice; a third run does nothing."""
    from shebao.collection.models import Due, ReliefReapplication
    from shebao.staff.demo_relief import demo_relief_create

    settings.SHEBAO_TODAY = "2020-02-20"
    restaurant = personas.make_employer("北京恒安餐饮管理有限公司", serial=604)
    contribution(personas.make_person("职工甲", serial=620), restaurant, "2020-02", 800_000)
    line = demo_relief_create(clerk=clerk_chaoyang)
    assert "2020-02-20发布执行（即时减免0家单位0.00元）" in line and "2020-03-08" in line and "执行补减免" in line
    assert not Due.objects.filter(relief_fen__gt=0).exists()
    settings.SHEBAO_TODAY = "2020-03-09"
    line = demo_relief_create(clerk=clerk_chaoyang)
    assert "已补减免北京市" in line and "医保发〔2020〕6号" in line
    assert Due.objects.filter(employer=restaurant, relief_rule="relief-2020-covid/sme-exempt").count() == 3
    assert demo_relief_create(clerk=clerk_chaoyang) == "" and ReliefReapplication.objects.count() == 2
