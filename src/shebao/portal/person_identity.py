"""The identity check of 6.1 ("after face recognition in the city's identity app"): the portal is an
OpenID Connect client of the city's identity provider.

The client is Authlib's Django client (`authlib.integrations.django_client`): it keeps `state` and
`nonce` in the session and, on the way back, refuses a state it did not issue, fetches the token,
and checks the ID token's signature against the provider's published keys (JWKS), its issuer,
audience, expiry and nonce. What is left to us: an answer without an ID token is refused (Authlib
checks an ID token only when one is there), and the person the provider recognised (claim
`id_number`, configurable) must be the person signed in to the portal.

A successful check is remembered in the session with its time; businesses that need it
(residents' pension, changing a bank account or a card's delivery address: 6.1 and issue 15) ask
`identity_fresh` — at most `settings.SHEBAO_IDENTITY_FRESH_MINUTES` (10) old — or wrap their view in
`identity_check_required`, which sends the person through the check and back.

Every check, passed or failed, is recorded (`portal.IdentityCheck`), with the reason of a failure.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from shebao.core import clock

SESSION_KEY = "portal_identity"  # {"person_id", "at": ISO time, "subject"}
NEXT_KEY = "portal_identity_next"
# The error codes a provider may answer with (RFC 6749 §4.1.2.1; OpenID Connect Core 1.0 §3.1.2.6).
# Anything else is recorded as "unknown": the trail never keeps text a link brought (review D13).
PROVIDER_ERRORS = frozenset({
    "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope",
    "server_error", "temporarily_unavailable", "interaction_required", "login_required",
    "account_selection_required", "consent_required", "invalid_request_uri", "invalid_request_object",
    "request_not_supported", "request_uri_not_supported", "registration_not_supported"})


def provider_settings() -> dict[str, str]:
    """The identity provider of settings.SHEBAO_IDENTITY_PROVIDER: issuer, client_id, client_secret,
    id_claim. Empty when none is configured (the check then cannot be made)."""
    return dict(getattr(settings, "SHEBAO_IDENTITY_PROVIDER", {}) or {})


def fresh_window() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "SHEBAO_IDENTITY_FRESH_MINUTES", 10)))


def _client() -> Any:
    """A fresh Authlib client for the configured provider (settings may change between tests)."""
    from authlib.integrations.django_client import OAuth

    conf = provider_settings()
    oauth = OAuth()
    return oauth.register(
        "city_identity", client_id=conf["client_id"], client_secret=conf["client_secret"],
        server_metadata_url=conf["issuer"].rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid", "timeout": 10})


def identity_fresh(request: HttpRequest, person: Any) -> bool:
    """Whether this session passed the identity check for `person` within the fresh window."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("person_id") != person.pk:
        return False
    try:
        at = dt.datetime.fromisoformat(state["at"])
    except (KeyError, TypeError, ValueError):
        return False
    now = clock.now()
    return at <= now < at + fresh_window()


def identity_checked_at(request: HttpRequest) -> dt.datetime | None:
    state = request.session.get(SESSION_KEY)
    try:
        return dt.datetime.fromisoformat(state["at"]) if isinstance(state, dict) else None
    except (KeyError, TypeError, ValueError):
        return None


def _safe_next(request: HttpRequest, target: str | None) -> str:
    from shebao.portal.access import portal_next

    return portal_next(request, target, default=reverse("portal:person_home"))


def identity_check_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A person's page that needs a fresh identity check: without one, the person is sent through
    the check and comes back here. Wrap inside `portal_person_required` (needs request.portal_person)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not identity_fresh(request, request.portal_person):
            messages.info(request, "办理该业务须先通过身份核验（人脸识别），核验后10分钟内有效。")
            return HttpResponseRedirect(reverse("portal:person_identity") + "?" + urlencode(
                {"next": request.get_full_path()}))
        return view(request, *args, **kwargs)

    wrapped.identity_check_required = True  # type: ignore[attr-defined]
    return wrapped


def identity_check_required_unless(
        answer: Callable[[HttpRequest], HttpResponse | None]) -> Callable[[Callable[..., HttpResponse]],
                                                                          Callable[..., HttpResponse]]:
    """`identity_check_required`, except that ``answer(request)`` is asked first: a page it answers
    (e.g. that no application can be made now) is shown without the check, which is asked only of
    someone about to type into the form."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        checked = identity_check_required(view)

        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return answer(request) or checked(request, *args, **kwargs)

        wrapped.identity_check_required = True  # type: ignore[attr-defined]
        return wrapped

    return decorate


def identity_check_start(request: HttpRequest) -> HttpResponse:
    """Send the signed-in person to the provider (authorization code flow; Authlib makes and keeps
    state and nonce). `next`: the portal page to return to."""
    request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    redirect_uri = request.build_absolute_uri(reverse("portal:person_identity_callback"))
    return _client().authorize_redirect(request, redirect_uri, prompt="login")


class IdentityCheckFailed(Exception):
    """The provider's answer was refused; `zh` says why in Chinese, `reason` is kept in the trail."""

    def __init__(self, zh: str, reason: str) -> None:
        super().__init__(reason)
        self.zh, self.reason = zh, reason


def identity_check_finish(request: HttpRequest, person: Any) -> dict[str, Any]:
    """The provider's answer (the redirect back) checked: state, token, ID token (signature, issuer,
    audience, expiry, nonce: Authlib), then that it names `person`. Returns the ID token's claims;
    raises IdentityCheckFailed."""
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import JoseError

    client = _client()
    error = request.GET.get("error")
    if error:
        # The answer to a check this session started (the caller checked the state): used up.
        client.framework.clear_state_data(request.session, request.GET.get("state", ""))
        raise IdentityCheckFailed("身份核验未通过（人脸识别未完成或被拒绝），请重试。",
                                  f"provider answered {error if error in PROVIDER_ERRORS else 'an unknown error'}")
    try:
        token = client.authorize_access_token(request)
    except OAuthError as e:  # state missing or not ours, the token request refused
        raise IdentityCheckFailed("身份核验未通过：核验请求已失效或不是本次发起的，请重新核验。",
                                  f"{e.error}: {e.description}"[:200])
    except JoseError as e:  # signature, issuer, audience, expiry or nonce of the ID token
        raise IdentityCheckFailed("身份核验未通过：身份凭证校验失败，请重新核验。",
                                  f"id token refused: {type(e).__name__}: {e}"[:200])
    claims = token.get("userinfo")
    if not token.get("id_token") or not claims:
        raise IdentityCheckFailed("身份核验未通过：未收到身份凭证，请重新核验。", "no id token in the answer")
    claim = provider_settings().get("id_claim") or "id_number"
    if str(claims.get(claim, "")).strip().upper() != person.id_number.upper():
        raise IdentityCheckFailed("身份核验未通过：核验的不是当前登录的本人。请本人核验。",
                                  f"the provider recognised another person (sub {claims.get('sub', '')})"[:200])
    return dict(claims)


def answers_a_check_started_here(request: HttpRequest) -> bool:
    """Whether the callback's `state` is one this session issued and has not used (Authlib keeps it
    in the session when the check starts). A callback without one is a link anyone can send
    (``?error=…``, ``?code=…&state=forged``): it is not an answer of the provider to this person."""
    state = request.GET.get("state", "")
    if not provider_settings() or not state or len(state) > 200:
        return False
    return _client().framework.get_state_data(request.session, state) is not None


def identity_check_callback(request: HttpRequest) -> HttpResponse:
    """The provider's redirect back: the check passed (remembered in the session, recorded) or failed
    (recorded with its reason, said in Chinese). A callback that answers no check this session
    started is refused and writes nothing: no one can put a failed check, or its text, into another
    person's trail by sending them a link (review D13)."""
    from shebao.portal.person_services import identity_check_record

    person = request.portal_person
    target = _safe_next(request, request.session.get(NEXT_KEY))
    if not answers_a_check_started_here(request):
        messages.error(request, "身份核验未通过：核验请求已失效或不是本次发起的，请重新核验。")
        return HttpResponseRedirect(reverse("portal:person_identity") + "?" + urlencode({"next": target}))
    request.session.pop(NEXT_KEY, None)
    try:
        claims = identity_check_finish(request, person)
    except IdentityCheckFailed as e:
        request.session.pop(SESSION_KEY, None)
        identity_check_record(actor=request.portal_actor, person=person, passed=False, reason=e.reason)
        messages.error(request, e.zh)
        return HttpResponseRedirect(reverse("portal:person_identity") + "?" + urlencode({"next": target}))
    request.session[SESSION_KEY] = {"person_id": person.pk, "at": clock.now().isoformat(),
                                    "subject": str(claims.get("sub", ""))[:100]}
    identity_check_record(actor=request.portal_actor, person=person, passed=True,
                          subject=str(claims.get("sub", "")))
    # What the person may now do, and for how long: information, not a success to celebrate (review-user13
    # (11): the card page showed this instruction green)
    messages.info(request, "身份核验已通过：10分钟内可办理须核验身份的业务，超过10分钟须重新核验。")
    return HttpResponseRedirect(target)
