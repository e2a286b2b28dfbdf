"""API keys: what a system (an intake platform, a batch) uses to call the API for a staff account."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from shebao.core.models import AuditEvent
from shebao.staff.models import ApiToken, token_digest
from tests.cases.conftest import valid_details
from tests.nothing_written import nothing_written


@pytest.fixture
def employer_chaoyang(employer_chaoyang, person_chaoyang):
    """The 朝阳 employer with its employee 张三 (since 2015-01), whom a monthly report's content names."""
    from shebao.registry.models import EmploymentSpell

    EmploymentSpell.objects.create(person=person_chaoyang, employer=employer_chaoyang, from_month="2015-01")
    return employer_chaoyang


def _report(employer, **extra) -> dict:
    """A monthly report back-payment of `employer` with its content (every road requires it)."""
    return {"business": "monthly_report_back_payment", "channel": "online", "employer": employer.pk,
            "details": valid_details("monthly_report_back_payment", employer=employer,
                                     applied_on=extra.get("applied_on")), **extra}


def _make_key(username: str, name: str = "网上服务平台受理") -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", user=username, name=name, stdout=out, stderr=err)
    assert "唯一一次显示" in err.getvalue()
    return out.getvalue().strip()


def _bearer(key: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return c


def test_a_key_is_shown_once_stored_as_a_digest_and_lets_its_account_in(clerk_chaoyang, employer_chaoyang):
    key = _make_key(clerk_chaoyang.username)
    token = ApiToken.objects.get(user=clerk_chaoyang)
    assert key.startswith("shb_") and len(key) > 40
    assert token.digest == token_digest(key) and key not in token.digest and token.prefix == key[:10]
    (event,) = AuditEvent.objects.filter(model="staff.ApiToken", object_pk=str(token.pk))
    assert "digest" not in event.changes and event.changes["name"] == [None, "网上服务平台受理"]

    c = _bearer(key)
    r = c.post("/api/v1/cases/", _report(employer_chaoyang, applied_on="2020-02-10"), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["office"]["code"] == "110105"  # the key acts with its account's district
    listed = c.get("/api/v1/cases/").json()
    assert [x["id"] for x in listed["results"]] == [r.json()["id"]]


def test_a_key_sees_only_its_accounts_district(clerk_haidian, employer_chaoyang):
    c = _bearer(_make_key(clerk_haidian.username))
    with nothing_written():
        r = c.post("/api/v1/cases/", {"business": "monthly_report_back_payment", "channel": "online",
                                      "employer": employer_chaoyang.pk}, format="json")
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "employer"


@pytest.mark.parametrize("header", ["Bearer shb_not-a-real-key", "Bearer nothing", "Bearer a b",
                                    "Basic " + base64.b64encode(b"clerk_cy:password").decode()])
def test_wrong_keys_and_basic_auth_get_401_problem_details(clerk_chaoyang, header):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=header)
    with nothing_written():
        r = c.get("/api/v1/cases/")
    assert r.status_code == 401 and r["Content-Type"] == "application/problem+json"
    assert r.json()["title"] == "请先登录" and r["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_or_a_disabled_account_is_refused_at_once(clerk_chaoyang):
    key = _make_key(clerk_chaoyang.username)
    c = _bearer(key)
    assert c.get("/api/v1/cases/").status_code == 200
    clerk_chaoyang.is_active = False
    clerk_chaoyang.save(update_fields=["is_active"])
    with nothing_written():
        refused = c.get("/api/v1/cases/")
    assert refused.status_code == 401
    clerk_chaoyang.is_active = True
    clerk_chaoyang.save(update_fields=["is_active"])

    with nothing_written(), pytest.raises(CommandError, match="原因"):
        call_command("api_token", revoke=key[:10])
    call_command("api_token", revoke=key[:10], reason="平台下线", stdout=io.StringIO())
    assert ApiToken.objects.get().revoked_at is not None
    with nothing_written():
        refused = c.get("/api/v1/cases/")
    assert refused.status_code == 401
    listing = io.StringIO()
    call_command("api_token", list=True, stdout=listing)
    assert "已吊销" in listing.getvalue() and key not in listing.getvalue()


def test_the_command_refuses_unknown_accounts_in_chinese(db):
    with nothing_written(), pytest.raises(CommandError, match="不存在"):
        call_command("api_token", user="nobody", name="x")
    with nothing_written(), pytest.raises(CommandError, match="--user"):
        call_command("api_token", name="x")


def test_a_key_call_skips_the_pages_middleware_but_keeps_the_protective_headers(clerk_chaoyang, employer_chaoyang):
    """shebao.core.middleware: no session, CSRF, messages or htmx for a bearer call; the security
    headers, the host check and the language of the messages stay; cookie calls keep everything."""
    c = _bearer(_make_key(clerk_chaoyang.username))
    c.cookies["sessionid"] = "whatever"  # a stray cookie changes nothing: the key decides
    r = c.post("/api/v1/cases/", _report(employer_chaoyang), format="json")
    assert r.status_code == 201, r.json()
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Language"] == "zh-hans"  # LocaleMiddleware still runs
    assert "Cookie" not in r.get("Vary", "") and not r.cookies
    assert not hasattr(r.wsgi_request, "session") and not hasattr(r.wsgi_request, "htmx")
    assert r.wsgi_request.user == clerk_chaoyang  # set by DRF from the key
    # A bad host is refused for key calls too.
    with nothing_written():
        refused = c.get("/api/v1/cases/", HTTP_HOST="evil.example")
    assert refused.status_code == 400

    # The pages' own calls (a session) still run through every middleware.
    s = APIClient()
    s.force_login(clerk_chaoyang)
    r = s.get("/api/v1/cases/")
    assert r.status_code == 200 and hasattr(r.wsgi_request, "session") and hasattr(r.wsgi_request, "htmx")
    assert "Cookie" in r["Vary"]


def test_a_key_submission_is_a_few_statements_all_on_the_orms_road(clerk_chaoyang, employer_chaoyang):
    """A submission has one road, the ORM's (issue 14): Django sees every statement, and a submission
    is one read for the key (with the policy's state), one for the employer, one for each registry check
    of its content, and one insert each for the case, its first transition, its audit row and its
    notification; a retried key reads its case."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = _bearer(_make_key(clerk_chaoyang.username))
    body = _report(employer_chaoyang, contact_phone="13800138000")

    def statements(key: str, status: int) -> list[str]:
        with CaptureQueriesContext(connection) as q:
            assert c.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key).status_code == status
        # Each statement as its verb and main table (a SELECT's first column names its table).
        shapes = []
        for x in q.captured_queries:
            found = re.match(r'\s*(?:(SELECT)\s+(?:DISTINCT\s+)?"(\w+)"\.|(INSERT) INTO "(\w+)"|(UPDATE) "(\w+)")',
                             x["sql"])
            if found:
                shapes.append(" ".join(g for g in found.groups() if g))
            elif not x["sql"].lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
                shapes.append(x["sql"][:80])
        return shapes

    # The content's registry checks read the people named, their employment and their contributions
    # (one statement each: people_employed_in_months, months_not_contributed), then the inserts.
    checks = ["SELECT registry_person", "SELECT registry_employmentspell", "SELECT registry_person"]
    assert statements("a", 201) == ["SELECT staff_apitoken", "SELECT registry_employer", *checks,
                                    "INSERT cases_case", "INSERT cases_casetransition", "INSERT core_auditevent",
                                    "INSERT cases_outboxmessage"]
    assert statements("a", 200) == ["SELECT staff_apitoken", "SELECT registry_employer", *checks,
                                    "INSERT cases_case", "SELECT cases_case"]


