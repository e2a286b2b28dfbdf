"""Every error status a person meets is the site's Chinese page (review-input5 F5).

A view decorated with ``require_POST`` answered a GET (a bookmarked export, a refreshed result page)
with Django's empty 405; every other error had the Chinese page. The class is every answer of 400 and
above that says nothing a person can read: the walk below opens every route of the URL configuration,
signed in, and requires each such answer to say something in Chinese.
"""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tests.core.test_district_line import KEY, walk

CJK = re.compile(r"[\u4e00-\u9fff]")
SKIP = re.compile(r"^(static/|admin/|logout/)")


def _routes() -> list[str]:
    from django.urls import get_resolver

    out = []
    for route, _name in walk(get_resolver().url_patterns):
        if SKIP.match(route) or "(?P<format>" in route:
            continue
        # Any key: a record that does not exist (a 404 or a method refusal, both in Chinese).
        out.append("/" + KEY.sub("987654321", route).replace("^", "").replace("$", ""))
    return out


@pytest.mark.django_db
def test_every_error_answer_of_every_route_says_something_in_chinese(client, clerk_chaoyang):
    client.force_login(clerk_chaoyang)
    seen_405, silent = 0, []
    for url in _routes():
        r = client.get(url)
        if r.status_code < 400 or r.streaming:
            continue
        seen_405 += r.status_code == 405
        if not CJK.search(r.content.decode(errors="replace")):
            silent.append(f"GET {url} -> {r.status_code}")
    assert not silent, "error answers without Chinese: " + ", ".join(silent)
    assert seen_405 >= 5  # the POST-only views were reached, not stopped before their method check


@pytest.mark.django_db
def test_a_post_only_view_opened_with_get_is_the_chinese_405_page_and_keeps_allow(client, clerk_chaoyang):
    from django.urls import reverse

    client.force_login(clerk_chaoyang)
    r = client.get(reverse("backoffice:persons_export"), {"q": "张三"})
    assert r.status_code == 405
    assert r["Allow"] == "POST"
    body = r.content.decode()
    assert "不能这样打开此地址" in body and "页面上的按钮或表单" in body and "错误代码 405" in body
    assert '<html lang="zh-CN"' in body or "lang=\"zh-CN\"" in body


@pytest.mark.django_db
def test_the_portal_405_is_the_portal_page(client, settings, employer_chaoyang):
    from django.urls import reverse

    from shebao.web.errors import PORTAL_TODO
    from tests.portal.conftest import make_admin, sign_in_employer

    url = reverse("portal:employer_case_commitment", args=[987654321])
    # Who is signed in is asked before the method (review-input14 8): a stranger goes to the sign-in.
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith("/portal/employer/sign-in/")
    sign_in_employer(client, settings, make_admin(employer_chaoyang))
    r = client.get(url)
    assert r.status_code == 405 and r["Allow"] == "POST"
    body = r.content.decode()
    assert PORTAL_TODO[405] in body and "返回网上办事首页" in body and "系统管理员" not in body


@pytest.mark.django_db
def test_the_portal_404_speaks_to_its_people_and_no_page_asks_for_a_missing_icon(client):
    """review-user12 F17: a person's 404 said the record might lie outside 您所在机构的管辖范围 (a staff
    office's words), and every first page asked for /favicon.ico, a 404."""
    from shebao.web.errors import PORTAL_WHAT

    page = client.get("/portal/no-such-page/")
    assert page.status_code == 404
    text = page.content.decode()
    assert PORTAL_WHAT[404] in text and "管辖范围" not in text and "机构" not in text.split("<main", 1)[-1].split(
        "</main>", 1)[0]
    for html in (text, client.get("/portal/", follow=True).content.decode(), client.get("/", follow=True).content.decode()):
        assert '<link rel="icon" href="data:,">' in html


def _through_middleware(response: HttpResponse, *, path: str, method: str = "GET", htmx: bool = False):
    from shebao.web.errors import ErrorPagesMiddleware

    rf = RequestFactory()
    request = rf.generic(method, path, HTTP_HX_REQUEST="true" if htmx else None) if htmx else rf.generic(method, path)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return ErrorPagesMiddleware(lambda _r: response)(request)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 403, 405, 409, 410, 429, 500, 501, 503])
def test_an_empty_or_english_error_of_any_status_becomes_the_chinese_page(status):
    for made in (HttpResponse(status=status), HttpResponse("Method Not Allowed", status=status,
                                                            content_type="text/plain")):
        made["Retry-After"] = "5"
        r = _through_middleware(made, path="/office/queue/")
        assert r.status_code == status
        body = r.content.decode()
        assert CJK.search(body) and f"错误代码 {status}" in body
        assert r["Retry-After"] == "5"


@pytest.mark.django_db
def test_a_chinese_refusal_a_file_and_the_api_keep_their_own_answer():
    said = HttpResponse("日期格式错误", status=400, content_type="text/plain; charset=utf-8")
    assert _through_middleware(said, path="/office/dashboard/table.xlsx").content.decode() == "日期格式错误"
    json = HttpResponse(b'{"status": 400}', status=400, content_type="application/problem+json")
    assert _through_middleware(json, path="/api/v1/cases/").content == b'{"status": 400}'
    # An empty API error becomes problem details, never a page.
    r = _through_middleware(HttpResponse(status=405), path="/api/v1/cases/")
    assert r.status_code == 405 and r["Content-Type"] == "application/problem+json"
    import json as jsonlib

    problem = jsonlib.loads(r.content)
    assert problem["title"] == "不支持此方法" and problem["status"] == 405 and "Allow" in problem["detail"]


@pytest.mark.django_db
def test_a_page_that_only_shows_posted_to_says_so():
    from django.http import HttpResponseNotAllowed

    r = _through_middleware(HttpResponseNotAllowed(["GET", "HEAD"]), path="/office/queue/", method="POST")
    assert r.status_code == 405 and r["Allow"] == "GET, HEAD"
    assert "此页面只用于查看，不接受提交" in r.content.decode()
