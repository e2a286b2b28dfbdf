"""The negotiation shortcut answers exactly as DRF's own negotiation would."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from shebao.api.negotiation import ContentNegotiation


def _answer(negotiation, request, renderers, suffix):
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
        return type(renderer), media_type
    except NotAcceptable:
        return "406"
    except Http404:
        return "404"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "", "text/html", "application/json; indent=4",
                                    "text/html, */*;q=0.8", "application/xml", "application/*"])
@pytest.mark.parametrize("query", ["", "format=api", "format=json", "page=2"])
@pytest.mark.parametrize("suffix", [None, "api"])
@pytest.mark.parametrize("renderers", [[JSONRenderer(), BrowsableAPIRenderer()], [BrowsableAPIRenderer(), JSONRenderer()],
                                       [JSONRenderer()]])
def test_the_shortcut_agrees_with_drf(accept, query, suffix, renderers):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/cases/?{query}" if query else "/api/v1/cases/", **extra))
    assert _answer(ContentNegotiation(), request, renderers, suffix) == _answer(
        DefaultContentNegotiation(), request, renderers, suffix)


def test_the_api_answers_json_to_a_system_that_states_nothing(clerk_chaoyang):
    from rest_framework.test import APIClient

    c = APIClient()
    c.force_authenticate(clerk_chaoyang)
    r = c.get("/api/v1/cases/workflows/")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
