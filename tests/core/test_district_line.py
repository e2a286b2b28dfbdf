"""A clerk of 海淀区 tries to cross the district line through every page and API route that exists.

The test walks the URL configuration itself: a route that takes an object's key must be listed in
`OBJECTS` (what a 朝阳区 object of that route is), so a new route cannot slip past untested.
Routes without a key (lists, searches) must not show 朝阳区 rows to the 海淀区 clerk.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator

import pytest
from django.urls import URLResolver, get_resolver

from tests import personas
from tests.nothing_written import nothing_written

SECRET_PERSON, SECRET_EMPLOYER = "欧阳秘密", "北京朝阳保密测试有限公司"

# Routes that never show district data (auth, assets, the schema, the admin's own pages). The portal
# (portal/) refuses every staff session and has its own walk (tests/portal/test_walls.py).
OUT_OF_SCOPE = re.compile(r"^(admin/|api/schema/|login/|logout/|large-type/|static/|portal/)")


def walk(patterns, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    """Every route as (pattern text, namespaced name)."""
    for p in patterns:
        if isinstance(p, URLResolver):
            inner_ns = f"{ns}:{p.namespace}".strip(":") if p.namespace else ns
            yield from walk(p.url_patterns, prefix + str(p.pattern), inner_ns)
        else:
            yield prefix + str(p.pattern), f"{ns}:{p.name}".strip(":") if p.name else ""


KEY = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def fill(route: str, values: dict[str, object]) -> str:
    path = KEY.sub(lambda m: str(values[m.group(1) or m.group(2)]), route)
    return "/" + path.replace("^", "").replace("$", "")


def _chaoyang_objects() -> dict[str, Callable[[], dict[str, object]]]:
    """Route-name → a 朝阳区 object's URL kwargs. Extend when a route with a key is added."""
    person = personas.make_person(SECRET_PERSON, serial=77)
    employer = personas.make_employer(SECRET_EMPLOYER, serial=77)
    objects: dict[str, dict[str, object]] = {
        "web:person_detail": {"pk": person.pk},
        "web:person_reveal": {"pk": person.pk, "field": "id_number"},
        "web:person_unmerge": {"pk": person.pk},
        "web:employer_detail": {"pk": employer.pk},
        "web:employer_reveal": {"pk": employer.pk, "field": "bank_account"},
        "person-detail": {"pk": person.pk},
        "person-reveal": {"pk": person.pk},
        "person-merge": {"pk": person.pk},
        "person-unmerge": {"pk": person.pk},
        "employer-detail": {"pk": employer.pk},
        "employer-reveal": {"pk": employer.pk},
    }
    try:
        from tests.district_line_objects import extra_objects  # provided by the domain apps' tests
    except ImportError:
        extra_objects = None
    if extra_objects:
        objects.update(extra_objects(person=person, employer=employer))
    return objects


def _body(response) -> str:
    """What a response shows: its text, a streamed download read to the end, a spreadsheet's sheets
    unzipped (an .xlsx is a zip of XML: a name in it is not in the compressed bytes)."""
    import io
    import zipfile

    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            raw = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    return raw.decode(errors="ignore")


def routes() -> list[tuple[str, str]]:
    return [(route, name) for route, name in walk(get_resolver().url_patterns)
            if not OUT_OF_SCOPE.match(route) and "(?P<format>" not in route]


@pytest.mark.django_db
def test_no_route_lets_a_haidian_clerk_see_or_touch_chaoyang_data(client, clerk_haidian):
    from rest_framework.test import APIClient

    objects = _chaoyang_objects()
    api = APIClient()
    api.force_authenticate(clerk_haidian)
    client.force_login(clerk_haidian)
    checked, missing = 0, []
    secrets = [SECRET_PERSON, SECRET_EMPLOYER]
    for route, name in routes():
        has_key = bool(KEY.search(route))
        if has_key and name not in objects:
            missing.append(f"{route} ({name})")
            continue
        url = fill(route, objects.get(name, {}))
        c = api if url.startswith("/api/") else client
        for method in ("get", "post"):
            # A refusal writes nothing: no row (audit, outbox, personal-data read included), no file.
            with nothing_written() if has_key else contextlib.nullcontext():
                # A keyed API route refuses a query parameter it does not read (api.query) before its look-up.
                r = getattr(c, method)(url, {"q": "oymm"} if method == "get" and not has_key else {})
            body = _body(r)
            if has_key:
                assert r.status_code in (403, 404, 405), f"{method.upper()} {url} -> {r.status_code}"
            else:
                assert r.status_code < 500, f"{method.upper()} {url} -> {r.status_code}"
            for s in secrets:
                assert s not in body, f"{method.upper()} {url} shows {s}"
            checked += 1
    assert not missing, "routes with a key that this test does not know how to cross: " + ", ".join(missing)
    assert checked >= 10


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r.value for r in personas.Role])
def test_a_refusal_does_not_tell_whether_the_object_exists(client, role):
    """Every route with an object's key, read and posted by each role of 海淀区 and of the center: when
    either answers 403, a 朝阳区 object that exists and a number that does not get the same answer
    (review-input12: a payroll run's file, retry and release, and a relief publication request answered
    403 for one that exists and 404 for a missing one, which told the numbers in use). Who may not act
    is refused before the look-up; who may, finds another district's object as missing (404)."""
    from rest_framework.test import APIClient

    from shebao.staff.models import User

    objects = _chaoyang_objects()
    problems = []
    for office_code in ("110108", "110000"):
        user = User.objects.create(username=f"exists_{role}_{office_code}", role=role,
                                   office=personas.office(office_code))
        api = APIClient()
        api.force_authenticate(user)
        client.force_login(user)
        for route, name in routes():
            if not KEY.search(route) or name not in objects:
                continue
            kwargs = objects[name]
            missing = {k: 99_999_999 if isinstance(v, int) else v for k, v in kwargs.items()}
            for method in ("get", "post"):
                answers = []
                for values in (kwargs, missing):
                    url = fill(route, values)
                    c = api if url.startswith("/api/") else client
                    with nothing_written() if method == "post" and values is missing else contextlib.nullcontext():
                        r = getattr(c, method)(url, {}, **({"format": "json"} if c is api and method == "post"
                                                           else {}))
                    answers.append(r.status_code)
                if 403 in answers and answers[0] != answers[1]:
                    problems.append(f"{role}@{office_code} {method.upper()} {route} ({name}): "
                                    f"{answers[0]} for an object, {answers[1]} for a missing number")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_missing_payroll_run_is_named_in_chinese(client, collection_clerk):
    client.force_login(collection_clerk)
    for url in ("/office/benefits/payroll/99999999/", "/office/benefits/payroll/99999999/file/"):
        r = client.get(url)
        assert r.status_code == 404 and "未找到该养老金发放批次" in r.content.decode(), url
    with nothing_written():
        r = client.post("/office/benefits/payroll/99999999/retry/")
    assert r.status_code == 404 and "未找到该养老金发放批次" in r.content.decode()
