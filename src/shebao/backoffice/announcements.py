"""Announcements (公告) for the center's staff: the epidemic lifted on a date, a deadline moved.

Before publishing, the page shows each domain's preview of the effects; publishing the lift runs
the cases domain's effects once (idempotent per date); moving a deadline is a parameter change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from shebao.backoffice.errors import refusal_text
from shebao.cases import services as case_services
from shebao.cases.workflows import LiftNeedsConfirmation
from shebao.core import clock
from shebao.core.inputs import read_date
from shebao.core.masking import shown_data
from shebao.core.policy import (
    announcement_publish,
    announcements_published,
    current_policy,
    epidemic_lifted_on,
    policy_statements,
    policy_with,
)


@dataclass
class LiftEffects:
    lifted_on: dt.date
    documents_due_on: str
    owed_cases: int
    owed_documents: int
    postponed_resumed: int
    flags_queued: int
    already_applied: bool
    late_fees: Any
    correction: dict[str, Any] | None = None  # a lift is in force for another date: what moves
    confirmation: str = ""  # why the date needs a confirmation, or ""


def lift_effects(*, lifted_on: dt.date, actor: Any) -> LiftEffects:
    preview = case_services.epidemic_lift_preview(lifted_on, actor=actor)
    return LiftEffects(
        lifted_on=lifted_on,
        documents_due_on=preview["documents_due_on"],
        owed_cases=preview["owed_lists_dated"],
        owed_documents=preview["owed_documents_dated"],
        postponed_resumed=preview["postponed_resumed"],
        flags_queued=preview["flags_queued"],
        already_applied=preview["already_applied"],
        late_fees=late_fee_changes(lifted_on=lifted_on),
        correction=preview["correction"],
        confirmation=preview["confirmation"],
    )


def late_fee_changes(*, lifted_on: dt.date) -> Any:
    """0.3: employers whose late fees the lifted date would change, from collection's what-if (nothing stored)."""
    from shebao.collection.assessment import assessment_what_if

    return assessment_what_if(as_of=clock.today(), policy=current_policy(),
                              hypothetical=policy_with({"epidemic.lifted_on": lifted_on.isoformat()}),
                              lifted_on=lifted_on)


def deadline_move_publish(*, actor: Any, months: list[str], due_on: dt.date, title: str = "") -> Any:
    """0.2: the collection period of the named months (``YYYY-MM``) moves to ``due_on``; every other
    month keeps its due date. Raises ValidationError (in Chinese) for no month or a malformed one."""
    from django.core.exceptions import ValidationError

    from shebao.core.normalize import normalize_month
    from shebao.rules.dates import InputError, month_index
    from shebao.rules.wording import date_zh, months_zh

    months = [normalize_month(m) for m in months]  # 2020/3, 2020年3月, 全角: as everywhere
    if not months:
        raise ValidationError({"months": "请填写费款所属期，例如 2020-03（多个用逗号分隔）"})
    for m in months:
        try:
            month_index(m)
        except InputError:
            raise ValidationError({"months": f"费款所属期“{m}”无效，应为年-月，例如 2020-03"}) from None
    value = {m: due_on.isoformat() for m in sorted(set(months))}
    # A collection period cannot end before the month it collects, nor years ahead (a typing error:
    # 0001-01-01, 9999-12-31); refused like a malformed month, nothing published.
    first = min(value)
    if due_on.isoformat()[:7] < first:
        raise ValidationError({"date": f"新的征收期截止日“{due_on.isoformat()}”早于费款所属期{months_zh([first])}，请核对"})
    latest = clock.today().year + case_services.PLAUSIBLE_YEARS_AHEAD
    if due_on.year > latest:
        raise ValidationError({"date": f"新的征收期截止日“{due_on.isoformat()}”晚于{latest}年，请核对"})
    # The same move published again (a second click, the months typed full-width the second time) is
    # said to be in force already and stores nothing (bad-input review 16, 7: it was published twice).
    in_force = current_policy().value("collection.period_overrides") or {}
    if all(str(in_force.get(m, ""))[:10] == d for m, d in value.items()):  # a date or its text
        raise ValidationError({"months": f"{months_zh(list(value))}费款征收期延长至{date_zh(due_on)}的公告已发布，"
                                         "现行有效，无需重复发布"})
    return announcement_publish(actor=actor, parameter="collection.period_overrides", value=value,
                                title=title or f"{months_zh(list(value))}费款征收期延长至{date_zh(due_on)}",
                                clause="0.2")


__all__ = ["announcements_published", "deadline_move_publish", "lift_effects", "lift_in_force",
           "policy_statements"]


def lift_in_force() -> Any:
    """The applied lift in force (its date, sequence and the lift it corrects), or ``None``."""
    return case_services.lift_in_force()





# --- The page ------------------------------------------------------------------------------------

def _typed_day(request: HttpRequest, kind: str | None) -> tuple[dt.date | None, str]:
    """The form's date, read as every staff page reads one (`core.inputs.read_date`: 全角 digits read,
    2020-02-30 said not to exist; its own page's reading told it 请填写有效日期, bad-input review leftovers
    3): (the day, or None; why not). Its range is the service's (a lifted date: cases.services
    lift_date_refusal, up to five years ahead), as the API's date fields leave it."""
    label = "解除日期" if kind == "lift" else "新的截止日期"
    try:
        day = read_date(request.POST.get("date"), label=label, example="2020-04-30", plausible=False)
    except ValueError as e:
        return None, str(e)
    return day, "" if day is not None else f"请填写{label}（年-月-日，如2020-04-30）"


@login_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    # Every staff member reads what is published; the forms are offered to, and the services accept
    # only, who the permission table names (announcement.publish, epidemic_lift.apply).
    context: dict = {
        "published": announcements_published()[:50],
        "periods": [s for s in policy_statements() if s.parameter == "collection.period_overrides"],
        "lifted_on": epidemic_lifted_on(),
        "lift_in_force": lift_in_force(),
        "data": shown_data(request.POST or request.GET),  # drawn again without what is never shown
    }
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        day, why = _typed_day(request, kind)
        if day is None:
            context["error"] = why
        elif kind == "lift" and request.POST.get("do") == "preview":
            try:
                context["lift"] = lift_effects(lifted_on=day, actor=request.user)
            except Exception as e:
                context["error"], status = refusal_text(e)
        elif kind == "lift" and request.POST.get("do") == "publish":
            before = lift_in_force()
            try:
                lift = case_services.epidemic_lift_apply(actor=request.user, lifted_on=day,
                                                         confirmed=request.POST.get("confirmed") == "1")
            except Exception as e:
                context["error"], status = refusal_text(e)
                if isinstance(e, LiftNeedsConfirmation):  # the form shows the preview again beside the error
                    context["lift"] = lift_effects(lifted_on=day, actor=request.user)
                    context["asks_confirmation"] = True  # a step of the form, not a fault: 200
            else:
                if before is not None and lift.corrects_id == before.pk:
                    messages.success(request, f"已发布更正：疫情解除日期由{before.lifted_on:%Y-%m-%d}更正为"
                                              f"{day:%Y-%m-%d}；补交期限等影响已随之调整。")
                else:
                    messages.success(request, f"已发布：疫情于{day:%Y-%m-%d}解除；其影响已执行。")
                return redirect("backoffice:review_queue")
        elif kind == "deadline":
            months = [m.strip() for m in request.POST.get("months", "").replace("，", ",").split(",") if m.strip()]
            try:
                ann = deadline_move_publish(actor=request.user, months=months, due_on=day)
            except Exception as e:
                context["error"], status = refusal_text(e)
            else:
                messages.success(request, f"已发布：{ann.title}")
                return redirect("backoffice:announcements")
        else:
            context["error"] = "未知的公告类型"
    # A refusal of the table answers 403; a form's own error is drawn on the page again with 400, as every
    # other page answers a refused form (bad-input review 16, 6: it answered 200).
    if status != 403:
        status = 400 if context.get("error") and not context.get("asks_confirmation") else 200
    return TemplateResponse(request, "backoffice/announcements.html", context, status=status)
