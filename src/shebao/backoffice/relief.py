"""Staff pages of relief packs (免、减、缓): the packs and what publishing one would do, publishing it,
deferral applications and their approval, the employer facts the packs read, and the size-class
calculator of the SME standard.

Views parse input, call one selector or service of `shebao.collection.relief` (or the rules core's
calculator `shebao.rules.sme_size`), and render. A district's staff see their district (the what-if
is computed on their district's dues only; another district's deferral or employer is a 404); the
city-wide acts are the center's (the permission table). Bad input gets a Chinese message and a 400,
and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shebao.backoffice.errors import refusal_text
from shebao.collection import relief as services
from shebao.collection import selectors
from shebao.collection.models import (
    Deferral,
    ReliefPublication,
    ReliefPublicationRequest,
    ReliefReapplication,
)
from shebao.collection.services import SecondPersonRequired
from shebao.core import clock
from shebao.core.inputs import form_choice, form_date
from shebao.core.masking import shown_data
from shebao.core.money import format_yuan
from shebao.core.normalize import normalize_code
from shebao.core.permissions import may, require, roles_of
from shebao.core.scoping import scope_queryset, user_sees_all
from shebao.registry.models import EmployerFacts, Office
from shebao.registry.offices import short_name
from shebao.rules import sme_size
from shebao.rules.dates import InputError, month_str
from shebao.rules.relief import (
    INSURANCE_LABELS,
    SIZE_CLASS_LABELS,
    UNIT_TYPE_LABELS,
    ReliefPack,
    load_relief_pack,
)


def _coverage_rows(pack: ReliefPack) -> list[dict[str, Any]]:
    """Each rule of a pack as a page shows it: what, for whom, which months, on what basis."""
    rows = []
    for kind, rules in (("relief", pack.reliefs), ("deferral", pack.deferrals)):
        for r in rules:
            c = r.coverage
            who = []
            who.append("、".join(UNIT_TYPE_LABELS[u] for u in sorted(c.unit_types)) if c.unit_types else "各类参保单位")
            if c.size_classes is not None:
                who.append("、".join(SIZE_CLASS_LABELS[s] for s in ("large", "medium", "small", "micro", "")
                                    if s in c.size_classes))
            if c.industries is not None:
                who.append("行业代码" + "、".join(c.industries))
            if kind == "relief":
                what = r.kind_zh  # type: ignore[union-attr]
            else:
                limits = []
                if r.max_months is not None:  # type: ignore[union-attr]
                    limits.append(f"最长{r.max_months}个月")  # type: ignore[union-attr]
                if r.latest_due is not None:  # type: ignore[union-attr]
                    limits.append(f"最迟{r.latest_due:%Y-%m-%d}")  # type: ignore[union-attr]
                what = "缓缴（" + "，".join(limits) + "）" if limits else "缓缴"
            rows.append({"key": r.key, "id": r.id, "kind": kind, "label": r.label, "what": what,
                         "issued_on": r.issued_on, "known": r.issued_on <= clock.today(),
                         "insurances": "、".join(INSURANCE_LABELS[i] for i in sorted(c.insurances)),
                         "who": "；".join(who), "months": f"{month_str(c.month_from)}至{month_str(c.month_to)}",
                         "basis": f"{r.reference.document} {r.reference.clause}"})
    return rows


def _packs() -> list[dict[str, Any]]:
    published = {p.pack: p for p in ReliefPublication.objects.all()}
    out = []
    for name in services.relief_packs_available():
        pack = load_relief_pack(name)
        out.append({"name": name, "title": pack.title, "version": pack.version,
                    "publication": published.get(name), "rules": len(pack.reliefs), "deferrals": len(pack.deferrals)})
    return out


@login_required
def relief_index(request: HttpRequest) -> HttpResponse:
    """/collection/relief/: the relief packs (published or not) with links to each what-if."""
    return TemplateResponse(request, "backoffice/relief/index.html", {
        "packs": _packs(), "city": user_sees_all(request.user),
    })


@login_required
def relief_what_if(request: HttpRequest) -> HttpResponse:
    """/collection/relief/what-if/?pack=NAME: a pack's rules, and what publishing it now would relieve
    on the dues already built (how much, for how many employers, by district and by rule). A
    district's staff see their district only. Nothing is written."""
    name = request.GET.get("pack", "").strip()
    names = services.relief_packs_available()
    context: dict[str, Any] = {"packs": _packs(), "name": name}
    if name not in names:
        context["error"] = f"没有名为“{name}”的减免缓缴政策包" if name else "请选择政策包"
        return TemplateResponse(request, "backoffice/relief/what_if.html", context, status=400 if name else 200)
    pack = load_relief_pack(name)
    publication = ReliefPublication.objects.filter(pack=name).first()
    pending = ReliefPublicationRequest.objects.filter(
        pack=name, outcome=ReliefPublicationRequest.Outcome.PENDING).select_related("requested_by").first()
    context.update({"pack": pack, "rules": _coverage_rows(pack), "publication": publication,
                    "city": user_sees_all(request.user), "pending": pending,
                    "requests": list(ReliefPublicationRequest.objects.filter(pack=name).exclude(
                        outcome=ReliefPublicationRequest.Outcome.PENDING).select_related("requested_by", "decided_by")),
                    "may_request": may(request.user, "relief_pack.request"),
                    "requesters": roles_of("relief_pack.request"), "checkers": roles_of("relief_pack.publish"),
                    # The pack writer's notes on its sources are for who decides on publishing (U9).
                    "research_notes": pack.research_notes if may(request.user, "relief_pack.publish") else (),
                    "may_decide": (pending is not None and may(request.user, "relief_pack.publish")
                                   and pending.requested_by_id != request.user.pk),
                    "today": clock.today(),
                    "rules_known": [getattr(services.relief_rule_of(k), "label", k)
                                    for k in (publication.rules_known if publication else ())],
                    "reapplications": list(ReliefReapplication.objects.filter(pack=name).order_by("applied_on", "pk"))})
    # The relief waiting for a later notice is read city-wide, by who may run it and by who may ask for a
    # pack's publication (the center's collection desk, who answers the employers): the desk read
    # 尚无补减免 while five units waited for 132,266.69 元 (review-user8 F8). Only the first runs it.
    context["may_apply"] = may(request.user, "relief_pack.publish")
    if publication is not None and (context["may_apply"] or may(request.user, "relief_pack.request")):
        context["newly_known"] = [n for n in services.relief_newly_known() if n.pack == name]
    if publication is None:
        impact = services.relief_what_if(pack=name, user=request.user)
        offices = {pk: short_name(n) for pk, n in
                   Office.objects.filter(pk__in=list(impact.by_district)).values_list("pk", "name")}
        context.update({
            "impact": impact,
            "by_district": sorted(((offices.get(d, "未知区"), v) for d, v in impact.by_district.items()),
                                  key=lambda kv: kv[0]),
            "by_rule": [{"text": services.relief_text(k), **v} for k, v in sorted(impact.by_rule.items())],
        })
    return TemplateResponse(request, "backoffice/relief/what_if.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def size_class(request: HttpRequest) -> HttpResponse:
    """/collection/relief/size-class/: the size class of an enterprise from its industry code and its
    employees, revenue and assets (工信部联企业〔2011〕300号 第四条). A calculator: nothing is stored.

    The figures are POSTed, never put in the address: an 11-digit head count or a 15-digit revenue
    reads as a phone or ID number to the query guard (core.middleware), whose refusal spoke of
    personal numbers instead of the calculator's own "超出合理范围" (review-input3 E10)."""
    heading, industries = sme_size.sme_standard()
    data = request.POST if request.method == "POST" else {}
    form = {k: str(data.get(k, "")).strip() for k in ("industry", *sme_size.INDICATORS)}
    context: dict[str, Any] = {"form": shown_data(form), "heading": heading, "industries": industries}
    status = 200
    if request.method == "POST":
        try:
            values = {k: sme_size.indicator_value(form[k], k) for k in sme_size.INDICATORS}
            context["result"] = sme_size.size_class_for(industry=form["industry"], **values)  # type: ignore[arg-type]
        except InputError as e:
            context["error"], context["error_field"], status = e.zh, e.field, 400
    return TemplateResponse(request, "backoffice/relief/size_class.html", context, status=status)


def _back_to(pack: str) -> HttpResponse:
    return redirect(reverse("collection:relief_what_if") + "?pack=" + pack)


@login_required
@require_POST
def relief_publish_request(request: HttpRequest) -> HttpResponse:
    """Ask for a pack to be published (the maker); a second person of the center approves it."""
    pack = request.POST.get("pack", "").strip()
    try:
        services.relief_pack_publish_request(pack=pack, actor=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, SecondPersonRequired) as e:
        messages.error(request, refusal_text(e)[0])
        if pack not in services.relief_packs_available():
            return redirect("collection:relief")
        return _back_to(pack)
    messages.success(request, f"已提交发布申请，须由申请人以外的一名{roles_of('relief_pack.publish')}复核后发布执行")
    return _back_to(pack)


@login_required
@require_POST
def relief_known_apply(request: HttpRequest) -> HttpResponse:
    """Relieve the dues a published pack's rules cover whose document was issued after they were
    decided (补减免, `collection.relief.relief_known_apply`); the center's act. Back to the pack's page."""
    require(request.user, "relief_pack.publish")
    pack = request.POST.get("pack", "").strip()
    records = services.relief_known_apply(actor=request.user)
    if records:
        messages.success(request, "已执行新印发文件的减免：" + "；".join(
            f"{r.document}，{r.employers}家单位{r.dues}笔，减少欠缴{format_yuan(r.reduced_fen)}元、"
            f"退至预缴余额{format_yuan(r.credited_fen)}元" for r in records))
    else:
        messages.success(request, "没有需要补减免的应缴费用（各条目依据的文件在费款核定或政策包发布时均已适用）")
    if pack not in services.relief_packs_available():
        return redirect("collection:relief")
    return _back_to(pack)


@login_required
@require_POST
def relief_publish_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The second person approves (``decision=approve``: the pack is published) or declines with a note."""
    # Who may not decide is refused before the look-up and the form: the same 403 whether the request
    # exists or not; a missing one is 404 naming what is missing (review-input12).
    require(request.user, "relief_pack.publish")
    req = ReliefPublicationRequest.objects.filter(pk=pk).first()
    if req is None:
        raise Http404("未找到该政策包发布申请")
    try:
        approve = form_choice(request.POST, "decision", {"approve": "同意", "decline": "不同意"},
                              label="复核结论") == "approve"
        done = services.relief_pack_publish_decide(request=req, actor=request.user, approve=approve,
                                                   note=request.POST.get("note", ""))
    except (ValidationError, SecondPersonRequired) as e:
        messages.error(request, refusal_text(e)[0])
        return _back_to(req.pack)
    if approve and done.publication is not None:
        p = done.publication
        messages.success(request, f"已复核并发布执行：即时减免{p.employers}家单位{p.dues}笔应缴费用")
    else:
        messages.success(request, "已复核：不同意发布，政策包未执行")
    return _back_to(req.pack)


# --- Deferral applications (缓缴) and their approval ------------------------------------------------
def _deferrals_visible(user: Any) -> Any:
    return scope_queryset(Deferral.objects.select_related("employer", "employer__district"), user=user,
                          district_path="employer__district")


def _deferral_rules() -> list[dict[str, Any]]:
    """The deferral rules of the published packs: what an application may rest on, each with the
    months of dues it covers (``window``: 2020-02至2020-06) and an ``example`` of months to type taken
    inside that window (review-user10 F6: the form's example 2020-07,2020-08 lay outside the one rule
    offered on 2020-02-20)."""
    out = []
    for p in services.relief_packs_in_force():
        for r in p.deferrals:
            first, last = r.coverage.month_from, r.coverage.month_to
            example = [month_str(m) for m in range(first, min(first + 2, last + 1))]
            out.append({"value": f"{p.name}/{r.id}", "label": r.label,
                        "basis": f"{r.reference.document} {r.reference.clause}",
                        "window": f"{month_str(first)}至{month_str(last)}" if first != last else month_str(first),
                        "example": ",".join(example)})
    return out


@login_required
def deferrals(request: HttpRequest) -> HttpResponse:
    """/collection/relief/deferrals/: the deferral applications (a district's staff see their district's),
    and the form that registers one (deferral.apply: checked at once against the pack's rule)."""
    qs = _deferrals_visible(request.user)
    status = request.GET.get("status", "")
    if status in Deferral.Status.values:
        qs = qs.filter(status=status)
    form = {k: request.POST.get(k, "").strip() for k in ("credit_code", "rule", "months", "due_until", "reason")}
    context: dict[str, Any] = {"deferrals": list(qs[:200]), "status": status, "statuses": Deferral.Status.choices,
                               "rules": _deferral_rules(), "form": shown_data(form),
                               "may_apply": may(request.user, "deferral.apply")}
    if request.method != "POST":
        return TemplateResponse(request, "backoffice/relief/deferrals.html", context)
    try:
        # 全角, spaces and case read as everywhere (review-input14 7: .upper() alone missed ９１…Ｕ)
        code = normalize_code(form["credit_code"])
        employer = selectors.employer_list(user=request.user).filter(credit_code=code).first()
        if employer is None and form["credit_code"]:
            # Another district's employer: the table refuses it (the same 403 as an unknown action).
            from shebao.core.permissions import require

            require(request.user, "deferral.apply")
            raise ValidationError({"credit_code": f"本区没有统一社会信用代码为“{form['credit_code'][:18]}”的参保单位"})
        if employer is None:
            raise ValidationError({"credit_code": "请填写申请单位的统一社会信用代码"})
        pack, _, rule = form["rule"].partition("/")
        if not pack or not rule:
            raise ValidationError({"rule": "请选择缓缴依据的政策条目"})
        months = [m for m in form["months"].replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if m]
        due_until = form_date(form["due_until"], label="缓缴至", field="due_until", required=True, example="2020-12-31")
        deferral = services.deferral_apply(employer=employer, pack=pack, rule=rule, months=months,
                                           due_until=due_until, reason=form["reason"], actor=request.user)
    except ValidationError as e:
        context["error"] = refusal_text(e)[0]
        return TemplateResponse(request, "backoffice/relief/deferrals.html", context, status=400)
    messages.success(request, f"已登记{employer.name}的缓缴申请，待复核人员审批")
    return redirect("collection:relief_deferral", pk=deferral.pk)


@login_required
def deferral(request: HttpRequest, pk: int) -> HttpResponse:
    """One deferral application: its rule with document and clause, the dues it moved, and (for a
    reviewer who did not register it) the approval form."""
    d = get_object_or_404(_deferrals_visible(request.user), pk=pk)
    # Before the decision: the dues an approval would defer now and their employer share, with a
    # warning for a month with nothing to defer (paid meanwhile): U12 of review-user3.
    preview = services.deferral_preview_of(d) if d.status == Deferral.Status.APPLIED else None
    return TemplateResponse(request, "backoffice/relief/deferral.html", {
        "d": d, "basis": services.deferral_basis(d), "text": services.deferral_text(d), "preview": preview,
        "dues": list(d.dues.order_by("month_no", "insurance")) if d.status == Deferral.Status.APPROVED else [],
        "may_decide": (d.status == Deferral.Status.APPLIED
                       and may(request.user, "deferral.decide", district_id=d.employer.district_id)),
    })


@login_required
@require_POST
def deferral_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (``decision=approve``) or refuse (with a note) a deferral: a second person."""
    d = get_object_or_404(_deferrals_visible(request.user), pk=pk)
    require(request.user, "deferral.decide", district_id=d.employer.district_id)
    try:
        approve = form_choice(request.POST, "decision", {"approve": "批准", "refuse": "不予批准"},
                              label="审批结论") == "approve"
        d = services.deferral_decide(deferral=d, approve=approve, actor=request.user,
                                     note=request.POST.get("note", ""))
    except ValidationError as e:
        messages.error(request, refusal_text(e)[0])
        return redirect("collection:relief_deferral", pk=pk)
    messages.success(request, f"已批准：{d.dues_deferred}笔单位缴费共{format_yuan(d.deferred_fen)}元"
                              f"缓缴至{d.due_until:%Y-%m-%d}" if approve else "已审批：不予批准缓缴")
    return redirect("collection:relief_deferral", pk=pk)


# --- Employer facts (单位类型、规模划型、行业), recorded by the municipal center --------------------
SOURCE_MAX = EmployerFacts._meta.get_field("source").max_length


def _facts_form(request: HttpRequest) -> dict[str, str]:
    keys = ("effective_from", "unit_type", "size_class", "industry", "source", *sme_size.INDICATORS)
    return {k: request.POST.get(k, "").strip() for k in keys}


@login_required
def employer_facts(request: HttpRequest, pk: int) -> HttpResponse:
    """/collection/relief/employers/<pk>/facts/: an employer's dated facts (every district's staff see
    their district's employers) and, for the center, the form that records a new row. The size class
    is chosen, or measured from employees, revenue and assets by the standard's thresholds
    (``size_class=measure``)."""
    employer = get_object_or_404(selectors.employer_list(user=request.user), pk=pk)
    form = _facts_form(request) if request.method == "POST" else {
        "effective_from": clock.today().isoformat(), "unit_type": "enterprise"}
    context: dict[str, Any] = {
        "employer": employer, "form": shown_data(form),
        "history": list(EmployerFacts.objects.filter(employer=employer).order_by("-effective_from", "-pk")),
        "in_force": services.employer_facts_on(on=clock.today(), employer_ids=[employer.pk])[employer.pk],
        "unit_types": EmployerFacts.UnitType.choices, "size_classes": EmployerFacts.SizeClass.choices,
        "may_record": may(request.user, "employer_facts.record", district_id=employer.district_id),
    }
    if request.method != "POST":
        return TemplateResponse(request, "backoffice/relief/employer_facts.html", context)
    try:
        from shebao.core.permissions import require

        require(request.user, "employer_facts.record", district_id=employer.district_id)
        size, source = form["size_class"], form["source"]
        if size == "measure":
            try:
                values = {k: sme_size.indicator_value(form[k], k) for k in sme_size.INDICATORS}
                result = sme_size.size_class_for(industry=form["industry"], **values)  # type: ignore[arg-type]
            except InputError as e:
                raise ValidationError({e.field or "size_class": e.zh}) from None
            size = result.size_class
            measured = f"按{result.basis}测算：{result.reason}"
            room = SOURCE_MAX - len(measured) - 1
            if len(source) > room:  # never cut: say how much room the measurement leaves (E8)
                raise ValidationError({"source": f"依据不能超过{room}个字符（测算说明另占{len(measured) + 1}个字符，"
                                                 f"现为{len(source)}个），请精简后重新提交"})
            source = (source + "；" if source else "") + measured
        # 全角 digits read, 2020-02-30 said not to exist, the plausible range (core.inputs.read_date)
        effective_from = form_date(form["effective_from"], label="起始日期", field="effective_from", required=True,
                                   example="2020-03-09")
        row = services.employer_facts_record(employer=employer, effective_from=effective_from,
                                             unit_type=form["unit_type"], size_class=size, industry=form["industry"],
                                             source=source, actor=request.user)
    except ValidationError as e:
        context["error"] = refusal_text(e)[0]
        return TemplateResponse(request, "backoffice/relief/employer_facts.html", context, status=400)
    messages.success(request, f"已登记{employer.name}自{row.effective_from:%Y-%m-%d}起的单位类型与规模："
                              f"{row.get_unit_type_display()}、{row.get_size_class_display()}")
    return redirect("collection:relief_employer_facts", pk=employer.pk)
