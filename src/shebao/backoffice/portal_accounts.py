"""Staff open and reset an employer's administrator account for the portal (issue 15).

The employer's representative comes to the counter with the licence (its identity is checked as
for any registration); the clerk opens the administrator account (`portal.services.
employer_admin_create`) or, when the administrator forgot the password, lost the phone or handed
the post over, resets it (`employer_admin_reset`: a new initial password, the present holder's name
and mobile; every session of the account ends). The initial password is typed by the representative
at the counter and never shown again. Both are audited; both need `portal_admin.create` in the
employer's district (another district's employer does not exist here: 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from shebao.core.errors import DomainError
from shebao.core.permissions import ActionRefused, require
from shebao.portal import services
from shebao.portal.forms import NormalizedField, normalize_login
from shebao.portal.models import EmployerAccount
from shebao.registry import selectors

FIELDS = ("login", "display_name", "mobile", "password")


@login_required
def employer_portal_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the employer's portal accounts. POST ``do=open``: open the administrator account (login,
    display_name, mobile, password); ``do=reset``: reset it (display_name, mobile,
    password) of the active administrator. A refused field is said beside it; nothing is stored."""
    from django import forms as django_forms

    from shebao.portal.forms import ClerkForm

    employer = get_object_or_404(selectors.employer_list(user=request.user).select_related("district"), pk=pk)
    accounts = list(EmployerAccount.objects.filter(employer=employer).order_by("-is_active", "role", "login"))
    admin = next((a for a in accounts if a.role == EmployerAccount.Role.ADMIN and a.is_active), None)
    form = ClerkForm(request.POST if request.method == "POST" else None)
    form.fields["password"].help_text = "由单位经办人在窗口当面输入，至少12位；系统不再显示"
    doing = request.POST.get("do", "") if request.method == "POST" else ""
    if admin is not None:
        form.fields["login"] = NormalizedField(normalizer=normalize_login, required=False, label="登录名",
                                               widget=django_forms.TextInput(attrs={"readonly": True}))
        form.initial.update({"login": admin.login, "display_name": admin.display_name})
    status = 200
    if request.method == "POST":
        # Who may act is asked first: a refused role is refused, whatever the form holds.
        require(request.user, "portal_admin.create", district_id=employer.district_id)
        status = 400
        if doing not in ("open", "reset"):
            form.add_error(None, "请选择开通或重置")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                if doing == "open":
                    account = services.employer_admin_create(
                        actor=request.user, employer=employer, login=data["login"], display_name=data["display_name"],
                        mobile=data["mobile"], password=data["password"])
                    messages.success(request, f"已开通单位网上办事管理员账户：{account.display_name}（登录名 {account.login}），"
                                              "请告知单位使用统一社会信用代码、登录名和密码登录，登录时验证码发送至该手机。")
                elif admin is None:
                    raise DomainError("该单位还没有有效的管理员账户，请先开通", "no active administrator to reset",
                                      field="__all__")
                else:
                    account = services.employer_admin_reset(
                        actor=request.user, account=admin, display_name=data["display_name"], mobile=data["mobile"],
                        password=data["password"])
                    messages.success(request, f"已重置单位网上办事管理员账户（登录名 {account.login}）："
                                              "原有登录已全部失效，请单位使用新密码登录。")
            except ActionRefused:
                raise
            except DomainError as e:
                for field, zh, _en in e.entries():
                    form.add_error(field if field in form.fields else None, zh)
            else:
                return HttpResponseRedirect(reverse("backoffice:employer_portal_accounts", args=[employer.pk]))
    return TemplateResponse(request, "backoffice/employer_portal_accounts.html", {
        "employer": employer, "accounts": accounts, "admin": admin, "form": form, "bound": [form[name] for name in FIELDS]}, status=status)
