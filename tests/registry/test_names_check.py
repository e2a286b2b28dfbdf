"""Names stored before the name rule (review F1): listed by ``shebao names_check``; ``--fix`` stores the
rule's spelling where it only normalises (the old and the new name in the audit trail) and flags what it
refuses; an open case of such a person shows the problem by position and character on the case page and
in the API, and the refusal to approve or complete it names it instead of saying only 申请内容不完整."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from lxml import html as lxml_html

from shebao.cases import services
from shebao.cases.models import Case
from shebao.cases.workflows import ContentIncomplete, NotAllowed
from shebao.core.models import AuditEvent
from shebao.registry.models import Person
from shebao.registry.stored_names import stored_name_problem, stored_names_check
from tests import personas
from tests.cases.conftest import client_for

pytestmark = pytest.mark.django_db
SPACED = "第2位的空格请删除：居民身份证上的姓名不含空格"


@pytest.fixture(autouse=True)
def _day(settings):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)


@pytest.fixture
def stored(clerk_chaoyang):
    """(dotted, spaced, filler): three 朝阳 records whose names were written before the rule (as a
    review copy holds them: past the services), and an open person change of the spaced one."""
    dotted = personas.make_person("阿依古丽", serial=21)
    spaced = personas.make_person("王五", serial=22)
    filler = personas.make_person("李四", serial=23)
    Person.objects.filter(pk=dotted.pk).update(name="阿依古丽•买买提")
    Person.objects.filter(pk=spaced.pk).update(name="王 五")
    Person.objects.filter(pk=filler.pk).update(name="李\u3164四")
    case, _ = services.case_submit(actor=clerk_chaoyang, business="person_change", channel="counter",
                                   person=Person.objects.get(pk=spaced.pk), applicant_kind="person",
                                   details={"changes": {"phone": "010-88886666"}})
    return dotted, spaced, filler, case


def _run(*args) -> str:
    out = io.StringIO()
    call_command("names_check", *args, stdout=out)
    return out.getvalue()


def test_the_listing_names_each_stored_name_and_its_open_cases(stored):
    dotted, spaced, filler, case = stored
    kinds = {f.person_id: (f.kind, f.new, f.open_cases) for f in stored_names_check()}
    assert kinds == {dotted.pk: ("normalise", "阿依古丽·买买提", []), spaced.pk: ("refuse", "王 五", [case.pk]),
                     filler.pk: ("refuse", "李\u3164四", [])}
    said = _run()
    assert f"人员#{dotted.pk} 姓名“阿依古丽•买买提”写法待规范：规范写法为“阿依古丽·买买提”" in said
    assert f"人员#{spaced.pk} 姓名“王 五”不符合姓名规则：{SPACED}" in said and f"未办结申请：#{case.pk}" in said
    assert "第2位是不可见的字符U+3164（韩文填充符）" in said
    assert "共3个姓名：不符合姓名规则2个，写法待规范1个。" in said
    assert Person.objects.get(pk=dotted.pk).name == "阿依古丽•买买提"  # listing writes nothing


def test_fix_normalises_with_the_history_and_flags_the_refused_once(stored):
    dotted, spaced, filler, _case = stored
    said = _run("--fix")
    assert "已规范1个姓名的写法，已标记2个不符合规则的姓名" in said
    assert Person.objects.get(pk=dotted.pk).name == "阿依古丽·买买提"
    assert Person.objects.get(pk=spaced.pk).name == "王 五"  # refused: not guessed at
    renamed = AuditEvent.objects.get(model="registry.Person", object_pk=str(dotted.pk), action="update")
    assert renamed.changes["name"] == ["阿依古丽•买买提", "阿依古丽·买买提"] and "names_check" in renamed.reason
    flags = AuditEvent.objects.filter(model="registry.Person", changes__has_key="name_check")
    assert sorted(int(e.object_pk) for e in flags) == sorted([spaced.pk, filler.pk])
    name, problem = flags.get(object_pk=str(spaced.pk)).changes["name_check"]
    assert name == "王 五" and problem.startswith(SPACED)
    assert flags.get(object_pk=str(filler.pk)).changes["name_check"][0] == "李[U+3164]四"  # the trail shows it
    before = AuditEvent.objects.count()
    assert "已规范0个姓名的写法，已标记0个不符合规则的姓名" in _run("--fix")  # idempotent
    assert AuditEvent.objects.count() == before


def test_the_open_case_shows_the_name_problem_and_the_refusal_names_it(client, stored, clerk_chaoyang,
                                                                        reviewer_chaoyang):
    _dotted, spaced, _filler, case = stored
    assert SPACED in stored_name_problem(Person.objects.get(pk=spaced.pk))
    client.force_login(clerk_chaoyang)
    page = client.get(f"/office/cases/{case.pk}/").content.decode()
    warning = lxml_html.fromstring(page).get_element_by_id("content-incomplete").text_content()
    assert "参保人员登记的姓名“王 五”" in warning and SPACED in warning
    api = client_for(reviewer_chaoyang).get(f"/api/v1/cases/{case.pk}/").json()
    assert any(SPACED in p["reason_zh"] and p["field"] == "person" for p in api["content_problems"]), api
    case = Case.objects.get(pk=case.pk)
    if case.status == "submitted":
        services.case_transition(case=case, actor=clerk_chaoyang, action="accept")
    refused = None
    for actor in (reviewer_chaoyang, clerk_chaoyang):  # whoever the mode lets complete it
        try:
            services.case_transition(case=Case.objects.get(pk=case.pk), actor=actor, action="complete")
        except ContentIncomplete as e:
            refused, completer = e, actor
            break
        except NotAllowed:
            continue
    assert refused is not None and "参保人员登记的姓名“王 五”第2位的空格请删除" in refused.zh
    assert refused.zh.startswith("申请内容不完整，不能办结：参保人员登记的姓名")
    version = Case.objects.get(pk=case.pk).version
    r = client_for(completer).post(f"/api/v1/cases/{case.pk}/transitions/", {"action": "complete",
                                                                                    "version": version},
                                     format="json")
    assert r.status_code == 422 and SPACED in r.json()["detail"]
    assert Case.objects.get(pk=case.pk).status != "completed"
