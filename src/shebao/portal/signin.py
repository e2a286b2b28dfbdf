"""Signing in to the portal (issue 15): the steps, their lockout and their trail.

* An insured person: ID number → a one-time code by SMS to the registered mobile → the code.
* An employer's account: credit code + login name + password → a one-time code by SMS to the
  account's mobile (the second factor, at every sign-in) → the code.

Lockout is django-axes' (the same as staff, `AXES_FAILURE_LIMIT` failures lock for
`AXES_COOLOFF_TIME`), counted per account under a key that holds no personal data
("portal-person:<keyed hash of the ID number>", "portal-employer:<account pk>"; a staff username
cannot contain ':', so the keys never meet a staff account's). A wrong code or password is a
failure; a locked key is refused before any code is checked or sent. Every step writes a
`SignInEvent`.

Whether an ID number is registered is never told (bad-input review D4), by any message, rate-limit
text or time: a person's code rows are keyed by the lock key of the number typed (never by the
person), an unregistered number gets a row too whose code goes to no one (`codes.code_send(deliver=
False)`), so the limits answer alike; the step-one page goes on to the code step in every case but a
lockout (a limit refused is said there, the code already sent still good); and the SMS is handed to a
background sender, so the request never waits for the gateway for a registered number only.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from shebao.core.crypto import keyed_digests
from shebao.core.masking import mask_id_number, mask_text
from shebao.core.normalize import normalize_code
from shebao.portal import codes
from shebao.portal.forms import normalize_login
from shebao.portal.models import EmployerAccount, SignInCode, SignInEvent

# A hash to check a password against when no account matched, so both answers take as long.
_NO_ACCOUNT_PASSWORD = make_password("shebao-portal-no-such-account")


def client_address(request: HttpRequest) -> str | None:
    """The client's address as django-axes reads it (its proxy settings), else REMOTE_ADDR."""
    from axes.helpers import get_client_ip_address

    try:
        return get_client_ip_address(request) or None
    except Exception:  # a malformed header: fall back to the socket's address
        return request.META.get("REMOTE_ADDR") or None


def event_record(request: HttpRequest, *, kind: str, outcome: str, subject: str = "", label: str = "") -> SignInEvent:
    return SignInEvent.objects.create(kind=kind, outcome=outcome, subject=subject, subject_label=label[:150],
                                      ip_address=client_address(request),
                                      user_agent=request.META.get("HTTP_USER_AGENT", "")[:200])


LOCK_SALT = "shebao.portal.lock"


def _lock_keys(prefix: str, value: str) -> list[str]:
    # Under SECRET_KEY first, then under each key of SECRET_KEY_FALLBACKS.
    return [prefix + digest[:24] for digest in keyed_digests(LOCK_SALT, value)]


def person_lock_key(id_number: str) -> str:
    """The lockout key of a number (normalised; `person_number` gives the one form of a citizen ID): also
    the subject of its sign-in codes. Keyed under SECRET_KEY (`person_lock_keys` for the old keys)."""
    return person_lock_keys(id_number)[0]


def person_lock_keys(id_number: str) -> list[str]:
    """The lockout keys of a number under SECRET_KEY and then each key of SECRET_KEY_FALLBACKS."""
    return _lock_keys("portal-person:", normalize_code(id_number))


def employer_lock_key(account_pk: int | None, credit_code: str, login: str) -> str:
    """The lockout key of an employer account (its pk) or of a credit code and login no account has
    (keyed under SECRET_KEY: `employer_lock_keys` for the old keys)."""
    return employer_lock_keys(account_pk, credit_code, login)[0]


def employer_lock_keys(account_pk: int | None, credit_code: str, login: str) -> list[str]:
    if account_pk is not None:
        return [f"portal-employer:{account_pk}"]
    return _lock_keys("portal-employer:", f"{credit_code}:{login}")


def carried_lock_key(keys: list[str]) -> str:
    """The current lock key `keys[0]`, after moving to it what was kept under the old ones (`keys[1:]`,
    made under SECRET_KEY_FALLBACKS before a rotation): django-axes' failures (so a lockout holds and
    its count goes on) and the sign-in codes of that subject (so a code sent before the rotation, and
    the sending limits, still count). Nothing is written when nothing was kept under an old key."""
    from shebao.staff.lockout import rename_attempts

    current, old = keys[0], [k for k in keys[1:] if k != keys[0]]
    if old:
        rename_attempts(old, current)
        SignInCode.objects.filter(subject__in=old).update(subject=current)
    return current


def locked(request: HttpRequest, key: str) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials={"username": key})


def failed(request: HttpRequest, key: str) -> None:
    """Count a failure against `key` (django-axes); the lockout page follows once the limit is reached."""
    user_login_failed.send(sender=__name__, credentials={"username": key}, request=request)


def succeeded(key: str) -> None:
    from axes.utils import reset

    reset(username=key)


# --- An insured person ---------------------------------------------------------------------------
def person_number(id_number: str) -> str:
    """The number a person signs in under, as the registry holds it: a citizen ID in its canonical
    18-character form, a 15-digit first-generation number as its 18-character form (GB 11643-1999,
    `registry.checks.lookup_numbers`: review-input6 F7, 110105650713225 found nobody), another document
    as typed (normalised). The lockout key and the masked label are of this number, so the 15 and the 18
    digits of one card are one person with one count of failures."""
    from shebao.registry.checks import CodeError, lookup_numbers, parse_citizen_id

    number = lookup_numbers(id_number)[0]
    with contextlib.suppress(CodeError):  # another document type: matched as typed
        number = parse_citizen_id(number).number
    return number


def person_for_id_number(id_number: str) -> Any:
    """The registered person with this document number, or None: a citizen ID in its canonical form (a
    15-digit one as its 18-character form first, then as typed, as the desk looks it up)."""
    from shebao.registry.checks import lookup_numbers
    from shebao.registry.models import Person
    from shebao.registry.selectors import kept_record

    for number in dict.fromkeys([person_number(id_number), *lookup_numbers(id_number)]):
        # A record registered twice and merged (registry.merge) signs in as the one kept.
        person = kept_record(Person.objects.filter(id_number=number).first())
        if person is not None:
            return person
    return None


def person_pending(id_number: str) -> dict[str, Any]:
    """What the session keeps between the two steps: the lockout key, the person's key (None if the
    number is not registered) and the masked number. Never the number itself."""
    person = person_for_id_number(id_number)
    number = person_number(id_number)
    return {"key": carried_lock_key(person_lock_keys(number)), "person": person.pk if person else None,
            "label": mask_id_number(number)}


def person_code_request(request: HttpRequest, *, pending: dict[str, Any]) -> tuple[bool, str]:
    """Send a sign-in code to the registered mobile of the pending person (`person_pending`).

    Returns (go on to the code step, the Chinese notice to show): (False, reason) only when the
    number is locked; (True, "") when a code was made; (True, reason) when a sending limit refused
    a new one (a code sent a moment ago is still good). The answers, the rows written and the time
    taken are the same for an unregistered number as for a registered one (review D4): the page
    tells no one who is registered."""
    from shebao.registry.models import Person

    key, label = pending["key"], pending["label"]
    if locked(request, key):
        event_record(request, kind="person", outcome=SignInEvent.Outcome.LOCKED, subject=key, label=label)
        return False, "登录失败次数过多，该证件号码已暂时锁定，请稍后再试。"
    person = Person.objects.filter(pk=pending["person"]).first() if pending["person"] else None
    known = person is not None and bool(person.phone)
    sent = codes.code_send(purpose=SignInCode.Purpose.PERSON, subject=key, mobile=person.phone if known else "",
                           ip_address=client_address(request), deliver=known, deliver_later=True)
    request.portal_code_refused = sent if isinstance(sent, codes.Refusal) else None  # type: ignore[attr-defined]
    if isinstance(sent, codes.Refusal):
        event_record(request, kind="person", outcome=SignInEvent.Outcome.CODE_LIMITED, subject=key, label=label)
        return True, sent.zh
    outcome = SignInEvent.Outcome.CODE_SENT if known else SignInEvent.Outcome.CODE_UNKNOWN
    event_record(request, kind="person", outcome=outcome, subject=key, label=label)
    return True, ""


def person_code_check(request: HttpRequest, *, pending: dict[str, Any], code: str) -> tuple[Any, str]:
    """The person signed in by `code`, or (None, the Chinese reason). Counts a failure (lockout)."""
    from shebao.registry.models import Person

    key, label = pending["key"], pending["label"]
    if locked(request, key):
        event_record(request, kind="person", outcome=SignInEvent.Outcome.LOCKED, subject=key, label=label)
        return None, "登录失败次数过多，该证件号码已暂时锁定，请稍后再试。"
    person = Person.objects.filter(pk=pending["person"]).first() if pending["person"] else None
    if not codes.code_check(subject=key, code=code) or person is None:
        event_record(request, kind="person", outcome=SignInEvent.Outcome.WRONG_CODE, subject=key, label=label)
        failed(request, key)
        return None, "验证码不正确或已失效，请重新输入或重新获取验证码。"
    succeeded(key)
    event_record(request, kind="person", outcome=SignInEvent.Outcome.SIGNED_IN, subject=key, label=label)
    return person, ""


# --- An employer's account -------------------------------------------------------------------------
UNKNOWN_LOGIN = "（未注册的登录名）"


def employer_event_label(credit_code: str, login: str) -> str:
    """The label of an employer sign-in event: the credit code and the login name of an existing
    account; a login name that is no account's (it may be an ID or phone number typed in the wrong
    box) is not kept, only said to be unknown (the event's subject, a keyed hash, still tells two
    tries of the same name apart). The credit code is kept through `mask_text`: a citizen ID or mobile
    number typed into the credit code's box is masked (review-input7 F3), a credit code (letters among
    its digits, or a number of no personal kind) is kept as typed."""
    code = mask_text(credit_code)[:60]
    return f"{code} {login}" if login else f"{code} {UNKNOWN_LOGIN}"


def rewrite_event_labels(apps: Any = None) -> int:
    """Rewrite the labels of employer sign-in events kept before `employer_event_label`: a login name
    that is no account's of that credit code is replaced. Returns the events changed. Idempotent.
    `apps`: a migration's historical app registry (staff 0006), else the current models."""
    Event, Account = ((apps.get_model("portal", "SignInEvent"), apps.get_model("portal", "EmployerAccount"))
                      if apps is not None else (SignInEvent, EmployerAccount))
    changed = 0
    for event in Event.objects.filter(kind="employer").exclude(subject_label="").iterator():
        credit_code, _, login = event.subject_label.partition(" ")
        if login == UNKNOWN_LOGIN or not login:
            if mask_text(credit_code) != credit_code:  # a personal number typed as the credit code
                Event.objects.filter(pk=event.pk).update(subject_label=employer_event_label(credit_code, ""))
                changed += 1
            continue
        known = Account.objects.filter(employer__credit_code=credit_code, login__iexact=login).exists()
        if not known:
            Event.objects.filter(pk=event.pk).update(subject_label=employer_event_label(credit_code, ""))
            changed += 1
    return changed


def employer_password_check(request: HttpRequest, *, credit_code: str, login: str,
                            password: str) -> tuple[EmployerAccount | None, str]:
    """Step one: the account whose password is right, a code sent to its mobile; or (None, reason)."""
    # As typed, normalised (full-width, spaces, case: review D10); logins are compared without case (D11).
    credit_code, login = normalize_code(credit_code), normalize_login(login)
    account = (EmployerAccount.objects.select_related("employer")
               .filter(employer__credit_code=credit_code, login__iexact=login, is_active=True).first())
    key = carried_lock_key(employer_lock_keys(account.pk if account else None, credit_code, login.lower()))
    label = employer_event_label(credit_code, login if account else "")
    if locked(request, key):
        event_record(request, kind="employer", outcome=SignInEvent.Outcome.LOCKED, subject=key, label=label)
        return None, "登录失败次数过多，该账户已暂时锁定，请稍后再试。"
    right = check_password(password, account.password if account else _NO_ACCOUNT_PASSWORD)
    if account is None or not right:
        event_record(request, kind="employer", outcome=SignInEvent.Outcome.WRONG_PASSWORD, subject=key, label=label)
        failed(request, key)
        return None, "统一社会信用代码、登录名或密码不正确（账户停用的，请联系本单位管理员）。"
    sent = codes.code_send(purpose=SignInCode.Purpose.EMPLOYER, subject=f"employer_account:{account.pk}",
                           mobile=account.mobile, ip_address=client_address(request))
    request.portal_code_refused = sent if isinstance(sent, codes.Refusal) else None  # type: ignore[attr-defined]
    if isinstance(sent, codes.Refusal):
        event_record(request, kind="employer", outcome=SignInEvent.Outcome.CODE_LIMITED, subject=key, label=label)
        # A code sent a moment ago is still good: the second step goes on with it.
        return account, sent.zh
    event_record(request, kind="employer", outcome=SignInEvent.Outcome.CODE_SENT, subject=key, label=label)
    return account, ""


def employer_code_check(request: HttpRequest, *, account_pk: int, code: str) -> tuple[EmployerAccount | None, str]:
    """Step two: the account signed in by its code, or (None, reason). Counts a failure (lockout)."""
    account = EmployerAccount.objects.select_related("employer").filter(pk=account_pk, is_active=True).first()
    if account is None:
        return None, "账户已停用，请联系本单位管理员。"
    key = employer_lock_key(account.pk, "", "")
    label = f"{account.employer.credit_code} {account.login}"
    if locked(request, key):
        event_record(request, kind="employer", outcome=SignInEvent.Outcome.LOCKED, subject=key, label=label)
        return None, "登录失败次数过多，该账户已暂时锁定，请稍后再试。"
    if not codes.code_check(subject=f"employer_account:{account.pk}", code=code):
        event_record(request, kind="employer", outcome=SignInEvent.Outcome.WRONG_CODE, subject=key, label=label)
        failed(request, key)
        return None, "验证码不正确或已失效，请重新输入；已失效的请返回上一步重新获取。"
    succeeded(key)
    event_record(request, kind="employer", outcome=SignInEvent.Outcome.SIGNED_IN, subject=key, label=label)
    return account, ""
