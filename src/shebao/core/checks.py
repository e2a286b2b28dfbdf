"""System checks of the project's own (`shebao check --deploy` runs them with Django's).

Django's security.W003 looks for `django.middleware.csrf.CsrfViewMiddleware` by its dotted path, and
the project uses a subclass of it that is skipped only for calls with an API key
(core.middleware.PagesOnlyCsrfViewMiddleware). The settings silence W003; this check takes its place,
so a MIDDLEWARE list without CSRF protection is still reported (as an error, not a warning).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string


@checks.register(checks.Tags.security, deploy=True)
def csrf_middleware_present(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """shebao.E001 unless a CsrfViewMiddleware (or a subclass of it) is in MIDDLEWARE."""
    for path in settings.MIDDLEWARE:
        try:
            cls = import_string(path)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, CsrfViewMiddleware):
            return []
    return [checks.Error("MIDDLEWARE has no CSRF protection (a CsrfViewMiddleware or a subclass of it).",
                         id="shebao.E001")]


@checks.register(checks.Tags.security, deploy=True)
def encryption_keys_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """shebao.W002 when SHEBAO_FIELD_KEYS or SHEBAO_BLIND_INDEX_KEY is unset, shebao.E002 when a
    field key is not a Fernet key (issue 16 §4, §5; docs/encryption.md "Keys").

    Unset, the keys are derived from SECRET_KEY: a demo or test install needs nothing, but then the
    settings file alone opens every encrypted column of a stolen backup, and changing SECRET_KEY
    makes every token unreadable. A production install keeps its own keys apart from both.
    """
    from cryptography.fernet import Fernet

    out: list[checks.CheckMessage] = []
    missing = [name for name in ("SHEBAO_FIELD_KEYS", "SHEBAO_BLIND_INDEX_KEY") if not getattr(settings, name, None)]
    if missing:
        out.append(checks.Warning(
            f"{' and '.join(missing)} unset: the encryption keys of ID, phone and account numbers are derived "
            "from SECRET_KEY. Set them (docs/encryption.md) and keep them apart from the database and its backups.",
            id="shebao.W002"))
    for i, key in enumerate(getattr(settings, "SHEBAO_FIELD_KEYS", None) or []):
        try:
            Fernet(key.strip())
        except (ValueError, TypeError):
            out.append(checks.Error(f"SHEBAO_FIELD_KEYS item {i + 1} is not a Fernet key (url-safe base64 of 32 bytes)",
                                    id="shebao.E002"))
    return out
