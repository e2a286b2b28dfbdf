"""Settings fail loudly: production refuses the demo secret and a missing host list."""

from __future__ import annotations

import os
import subprocess
import sys


def _start(env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "shebao", "check"], env=full, capture_output=True, text=True,
                          timeout=120)


def test_production_refuses_the_demo_secret():
    r = _start({"DEBUG": "false", "ALLOWED_HOSTS": "shebao.example"})
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr
    # One Chinese line for the operator, not a traceback (review-user13 (9)); it says what the demo needs.
    assert r.stderr.startswith("配置错误：SECRET_KEY是演示密钥") and "DEBUG=true" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1


def test_production_refuses_to_start_without_allowed_hosts():
    r = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert r.returncode != 0 and "ALLOWED_HOSTS" in r.stderr


def test_production_starts_with_real_values():
    r = _start({"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "shebao.example"})
    assert r.returncode == 0, r.stderr


def test_a_malformed_boolean_is_refused():
    r = _start({"DEBUG": "maybe"})
    assert r.returncode != 0 and r.stderr.strip() == "配置错误：环境变量DEBUG应为true或false，不能是'maybe'", r.stderr


def test_old_keys_are_read_from_the_environment_and_the_demo_key_is_not_one():
    """SECRET_KEY_FALLBACKS (issue 16: rotating SECRET_KEY keeps API cursors and sessions) comes from
    the environment, comma-separated; production refuses the demo key or a short key among them."""
    from shebao.config.settings import DEMO_SECRET_KEY

    good = {"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "shebao.example"}
    full = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    full.update(good, SECRET_KEY_FALLBACKS=f" {'o' * 40} , {'p' * 40} ")
    r = subprocess.run([sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                        "'shebao.config.settings'); from django.conf import settings; "
                        "print(settings.SECRET_KEY_FALLBACKS)"], env=full, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == str(["o" * 40, "p" * 40]), r.stderr
    for bad in (DEMO_SECRET_KEY, "short"):
        r = _start({**good, "SECRET_KEY_FALLBACKS": bad})
        assert r.returncode != 0 and "SECRET_KEY_FALLBACKS" in r.stderr
