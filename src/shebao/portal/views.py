"""The portal's sign-in pages and front pages (issue 15). Thin: forms, `portal.signin`, templates.

Each sign-in is two steps (a code by SMS at the second); between them the session holds what the
second step needs (never an ID number, never a password). Pages work without JavaScript; every
refusal is shown next to its field.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from shebao.core.errors import DomainError
from shebao.portal import services, signin
from shebao.portal.access import (
    PENDING_KEY,
    portal_employer_admin_required,
    portal_employer_required,
    portal_next,
    portal_person_required,
    portal_public,
    portal_session,
    portal_sign_in,
    portal_sign_out,
    staff_signed_in,
)
from shebao.portal.forms import ClerkForm, CodeForm, EmployerSignInForm, PersonSignInForm
from shebao.portal.models import EmployerAccount, SignInEvent

PERSON_PENDING = "portal_person_pending"


def _demo_sms_open() -> bool:
    from shebao.portal.demo import demo_sms_open

    return demo_sms_open()


def _next(request: HttpRequest, default: str) -> str:
    return portal_next(request, request.POST.get("next") or request.GET.get("next"), default=reverse(default))


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}"


@portal_public
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front page: which sign-in to use; a signed-in applicant goes to its own page."""
    session = portal_session(request)
    if session and not staff_signed_in(request):
        return HttpResponseRedirect(reverse("portal:employer_home" if session.get("kind") == "employer"
                                            else "portal:person_home"))
    return TemplateResponse(request, "portal/home.html", {"staff": staff_signed_in(request)})


@portal_public
def demo_sms(request: HttpRequest) -> HttpResponse:
    """演示短信收件箱: the SMS a demo copy "sent" (written to its file, no phone reached), newest first,
    so a person signing in to the demo reads their code and their applications' messages (ux14 finding 3).
    Only on a DEBUG copy without an SMS gateway (`portal.demo.demo_sms_open`); elsewhere it does not exist."""
    from django.http import Http404

    from shebao.portal.demo import demo_email_open, demo_sms_messages, demo_sms_open

    if not demo_sms_open():
        raise Http404("没有该页面")
    return TemplateResponse(request, "portal/demo_sms.html", {"rows": demo_sms_messages(),
                                                              "demo_email": demo_email_open()})


@portal_public
def demo_email(request: HttpRequest) -> HttpResponse:
    """演示邮件收件箱: the e-mail a demo copy "sent" (written to files by Django's file-based backend, no
    mailbox reached), newest first. Only on a DEBUG copy without a mail server
    (`portal.demo.demo_email_open`); elsewhere it does not exist."""
    from django.http import Http404

    from shebao.portal.demo import demo_email_messages, demo_email_open

    if not demo_email_open():
        raise Http404("没有该页面")
    return TemplateResponse(request, "portal/demo_email.html", {"rows": demo_email_messages()})


# --- An insured person ---------------------------------------------------------------------------
@portal_public
def person_sign_in(request: HttpRequest) -> HttpResponse:
    form = PersonSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pending = signin.person_pending(form.cleaned_data["id_number"])
        go_on, notice = signin.person_code_request(request, pending=pending)
        if not go_on:
            form.add_error("id_number", notice)
        else:
            # Registered or not, the same step follows (review D4); a limit refused is said there.
            pending["limited"] = _refused_by_hour(request)
            request.session[PERSON_PENDING] = pending
            if notice:
                messages.info(request, notice)
            return HttpResponseRedirect(_with_next(reverse("portal:person_sign_in_code"),
                                                   _next(request, "portal:person_home")))
    return TemplateResponse(request, "portal/person_sign_in.html", {"form": form, "next": _next(request, "portal:person_home")},
                            status=400 if request.method == "POST" else 200)


@portal_public
def person_sign_in_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PERSON_PENDING)
    if not isinstance(pending, dict):
        return HttpResponseRedirect(reverse("portal:person_sign_in"))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and "resend" in request.POST:
        form = CodeForm()
        _, notice = signin.person_code_request(request, pending=pending)
        pending["limited"] = _refused_by_hour(request) or (bool(notice) and bool(pending.get("limited")))
        request.session[PERSON_PENDING] = pending
        if notice:
            messages.error(request, notice)
        else:
            messages.success(request, "验证码已重新发送。")
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            person, reason = signin.person_code_check(request, pending=pending, code=form.cleaned_data["code"])
            if person is not None:
                portal_sign_in(request, kind="person", pk=person.pk)
                request.session.pop(PERSON_PENDING, None)
                return HttpResponseRedirect(_next(request, "portal:person_home"))
            form.add_error("code", reason)
    return TemplateResponse(request, "portal/code.html", {
        "demo_sms": _demo_sms_open(), "limited": _limited(request, pending["key"], pending.get("limited")),
        "form": form, "label": pending["label"], "kind": "person", "next": _next(request, "portal:person_home"),
        "restart": reverse("portal:person_sign_in")}, status=status)


PENDING_LIMITED_KEY = "portal_employer_code_limited"


def _refused_by_hour(request: HttpRequest) -> bool:
    """Whether the code just asked for (`signin`) was refused by an hourly limit: no code was sent."""
    refused = getattr(request, "portal_code_refused", None)
    return refused is not None and refused.retry_minutes is not None


def _limited(request: HttpRequest, subject: str, refused: object) -> object:
    """What the code step says when the last request for a code was refused by an hourly limit
    (`refused`, kept in the session): the limit still refusing `subject` (`codes.hourly_limit_reached`,
    with the minutes to wait), or None. A fresh user's walk: the banner said 次数过多 while the page
    said the code was sent and offered 重新获取验证码."""
    if not refused:
        return None
    from shebao.portal.codes import hourly_limit_reached
    from shebao.portal.signin import client_address

    return hourly_limit_reached(subject=subject, ip_address=client_address(request))


# --- An employer's account -------------------------------------------------------------------------
@portal_public
def employer_sign_in(request: HttpRequest) -> HttpResponse:
    form = EmployerSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account, reason = signin.employer_password_check(request, **form.cleaned_data)
        if account is None:
            form.add_error("password", reason)
        else:
            request.session[PENDING_KEY] = account.pk
            request.session[PENDING_LIMITED_KEY] = _refused_by_hour(request)
            if reason:
                messages.info(request, reason)
            return HttpResponseRedirect(_with_next(reverse("portal:employer_sign_in_code"),
                                                   _next(request, "portal:employer_home")))
    return TemplateResponse(request, "portal/employer_sign_in.html",
                            {"form": form, "next": _next(request, "portal:employer_home")},
                            status=400 if request.method == "POST" else 200)


@portal_public
def employer_sign_in_code(request: HttpRequest) -> HttpResponse:
    account_pk = request.session.get(PENDING_KEY)
    account = EmployerAccount.objects.select_related("employer").filter(pk=account_pk).first() if account_pk else None
    if account is None:
        return HttpResponseRedirect(reverse("portal:employer_sign_in"))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            signed, reason = signin.employer_code_check(request, account_pk=account.pk, code=form.cleaned_data["code"])
            if signed is not None:
                portal_sign_in(request, kind="employer", pk=signed.pk, account=signed)
                return HttpResponseRedirect(_next(request, "portal:employer_home"))
            form.add_error("code", reason)
    return TemplateResponse(request, "portal/code.html", {
        "demo_sms": _demo_sms_open(),
        "limited": _limited(request, f"employer_account:{account.pk}", request.session.get(PENDING_LIMITED_KEY)),
        "form": form, "label": f"{account.employer.name} · {account.display_name}", "sent_to": account.mobile_masked,
        "kind": "employer", "next": _next(request, "portal:employer_home"),
        "restart": reverse("portal:employer_sign_in")}, status=status)


@portal_public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session = portal_session(request)
    if session and not staff_signed_in(request):
        signin.event_record(request, kind=session.get("kind", "person"), outcome=SignInEvent.Outcome.SIGNED_OUT,
                            subject=f"{session.get('kind')}:{session.get('id')}")
    portal_sign_out(request)
    return HttpResponseRedirect(reverse("portal:home"))


# --- Signed in -------------------------------------------------------------------------------------
@portal_person_required
def person_home(request: HttpRequest) -> HttpResponse:
    """The person's menu. A pensioner (a retiree of the employees' basic pension, not ended) finds 我的养老金
    first and is not offered the residents' pension (城乡居民养老保险), which one drawing the employees'
    pension does not join (review-user14 (12))."""
    from django.apps import apps

    person = request.portal_person
    pensioner = apps.is_installed("shebao.benefits") and apps.get_model("benefits", "Retiree").objects.filter(
        person=person, died_on__isnull=True).exclude(status="ended").exists()
    return TemplateResponse(request, "portal/person/home.html", {"person": person, "pensioner": pensioner})


@portal_employer_required
def employer_home(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "portal/employer/home.html", {
        "employer": request.portal_employer, "account": request.portal_account})


@portal_employer_admin_required
def employer_accounts(request: HttpRequest) -> HttpResponse:
    """The administrator's page: the employer's accounts, and a form to add an HR clerk."""
    form = ClerkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                account = services.employer_clerk_add(actor=request.portal_actor, **form.cleaned_data)
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, e.zh)
            else:
                messages.success(request, f"已增加经办人账户：{account.display_name}（登录名 {account.login}）。")
                return HttpResponseRedirect(reverse("portal:employer_accounts"))
    accounts = EmployerAccount.objects.filter(employer=request.portal_employer).order_by("-is_active", "role", "login")
    return TemplateResponse(request, "portal/employer/accounts.html", {
        "form": form, "accounts": accounts, "employer": request.portal_employer}, status=status)


@portal_employer_admin_required  # signed in first: a GET by anyone else goes to the sign-in (review-input14 8)
@require_POST
def employer_account_disable(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(EmployerAccount, pk=pk, employer=request.portal_employer)
    try:
        services.employer_clerk_disable(actor=request.portal_actor, account=account)
    except DomainError as e:
        messages.error(request, e.zh)
    else:
        messages.success(request, f"已停用经办人账户：{account.display_name}。")
    return HttpResponseRedirect(reverse("portal:employer_accounts"))
