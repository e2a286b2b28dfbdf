"""One place per front end (issue 14, layout.md): the REST API lives in `shebao.api`, the staff
pages in `shebao.backoffice`; a domain app (registry, collection, cases, ...) holds models, services
and selectors, never views, URL modules or API handlers of its own."""

from __future__ import annotations

from pathlib import Path

import shebao

SRC = Path(shebao.__file__).parent
FRONT_ENDS = {"api", "backoffice", "web", "config", "portal"}
FRONT_END_MODULES = ("views.py", "urls.py", "api.py", "api_urls.py", "serializers.py")


def test_domain_apps_have_no_views_urls_or_api_modules():
    strays = sorted(
        str(path.relative_to(SRC))
        for app in SRC.iterdir() if app.is_dir() and app.name not in FRONT_ENDS
        for path in app.rglob("*.py") if path.name in FRONT_END_MODULES
    )
    assert strays == [], f"front-end code belongs in shebao.api or shebao.backoffice: {strays}"


def test_every_mounted_url_module_has_routes():
    """An empty URL module mounted at an address is a second road that leads nowhere."""
    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    def walk(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                assert entry.url_patterns, f"{entry.pattern} mounts an empty URL module"
                walk(entry)

    walk(get_resolver())
