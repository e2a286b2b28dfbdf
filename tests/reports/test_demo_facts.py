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
        contribution(personas.make_person(f"职工{i}", serial=610 + i), e, "2020-02", 800_000)
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
