"""Production is the default (issue 16 §5): DEBUG off unless set, `check --deploy` clean, a Content
Security Policy on every page, the API's schema behind sign-in."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest

# (DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser fixture for its own process, never in a deployment.)
DROP = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SHEBAO_TODAY", "SHEBAO_STAFF_MFA", "SECURE_SSL_REDIRECT",
        "DJANGO_ALLOW_ASYNC_UNSAFE", "SHEBAO_FIELD_KEYS", "SHEBAO_BLIND_INDEX_KEY"}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in DROP}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "shebao", *args], env=full, capture_output=True, text=True,
                          timeout=120)


def test_without_debug_in_the_environment_the_settings_are_production():
    """DEBUG unset is production: the demo secret is refused, so nothing serves debug pages with it."""
    r = _run(["check"], {})
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr


def _keys() -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {"SHEBAO_FIELD_KEYS": Fernet.generate_key().decode(), "SHEBAO_BLIND_INDEX_KEY": secrets.token_urlsafe(40)}


def test_check_deploy_prints_no_warning():
    r = _run(["check", "--deploy"], {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
                                    "ALLOWED_HOSTS": "shebao.example", **_keys()})
    assert r.returncode == 0, r.stderr
    output = r.stdout + r.stderr
    assert "WARNING" not in output and "ERROR" not in output and "identified no issues" in output, output


def test_check_deploy_warns_when_the_encryption_keys_are_derived_and_refuses_a_bad_key():
    """A production install that forgot its encryption keys is told (keys derived from SECRET_KEY);
    a key that is not a Fernet key is an error, said before the first encrypted read fails."""
    base = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "shebao.example"}
    r = _run(["check", "--deploy"], base)
    output = r.stdout + r.stderr
    assert "shebao.W002" in output and "SHEBAO_FIELD_KEYS and SHEBAO_BLIND_INDEX_KEY unset" in output, output
    r = _run(["check", "--deploy"], {**base, **_keys(), "SHEBAO_FIELD_KEYS": "not-a-key"})
    output = r.stdout + r.stderr
    assert r.returncode != 0 and "shebao.E002" in output and "W002" not in output, output


def test_production_settings_say_https_only():
    code = ("from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)")
    r = _run(["shell", "-v", "0", "-c", code], {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
                                     "ALLOWED_HOSTS": "shebao.example", "SHEBAO_PROXY_SSL_HEADER": "X-Forwarded-Proto"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True", str(365 * 24 * 3600), "True", "True", "('HTTP_X_FORWARDED_PROTO',",
                                "'https')"]


def test_the_replacement_of_the_csrf_warning_reports_missing_csrf_protection(settings):
    from shebao.core.checks import csrf_middleware_present

    assert csrf_middleware_present() == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "Csrf" not in m]
    assert [m.id for m in csrf_middleware_present()] == ["shebao.E001"]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_that_allows_only_this_site(client):
    r = client.get("/login/")
    policy = r["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert not re.search(r"https?:|\*", policy), policy


@pytest.mark.django_db
def test_the_api_schema_is_behind_sign_in(client, clerk_chaoyang):
    assert client.get("/api/schema/openapi/", {"format": "json"}).status_code in (401, 403)
    assert client.get("/api/schema/").status_code in (401, 403)
    browser = client.get("/api/schema/", HTTP_ACCEPT="text/html")
    assert browser.status_code == 302 and browser["Location"].startswith("/login/?next=/api/schema/")
    redoc = client.get("/api/schema/redoc/")
    assert redoc.status_code == 302 and redoc["Location"].startswith("/login/")
    client.force_login(clerk_chaoyang)
    r = client.get("/api/schema/openapi/", {"format": "json"})
    assert r.status_code == 200 and "/api/v1/cases/" in r.content.decode()


def test_the_second_factor_cannot_be_switched_off_in_production():
    code = "from django.conf import settings as s; print(s.SHEBAO_STAFF_MFA)"
    production = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "shebao.example",
                  "SHEBAO_STAFF_MFA": "false"}
    r = _run(["shell", "-v", "0", "-c", code], production)
    assert r.returncode == 0 and r.stdout.split() == ["True"], r.stderr
    r = _run(["shell", "-v", "0", "-c", code], {"DEBUG": "true", "SHEBAO_STAFF_MFA": "false"})
    assert r.stdout.split() == ["False"], r.stderr
