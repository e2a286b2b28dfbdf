"""`shebao identity_standin`: the demo's stand-in for the city's identity provider (6.1), an
OpenID Connect provider on 127.0.0.1 (Authlib's server side, `portal.identity_standin`). DEBUG only."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from shebao.core.commands import ShebaoCommand


class Command(ShebaoCommand):
    help = "演示用统一身份认证替身（OpenID Connect），仅限DEBUG开启时运行"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--portal", default="http://127.0.0.1:8000",
                            help="门户的网址，用于身份核验后的回调地址（redirect URI）")

    def handle(self, *args: Any, port: int, portal: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("身份认证替身只能在DEBUG开启的演示环境运行")
        from shebao.portal.identity_standin import OidcProvider

        conf = settings.SHEBAO_IDENTITY_PROVIDER
        callbacks = [f"{portal.rstrip('/')}/portal/person/identity/callback/",
                     f"{portal.rstrip('/').replace('127.0.0.1', 'localhost')}/portal/person/identity/callback/"]
        with OidcProvider.running(port=port, client_id=conf["client_id"], client_secret=conf["client_secret"],
                                  redirect_uris=callbacks) as idp:
            self.stdout.write(f"身份认证替身运行于 {idp.issuer}（Ctrl-C 停止）")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
