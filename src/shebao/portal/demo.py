"""The portal's demo accounts (`shebao demo_setup`): an employer's administrator and an insured person
of 朝阳区 who can sign in, with their codes going to the SMS file of the outbox."""

from __future__ import annotations

from typing import Any

DEMO_ADMIN_LOGIN = "admin"
DEMO_ADMIN_MOBILE = "13800138015"
DEMO_PERSON_MOBILE = "13900139015"


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
    return [
        "网上办事（单位、个人）：http://127.0.0.1:8000/portal/",
        f"  单位登录：统一社会信用代码 {employer.credit_code}（{employer.name}），登录名 {DEMO_ADMIN_LOGIN}，"
        f"密码 {password}",
        f"  个人登录：证件号码 {person.id_number}（{person.name}）",
        "  短信验证码写入 var/outbox/sms.jsonl（演示环境），或运行 .venv/bin/shebao portal_demo_code 查看最近一条。",
    ]
