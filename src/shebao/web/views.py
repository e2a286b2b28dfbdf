"""The site's own pages: sign-in, the staff home page, the public announcements, the large-type switch.

The staff pages of each area live in `shebao.backoffice` (the registry's in `backoffice.registry`).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from shebao.core.permissions import may
from shebao.core.policy import announcements_published, policy_statements, policy_title
from shebao.core.scoping import user_sees_all
from shebao.web.forms import SignInForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """django-axes' answer to a sign-in of a locked account (AXES_LOCKOUT_CALLABLE): 429 in Chinese."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    template = "portal/locked_out.html" if request.path_info.startswith("/portal/") else "web/locked_out.html"
    return TemplateResponse(request, template, {"minutes": minutes}, status=429).render()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from shebao.operations.selectors import incidents_visible

    district = request.user.district
    # Incidents not yet acknowledged (8, 11): the center must see a district's report at once, and a
    # district its own until the center has signed for it.
    open_incidents = incidents_visible(user=request.user, open_only=True).count() if district or user_sees_all(
        request.user) else 0
    return TemplateResponse(request, "web/home.html", {
        "district": district,
        "open_incidents": open_incidents,
        "may_acknowledge": may(request.user, "incident.acknowledge"),
        "sees_all": user_sees_all(request.user),
        "statements": policy_statements(),
    })


def public_announcements(request: HttpRequest) -> HttpResponse:
    """The public page of 0.1 ("及时向社会通告"): the policy in force in plain Chinese and every
    announcement, readable without signing in."""
    published = announcements_published()
    return TemplateResponse(request, "web/public_announcements.html", {
        "title": policy_title(),
        "statements": policy_statements(),
        "in_force": [a for a in published if a.in_force],
        "corrected": [a for a in published if not a.in_force],
    })


def toggle_large_type(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("next") or reverse("web:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("web:home")
    response = HttpResponseRedirect(target)
    on = request.COOKIES.get("large_type") != "1"
    response.set_cookie("large_type", "1" if on else "0", max_age=365 * 86400, samesite="Lax")
    return response


