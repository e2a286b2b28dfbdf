"""The site's own pages: sign-in, the staff home page, the public announcements, the large-type switch.

The staff pages of each area live in `shebao.backoffice` (the registry's in `backoffice.registry`).
"""

from __future__ import annotations

from typing import Any

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

    # Where each role's day starts when the sign-in names no page of its own (?next=): a district's
    # clerk and reviewer at their queue, a leader at the dashboard (review-user13 (18): a clerk landed on
    # the policy summary and had to find the queue); every other role at the home page.
    # review-user14 (10): the hall manager, the auditor, the collection desk and the center's administrator
    # landed on the greeting: the hall at its halls' day log, the auditor at the audit cases, the collection
    # desk at the remittances to match, the administrator at the queue (the approvals it is asked for).
    # office16 walk, finding 2: the reviewer and the administrator landed on the clerk's queue (本机构待办队列)
    # with no word of the approvals waiting for them: they land on their own work (backoffice.work), titled
    # 待我审核 and 管理工作.
    LANDING = {"district_clerk": "backoffice:queue", "district_reviewer": "backoffice:my_work",
               "leader": "backoffice:dashboard", "hall_manager": "backoffice:halls",
               "auditor": "backoffice:audit_queue", "collection_clerk": "collection:remittance_queue",
               "municipal_admin": "backoffice:my_work"}

    def get_default_redirect_url(self) -> str:
        """The role's landing page (`LANDING`), else settings.LOGIN_REDIRECT_URL."""
        role = getattr(self.request.user, "role", "")
        return reverse(self.LANDING[role]) if role in self.LANDING else super().get_default_redirect_url()

    def form_invalid(self, form: SignInForm) -> HttpResponse:
        """A refused sign-in (a wrong or missing name, password or code) answers 400 with the form and
        its Chinese message, as the portal's sign-in pages do, never 200 (review-input12 F14)."""
        response = super().form_invalid(form)
        response.status_code = 400
        return response


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
        "work": work_links(request.user),
    })


# Each role's work, linked from the home page (review-user14 (10): the hall had no link to its day log):
# (route name, words[, the action the page needs, where not every member of the role may open it]).
WORK_LINKS: dict[str, list[tuple[str, ...]]] = {
    "district_clerk": [("backoffice:queue", "待办队列"), ("backoffice:front_desk", "前台受理")],
    "district_reviewer": [("backoffice:my_work", "待我审核"), ("backoffice:queue", "待办队列"),
                          ("backoffice:review_queue", "复核")],
    "municipal_admin": [("backoffice:my_work", "管理工作"), ("backoffice:queue", "待办队列"),
                        ("backoffice:announcements", "政策公告")],
    "hall_manager": [("backoffice:halls", "大厅工作日志"), ("backoffice:incidents", "疫情事件报告")],
    "auditor": [("backoffice:audit_queue", "稽核案件"),
                ("backoffice:personal_data_reads", "个人信息查阅记录", "personal_data.trail_view")],
    "collection_clerk": [("collection:remittance_queue", "待匹配来款"), ("collection:assessment_runs", "征缴核定"),
                         ("collection:deduction_runs", "银行扣款"), ("collection:refund_desk", "退费支付")],
    "leader": [("backoffice:dashboard", "领导看板")],
}


def work_links(user: Any) -> list[tuple[str, str]]:
    """The links to the user's own work on the home page: (url, words)."""
    return [(reverse(name), words) for name, words, *needs in WORK_LINKS.get(getattr(user, "role", ""), [])
            if not needs or may(user, needs[0])]


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


