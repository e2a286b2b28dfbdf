"""The one place where cases meet the rules core (`shebao.rules`).

It assembles an application's facts — the registry person's gender, birth date, account type and
months of pension contributions in Beijing (selector) win over what a submission states — and asks
the rules for the handling mode. Refusals come back as a field and a reason in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.core.errors import DomainError
from shebao.core.policy import current_policy
from shebao.registry.models import Employer, Person
from shebao.registry.selectors import pension_months_in_beijing


def policy() -> Any:
    """The policy in force: the pack plus every stored announcement (core.policy)."""
    return current_policy()


def documents_due_on(lifted: dt.date) -> dt.date:
    """1.3: owed documents are due a pack-set number of months after the lifted date (Civil Code way)."""
    from shebao.rules import add_months

    in_force = policy()
    months = in_force.value("epidemic.documents_due_months_after_lifted", lifted)
    if months is None:  # a lifted date before the notice (confirmed by the center): the notice's value
        months = in_force.value("epidemic.documents_due_months_after_lifted")
    return add_months(lifted, int(months))


def deadline_for(*, applied_on: dt.date, work_injury_medical: bool, in_force: Any = None) -> dt.date:
    """The queue's deadline: the service time limit, or clause 9's fast track for medical staff."""
    name = "work_injury.fast_track_days" if work_injury_medical else "service.time_limit_days"
    return applied_on + dt.timedelta(days=int((in_force or policy()).value(name, applied_on)))


def business_entry(code: str) -> Any:
    from shebao.rules import business

    try:
        return business(code)
    except KeyError:
        raise DomainError(f"未知的业务：{code}", f"unknown business {code!r}", field="business") from None


def person_facts(person: Person, *, on: dt.date) -> dict[str, Any]:
    """The facts of a registry person the rules read (1.2a/b, 1.3b, 1.4, 4.2)."""
    account = getattr(person, "pension_account", None)
    facts: dict[str, Any] = {
        # str(): a freshly created row holds the choices enum member, the rules take plain values.
        "gender": str(person.gender),
        "birth_date": person.birth_date.isoformat(),
        "beijing_pension_months": pension_months_in_beijing(person=person, on=on),
        "category": str(person.category),
        "cadre": bool(person.is_cadre),
    }
    if account is not None:
        facts["account_type"] = str(account.account_type)
    return facts


def application_facts(
    *, business: str, applied_on: dt.date, person: Person | None = None, stated: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The application in the rules' form. A registry person's facts replace stated ones; a stated
    fact that disagrees with the registry is refused rather than silently overwritten."""
    stated = dict(stated or {})
    app: dict[str, Any] = {"business": business, "applied_on": applied_on.isoformat()}
    for key in ("period", "refund_kind", "fields", "declared_by"):
        if stated.get(key) not in (None, "", [], {}):
            app[key] = stated[key]
    stated_person = dict(stated.get("person") or {})
    if person is not None:
        registry = person_facts(person, on=applied_on)
        for key, value in stated_person.items():
            if key in registry and registry[key] != value:
                raise DomainError(f"与登记信息不一致（登记为{registry[key]}）", f"disagrees with the registry ({registry[key]!r})", field=f"facts.person.{key}")
        stated_person.update(registry)
    if stated_person:
        app["person"] = stated_person
    return app


def _translate(error: Exception) -> DomainError:
    """The rules' InputError or DecisionError as a DomainError: its field, its Chinese and English."""
    field = getattr(error, "field", "")
    zh = getattr(error, "zh", "") or "申请事实有误"
    return DomainError(zh, str(error), field=f"facts.{field}" if field else "facts")


def route(app: dict[str, Any], in_force: Any = None) -> Any:
    """The rules' decision for an application; raises DomainError naming the field."""
    from shebao.rules import DecisionError, InputError, decide

    try:
        return decide(app, in_force or policy())
    except (InputError, DecisionError) as e:
        raise _translate(e) from None


def office_for(*, employer: Employer | None, person: Person | None) -> Any:
    """0.4: the back office of the applicant's district handles the case (employer first)."""
    holder = employer or person
    if holder is None:
        raise DomainError("须指明申请单位或申请人", "an employer or a person must apply", field="applicant")
    return holder.district
