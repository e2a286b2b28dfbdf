"""Middleware that only the pages need, skipped for calls made with an API key.

A system calling `/api/` with `Authorization: Bearer …` has no session, no CSRF cookie, no flash
messages and no htmx: running those middleware for it costs a submission ~5% of its time and gives
nothing. Each class below is Django's own, skipped for such a call (its `__call__` passes the request
straight on; CSRF's process_view still runs, and lets DRF's views through as exempt, as before).
What protects every response stays for all calls: SecurityMiddleware, CommonMiddleware (host check), LocaleMiddleware (the language of DRF's messages is set per request, never left over
from the thread's previous one), XFrameOptionsMiddleware. CSRF protects cookie-borne sessions; a
bearer key is never attached by a browser on its own, so there is nothing to forge.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django_htmx.middleware import HtmxMiddleware
from django_otp.middleware import OTPMiddleware


def api_key_call(request: Any) -> bool:
    return request.path_info.startswith("/api/") and request.META.get(
        "HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "


def _pages_only(cls: type) -> type:
    def __call__(self: Any, request: Any) -> Any:
        if api_key_call(request):
            return self.get_response(request)
        return cls.__call__(self, request)

    return type(f"PagesOnly{cls.__name__}", (cls,), {"__call__": __call__, "__module__": __name__,
                                                       "__doc__": f"{cls.__name__}, skipped for API-key calls."})


PagesOnlySessionMiddleware = _pages_only(SessionMiddleware)
PagesOnlyCsrfViewMiddleware = _pages_only(CsrfViewMiddleware)
PagesOnlyAuthenticationMiddleware = _pages_only(AuthenticationMiddleware)
PagesOnlyMessageMiddleware = _pages_only(MessageMiddleware)
PagesOnlyHtmxMiddleware = _pages_only(HtmxMiddleware)
PagesOnlyOTPMiddleware = _pages_only(OTPMiddleware)


class SecondFactorRequiredMiddleware:
    """A staff session counts only once its second factor was verified at sign-in (issue 16 §3).

    A session signed in some other way (the admin's own sign-in form, a session from before the
    second factor) is signed out here, so every page and API call sees nobody and asks for sign-in.
    Off only on a development copy with SHEBAO_STAFF_MFA=false (the settings refuse it in production).
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings

        if settings.SHEBAO_STAFF_MFA and not api_key_call(request):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not user.is_verified():
                from django.contrib.auth import logout

                logout(request)
        return self.get_response(request)


def reader_identify(request: Any) -> None:
    """Who reads a page answered before the sign-in middlewares ran (the query guard refuses first, so
    that a personal number in the address never reaches a sign-in redirect's ``next``): ``request.user``
    set as those middlewares set it, the second factor included, so the refusal shows the clerk signed
    in, not signed out (review-user6 F10: a refused person search showed 登录). Nothing when the user
    is already known, for an API-key call, or without a session."""
    if hasattr(request, "user") or not hasattr(request, "session") or api_key_call(request):
        return
    PagesOnlyAuthenticationMiddleware(PagesOnlyOTPMiddleware(SecondFactorRequiredMiddleware(lambda r: None)))(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every answer the application makes (pages, API, files)
    unless the view set its own: a page or an answer may carry personal data, which no browser or
    proxy cache keeps (issue 16 §4). Static files (WhiteNoise) are answered before this and cached."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response


class AdminMaskingMiddleware:
    """The admin's pages mask ID, phone and account numbers like every other page (issue 16 §4):
    whatever an admin page shows (an audit row's changes, a reason, a search result) goes through
    core.masking.mask_text. The full value is only ever shown by the recorded "reveal" of the pages."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if (request.path_info.startswith("/admin/") and not getattr(response, "streaming", False)
                and response.get("Content-Type", "").startswith("text/html")):
            from shebao.core.masking import mask_text

            charset = response.charset or "utf-8"
            response.content = mask_text(response.content.decode(charset)).encode(charset)
        return response


# What a refused address says; then where the number is given instead, said for who asked
# (WHERE_INSTEAD): a road the reader can take (review-input5 F9: the portal's refusal pointed
# employers to the staff API, which a portal session cannot reach).
NUMBER_IN_URL = "含有证件号码、手机号码或银行账号：号码不得出现在网址中（会留在访问日志和浏览器历史里）。"
WHERE_INSTEAD = {
    "api": "按号码查询请用 POST /api/v1/persons/search/（号码放在请求体中）",
    "portal": "请从网上办事的页面进入，在页面的表单中填写号码后提交",
    "staff": "请在页面的查询框中输入（以表单提交）",
}


def audience(request: Any) -> str:
    """Who an answer is for, by the address: "api" (a system), "portal" (an employer or insured
    person), else "staff" (the back office)."""
    path = request.path_info
    return "api" if path.startswith("/api/") else "portal" if path.startswith("/portal/") else "staff"


@dataclass(frozen=True)
class QueryCheck:
    """One rule of the query guard.

    `problem(value)` answers the Chinese reason (after the parameter's name) or None when the value
    passes; `code` and `reason_en` go into the API's problem details; `forms` says whether a page's
    posted form is checked too (a personal number belongs in a form, never in an address).
    """

    problem: Callable[[str], str | None]
    code: str
    reason_en: str
    forms: bool
    # The rule for a posted form when it differs from the address's (None: the same).
    in_form: Callable[[str], str | None] | None = None
    # Whether the rule judges the value of the parameter `name` (None: every parameter). A name is
    # always judged, whatever the parameter.
    applies: Callable[[str, str], bool] | None = None

    def judges(self, name: str, value: str) -> bool:
        return self.applies is None or self.applies(name, value)


def _control_character(value: str) -> str | None:
    from shebao.core.inputs import text_problem

    return text_problem(value)


def _form_control_character(value: str) -> str | None:
    from shebao.core.inputs import text_problem

    return text_problem(value, invisible=False)


def _personal_number(value: str) -> str | None:
    from shebao.core.masking import holds_personal_number

    return NUMBER_IN_URL if holds_personal_number(value) and not _public_code(value) else None


# Parameters that by what they are hold a figure, a date or a record's id, never a person's number
# (review-input4 E10: `page=13800138000`, `district=13800138000`, a calculator's
# `revenue=999999999999999` were refused as "证件号码、手机号码或银行账号"): a page number, a district's or
# a record's id, a month, a date, a count, an amount. A plain figure written in ASCII there is judged by
# the view as what the parameter is (“页码…无效，应为1至10000的整数”, "超出合理范围"), not as a personal
# number. The access log still masks it: core.masking.mask_text masks every number that looks
# personal in a logged line, and a plain ASCII figure is what it reads. Anything else in such a
# parameter (full-width digits, digits in groups, a final X, an `id:` prefix: the forms a person's
# number is written in) is judged like any other parameter. `q`, `code`, `next`, the front desk's
# `id_number` and every parameter not named here are always judged.
FIGURE_PARAMETERS = frozenset({
    "page", "page_size", "per_page", "limit", "offset", "cursor", "year", "month", "day", "start", "end",
    "from", "to", "as_of", "on", "lifted_on", "district", "person", "employer", "case", "run", "id",
    "revenue", "assets", "employees", "amount", "amount_fen", "base_fen", "months", "days", "v",
})
_PLAIN_FIGURE = re.compile(r"[+-]?[0-9]{1,40}(?:\.[0-9]{1,10})?")


def _reads_as_citizen_id(figure: str) -> bool:
    """True for a citizen ID number in either form: 18 digits whose check character is right (GB 11643-1999)
    or 15 digits holding a real date (GB 11643-1989). No page, district, date or amount is one."""
    from shebao.registry.checks import id_check_character, legacy_citizen_id

    if len(figure) == 18 and figure.isdigit():
        return id_check_character(figure[:17]) == figure[17]
    return legacy_citizen_id(figure) is not None


def _not_a_plain_figure(name: str, value: str) -> bool:
    """False for a plain ASCII figure in a parameter of FIGURE_PARAMETERS (judged by the view), unless
    the figure is a citizen ID number (review-input5 F2: `?person=110105196507131772` passed and was
    echoed and logged whole once figures went to the view); such a number is refused as in any other
    parameter."""
    figure = value.strip()
    if name not in FIGURE_PARAMETERS or _PLAIN_FIGURE.fullmatch(figure) is None:
        return True
    return _reads_as_citizen_id(figure)


# In order: the first check a value fails is the one reported.
QUERY_CHECKS: tuple[QueryCheck, ...] = (
    # A control character or a lone surrogate: PostgreSQL cannot hold a NUL in text, so such a term
    # reached the database and answered 500 (schemathesis, GET /api/v1/cases/?business=%00…). The
    # same rule as the forms and models (core.inputs.text_problem).
    # A bidi control or a zero-width space in a posted form is left to the view and the models, which
    # say it beside its field; in an address nothing says it better than this 400.
    QueryCheck(_control_character, "invalid", "the query parameter holds a control character", forms=True,
               in_form=_form_control_character),
    # An ID, mobile or account number (issue 16 §4): `GET /api/v1/persons/?q=1101051960…` and
    # front-desk GETs put full ID numbers in access logs, proxies' logs and browser histories. A value
    # that core.masking.mask_text would mask (the log masker's own rule) is refused; an employer's
    # unified social credit code (GB 32100, public) passes unless it also reads as an ID number.
    # A plain figure in a parameter that is a figure by name (FIGURE_PARAMETERS) is the view's to judge.
    QueryCheck(_personal_number, "personal_number_in_url",
               "an ID, phone or account number in a URL: POST it instead", forms=False,
               applies=_not_a_plain_figure),
)


def form_labels(**labels: str) -> Callable[[Any], Any]:
    """Declare the Chinese labels of a page's form fields (``@form_labels(starts_on="中止起始日期")``) on
    its view, for what is said of a field before the view runs (`QueryGuardMiddleware`: a NUL in a form)."""

    def mark(view: Any) -> Any:
        view.form_labels = {**getattr(view, "form_labels", {}), **labels}
        return view

    return mark


def form_field_label(request: Any, name: str) -> str:
    """The Chinese label of the posted field ``name`` as the view declares it: `form_labels` on the view
    (or its class), or the label of its form class's field; ``""`` when none is declared. The English
    name of a field is never shown to a person (bad-input review 16, 2: 填写的内容starts_on第11位…)."""
    from django.urls import Resolver404, resolve

    try:
        func = resolve(request.path_info).func
    except Resolver404:
        return ""
    view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    for owner in (func, view_class):
        labels = getattr(owner, "form_labels", None)
        if isinstance(labels, dict) and labels.get(name):
            return str(labels[name])
    form_class = getattr(view_class, "form_class", None)
    field = getattr(form_class, "base_fields", {}).get(name) if form_class is not None else None
    label = getattr(field, "label", None)
    return str(label) if label and not str(label).isascii() else ""


class QueryGuardMiddleware:
    """Refuse, with 400, a query string (or a page's posted form) that fails one of QUERY_CHECKS.

    One walk over every parameter name and value of the address, and of a page's urlencoded or
    multipart form (not files; some views read a field straight into a lookup, a POSTed ID search),
    covers every page and API list, present and future. API bodies are left to their serializers.
    The API answers problem details naming the parameter (``errors[0].code`` is the check's code), a
    page the Chinese 400 page. A value is never echoed; a name that itself fails a check is shown as
    "（参数名）".
    """

    def __init__(self, get_response: Any, checks: tuple[QueryCheck, ...] = QUERY_CHECKS) -> None:
        self.get_response = get_response
        self.checks = checks

    def __call__(self, request: Any) -> Any:
        sources: list[tuple[Any, bool]] = [(request.GET, True)]
        raw = _RawReadings(request.META.get("QUERY_STRING", ""))
        if raw:
            sources.append((raw, True))
        if request.method == "POST" and request.content_type in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            # An API form (a document's name posted with its file) is checked like a page's: its
            # serializer would say DRF's "不允许是用空字符串" for a NUL (review 3, E16).
            sources.append((request.POST, False))
        for source, in_address in sources:
            checks = [(c, c.problem if in_address else (c.in_form or c.problem))
                      for c in self.checks if in_address or c.forms]
            for name, values in source.lists():
                for i, value in enumerate([name, *values]):
                    for check, rule in checks:
                        problem = rule(value) if i == 0 or check.judges(name, value) else None
                        if problem:
                            if any(r(name) for _c, r in checks):
                                shown = "（参数名）"
                            else:  # a form's field is named by its Chinese label, never its English name
                                shown = name if in_address else form_field_label(request, name)
                            return _query_refused(request, shown, problem, in_address=in_address,
                                                  code=check.code, reason_en=check.reason_en)
        return self.get_response(request)


class _RawReadings:
    """The address's parameters as a person reads the raw query string in a log: each ``name=value``
    piece with its percent signs dropped and ``+`` read as a space. ``q=110105196%507130892`` is
    "110105196P7130892" to Django but the ID number 110105196507130892 to whoever reads the access
    log (bad-input review 3, E3); only pieces holding a ``%`` are read again."""

    def __init__(self, query_string: str) -> None:
        self.pairs = [tuple(p.replace("%", "").replace("+", " ") for p in piece.partition("=")[::2])
                      for piece in query_string.split("&") if "%" in piece]

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def lists(self) -> list[tuple[str, list[str]]]:
        return [(name, [value]) for name, value in self.pairs]


def query_string_refused(query_string: str) -> bool:
    """True if the query guard refuses an address with this raw query string (URL-encoded, as in a
    request line): the same readings (URL-decoded as Django decodes it, and raw) and the same checks.
    The log masker (core.masking) drops such a query string from the line it logs, so what the guard
    refuses for holding a personal number or a control character is never written to a log."""
    from urllib.parse import parse_qsl

    decoded = parse_qsl(query_string, keep_blank_values=True, errors="replace")
    pieces = [(name, [value]) for name, value in decoded] + _RawReadings(query_string).lists()
    return any(check.problem(value) for name, values in pieces
               for i, value in enumerate([name, *values]) for check in QUERY_CHECKS
               if i == 0 or check.judges(name, value))


_VERIFICATION_CODE = re.compile(r"[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}")


def _public_code(value: str) -> bool:
    """A valid unified social credit code (an employer's public code) that is not a valid ID number,
    or a value written as a printed verification code (``XXXX-XXXX-XXXX``, core.codes): the public
    check pages of certificates and statements take it in the address, forged ones included."""
    if _VERIFICATION_CODE.fullmatch(value.strip()):
        return True
    from shebao.core.normalize import normalize_code
    from shebao.registry.checks import CodeError, parse_citizen_id, validate_credit_code

    code = normalize_code(value)
    try:
        validate_credit_code(code)
    except CodeError:
        return False
    try:
        parse_citizen_id(code)
    except CodeError:
        return True
    return False


def _query_refused(request: Any, shown: str, problem: str, *, in_address: bool, code: str,
                   reason_en: str) -> Any:
    from django.http import JsonResponse

    from shebao.web.errors import render_error

    if problem == NUMBER_IN_URL:
        problem += WHERE_INSTEAD[audience(request)]
    message = f"{'查询参数' if in_address else '填写的内容'}{shown}{problem}"
    field = shown if in_address or shown == "（参数名）" else ""
    if request.path_info.startswith("/api/"):
        from shebao.api.errors import TITLES

        zh, en = TITLES[400]
        return JsonResponse(
            {"type": "https://shebao.invalid/problems/validation", "title": zh, "title_en": en,
             "status": 400, "detail": message,
             "errors": [{"field": field, "code": code, "reason_zh": message, "reason_en": reason_en}]},
            status=400, content_type="application/problem+json", json_dumps_params={"ensure_ascii": False})
    return render_error(request, 400, detail=message)
