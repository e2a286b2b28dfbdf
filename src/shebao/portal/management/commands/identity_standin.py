"""`shebao identity_standin`: the demo's stand-in for the city's identity provider (6.1), an
OpenID Connect provider on 127.0.0.1 (Authlib's server side, `portal.identity_standin`). DEBUG only.

It serves where the portal looks for it: the port of `settings.SHEBAO_IDENTITY_PROVIDER`'s issuer
(with DEBUG on and nothing set, 8001 or `SHEBAO_IDENTITY_STANDIN_PORT`), with that client's id and
secret; `--portal` is the portal's address the person's browser comes back to (`make demo` starts it
beside the server with the server's address)."""

from __future__ import annotations

import contextlib
import errno
import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from shebao.core.commands import ShebaoCommand, port_arg, web_address_arg


class Command(ShebaoCommand):
    help = "演示用统一身份认证替身（OpenID Connect），仅限DEBUG开启时运行"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=port_arg, default=None,
                            help="监听的端口（默认：门户配置的身份认证服务地址的端口，演示环境为8001）")
        parser.add_argument("--portal", type=web_address_arg, default="http://127.0.0.1:8000",
                            help="门户的网址，用于身份核验后的回调地址（redirect URI）")

    def handle(self, *args: Any, port: int | None, portal: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("身份认证替身只能在DEBUG开启的演示环境运行")
        from shebao.portal.identity_standin import OidcProvider, standin_port

        conf = settings.SHEBAO_IDENTITY_PROVIDER
        if not conf:
            raise CommandError("未配置身份认证服务（SHEBAO_IDENTITY_PROVIDER），无法运行替身")
        if port is None:
            port = standin_port()
            if port is None:
                raise CommandError(f"门户配置的身份认证服务（{conf['issuer']}）不在本机，请用 --port 指定替身的端口")
        callbacks = [f"{portal.rstrip('/')}/portal/person/identity/callback/",
                     f"{portal.rstrip('/').replace('127.0.0.1', 'localhost')}/portal/person/identity/callback/"]
        with contextlib.ExitStack() as stack:
            try:
                idp = stack.enter_context(OidcProvider.running(
                    port=port, client_id=conf["client_id"], client_secret=conf["client_secret"],
                    redirect_uris=callbacks))
            except OSError as e:
                if e.errno == errno.EADDRINUSE:
                    raise CommandError(f"端口{port}已被占用（身份认证替身可能已在运行），"
                                       "请先停止占用该端口的程序") from None
                raise CommandError(f"身份认证替身无法在端口{port}启动（系统错误{e.errno}）") from None
            self.stdout.write(f"身份认证替身运行于 {idp.issuer}，核验后返回门户 {portal}（Ctrl-C 停止）")
            if idp.issuer != conf["issuer"].rstrip("/"):
                self.stdout.write(f"注意：门户配置的身份认证服务地址是 {conf['issuer']}，与替身的地址不同，"
                                  "门户将找不到替身")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
