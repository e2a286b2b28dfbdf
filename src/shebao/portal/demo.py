"""The portal's demo accounts (`shebao demo_setup`): an employer's administrator and an insured person
of 朝阳区 who can sign in, with their codes going to the SMS file of the outbox."""

from __future__ import annotations

from typing import Any

DEMO_ADMIN_LOGIN = "admin"
DEMO_ADMIN_MOBILE = "13800138015"
DEMO_PERSON_MOBILE = "13900139015"
DEMO_RESIDENT_MOBILE = "13900139016"
# A resident of 朝阳区 of sixty on the demo's business date, in no employee scheme, registered in the
# residents' pension (6.1): the portal's 城乡居民养老保险 claim can be tried (review-user12 F9: the demo's
# only person was an employee, for whom every residents' pension business is refused).
DEMO_RESIDENT_ID17 = "11010519591201024"
DEMO_RESIDENT_NAME = "周淑芬"


def demo_portal_create(*, password: str) -> list[str]:
    """Make (once) the demo employer's administrator account and give the demo person a mobile.

    The employer and the person are those of the demo books (the first open employment spell of 朝阳区),
    so the employer has dues and the person has records. Returns lines for the command's output."""
    from shebao.core.permissions import SystemActor
    from shebao.portal.models import EmployerAccount
    from shebao.portal.services import employer_admin_create
    from shebao.registry.models import EmploymentSpell
    from shebao.registry.services import person_update

    spell: Any = (EmploymentSpell.objects.filter(employer__district__code="110105", to_month="",
                                                 person__pension_account__isnull=False)
                  .select_related("employer", "person").order_by("pk").first())
    if spell is None:
        return []
    job = SystemActor.command("demo_setup")
    employer, person = spell.employer, spell.person
    if not EmployerAccount.objects.filter(employer=employer, login=DEMO_ADMIN_LOGIN).exists():
        employer_admin_create(actor=job, employer=employer, login=DEMO_ADMIN_LOGIN, display_name="演示单位管理员",
                              mobile=DEMO_ADMIN_MOBILE, password=password)
    if person.phone != DEMO_PERSON_MOBILE:
        person_update(actor=job, person=person, reason="演示：网上办事登录手机号码", phone=DEMO_PERSON_MOBILE)
    resident = _demo_resident(job)
    from django.conf import settings

    from shebao.portal.identity_standin import standin_port

    # the stand-in `make demo` starts beside the server, where the DEBUG settings point the portal
    issuer = settings.SHEBAO_IDENTITY_PROVIDER["issuer"] if settings.DEBUG and standin_port() else ""
    return [
        "网上办事（单位、个人）：http://127.0.0.1:8000/portal/",
        f"  单位登录：统一社会信用代码 {employer.credit_code}（{employer.name}），登录名 {DEMO_ADMIN_LOGIN}，"
        f"密码 {password}",
        f"  个人登录：证件号码 {person.id_number}（{person.name}）",
        *([f"  城乡居民（已年满60周岁，可网上申领城乡居民养老保险待遇）：证件号码 {resident.id_number}（{resident.name}）"]
          if resident is not None else []),
        *([f"  身份核验（人脸识别，城乡居民养老保险和补换卡须先核验）：演示环境由身份认证替身 {issuer} 模拟"
           "（make demo 已启动），在替身页面输入本人证件号码即可"] if issuer else []),
        "  演示环境不真正发送短信：登录验证码和办理进度短信可在 http://127.0.0.1:8000/portal/demo/sms/"
        "（演示短信收件箱）查看，或运行 .venv/bin/shebao portal_demo_code 查看最近一条验证码。",
        *(["  演示环境不真正发送电子邮件：办理进度和批量通知的邮件可在 http://127.0.0.1:8000/portal/demo/email/"
           "（演示邮件收件箱）查看。"] if demo_email_open() else []),
    ]


def _demo_resident(job: Any) -> Any:
    """Make (once) the demo's resident (`DEMO_RESIDENT_ID17`), registered in the residents' pension
    through the registry's services, or return the one made before; None when 朝阳区 is not loaded."""
    from shebao.registry.checks import id_check_character
    from shebao.registry.models import Office, Person, ResidentPension
    from shebao.registry.resident_pension import resident_pension_register
    from shebao.registry.services import person_register

    number = DEMO_RESIDENT_ID17 + id_check_character(DEMO_RESIDENT_ID17)
    person = Person.objects.filter(id_number=number).first()  # answered by the blind index
    if person is None:
        district = Office.objects.filter(code="110105").first()
        if district is None:
            return None
        person = person_register(actor=job, id_number=number, name=DEMO_RESIDENT_NAME, district=district,
                                 phone=DEMO_RESIDENT_MOBILE)
    if not ResidentPension.objects.filter(person=person).exists():
        resident_pension_register(actor=job, person=person, contribution_grade_fen=200_000,
                                  bank_name="中国农业银行", bank_account="6228480010123456789")
    return person


# --- The demo's SMS inbox -------------------------------------------------------------------------
def demo_sms_open() -> bool:
    """Whether the demo's SMS inbox (/portal/demo/sms/) is open: a DEBUG copy (a demo or development
    one) whose SMS go to the file adapter (`cases.notifications.FileAdapter`, no gateway configured), so
    no message reaches a phone and a person signing in to the demo reads their code there (ux14
    finding 3: the demo said it sent SMS that no demo user could see). Never with a gateway, never with
    DEBUG off."""
    from django.conf import settings

    return bool(settings.DEBUG) and "sms" not in (getattr(settings, "SHEBAO_NOTIFY_ADAPTERS", {}) or {})


# What an SMS is, by its outbox event, as the inbox names it: a sign-in code, a message to a group
# (`operations.outreach`: outreach:<pk>), a notice of an incident to the duty office (operations.halls),
# else an application's progress (a fresh user's walk: every message but a code was 办理进度通知,
# bulk notices too).
SMS_KINDS = {"portal_sign_in_code": "登录验证码", "incident_reported": "疫情事件报告",
             "incident_updated": "疫情事件续报"}
SMS_KIND_PREFIXES = {"outreach:": "批量通知"}


def sms_kind(event: str) -> str:
    """The inbox's name for an SMS of outbox `event` (`SMS_KINDS`)."""
    if event in SMS_KINDS:
        return SMS_KINDS[event]
    for prefix, kind in SMS_KIND_PREFIXES.items():
        if event.startswith(prefix):
            return kind
    return "办理进度通知" if event else "短信"


def demo_sms_messages(*, limit: int = 50) -> list[dict[str, str]]:
    """The SMS written by the file adapter (`<SHEBAO_NOTIFY_DIR>/sms.jsonl`), newest first, at most
    `limit`: each its recipient masked, the time it was handed over, what kind it is and its text."""
    import json
    from pathlib import Path

    from django.conf import settings

    from shebao.core.masking import mask_phone

    path = Path(settings.SHEBAO_NOTIFY_DIR) / "sms.jsonl"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[-limit:]:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        event = str(row.get("event") or "")
        rows.append({"to": mask_phone(str(row.get("to") or "")), "sent_at": _beijing_time(row.get("sent_at")),
                     "kind": sms_kind(event),
                     "subject": str(row.get("subject") or ""), "body": str(row.get("body") or "")})
    return rows[::-1]


# --- The demo's e-mail inbox ----------------------------------------------------------------------
FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def demo_email_open() -> bool:
    """Whether the demo's e-mail inbox (/portal/demo/email/) is open: a DEBUG copy whose e-mail goes to
    files (Django's file-based backend: no EMAIL_HOST set, settings), so no message reaches a mailbox
    and the demo's recipients read theirs there (a fresh user's walk: the demo's e-mail failed with
    "[Errno 111] Connection refused"). Never with a mail server, never with DEBUG off."""
    from django.conf import settings

    return bool(settings.DEBUG) and getattr(settings, "EMAIL_BACKEND", "") == FILE_EMAIL_BACKEND


# Django's file-based backend writes each message followed by a line of 79 dashes.
_EMAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def demo_email_messages(*, limit: int = 50) -> list[dict[str, str]]:
    """The e-mail written by the file-based backend (`settings.EMAIL_FILE_PATH`, a file per sending),
    newest first, at most `limit`: each its recipients masked, its time (Beijing), subject and text."""
    import email
    import email.policy
    import email.utils
    from pathlib import Path

    from django.conf import settings

    from shebao.core.masking import mask_email

    folder = Path(getattr(settings, "EMAIL_FILE_PATH", "") or "")
    if not str(folder) or not folder.is_dir():
        return []
    rows: list[tuple[float, int, dict[str, str]]] = []
    files = sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime)[-limit:]
    for order, path in enumerate(files):
        for raw in path.read_bytes().split(_EMAIL_SEPARATOR):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw, policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            try:
                when = email.utils.parsedate_to_datetime(str(message["Date"]))
            except (TypeError, ValueError):
                when = None
            rows.append((path.stat().st_mtime, order, {
                "to": "、".join(mask_email(a) for _name, a in email.utils.getaddresses([str(message["To"] or "")])),
                "sent_at": _beijing_time(when.isoformat() if when else ""),
                "subject": str(message["Subject"] or ""),
                "body": body.get_content().strip() if body is not None else ""}))
    return [row for *_key, row in sorted(rows, key=lambda r: (r[0], r[1]), reverse=True)][:limit]


def _beijing_time(stamp: Any) -> str:
    """A stored send time (ISO 8601, UTC: `clock.wall_now`) as the business clock says it
    (`clock.as_business`: Beijing time, on the business date if one is set) ``YYYY-MM-DD HH:MM:SS``; a
    stamp that is no time is shown as it was written, cut to 19 characters (the inbox showed the UTC
    clock, eight hours behind the reader's, and then the real date under the business date's banner)."""
    import datetime as dt

    from django.utils import timezone

    from shebao.core import clock

    text = str(stamp or "")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text[:19].replace("T", " ")
    if timezone.is_naive(when):
        when = timezone.make_aware(when, dt.UTC)
    return f"{clock.as_business(when):%Y-%m-%d %H:%M:%S}"
