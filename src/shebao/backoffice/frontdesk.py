"""The front desk (0.4 前台接收、后台办理): register a walk-in's application for the back office.

The form asks only what the chosen business needs (its facts in the catalog), shows the rules'
decision before saving, and saves with the form's one-time token as the idempotency key, so a
double click or a resubmitted form registers one application, never two.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from shebao.backoffice.errors import refusal_text
from shebao.cases import business_forms, routing
from shebao.cases import services as case_services
from shebao.cases.models import Channel, Mode
from shebao.core import clock, permissions
from shebao.core.errors import DomainError
from shebao.core.inputs import TEXT_MAX, read_date, text_problem
from shebao.core.masking import invisible_problem
from shebao.core.normalize import normalize_code, normalize_month, normalize_phone
from shebao.core.reads import personal_data_read
from shebao.registry import selectors as registry_selectors
from shebao.registry.checks import lookup_numbers, not_found_hint
from shebao.registry.models import Employer, Person
from shebao.rules.business_fields import definition, facts_from_details
from shebao.rules.catalog import choices as catalog_choices
from shebao.rules.catalog import label

MOBILE_RE = re.compile(r"1[3-9]\d{9}")  # the notices go to a mainland mobile, as in the API

# 0.4, 1.4, 2.2: the ways an application reaches the district by hand: handed in at the counter,
# or received by fax, e-mail or post and registered here. (Online, app and WeChat applications
# arrive through the API with their own channel.) The counter comes first: it is the default.
RECEIVED_BY = [Channel.COUNTER, Channel.FAX, Channel.EMAIL, Channel.POST]
# A business about one person (its definition's ``person:``, rules/businesses/<code>.yaml) names that
# person by the ID number whoever applies, an employer too (1.2c: a refund is also confirmed by
# phone with the insured person, whose registered number is dialled).
REGISTERS_THE_PERSON = {"insured_registration"}

# Names come from the catalog's labels; this only chooses which fields the desk offers, in its order.
REFUND_KINDS = catalog_choices("refund_kind")
PERSON_FIELDS = [(f, label("person_field", f)) for f in (
    "phone", "address", "postal_code", "email", "education", "occupation", "bank_account", "marital_status",
    "name", "id_number", "ethnicity", "household_type", "contributor_category", "cadre_status")]


@dataclass
class FrontDeskForm:
    """What the clerk typed, parsed; `errors` maps a field to its Chinese message."""

    business: Any = None
    applicant_kind: str = ""
    employer: Employer | None = None
    person: Person | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    channel: str = Channel.COUNTER
    received_on: dt.date | None = None
    contact_phone: str = ""
    manual_operation: str = ""
    token: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    # Whether the clerk pressed a button. Before that (a business just chosen, an applicant kind
    # switched) a field left empty is not yet an error: "请填写…" shows only after a submit. An
    # error about what was typed (a number not in the district) shows as soon as it is there.
    submitted: bool = False
    missing: set[str] = field(default_factory=set)
    # The business's own fields (its definition, rules/businesses/<code>.yaml): the inputs to draw
    # and the content read from them (checked against the registry by the view before saving).
    desk_fields: list[Any] = field(default_factory=list)
    details: dict[str, Any] | None = None
    details_read: dict[str, Any] | None = None  # with fields at fault: what the others gave

    def _require(self, name: str, message: str) -> None:
        self.errors[name] = message
        self.missing.add(name)

    @property
    def visible_errors(self) -> dict[str, str]:
        """The errors the page shows: every one after a submit, else only those about typed values."""
        if self.submitted:
            return self.errors
        return {k: v for k, v in self.errors.items() if k not in self.missing}

    @property
    def needs_person(self) -> bool:
        # A registration names a person not yet in the registry: its own fields carry them.
        return self.business is not None and self.business.code not in REGISTERS_THE_PERSON and (
            any(f.startswith("person.") for f in self.business.facts) or self.applicant_kind == "person"
            or definition(self.business.code).names_person)

    @property
    def person_hint(self) -> str:
        """What the ID number field says about the person an employer names (who may be named)."""
        if self.business is None or self.applicant_kind != "employer":
            return ""
        kind = definition(self.business.code).person
        hint = {"employee": "本单位在职职工", "insured": "在本单位参保过的职工"}.get(kind or "", "")
        if self.business.code == "refund":
            hint += "；退费须与参保人本人电话核实，依据第1.2c条"  # no bracket in the bracket it is shown in
        return hint

    def placed(self, key: str) -> str:
        """The input an error belongs to: the person's and the employer's errors go to the ID number
        and the credit code inputs (a registry check names ``person`` or ``employer``)."""
        if key == "person" and self.needs_person:
            return "id_number"
        if key == "employer" and self.needs_employer:
            return "credit_code"
        return key

    @property
    def unplaced_errors(self) -> list[str]:
        """The visible errors no input of the page shows beside itself: listed at the top of the form,
        so that "补全或更正标红的项目" never points at nothing red."""
        shown = {"business", "channel", "received_on", "contact_phone", "manual_operation"}
        shown |= {f.name for f in self.desk_fields}
        if self.needs_employer:
            shown.add("credit_code")
        if self.needs_person:
            shown.add("id_number")
        if self.business is not None and not self.desk_fields:
            shown |= {f for f in ("period", "refund_kind", "fields") if f in self.business.facts}
        return [v for k, v in self.visible_errors.items() if business_forms.error_field(k) not in shown]

    @property
    def has_form_errors(self) -> bool:
        """Errors outside the business's own fields (applicant, channel, date): no decision without them."""
        own = {f.name for f in self.desk_fields}
        return any(business_forms.error_field(k) not in own for k in self.errors)

    @property
    def needs_employer(self) -> bool:
        return self.business is not None and self.applicant_kind == "employer"


def new_token() -> str:
    return uuid.uuid4().hex


def error_key(path: str) -> str:
    """The input a field path belongs to: details.lines.2.base_fen -> lines; details.changes.gender ->
    changes.gender (`business_forms.error_input`, the portal's reading too)."""
    return business_forms.error_input(path)


def _details_parse(form: FrontDeskForm, data: QueryDict) -> None:
    """Read the business's own fields; every refusal goes to its input, a missing one only after a submit."""
    code = form.business.code
    form.desk_fields = business_forms.form_fields(code, data)
    if not form.desk_fields:
        return
    # Every input judged on its own (business_forms.desk_read): an unreadable base says so at the base,
    # and the other fields (the category the rules read) still count (review-input6 F8).
    checked = business_forms.desk_read(code, data, today=clock.today())
    for err in checked.errors:
        key = error_key(f"details.{err.field}")
        if key in form.errors:
            continue
        if err.zh.startswith("请填写") or err.zh.startswith("请选择"):
            form._require(key, err.zh)
        else:
            form.errors[key] = err.zh
    if checked.ok:
        form.details = checked.details
    else:  # the fields that passed, for the registry checks that do not depend on the others (review-user13 (6))
        form.details_read = checked.details
    # The facts of the fields that passed, so the rules' decision (or refusal) shows beside the errors.
    found = facts_from_details(code, checked.details)
    form.facts.update({k: v for k, v in found.items() if k != "person"})
    if found.get("person"):
        form.facts["person"] = {**form.facts.get("person", {}), **found["person"]}


def parse(data: QueryDict, *, user: Any, today: dt.date, submitted: bool = False) -> FrontDeskForm:
    """The form from the request's data. `submitted`: a button was pressed (a POST), so a field
    left empty is shown as an error; a GET that re-renders the form shows none of those.

    The channel is one of RECEIVED_BY (default the counter) and the date received (收件日期, the
    application's date) defaults to `today`; a date after today is refused.
    """
    from shebao.rules import business as business_entry

    form = FrontDeskForm(token=data.get("token") or new_token(), submitted=submitted)
    code = data.get("business", "")
    if not code:
        return form
    try:
        form.business = business_entry(code)
    except KeyError:
        form.errors["business"] = "请选择业务"
        return form
    kinds = list(form.business.applicants)
    form.applicant_kind = data.get("applicant_kind") if data.get("applicant_kind") in kinds else kinds[0]
    # Normalised once, as everywhere (core.normalize): full-width, spaces inside the number, case.
    credit = normalize_code(data.get("credit_code"))
    id_number = normalize_code(data.get("id_number"))
    # A character no one can see is named where it is (the box is drawn again without it), not
    # answered "本区没有该…" for a number that looks right (review-input7 F7).
    for name, zh in (("credit_code", "统一社会信用代码"), ("id_number", "证件号码"), ("contact_phone", "通知手机"),
                     ("manual_operation", "应急手工操作说明")):
        if problem := invisible_problem(data.get(name) or "", zh):
            form.errors[name] = problem
    if form.needs_employer and "credit_code" not in form.errors:
        if not credit:
            form._require("credit_code", "请填写单位的统一社会信用代码")
        else:
            form.employer = registry_selectors.employer_list(user=user).filter(credit_code=credit).first()
            if form.employer is None:
                form.errors["credit_code"] = "本区没有该统一社会信用代码的参保单位"
    if form.needs_person and "id_number" not in form.errors:
        if not id_number:
            form._require("id_number", "请填写参保人员的证件号码")
        else:
            def served(person: Person) -> bool:
                # In the desk's districts, or an employer's own employee living in another district
                # (the case is the employer's district's): found among the people it has employed only.
                return (registry_selectors.person_list(user=user).filter(pk=person.pk).exists()
                        or (form.employer is not None and person.spells.filter(employer=form.employer).exists()))

            refusal = ""
            for number in lookup_numbers(id_number):  # a 15-digit first-generation number too (F8)
                # Looked up city-wide, then served only when the desk may: a record merged into one of
                # this district's is found through the record kept (issue 16), and a record of another
                # district is never shown (nor is the kept one when only the merged shell is here's).
                holder = Person.objects.select_related("district").filter(id_number=number).first()
                if holder is None:
                    continue
                kept = registry_selectors.kept_record(holder)
                if served(kept):  # registered twice and merged: the business is the kept record's
                    form.person = kept
                    break
                if kept != holder and served(holder) and not refusal:
                    # The merged shell is this desk's, the record kept another district's: told where it
                    # went (review-user8 F1), not served here.
                    refusal = holder.merged_refusal()
            if form.person is None:
                form.errors["id_number"] = refusal or "本区没有该证件号码的参保人员" + not_found_hint(id_number)
    _details_parse(form, data)
    # The facts a definition carries come from its fields (facts_from_details); the others as before.
    covered = {f.spec.fact for f in form.desk_fields if f.spec.fact}
    facts = [f for f in form.business.facts if f not in covered]
    if "period" in facts:
        start, end = normalize_month(data.get("period_from")), normalize_month(data.get("period_to"))
        if not start or not end:
            form._require("period", "请填写补缴期间的起止月份（年-月，如2019-01）")
        else:
            form.facts["period"] = {"from": start, "to": end}
    if "refund_kind" in facts:
        kind = data.get("refund_kind", "")
        if kind not in dict(REFUND_KINDS):
            form._require("refund_kind", "请选择退费类型")
        else:
            form.facts["refund_kind"] = kind
    if "fields" in facts:
        chosen = [f for f in data.getlist("fields") if f in dict(PERSON_FIELDS)]
        if not chosen:
            form._require("fields", "请选择要变更的信息项")
        else:
            form.facts["fields"] = chosen
    channel = (data.get("channel") or Channel.COUNTER).strip()
    if channel not in RECEIVED_BY:
        form.errors["channel"] = "请选择收件渠道（窗口、传真、电子邮件或邮寄）"
    else:
        form.channel = channel
        if channel != Channel.COUNTER and \
                case_services.CATALOG_CHANNEL.get(channel, channel) not in form.business.channels:
            # 0.4: said at once at its input, before the clerk fills in the rest.
            form.errors["channel"] = f"{form.business.zh}不能通过“{Channel(channel).label}”申请"
    try:  # 全角 digits read, 2020-02-30 said not to exist (core.inputs.read_date)
        received_on = read_date(data.get("received_on"), label="收件日期", plausible=False) or today
        if received_on > today:  # said so, a year ahead or ten
            form.errors["received_on"] = f"收件日期不能晚于今天（{today:%Y-%m-%d}）"
        else:  # and the plausible range: 0001-01-01 is no day a form was received
            form.received_on = read_date(data.get("received_on"), label="收件日期", today=today) or today
    except ValueError as e:
        form.errors["received_on"] = str(e)
    form.contact_phone = normalize_phone(data.get("contact_phone"))
    if form.contact_phone and not MOBILE_RE.fullmatch(form.contact_phone) and "contact_phone" not in form.errors:
        # As the API's contact phone (a mobile for the notices): never 1,000 digits into a 20-character column.
        form.errors["contact_phone"] = "通知手机应为11位手机号码（如13812345678）"
    form.manual_operation = (data.get("manual_operation") or "").strip()
    problem = text_problem(form.manual_operation) or (
        f"不能超过{TEXT_MAX}个字符" if len(form.manual_operation) > TEXT_MAX else "")
    if problem and "manual_operation" not in form.errors:
        form.errors["manual_operation"] = f"应急手工操作说明{problem}"
    return form


# --- The page ------------------------------------------------------------------------------------

def _front_desk_context(request: HttpRequest, form: FrontDeskForm, **extra) -> dict:
    from shebao.rules import BUSINESSES

    transfer_account = None
    if form.business is not None and form.business.code == "transfer_out" and form.person is not None:
        # The whole account moves (4.1): the clerk sees its months and amounts beside the rows, also on a
        # refused form (as the person's and the employer's portal forms: registry.accounts).
        from shebao.registry.accounts import transfer_out_shown

        transfer_account = transfer_out_shown(form.person)
    return {"form": form, "businesses": BUSINESSES, "refund_kinds": REFUND_KINDS, "transfer_account": transfer_account,
            "person_fields": PERSON_FIELDS, "data": business_forms.shown_data(request.POST or request.GET),
            "received_by": [(c.value, c.label) for c in RECEIVED_BY], "today": clock.today(), **extra}


@login_required
def front_desk(request: HttpRequest) -> HttpResponse:
    # A role that may not register (a leader, an auditor) is told so before filling the form.
    permissions.require(request.user, "case.submit")
    # The form re-renders itself (a business or applicant chosen) by a POST marked "refresh", never a
    # GET: what it carries (an ID number) stays out of URLs and access logs (issue 16 §4).
    data = request.POST if request.method == "POST" else request.GET
    submitted = request.method == "POST" and not request.POST.get("refresh")
    form = parse(data, user=request.user, today=clock.today(), submitted=submitted)
    if form.person is not None:
        # The desk shows whom the number found: a read of that person's data, in the trail as every
        # staff page that shows a person records it (core.reads; review-user13 (22)).
        personal_data_read(actor=request.user, subject=form.person, what=f"前台受理查询（{form.business.zh}）")
    decision, error = None, ""
    if submitted and form.business is not None and not form.has_form_errors:
        try:
            app = routing.application_facts(business=form.business.code, applied_on=form.received_on,
                                            person=form.person, stated=form.facts)
            decision = routing.route(app)
            if form.channel != Channel.COUNTER and \
                    case_services.CATALOG_CHANNEL.get(form.channel, form.channel) not in form.business.channels:
                # 0.4: said at once, before the clerk fills in the business's own fields.
                raise DomainError(f"{form.business.zh}不能通过“{Channel(form.channel).label}”申请",
                                  "the business is not applied for by this channel", field="channel")
            if form.details is not None or form.details_read is not None:
                # The registry checks of the business (employment in the months, what was paid, ...):
                # each refusal goes to its input; with fields at fault, those that do not depend on them
                # answer in the same round (review-user13 (6)).
                try:
                    case_services.details_check(business=form.business.code,
                                                details=form.details if form.details is not None else form.details_read,
                                                employer=form.employer, person=form.person,
                                                applied_on=form.received_on)
                except case_services.DetailsRefused as refused:
                    for e in refused.errors:
                        form.errors.setdefault(form.placed(error_key(e.field)), e.zh)
            if request.POST.get("do") == "save" and not form.errors:
                case, _created = case_services.case_submit(
                    actor=request.user, business=form.business.code, channel=form.channel,
                    employer=form.employer, person=form.person, applicant_kind=form.applicant_kind,
                    applied_on=form.received_on, facts=form.facts, contact_phone=form.contact_phone,
                    manual_operation=form.manual_operation, idempotency_key=f"front-desk-{form.token}",
                    details=form.details,
                )
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse("backoffice:case_detail", args=[case.pk]) + "?registered=1"
                    return response
                return redirect(reverse("backoffice:case_detail", args=[case.pk]) + "?registered=1")
        except Exception as e:
            error, _status = refusal_text(e)
    context = _front_desk_context(request, form, decision=decision, error=error,
                                  decision_mode_zh=Mode(decision.mode).label if decision else "")
    template = "backoffice/_front_desk_form.html" if request.htmx else "backoffice/front_desk.html"
    # A form that cannot be registered as filled in answers 400 (its Chinese reasons are on the form).
    # A checked form whose typed values are refused (a received date that is no day) answers 400 too, as
    # every other page does (bad-input review 16, 6: it answered 200); one only incomplete does not.
    typed_refused = any(k not in form.missing for k in form.errors)
    refused = submitted and (typed_refused or request.POST.get("do") == "save" and bool(form.visible_errors or error))
    return TemplateResponse(request, template, context, status=400 if refused else 200)
