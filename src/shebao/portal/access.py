"""Who is signed in to the portal, and the walls around it (issue 15).

A portal session is kept apart from a staff session: it lives in session keys of its own
(`SESSION_KEY`), never in `request.user`, so no portal account reaches a staff page or the staff API
(those ask `request.user`, which stays anonymous). A staff session is not a portal session: a request
whose `request.user` is signed-in staff is refused by every portal page (403), and signing in to the
portal first signs any staff account out of the browser's session.

Views use the decorators:

* ``@portal_employer_required``: an employer's account (administrator or HR clerk). Sets
  ``request.portal_account`` (portal.EmployerAccount), ``request.portal_employer`` (registry.Employer)
  and ``request.portal_actor`` (core.permissions.PortalActor, the actor to hand to services).
* ``@portal_employer_admin_required``: the same, the administrator only.
* ``@portal_person_required``: an insured person. Sets ``request.portal_person`` (registry.Person)
  and ``request.portal_actor``.

Not signed in (or signed in as the other kind): a redirect to the matching sign-in page with ``next``.
The account is read at every request: a disabled clerk is signed out at the next click.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from shebao.core.permissions import INSURED_PERSON, PortalActor

SESSION_KEY = "portal"  # {"kind": "employer"|"person", "id": <account or person pk>}
PENDING_KEY = "portal_pending"  # the employer account whose password was right, before its code


def portal_session(request: HttpRequest) -> dict[str, Any] | None:
    value = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return value if isinstance(value, dict) else None


def staff_signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


SESSION_HASH_SALT = "shebao.portal.session"


def account_session_hash(account: Any) -> str:
    """A digest of the employer account's password hash, kept in its sessions: once the password
    changes (a reset at the counter: `portal.services.employer_admin_reset`) every older session
    ends at its next request, as Django's own `get_session_auth_hash` does for staff. Keyed under
    SECRET_KEY; `account_session_valid` also accepts one keyed under SECRET_KEY_FALLBACKS."""
    from shebao.core.crypto import keyed_digests

    return keyed_digests(SESSION_HASH_SALT, account.password, algorithm="sha256")[0]


def account_session_valid(request: HttpRequest, account: Any) -> bool:
    """Whether the session's digest is the account's under SECRET_KEY or a key of
    SECRET_KEY_FALLBACKS (a rotation of the key signs no one out, as Django does for staff); one
    made under an old key is rewritten under the current key."""
    from shebao.core.crypto import keyed_digest_matches

    session = portal_session(request) or {}
    digest = str(session.get("auth", ""))
    if not keyed_digest_matches(digest, SESSION_HASH_SALT, account.password, algorithm="sha256"):
        return False
    current = account_session_hash(account)
    if digest != current:
        request.session[SESSION_KEY] = {**session, "auth": current}
    return True


def portal_sign_in(request: HttpRequest, *, kind: str, pk: int, account: Any = None) -> None:
    """Make this browser's session a portal session of `kind` ("employer" account or "person"); an
    employer's `account` is given so that the session ends when its password changes.

    Any staff sign-in in the session ends first, and the session key changes (no fixation)."""
    from django.contrib.auth import logout

    if staff_signed_in(request):
        logout(request)
    request.session.cycle_key()
    request.session.pop(PENDING_KEY, None)
    request.session[SESSION_KEY] = {"kind": kind, "id": pk,
                                    **({"auth": account_session_hash(account)} if account is not None else {})}


def portal_next(request: HttpRequest, target: object, *, default: str) -> str:
    """Where a sign-in or the identity check may send the browser back to: `target` when it is a
    path of this site under /portal/, else `default` (bad-input review D17).

    Django's `url_has_allowed_host_and_scheme` refuses another host or scheme (``//evil``,
    ``https://evil``, ``/\\evil``); then the path must be plain: no backslash, no control character,
    no empty, ``.`` or ``..`` segment once percent-decoded (``/portal/../admin/``, ``/portal//x``,
    ``/portal/%2e%2e/admin/``: a browser resolves those out of /portal/), no host part. The query
    is kept, the fragment dropped. The caller URL-encodes the value it puts into another address.
    """
    from urllib.parse import unquote, urlsplit

    from django.utils.http import url_has_allowed_host_and_scheme

    if not isinstance(target, str) or not target or len(target) > 2000:
        return default
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                          require_https=request.is_secure()):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/portal/"):
        return default
    decoded = unquote(parts.path)
    segments = decoded.split("/")[1:]
    if any(seg in ("", ".", "..") for seg in segments[:-1]) or segments[-1] in (".", "..") \
            or "\\" in decoded or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        return default
    return parts.path + (f"?{parts.query}" if parts.query else "")


def portal_sign_out(request: HttpRequest) -> None:
    request.session.flush()


def _refuse_staff(request: HttpRequest) -> None:
    if staff_signed_in(request):
        raise PermissionDenied("工作人员账户不能使用网上办事大厅：请先退出工作人员账户，再以单位或个人身份登录。")


def _to_sign_in(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


def employer_actor(account: Any) -> PortalActor:
    return PortalActor(kind=account.role, name=f"{account.get_role_display()} {account.login}（{account.employer.name}）",
                       employer_id=account.employer_id, account_id=account.pk)


def person_actor(person: Any) -> PortalActor:
    return PortalActor(kind=INSURED_PERSON, name=f"参保人 {person.name}（{person.id_number_masked}）",
                       person_id=person.pk)


def _load_employer(request: HttpRequest) -> bool:
    from shebao.portal.models import EmployerAccount

    session = portal_session(request)
    if not session or session.get("kind") != "employer":
        return False
    account = (EmployerAccount.objects.select_related("employer", "employer__district")
               .filter(pk=session.get("id"), is_active=True).first())
    if account is None or not account_session_valid(request, account):
        portal_sign_out(request)  # disabled or its password reset since: the session ends
        return False
    request.portal_account = account
    request.portal_employer = account.employer
    request.portal_actor = employer_actor(account)
    return True


def _load_person(request: HttpRequest) -> bool:
    from shebao.registry.models import Person

    session = portal_session(request)
    if not session or session.get("kind") != "person":
        return False
    person = Person.objects.select_related("district").filter(pk=session.get("id")).first()
    if person is None or person.merged_into_id is not None:  # merged since sign-in: its business is the kept one's
        portal_sign_out(request)
        return False
    request.portal_person = person
    request.portal_actor = person_actor(person)
    return True


def portal_reader_load(request: HttpRequest) -> bool:
    """Who is signed in to the portal, for a page answered outside the portal's views (an error page
    refused before any view: the query guard's 400): ``request.portal_actor`` and the rest set as the
    views' decorators set them, so the layout shows the applicant signed in. False for nobody."""
    return _load_employer(request) or _load_person(request)


def _as_reader(request: HttpRequest, view: Callable[..., HttpResponse], *args: Any, **kwargs: Any) -> HttpResponse:
    """The view answered with the applicant signed in as the reader of every refusal it makes: one
    naming another application names its number only if the applicant may open it (cases.checks.read_by,
    ux14 finding 6)."""
    from shebao.cases.checks import read_by

    with read_by(request.portal_actor):
        return view(request, *args, **kwargs)


def portal_employer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of an employer's account: see the module's docstring."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _refuse_staff(request)
        if not _load_employer(request):
            return _to_sign_in(request, "portal:employer_sign_in")
        return _as_reader(request, view, *args, **kwargs)

    return wrapped


def portal_employer_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the employer's administrator only (its clerks get 403)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _refuse_staff(request)
        if not _load_employer(request):
            return _to_sign_in(request, "portal:employer_sign_in")
        if request.portal_account.role != request.portal_account.Role.ADMIN:
            raise PermissionDenied("只有本单位的网上办事管理员可以管理经办人账户。")
        return _as_reader(request, view, *args, **kwargs)

    return wrapped


def portal_person_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of an insured person: see the module's docstring."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _refuse_staff(request)
        if not _load_person(request):
            return _to_sign_in(request, "portal:person_sign_in")
        return _as_reader(request, view, *args, **kwargs)

    return wrapped


def portal_public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal page anyone may open (the front page, sign-in): it acts for no one. Marks the view so
    the walls test knows it was meant to be public."""
    view.portal_public = True  # type: ignore[attr-defined]
    return view
