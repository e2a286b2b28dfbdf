"""Outbox adapters that speak to HTTP gateways: an SMS gateway and WeChat's template messages.

Name them in ``SHEBAO_NOTIFY_ADAPTERS`` (``{"sms": "shebao.operations.gateways.SmsGatewayAdapter",
"wechat": "shebao.operations.gateways.WeChatTemplateAdapter"}``); without that the outbox writes
SMS and WeChat messages to files (``cases.notifications.FileAdapter``, the demo's default). A send
that fails raises ``GatewayError``: the outbox keeps the row and tries again later (at least once;
the gateway drops a repeat by ``message_id``).

SMS gateway (``SHEBAO_SMS_GATEWAY = {"url": ..., "key": ..., "sign": "北京社保"}``): ``POST <url>``
with ``Authorization: Bearer <key>`` and JSON ``{"message_id", "phone", "sign", "text"}``; the
gateway answers HTTP 200 with ``{"code": 0, "msgid": ...}``, any other code with its ``message``.

WeChat (``SHEBAO_WECHAT = {"base_url": "https://api.weixin.qq.com", "appid", "secret",
"template_id"}``), the Official Account template message API: an access token from ``GET
/cgi-bin/token?grant_type=client_credential&appid=&secret=`` (``{"access_token", "expires_in"}``),
kept until five minutes before it expires; ``POST /cgi-bin/message/template/send?access_token=`` with
``{"touser": openid, "template_id", "data": {"first", "keyword1", "remark"}}``; ``errcode`` 0 is
success, 40001/40014/42001 (token invalid or expired) fetch a new token and retry once.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

from shebao.core.contact import helpline

TIMEOUT_SECONDS = 10


class GatewayError(RuntimeError):
    """A gateway refused or failed a message; the text is what it said."""


def _call(request: urllib.request.Request) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as e:
        raise GatewayError(f"HTTP {e.code}: {e.read()[:200].decode(errors='replace')}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise GatewayError(f"网关不可达：{e}") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise GatewayError(f"网关应答不是JSON：{raw[:100]!r}") from None


def _post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _call(urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", **(headers or {})}))


class SmsGatewayAdapter:
    """Sends an outbox row's body as an SMS through the configured HTTP gateway."""

    def __init__(self, config: dict[str, str] | None = None) -> None:
        self.config = config or getattr(settings, "SHEBAO_SMS_GATEWAY", {}) or {}
        if not self.config.get("url"):
            raise GatewayError("未配置短信网关（SHEBAO_SMS_GATEWAY）")

    def send(self, message: Any) -> None:
        answer = _post_json(self.config["url"], {
            "message_id": str(message.message_id), "phone": message.recipient,
            "sign": self.config.get("sign", "北京社保"), "text": message.body,
        }, headers={"Authorization": f"Bearer {self.config.get('key', '')}"})
        if answer.get("code") != 0:
            raise GatewayError(f"短信网关拒绝：{answer.get('code')} {answer.get('message', '')}")


class WeChatTemplateAdapter:
    """Sends an outbox row as a WeChat template message to the recipient's openid."""

    TOKEN_ERRORS = frozenset({40001, 40014, 42001})
    _tokens: dict[str, tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(self, config: dict[str, str] | None = None) -> None:
        self.config = config or getattr(settings, "SHEBAO_WECHAT", {}) or {}
        for key in ("base_url", "appid", "secret", "template_id"):
            if not self.config.get(key):
                raise GatewayError(f"未配置微信模板消息（SHEBAO_WECHAT 缺少 {key}）")

    def _token(self, *, fresh: bool = False) -> str:
        key = f"{self.config['base_url']}|{self.config['appid']}"
        with self._lock:
            held = self._tokens.get(key)
            if held and not fresh and held[1] > time.monotonic():
                return held[0]
            query = urllib.parse.urlencode({"grant_type": "client_credential", "appid": self.config["appid"],
                                            "secret": self.config["secret"]})
            answer = _call(urllib.request.Request(f"{self.config['base_url']}/cgi-bin/token?{query}"))
            token = answer.get("access_token")
            if not token:
                raise GatewayError(f"微信获取access_token失败：{answer.get('errcode')} {answer.get('errmsg', '')}")
            life = max(60, int(answer.get("expires_in", 7200)) - 300)
            self._tokens[key] = (token, time.monotonic() + life)
            return token

    def send(self, message: Any) -> None:
        payload = {"touser": message.recipient, "template_id": self.config["template_id"],
                   "client_msg_id": str(message.message_id),
                   "data": {"first": {"value": message.subject}, "keyword1": {"value": message.body},
                            "remark": {"value": f"如有疑问请致电{helpline()}"}}}
        for attempt in (0, 1):
            token = self._token(fresh=attempt == 1)
            answer = _post_json(f"{self.config['base_url']}/cgi-bin/message/template/send?"
                                f"{urllib.parse.urlencode({'access_token': token})}", payload)
            code = answer.get("errcode", 0)
            if code == 0:
                return
            if code not in self.TOKEN_ERRORS:
                break
        raise GatewayError(f"微信模板消息发送失败：{code} {answer.get('errmsg', '')}")
