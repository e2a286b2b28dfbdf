"""A stand-in for the city's identity provider (6.1), for the tests and the demo only: a real
OpenID Connect provider built on Authlib's server side (authorization code flow with the OpenID
Connect extension): discovery, JWKS, authorization, token and userinfo endpoints, ID tokens signed
RS256 with a key made at start. The portal's client (`portal.person_identity`) checks its answers
exactly as it would check the city's.

"Face recognition" is simulated: the authorization page asks for the ID number the face belongs to
(and a button for a failed recognition); tests preset the answer with `approve(id_number)`, and the
endpoint then answers at once. `tamper` makes it misbehave the way the client must catch:
"signature" signs the ID token with another key, "nonce" puts another nonce in it, "audience" names
another client.

    with OidcProvider.running(client_id="shebao", client_secret="s", redirect_uris=[...]) as idp:
        idp.approve("110105197505010031")
        ...  # the portal checks identities through idp.issuer

`shebao identity_standin` serves it for the demo; it refuses to run unless DEBUG is on.
"""

from __future__ import annotations

import contextlib
import html
import json
import secrets
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, JsonRequest, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import KeySet, RSAKey

from shebao.core import clock


def standin_port() -> int | None:
    """The port the portal looks for the stand-in on: that of the configured issuer
    (`settings.SHEBAO_IDENTITY_PROVIDER`; with DEBUG on and nothing set http://127.0.0.1:8001, or
    `SHEBAO_IDENTITY_STANDIN_PORT`) when it is this machine's loopback; None for any other provider."""
    from django.conf import settings

    try:
        url = urlsplit((getattr(settings, "SHEBAO_IDENTITY_PROVIDER", {}) or {}).get("issuer", ""))
        return (url.port or 80) if url.hostname in ("127.0.0.1", "localhost") else None
    except ValueError:
        return None


# The longest form body read: the stand-in's forms are a few hundred bytes.
BODY_MAX = 64 * 1024


class _BadBody(Exception):
    """A POST body the stand-in cannot read."""


class _Client(ClientMixin):
    def __init__(self, client_id: str, secret: str, redirect_uris: list[str]) -> None:
        self.client_id, self.secret, self.redirect_uris = client_id, secret, redirect_uris

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post") if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class _Code:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return "face"

    def get_amr(self) -> list[str]:
        return ["face"]

    def is_expired(self) -> bool:
        return clock.wall_now().timestamp() > self.auth_time + 300


class _Request(OAuth2Request):
    def __init__(self, method: str, uri: str, data: dict[str, str], headers: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = BasicOAuth2Payload(data)
        self._data = data

    @property
    def args(self) -> dict[str, str]:
        return self._data

    @property
    def form(self) -> dict[str, str]:
        return self._data


class OidcProvider:
    """The provider; see the module's docstring."""

    def __init__(self, *, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig", "alg": "RS256"})
        self.client = _Client(client_id, client_secret, redirect_uris)
        self.codes: dict[str, _Code] = {}
        self.tokens: dict[str, str] = {}  # access token -> subject
        self.next_subject: str | None = None
        self.preset = False  # approve() was called: answer without the page
        self.tamper = ""
        self.issuer = ""
        self.requests: list[str] = []  # paths asked, in order
        self.server = self._server()

    def approve(self, id_number: str | None) -> None:
        """The next face recognition recognises this person (None: it fails, access denied)."""
        self.next_subject, self.preset = id_number, True

    # --- Authlib wiring ---------------------------------------------------------------------------
    def _server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> _Client | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.tokens[token["access_token"]] = request.user

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

            def create_oauth2_request(self, request: Any) -> OAuth2Request:
                return request

            def create_json_request(self, request: Any) -> JsonRequest:  # pragma: no cover
                raise NotImplementedError

            def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Any:
                return status, body, headers

        class Code(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                provider.codes[code] = _Code(code=code, client_id=request.client.client_id,
                                             redirect_uri=request.payload.redirect_uri, scope=request.payload.scope,
                                             nonce=request.payload.data.get("nonce"), user=request.user,
                                             auth_time=int(clock.wall_now().timestamp()))

            def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: _Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: _Code) -> str:
                return authorization_code.user

        class OpenId(OpenIDCode):
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: _Client) -> Any:
                if provider.tamper == "signature":
                    return RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
                return provider.key

            def get_client_claims(self, client: _Client) -> dict[str, Any]:
                aud = "someone-else" if provider.tamper == "audience" else client.client_id
                return {"iss": provider.issuer, "aud": [aud]}

            def get_client_algorithm(self, client: _Client) -> str:
                return "RS256"

            def generate_user_info(self, user: str, scope: str) -> UserInfo:
                return UserInfo(sub=f"city-id-{user[-6:]}", id_number=user)

            def get_authorization_code_claims(self, authorization_code: _Code) -> dict[str, Any]:
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.tamper == "nonce":
                    claims["nonce"] = "not-the-clients-nonce"
                return claims

        server = Server(scopes_supported=["openid", "profile"])
        server.register_token_generator("default", BearerTokenGenerator(lambda **_: secrets.token_urlsafe(32)))
        server.register_grant(Code, [OpenId(require_nonce=True)])
        return server

    # --- HTTP -------------------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        """Every request answered by the stand-in itself: a body it cannot read (bytes that are not
        UTF-8, a Content-Length that is no length) is a 400, said in Chinese to a browser and as the
        protocol's JSON to the portal's token call; anything else going wrong a Chinese 500, never
        wsgiref's English "A server error occurred" (bad-input review A16 1)."""
        path = environ.get("PATH_INFO", "")
        self.requests.append(path)

        def answer(status: int, payload: Any, extra: list[tuple[str, str]] | None = None) -> list[bytes]:
            text = payload if isinstance(payload, str) else json.dumps(payload)
            hs = extra or [("Content-Type", "application/json")]
            start_response(f"{status} {'OK' if status < 300 else 'Found' if status == 302 else 'Error'}", hs)
            return [text.encode()]

        html_page = [("Content-Type", "text/html; charset=utf-8")]
        try:
            return self._serve(environ, path, answer, html_page)
        except _BadBody:
            if path == "/token":  # the portal's call: the protocol's error, as for any other bad token request
                return answer(400, {"error": "invalid_request",
                                    "error_description": "The request body could not be read"})
            return answer(400, self._refused_page({"error": "invalid_request"}, {}), html_page)
        except Exception:
            if path in ("/token", "/userinfo", "/jwks", "/.well-known/openid-configuration"):
                return answer(500, {"error": "server_error"})
            return answer(500, self._html("无法进行身份核验", "<p>身份认证替身处理请求时出错。</p>"
                                          "<p>请回到网上办事，重新发起身份核验。</p>"), html_page)

    @staticmethod
    def _body(environ: dict[str, Any]) -> dict[str, str]:
        """A POST's form fields; `_BadBody` when its length is no length (``abc``, negative, more than
        ``BODY_MAX``) or its bytes are not UTF-8 form data."""
        if environ.get("REQUEST_METHOD") != "POST":
            return {}
        length_text = (environ.get("CONTENT_LENGTH") or "0").strip() or "0"
        if not length_text.isascii() or not length_text.isdigit() or int(length_text) > BODY_MAX:
            raise _BadBody
        body = environ["wsgi.input"].read(int(length_text))
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise _BadBody from None
        try:
            return {k: v[0] for k, v in parse_qs(text, errors="strict").items()}
        except (UnicodeDecodeError, ValueError):  # %FF escapes that are no UTF-8
            raise _BadBody from None

    def _serve(self, environ: dict[str, Any], path: str, answer: Any, html_page: list[tuple[str, str]]) -> list[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form = self._body(environ)
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        uri = f"{self.issuer}{path}" + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")

        if path == "/.well-known/openid-configuration":
            return answer(200, self.metadata())
        if path == "/jwks":
            return answer(200, KeySet([self.key]).as_dict(private=False))
        # What the person's browser is shown (the authorization endpoint, a page that does not exist) is
        # Chinese HTML; the portal's own calls (discovery, JWKS, token, userinfo) are the protocol's JSON.
        if path == "/authorize":
            params = query if environ.get("REQUEST_METHOD") == "GET" else form
            asked = {k: v for k, v in params.items() if k not in ("id_number", "outcome")}
            req = _Request("GET", f"{self.issuer}/authorize?{urlencode(asked)}", asked, headers)
            if environ.get("REQUEST_METHOD") == "GET" and not self.preset:
                try:  # a request the provider would refuse is refused before the face is asked for
                    self.server.get_consent_grant(req)
                except OAuth2Error as error:
                    status, resp_body, resp_headers = self.server.handle_error_response(req, error)
                else:
                    return answer(200, self._page(query), html_page)
            else:
                user = self.next_subject if self.preset else (form.get("id_number", "").strip().upper() or None)
                if not self.preset and form.get("outcome") != "pass":
                    user = None
                status, resp_body, resp_headers = self.server.create_authorization_response(req, grant_user=user)
            if status >= 400:  # not sent back to the portal (an unknown client or return address): said here
                return answer(status, self._refused_page(resp_body, asked), html_page)
            return answer(status, resp_body or "", list(resp_headers))
        if path == "/token":
            req = _Request("POST", uri, form, headers)
            status, resp_body, resp_headers = self.server.create_token_response(req)
            return answer(status, resp_body, list(resp_headers))
        if path == "/userinfo":
            token = headers.get("Authorization", "")[7:]
            user = self.tokens.get(token)
            if user is None:
                return answer(401, {"error": "invalid_token"})
            return answer(200, {"sub": f"city-id-{user[-6:]}", "id_number": user})
        if path in ("", "/"):
            return answer(200, self._html("统一身份认证（演示替身）", "<p>这是演示环境的统一身份认证替身，代替本市统一身份认证服务"
                                          "进行身份核验（人脸识别）。请在网上办事中选择须核验身份的业务，从那里发起身份核验。</p>"),
                          html_page)
        return answer(404, self._html("页面不存在", "<p>身份认证替身没有这个页面。请回到网上办事，重新发起身份核验。</p>"),
                      html_page)

    @staticmethod
    def _html(title: str, body: str) -> str:
        return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{title}</title><style>body{{font:18px/1.6 sans-serif;margin:1rem;max-width:30rem}}'
                'input,button{font:inherit;padding:.6rem;margin:.3rem 0;width:100%;box-sizing:border-box}</style>'
                f'</head><body><h1>{title}</h1>{body}</body></html>')

    def _refused_page(self, body: Any, asked: dict[str, str]) -> str:
        """An authorization request refused without going back to the portal, said in Chinese: the
        protocol's error (Authlib's English JSON) is not shown to the person."""
        error = body.get("error", "") if isinstance(body, dict) else ""
        description = body.get("error_description", "") if isinstance(body, dict) else ""
        if error == "invalid_client":
            why = "发起核验的门户不是本替身登记的客户端（客户端编号不符）：门户和替身须使用同一套演示设置。"
        elif "redirect" in description.lower():
            why = (f"核验后返回的门户地址“{html.escape(asked.get('redirect_uri', ''))}”未在身份认证替身登记。"
                   "请用浏览器中门户的网址启动替身：shebao identity_standin --portal 门户网址"
                   "（make demo 按 http://127.0.0.1:8000 启动）。")
        else:
            why = "身份核验请求不完整或无效。"
        return self._html("无法进行身份核验", f"<p>{why}</p><p>请回到网上办事，重新发起身份核验。</p>")

    def _page(self, query: dict[str, str]) -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items())
        return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1"><title>统一身份认证（演示）</title>'
                '<style>body{font:18px/1.6 sans-serif;margin:1rem;max-width:30rem}input,button{font:inherit;'
                'padding:.6rem;margin:.3rem 0;width:100%;box-sizing:border-box}</style></head><body>'
                '<h1>统一身份认证（演示替身）</h1><p>演示环境不做真实的人脸识别：请输入本人证件号码，模拟识别结果。</p>'
                f'<form novalidate method="post" action="/authorize">{hidden}<label for="id_number">证件号码</label>'
                '<input id="id_number" name="id_number" autocomplete="off">'
                '<button name="outcome" value="pass">人脸识别通过</button>'
                '<button name="outcome" value="fail">人脸识别未通过</button></form></body></html>')

    @classmethod
    @contextlib.contextmanager
    def running(cls, *, port: int = 0, **kwargs: Any) -> Iterator[OidcProvider]:
        """The provider served on 127.0.0.1 (`port`, default a free one) in a thread, stopped afterwards."""
        provider = cls(**kwargs)

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

        httpd: WSGIServer = make_server("127.0.0.1", port, provider, handler_class=Quiet)
        provider.issuer = f"http://127.0.0.1:{httpd.server_port}"
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield provider
        finally:
            httpd.shutdown()
            httpd.server_close()
