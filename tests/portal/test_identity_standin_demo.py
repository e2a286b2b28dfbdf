"""The demo's identity check works out of `make demo` (a fresh user's walk: 周淑芬's residents' pension
claim said 暂时无法连接统一身份认证服务, for nothing served the identity provider's stand-in).

`make demo` starts the stand-in beside the server and the outbox's worker, with the server's address as
the portal it sends the person back to, and stops it with them; the stand-in serves where the portal's
DEBUG settings look for it; and what it shows a person's browser is Chinese, never the protocol's
English JSON (a return address it was not told of, a client it does not know, a page it does not have)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from shebao.portal.identity_standin import OidcProvider

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "http://127.0.0.1:8000/portal/person/identity/callback/"

# A stand-in for the `shebao` script: notes each start (its arguments, DEBUG) and each stop.
FAKE_SHEBAO = """#!/bin/sh
echo "start $* DEBUG=$DEBUG" >> "$LOG"
case "$1" in runserver) sleep 2; exit 0;; esac
trap 'echo "stop $1" >> "$LOG"; exit 0' TERM INT
while :; do sleep 0.1; done
"""


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_starts_the_identity_stand_in_beside_the_server_and_stops_it_with_it(tmp_path):
    fake = tmp_path / "shebao"
    fake.write_text(FAKE_SHEBAO)
    fake.chmod(0o755)
    log = tmp_path / "log"
    # demo-data (install, migrate, generate) is taken as made: only the demo's own recipe runs
    subprocess.run(["make", "--no-print-directory", "-o", "demo-data", "demo", f"SHEBAO={fake}"], cwd=ROOT,
                   env={**os.environ, "LOG": str(log)}, check=True, capture_output=True, timeout=60)
    for _ in range(50):  # the trap's kill is asynchronous: the stops are written just after make ends
        lines = log.read_text().splitlines()
        if sum(line.startswith("stop ") for line in lines) >= 2:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    server = next(line for line in lines if line.startswith("start runserver "))
    address = server.split()[2]
    standin = [line for line in lines if line.startswith("start identity_standin")]
    assert standin == [f"start identity_standin --portal http://{address} DEBUG=true"], lines
    assert "stop identity_standin" in lines and "stop deliver" in lines, lines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_stand_in_serves_where_the_portals_settings_look_for_it(settings, monkeypatch, capsys):
    from django.core.management import call_command

    from shebao.portal.management.commands import identity_standin

    port = _free_port()
    settings.DEBUG = True
    settings.SHEBAO_IDENTITY_PROVIDER = {"issuer": f"http://127.0.0.1:{port}", "client_id": "shebao-portal-demo",
                                         "client_secret": "demo-secret", "id_claim": "id_number"}
    seen = {}

    def asked_then_stopped(_seconds):  # while it runs: ask the portal's issuer, then Ctrl-C
        seen["metadata"] = requests.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=10).json()
        raise KeyboardInterrupt

    monkeypatch.setattr(identity_standin.time, "sleep", asked_then_stopped)
    call_command("identity_standin")  # no --port: the port of the portal's issuer
    assert seen["metadata"]["issuer"] == f"http://127.0.0.1:{port}"
    out = capsys.readouterr().out
    assert f"身份认证替身运行于 http://127.0.0.1:{port}" in out and "注意" not in out


def test_the_demo_settings_point_the_portal_at_the_stand_ins_port():
    """With DEBUG on and no provider set the portal looks on 127.0.0.1:8001, where the stand-in serves
    (its port is read from the same settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEBAO_IDENTITY_")}
    code = ("import django; django.setup(); from django.conf import settings; "
            "from shebao.portal.identity_standin import standin_port; "
            "print(settings.SHEBAO_IDENTITY_PROVIDER['issuer'], standin_port())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True,
                         env={**env, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "shebao.config.settings",
                              "PYTHONPATH": str(ROOT / "src")}, timeout=120).stdout.split()
    assert out == ["http://127.0.0.1:8001", "8001"]


def test_a_port_in_use_is_said_in_chinese(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = True
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(CommandError, match=r"^端口\d+已被占用"):
            call_command("identity_standin", "--port", str(taken.getsockname()[1]))


@pytest.fixture
def idp():
    with OidcProvider.running(client_id="shebao-portal-demo", client_secret="s", redirect_uris=[CALLBACK]) as provider:
        yield provider


def shown(r) -> str:
    """What the browser shows of an answer: it is an HTML page in Chinese; its visible text."""
    assert r.headers["Content-Type"].startswith("text/html") and '<html lang="zh-CN">' in r.text, r.text[:200]
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", r.text, flags=re.S)
    assert not re.search(r"\berror\b|Redirect|client|not_found|invalid", text, re.I), text
    return text


ASK = {"response_type": "code", "client_id": "shebao-portal-demo", "redirect_uri": CALLBACK, "scope": "openid",
       "state": "s", "nonce": "n"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_return_address_the_stand_in_was_not_told_of_is_refused_in_chinese(idp, method):
    asked = {**ASK, "redirect_uri": "http://localhost:8080/portal/person/identity/callback/"}
    if method == "GET":
        r = requests.get(f"{idp.issuer}/authorize", params=asked, allow_redirects=False, timeout=10)
    else:
        r = requests.post(f"{idp.issuer}/authorize", data={**asked, "id_number": "1", "outcome": "pass"},
                          allow_redirects=False, timeout=10)
    assert r.status_code == 400
    text = shown(r)
    assert "未在身份认证替身登记" in text and "--portal" in text and "人脸识别通过" not in text


def test_an_unknown_client_and_an_unknown_page_are_said_in_chinese(idp):
    r = requests.get(f"{idp.issuer}/authorize", params={**ASK, "client_id": "someone"}, allow_redirects=False,
                     timeout=10)
    assert r.status_code == 400 and "无法进行身份核验" in shown(r)
    r = requests.get(f"{idp.issuer}/nothing-here", timeout=10)
    assert r.status_code == 404 and "没有这个页面" in shown(r)
    r = requests.get(f"{idp.issuer}/", timeout=10)
    assert r.status_code == 200 and "统一身份认证替身" in shown(r)
    # the portal's own calls keep the protocol's JSON
    assert requests.get(f"{idp.issuer}/.well-known/openid-configuration", timeout=10).json()["issuer"] == idp.issuer


def _raw_post(idp, path: str, head: str, body: bytes) -> tuple[int, str, str]:
    """A POST sent byte for byte (requests would not send a Content-Length of ``abc``): status, headers, body."""
    port = int(idp.issuer.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.0\r\n{head}\r\n\r\n".encode() + body)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    head_part, _, text = out.decode(errors="replace").partition("\r\n\r\n")
    return int(head_part.split()[1]), head_part, text


BAD_BODIES = [("Content-Length: 2", b"\xff\xfe"), ("Content-Length: abc", b"a=1"),
              ("Content-Length: 5", b"a=%ff"), ("Content-Length: -1", b"a=1"),
              ("Content-Length: 99999999999999999999", b"a=1")]


@pytest.mark.parametrize(("head", "body"), BAD_BODIES)
def test_a_body_the_stand_in_cannot_read_is_refused_in_chinese_not_an_english_500(idp, head, body):
    """Bad-input review A16 1: bytes that are not UTF-8 or a Content-Length that is no length answered
    wsgiref's English "A server error occurred" with 500."""
    status, headers, text = _raw_post(idp, "/authorize", head, body)
    assert status == 400 and "text/html" in headers, (status, text)
    assert "无法进行身份核验" in text and "请求不完整或无效" in text and "server error" not in text
    status, headers, text = _raw_post(idp, "/token", head, body)  # the portal's call: the protocol's JSON
    assert status == 400 and "application/json" in headers, (status, text)
    assert json.loads(text)["error"] == "invalid_request"


def test_anything_else_going_wrong_is_a_chinese_page_not_wsgirefs_english(idp, monkeypatch):
    def broken(*_args, **_kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(idp.server, "create_authorization_response", broken)
    status, headers, text = _raw_post(idp, "/authorize", "Content-Length: 3", b"a=1")
    assert status == 500 and "text/html" in headers and "无法进行身份核验" in text and "server error" not in text


def _never_serve(monkeypatch):
    """Were the command to start serving, it stops at once (Ctrl-C) instead of waiting."""
    from shebao.portal.management.commands import identity_standin

    def interrupted(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(identity_standin.time, "sleep", interrupted)


@pytest.mark.parametrize("port", ["-1", "0", "99999", "abc", "８００１"])
def test_a_port_that_is_no_port_is_refused_in_chinese_not_a_traceback(settings, monkeypatch, port):
    """Bad-input review A16 2: --port -1 or 99999 printed Python's OverflowError traceback (0 and ８００１
    were served on)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = True
    _never_serve(monkeypatch)
    with pytest.raises(CommandError, match=r"--port：须为1至65535的整数"):
        call_command("identity_standin", "--port", port)


@pytest.mark.parametrize("portal", ["", "ftp://x", "http://a b", "http://", "http://a:99999", "http://a/x",
                                    "http://u@a", "127.0.0.1:8000"])
def test_a_portal_address_that_is_no_web_address_is_refused_in_chinese(settings, monkeypatch, portal):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = True
    _never_serve(monkeypatch)
    with pytest.raises(CommandError, match=r"门户网址须为 http\(s\)://主机\[:端口\]"):
        call_command("identity_standin", "--port", str(_free_port()), f"--portal={portal}")


def test_a_portal_address_is_taken_with_or_without_its_port_and_slash():
    from shebao.core.commands import web_address_arg

    assert web_address_arg("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert web_address_arg("https://demo.example.cn") == "https://demo.example.cn"
