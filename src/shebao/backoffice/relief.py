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

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shebao.collection import relief as services
from shebao.collection.models import ReliefPublication
from shebao.core.scoping import user_sees_all
from shebao.registry.models import Office
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
                    limits.append(f"最迟{r.latest_due:%Y年%m月%d日}")  # type: ignore[union-attr]
                what = "缓缴（" + "，".join(limits) + "）" if limits else "缓缴"
            rows.append({"key": r.key, "id": r.id, "kind": kind, "label": r.label, "what": what,
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
    context.update({"pack": pack, "rules": _coverage_rows(pack), "publication": publication,
                    "city": user_sees_all(request.user)})
    if publication is None:
        impact = services.relief_what_if(pack=name, user=request.user)
        offices = dict(Office.objects.filter(pk__in=list(impact.by_district)).values_list("pk", "name"))
        context.update({
            "impact": impact,
            "by_district": sorted(((offices.get(d, "未知区"), v) for d, v in impact.by_district.items()),
                                  key=lambda kv: kv[0]),
            "by_rule": [{"text": services.relief_text(k), **v} for k, v in sorted(impact.by_rule.items())],
        })
    return TemplateResponse(request, "backoffice/relief/what_if.html", context)


@login_required
def size_class(request: HttpRequest) -> HttpResponse:
    """/collection/relief/size-class/: the size class of an enterprise from its industry code and its
    employees, revenue and assets (工信部联企业〔2011〕300号 第四条). A calculator: nothing is stored."""
    heading, industries = sme_size.sme_standard()
    form = {k: request.GET.get(k, "").strip() for k in ("industry", *sme_size.INDICATORS)}
    context: dict[str, Any] = {"form": form, "heading": heading, "industries": industries}
    status = 200
    if any(form.values()):
        try:
            values = {k: sme_size.indicator_value(form[k], k) for k in sme_size.INDICATORS}
            context["result"] = sme_size.size_class_for(industry=form["industry"], **values)  # type: ignore[arg-type]
        except InputError as e:
            context["error"], context["error_field"], status = e.zh, e.field, 400
    return TemplateResponse(request, "backoffice/relief/size_class.html", context, status=status)
