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


def test_production_refuses_to_start_without_allowed_hosts():
    r = _start({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert r.returncode != 0 and "ALLOWED_HOSTS" in r.stderr


def test_production_starts_with_real_values():
    r = _start({"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "shebao.example"})
    assert r.returncode == 0, r.stderr


def test_a_malformed_boolean_is_refused():
    r = _start({"DEBUG": "maybe"})
    assert r.returncode != 0 and "DEBUG" in r.stderr
