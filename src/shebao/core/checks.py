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
