"""Writes of the portal's accounts (issue 15): who may act for an employer in the portal.

Staff of the employer's district open its administrator account (the employer's identity checked at
the counter, as for any registration); the administrator adds HR clerks and disables them. Every
write checks the permission table (`portal_admin.create`, `portal_clerk.manage`) and the district or
the employer, and writes its audit row in the same transaction.
"""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shebao.core import clock
from shebao.core.audit import audit_create_event, audit_update, snapshot
from shebao.core.errors import Conflict, DomainError
from shebao.core.normalize import normalize_phone
from shebao.core.permissions import ActionRefused, PortalActor, actor_label, portal_may_act_on, require
from shebao.core.person_name import normalize_person_name
from shebao.portal.forms import LOGIN, MOBILE, visible_name_problem
from shebao.portal.models import EmployerAccount
from shebao.registry.models import Employer


def _check_fields(*, login: str, display_name: str, mobile: str, password: str) -> tuple[str, str, str]:
    """Refuse, in Chinese and naming the field, what an account may not hold; writes nothing.
    Returns the login, name and mobile as stored (normalised: `core.normalize`)."""
    login = unicodedata.normalize("NFKC", login or "").strip()
    display_name = normalize_person_name(display_name)  # the name rule's spelling (review-input12 F16)
    mobile = normalize_phone(mobile)
    if not LOGIN.match(login):
        raise DomainError("登录名须为3至40位字母、数字或 _ . -", "login: 3-40 letters, digits, _ . -", field="login")
    if not display_name or len(display_name) > 50:
        raise DomainError("请填写姓名（50字以内）", "display_name is required (50 characters at most)",
                          field="display_name")
    problem = visible_name_problem(display_name)
    if problem:
        raise DomainError(problem, "display_name must show as a name", field="display_name")
    if not MOBILE.match(mobile or ""):
        raise DomainError("手机号码须为11位中国大陆手机号码", "mobile must be an 11-digit mainland number", field="mobile")
    try:
        validate_password(password)
    except ValidationError as e:
        raise DomainError("；".join(e.messages), "the password is too weak", field="password") from None
    return login, display_name, mobile


def _create(*, actor: Any, employer: Employer, role: str, login: str, display_name: str, mobile: str,
            password: str, reason: str) -> EmployerAccount:
    login, display_name, mobile = _check_fields(login=login, display_name=display_name, mobile=mobile,
                                                password=password)
    try:
        with transaction.atomic():
            # Logins are compared without case (``clerk1`` and ``CLERK1`` are one login: review D11); the
            # database's unique index on the lower-cased login holds it against a concurrent twin.
            if EmployerAccount.objects.filter(employer=employer, login__iexact=login).exists():
                raise Conflict("本单位已有该登录名的账户（登录名不区分大小写）",
                               "the employer already has an account with that login", field="login")
            account = EmployerAccount.objects.create(
                employer=employer, login=login, display_name=display_name, role=role, mobile=mobile,
                password=make_password(password), created_by_label=actor_label(actor))
            event = audit_create_event(actor=actor, instance=account, reason=reason)
            event.changes.pop("password", None)  # the trail keeps no password hash
            event.save()
    except IntegrityError:  # a twin request made the same login a moment before
        raise Conflict("本单位已有该登录名的账户（登录名不区分大小写）",
                       "the employer already has an account with that login", field="login") from None
    return account


def employer_admin_create(*, actor: Any, employer: Employer, login: str, display_name: str, mobile: str,
                          password: str) -> EmployerAccount:
    """Open the employer's administrator account for the portal (staff of its district, or a system job).

    One active administrator per employer: a second is refused (`Conflict`) until the first is
    disabled. Errors: `ActionRefused` (role, district), `DomainError` naming the field (login 3–40
    of ``[A-Za-z0-9_.-]``, an 11-digit mobile, a password passing Django's validators), `Conflict`.
    """
    require(actor, "portal_admin.create", district_id=employer.district_id)
    if EmployerAccount.objects.filter(employer=employer, role=EmployerAccount.Role.ADMIN, is_active=True).exists():
        raise Conflict("该单位已有有效的网上办事管理员账户", "the employer already has an active administrator",
                       field="login")
    return _create(actor=actor, employer=employer, role=EmployerAccount.Role.ADMIN, login=login,
                   display_name=display_name, mobile=mobile, password=password, reason="开通单位网上办事管理员账户")


def _own_employer(actor: Any, employer_id: int) -> None:
    require(actor, "portal_clerk.manage")
    if not portal_may_act_on(actor, employer_id=employer_id, person_id=None):
        raise ActionRefused("只能管理本单位的经办人账户", "another employer's accounts", action="portal_clerk.manage")


def employer_clerk_add(*, actor: PortalActor, login: str, display_name: str, mobile: str,
                       password: str) -> EmployerAccount:
    """The administrator adds an HR clerk who acts for its employer (never for another one)."""
    require(actor, "portal_clerk.manage")
    employer = Employer.objects.get(pk=actor.employer_id)
    _own_employer(actor, employer.pk)
    return _create(actor=actor, employer=employer, role=EmployerAccount.Role.CLERK, login=login,
                   display_name=display_name, mobile=mobile, password=password, reason="增加单位经办人账户")


def employer_clerk_disable(*, actor: PortalActor, account: EmployerAccount) -> EmployerAccount:
    """The administrator disables one of its clerks: the clerk's next request is signed out
    (`portal.access` reads the account at every request). The administrator is not disabled here."""
    _own_employer(actor, account.employer_id)
    if account.role != EmployerAccount.Role.CLERK:
        raise Conflict("管理员账户不能在此停用，请到经办机构办理", "the administrator is not disabled here",
                       field="account")
    with transaction.atomic():
        locked = EmployerAccount.objects.select_for_update().get(pk=account.pk)
        if not locked.is_active:
            raise Conflict("该账户已停用", "already disabled", field="account")
        before = snapshot(locked)
        locked.is_active = False
        locked.disabled_at = clock.now()
        locked.disabled_by_label = actor_label(actor)
        locked.save(update_fields=["is_active", "disabled_at", "disabled_by_label"])
        audit_update(actor=actor, instance=locked, before=before, reason="停用单位经办人账户")
    return locked


def employer_admin_reset(*, actor: Any, account: EmployerAccount, display_name: str, mobile: str,
                         password: str) -> EmployerAccount:
    """Reset the employer's administrator account at the counter (staff of its district): a new
    initial password, and the name and mobile of whoever holds it now (the administrator forgot the
    password, lost the phone, or the post changed hands). The login stays.

    Every session of the account ends at its next request (the session carries a digest of the
    password: `portal.access`), its sign-in codes are deleted and its lockout is lifted. The audit
    row names what changed and keeps no password hash. Errors: `ActionRefused` (role, district),
    `DomainError` naming the field (as `employer_admin_create`), `Conflict` (not an active
    administrator).
    """
    from shebao.portal.models import SignInCode
    from shebao.portal.signin import employer_lock_key, succeeded

    require(actor, "portal_admin.create", district_id=account.employer.district_id)
    _login, display_name, mobile = _check_fields(login=account.login, display_name=display_name, mobile=mobile,
                                                 password=password)
    with transaction.atomic():
        locked = EmployerAccount.objects.select_for_update().get(pk=account.pk)
        if locked.role != EmployerAccount.Role.ADMIN or not locked.is_active:
            raise Conflict("只能重置有效的单位管理员账户", "only an active administrator account is reset here",
                           field="account")
        before = {**snapshot(locked), "password": "（原密码）"}  # the trail keeps no password hash
        locked.display_name, locked.mobile, locked.password = display_name, mobile, make_password(password)
        locked.save(update_fields=["display_name", "mobile", "password"])
        shown = copy.copy(locked)
        shown.password = "（新密码）"
        audit_update(actor=actor, instance=shown, before=before, reason="重置单位网上办事管理员账户")
        # The account's codes (sent to the old mobile, perhaps) are void: gone, so that the sending
        # limits, which count them, do not hold up the first sign-in with the new password.
        SignInCode.objects.filter(subject=f"employer_account:{locked.pk}").delete()
    succeeded(employer_lock_key(locked.pk, "", ""))
    return locked
