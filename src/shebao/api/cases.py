"""The case API (/api/v1/cases/): submit, read, list, transition, and the steps around them.

Handlers parse input, call one service or selector, and render. A refused call becomes problem
details naming the field with the reason in Chinese and English (`shebao.api.errors`, the API's one mapper).
A case outside the caller's district is 404, never 403: its existence is not disclosed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shebao.api.errors import problem
from shebao.api.fields import (
    BusinessDateField,
    BusinessDateTimeField,
    CalendarDateField,
    IdField,
    MonthField,
    PersonFactsField,
    StrictBooleanField,
    StrictSerializer,
    model_text,
)
from shebao.api.pagination import (
    CheckedCursorPagination,
    bool_param,
    check_paging,
    choice_param,
    date_param,
    page_parameters,
)
from shebao.api.query import KnownQueryParams
from shebao.cases import selectors, services, workflows
from shebao.cases.business_forms import details_masked, details_openapi_schema
from shebao.cases.documents import MAGIC, document_may_read
from shebao.cases.models import (
    ApplicantKind,
    Case,
    Channel,
    CommitmentLetter,
    Document,
    Flag,
    Mailing,
    Mode,
    OwedDocument,
    PhoneCheck,
    Status,
)
from shebao.core.errors import DomainError, PreconditionRequired
from shebao.core.inputs import TEXT_MAX
from shebao.core.labels import enum_zh, pack_title_zh
from shebao.core.masking import mask_email, mask_phone
from shebao.core.normalize import normalize_phone
from shebao.core.permissions import TABLE, require
from shebao.core.reads import personal_data_read
from shebao.registry.selectors import employer_get, person_list
from shebao.rules.catalog import businesses

# What a stored document is served as (cases.documents.sniff decides on upload).
DOCUMENT_TYPES = tuple(sorted({ctype for _magic, ctype, _ext in MAGIC}))


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _error(field: str, code: str, zh: str, en: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "reason_zh": zh, "reason_en": en}]


# --- Serializers ----------------------------------------------------------------------------------
FACT_TEXT_MAX = 40  # an enum value or a field name of the catalog


class FactsSerializer(StrictSerializer):
    # Months as the front desk reads them (2019/1, 全角): normalised once, then checked (api.fields).
    period = type("Period", (StrictSerializer,), {"from": MonthField(), "to": MonthField()})(required=False)
    refund_kind = serializers.CharField(required=False, max_length=FACT_TEXT_MAX)
    fields = serializers.ListField(child=serializers.CharField(max_length=FACT_TEXT_MAX), required=False,
                                   max_length=50)
    declared_by = serializers.CharField(required=False, max_length=FACT_TEXT_MAX)
    person = PersonFactsField(required=False, help_text="Facts of a person not (yet) in the registry (1.4).")


MOBILE_NUMBER = r"^1[3-9]\d{9}$"


class PhoneField(serializers.RegexField):
    """A phone number as people write it (+86 138 1234 5678, 138-1234-5678, full-width), normalised
    once (`core.normalize.normalize_phone`) before the pattern is checked and the value stored."""

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(normalize_phone(data) if isinstance(data, str) else data)


@extend_schema_field(details_openapi_schema())
class DetailsField(serializers.JSONField):
    """The business's content (its definition's fields); validated by the service against the definition."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError("申请内容（details）应为对象，字段见该业务的定义")
        return super().to_internal_value(data)


class SubmitSerializer(StrictSerializer):
    business = model_text(Case, "business")
    channel = serializers.ChoiceField(choices=Channel.choices)
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices, required=False)
    employer = IdField(required=False)
    person = IdField(required=False)
    applied_on = BusinessDateField(required=False)
    facts = FactsSerializer(required=False)
    contact_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    contact_phone = PhoneField(MOBILE_NUMBER, required=False, allow_blank=True)
    contact_wechat = model_text(Case, "contact_wechat", required=False, allow_blank=True)
    work_injury_medical = StrictBooleanField(required=False, default=False)
    manual_operation = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX,
                                             help_text="7.4: what was done by hand or outside the system.")
    details = DetailsField(required=False, help_text="业务所需内容（退费金额与账户、变更的新值、补缴月份与基数等）")


_STATUS_ZH, _MODE_ZH, _CHANNEL_ZH = dict(Status.choices), dict(Mode.choices), dict(Channel.choices)


def _label(labels: dict[str, Any], value: str) -> str:
    return str(labels.get(value, value))  # as get_FOO_display: an unknown value shows as itself


def case_summary(obj: Case, user: Any) -> dict[str, Any]:
    """CaseSerializer's output, written out by hand: this is the submission's hot path, and a
    ModelSerializer builds its ~40 fields anew for every instance (most of a submission's CPU time
    when profiled). The serializer's declared fields still give the OpenAPI schema; a test in
    tests/cases/test_direct_and_regular_workflows.py holds the two equal. `user` picks the actions
    offered (none without one)."""
    return {
        "id": obj.pk, "business": obj.business, "business_zh": obj.business_zh,
        "applicant_kind": obj.applicant_kind, "applicant_kind_zh": enum_zh("applicant", obj.applicant_kind),
        "employer": {"id": obj.employer_id, "name": obj.employer.name} if obj.employer_id else None,
        "person": ({"id": obj.person_id, "name": obj.person.name, "id_number": obj.person.id_number_masked}
                   if obj.person_id else None),
        "channel": obj.channel, "channel_zh": _label(_CHANNEL_ZH, obj.channel), "applied_on": _iso(obj.applied_on),
        "facts": obj.facts, "mode": obj.mode, "mode_zh": _label(_MODE_ZH, obj.mode), "clauses": obj.clauses,
        "requires": obj.requires, "requires_zh": [enum_zh("requirement", r) for r in obj.requires],
        "explanation_zh": obj.explanation_zh, "explanation_en": obj.explanation_en,
        "pack": obj.pack, "pack_zh": pack_title_zh(obj.pack), "pack_version": obj.pack_version, "parameters": obj.parameters, "rule_id": obj.rule_id,
        "workflow": workflows.case_workflow(obj), "office": {"code": obj.office.code, "name": obj.office.name},
        # a completed refund's status follows its money (review-user12 F14)
        "status": obj.status, "status_zh": obj.get_status_display(),
        "assignee": str(obj.assignee) if obj.assignee_id else None, "deadline": _iso(obj.deadline),
        "priority": obj.priority, "flagged": obj.flagged, "remote_review_required": obj.remote_review_required,
        "documents_due_on": _iso(obj.documents_due_on), "resumed_on": _iso(obj.resumed_on),
        "outcome": obj.outcome, "rejection_reason": obj.rejection_reason, "contact_email": mask_email(obj.contact_email),
        "contact_phone": mask_phone(obj.contact_phone), "version": obj.version,
        "created_at": _iso(timezone.localtime(obj.created_at)) if obj.created_at else None,
        "completed_at": _iso(timezone.localtime(obj.completed_at)) if obj.completed_at else None,
        "actions": workflows.available_actions(obj, user) if user is not None else [],
        "details": details_masked(obj.business, obj.details),
    }


class CaseSerializer(serializers.ModelSerializer):
    status_zh = serializers.CharField(source="get_status_display")
    mode_zh = serializers.CharField(source="get_mode_display")
    channel_zh = serializers.CharField(source="get_channel_display")
    applicant_kind_zh = serializers.CharField(source="get_applicant_kind_display")
    requires_zh = serializers.SerializerMethodField(help_text="办理要求的中文名称，与 requires 一一对应")
    pack_zh = serializers.SerializerMethodField(help_text="政策包的中文标题")
    workflow = serializers.SerializerMethodField()
    office = serializers.SerializerMethodField()
    employer = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    contact_email = serializers.SerializerMethodField(help_text="通知邮箱（已遮蔽）")
    assignee = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField(help_text="业务所需内容（账号、证件号、手机号已遮蔽）")

    class Meta:
        model = Case
        fields = ["id", "business", "business_zh", "applicant_kind", "applicant_kind_zh", "employer", "person",
                  "channel", "channel_zh", "applied_on", "facts", "mode", "mode_zh", "clauses", "requires",
                  "requires_zh", "explanation_zh", "explanation_en", "pack", "pack_zh", "pack_version", "parameters", "rule_id", "workflow", "office", "status",
                  "status_zh", "assignee", "deadline", "priority", "flagged", "remote_review_required",
                  "documents_due_on", "resumed_on", "outcome", "rejection_reason", "contact_email", "contact_phone",
                  "version", "created_at", "completed_at", "actions", "details"]

    def to_representation(self, obj: Case) -> dict[str, Any]:
        request = self.context.get("request")
        return case_summary(obj, request.user if request else None)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_requires_zh(self, obj: Case) -> list[str]:
        return [enum_zh("requirement", r) for r in obj.requires]

    def get_pack_zh(self, obj: Case) -> str:
        return pack_title_zh(obj.pack)

    def get_workflow(self, obj: Case) -> str:
        return workflows.case_workflow(obj)

    def get_office(self, obj: Case) -> dict[str, str]:
        return {"code": obj.office.code, "name": obj.office.name}

    def get_employer(self, obj: Case) -> dict[str, Any] | None:
        return {"id": obj.employer_id, "name": obj.employer.name} if obj.employer_id else None

    def get_person(self, obj: Case) -> dict[str, Any] | None:
        return ({"id": obj.person_id, "name": obj.person.name, "id_number": obj.person.id_number_masked}
                if obj.person_id else None)

    def get_contact_phone(self, obj: Case) -> str:
        return mask_phone(obj.contact_phone)

    def get_contact_email(self, obj: Case) -> str:
        return mask_email(obj.contact_email)

    def get_assignee(self, obj: Case) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    def get_actions(self, obj: Case) -> list[str]:
        request = self.context.get("request")
        return workflows.available_actions(obj, request.user) if request else []

    def get_details(self, obj: Case) -> dict[str, Any]:
        return details_masked(obj.business, obj.details)


class CaseDetailSerializer(CaseSerializer):
    transitions = serializers.SerializerMethodField()
    commitment_letter = serializers.SerializerMethodField()
    phone_checks = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    owed_documents = serializers.SerializerMethodField()
    mailings = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()
    effects = serializers.SerializerMethodField(help_text="办结时业务对账务和登记的效果")
    content_problems = serializers.SerializerMethodField(
        help_text="申请内容按业务定义不完整或有误之处，每个字段一条（field为details.<字段>，code为content_incomplete，"
                  "reason_zh为中文原因）；为空表示内容完整。不为空时审批通过、办结等步骤会被拒绝，"
                  "须先补正（PATCH /api/v1/cases/{id}/details/）或驳回。已办结或已驳回的申请为空")

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "transitions", "commitment_letter", "phone_checks", "documents",
                  "owed_documents", "mailings", "flags", "effects", "content_problems"]

    def to_representation(self, obj: Case) -> dict[str, Any]:
        data = super().to_representation(obj)
        data.update(transitions=self.get_transitions(obj), commitment_letter=self.get_commitment_letter(obj),
                    phone_checks=self.get_phone_checks(obj), documents=self.get_documents(obj),
                    owed_documents=self.get_owed_documents(obj), mailings=self.get_mailings(obj),
                    flags=self.get_flags(obj), effects=self.get_effects(obj),
                    content_problems=self.get_content_problems(obj))
        return data

    @extend_schema_field(inline_serializer("ContentProblem", many=True, fields={
        "field": serializers.CharField(help_text="details.<字段>"),
        "code": serializers.CharField(help_text="content_incomplete"),
        "reason_zh": serializers.CharField(), "reason_en": serializers.CharField()}))
    def get_content_problems(self, obj: Case) -> list[dict[str, str]]:
        # What the page warns of (review-user7 F6), said before any step is refused; the same entries
        # the refused step gives (workflows.ContentIncomplete), without the step's name.
        if obj.status in (Status.COMPLETED, Status.REJECTED):
            return []
        return [{"field": e.field, "code": workflows.ContentIncomplete.code, "reason_zh": e.zh,
                 "reason_en": f"incomplete: {e.field}"} for e in selectors.case_content_problems(obj)]

    def get_effects(self, obj: Case) -> list[dict[str, Any]]:
        return [{"effect": e.effect, "summary_zh": e.summary_zh, "result": e.result, "actor": e.actor_label,
                 "at": e.at.isoformat()} for e in obj.effects.order_by("pk")]

    def get_transitions(self, obj: Case) -> list[dict[str, Any]]:
        return [{"action": t.action, "from": t.from_status, "to": t.to_status, "actor": t.actor_label,
                 "role": t.actor_role, "at": t.at.isoformat(), "note": t.note} for t in obj.transitions.all()]

    def get_commitment_letter(self, obj: Case) -> dict[str, Any] | None:
        letter = getattr(obj, "commitment_letter", None)
        if letter is None:
            return None
        return {"text": letter.text, "signer": letter.signer, "signed_at": letter.signed_at.isoformat(),
                "sha256": letter.sha256, "captured_at": letter.captured_at.isoformat()}

    def get_phone_checks(self, obj: Case) -> list[dict[str, Any]]:
        # 1.2c: the number is masked in display.
        return [{"called_by": str(c.called_by), "phone": c.phone_masked, "called_at": c.called_at.isoformat(),
                 "outcome": c.outcome, "outcome_zh": c.get_outcome_display(), "note": c.note}
                for c in obj.phone_checks.select_related("called_by")]

    def get_documents(self, obj: Case) -> list[dict[str, Any]]:
        return [{"id": d.pk, "name": d.name, "source": d.source, "content_type": d.content_type, "size": d.size,
                 "sha256": d.sha256, "uploaded_at": d.uploaded_at.isoformat(),
                 "url": f"/api/v1/cases/{obj.pk}/documents/{d.pk}/content/"} for d in obj.documents.all()]

    def get_owed_documents(self, obj: Case) -> list[dict[str, Any]]:
        return [{"id": o.pk, "name": o.name, "kind": o.kind, "state": o.state, "state_zh": o.get_state_display(),
                 "due_on": o.due_on.isoformat() if o.due_on else None, "document": o.document_id,
                 "exchange_source": o.exchange_source, "exchange_reference": o.exchange_reference,
                 "review_note": o.review_note} for o in obj.owed_documents.all()]

    def get_mailings(self, obj: Case) -> list[dict[str, Any]]:
        return [{"leg": m.leg, "leg_zh": m.get_leg_display(), "tracking_number": m.tracking_number,
                 "sent_on": m.sent_on.isoformat() if m.sent_on else None,
                 "received_at": m.received_at.isoformat() if m.received_at else None}
                for m in obj.mailings.order_by("pk")]

    def get_flags(self, obj: Case) -> list[dict[str, Any]]:
        return [FlagSerializer(f).data for f in obj.flags.all()]


class FlagSerializer(serializers.ModelSerializer):
    kind_zh = serializers.CharField(source="get_kind_display")
    stage_zh = serializers.CharField(source="get_stage_display")
    office = serializers.CharField(source="office.code")

    class Meta:
        model = Flag
        fields = ["id", "case", "office", "kind", "kind_zh", "description", "stage", "stage_zh", "raised_at",
                  "queued_at", "review_outcome", "settle_outcome", "audit_outcome", "version"]


def _names(**kwargs: Any) -> serializers.ListField:
    """A list of document names (each as long as OwedDocument.name), at most 50."""
    return serializers.ListField(child=model_text(OwedDocument, "name"), max_length=50, **kwargs)


def _free_text(**kwargs: Any) -> serializers.CharField:
    """Free text stored in a column without a declared length: TEXT_MAX characters (core.inputs)."""
    return serializers.CharField(max_length=TEXT_MAX, **kwargs)


VERSION = {"min_value": 0, "max_value": 2**31 - 1}


class TransitionSerializer(StrictSerializer):
    action = serializers.CharField(max_length=40)
    version = serializers.IntegerField(required=False, help_text="The version read (or If-Match); required: "
                                       "428 without it, 409 when stale.", **VERSION)
    note = _free_text(required=False, allow_blank=True)
    reason = _free_text(required=False, allow_blank=True)
    outcome = _free_text(required=False, allow_blank=True)
    tracking_number = model_text(Mailing, "tracking_number", required=False, allow_blank=True)
    documents_owed = _names(required=False)
    documents_required = _names(required=False)
    originals_owed = _names(required=False)


class LetterSerializer(StrictSerializer):
    text = _free_text()
    signer = model_text(CommitmentLetter, "signer")
    signed_at = BusinessDateTimeField(required=False)


class PhoneCheckSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=PhoneCheck.Outcome.choices)
    phone = PhoneField(r"^[0-9+\-]{5,20}$", required=False, allow_blank=True, max_length=40)
    called_at = BusinessDateTimeField(required=False)
    note = model_text(PhoneCheck, "note", required=False, allow_blank=True)


class UploadSerializer(StrictSerializer):
    file = serializers.FileField()
    name = model_text(Document, "name", required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Document.Source.choices, required=False, default="upload")
    owed_document = IdField(required=False)


class ExchangeSerializer(StrictSerializer):
    source = model_text(OwedDocument, "exchange_source")
    reference = model_text(OwedDocument, "exchange_reference")


class ReviewSerializer(StrictSerializer):
    accepted = StrictBooleanField(help_text="true：材料审核通过；false：退回")
    note = model_text(OwedDocument, "review_note", required=False, allow_blank=True)


class FlagRaiseSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Flag.Kind.choices)
    description = _free_text()


class FlagStepSerializer(StrictSerializer):
    step = serializers.ChoiceField(choices=[("review", "复核"), ("settle", "清理"), ("audit", "内审")])
    outcome = _free_text()
    version = serializers.IntegerField(required=False, help_text="读取到的标记版本号（必填，也可用If-Match头）：缺少时"
                                       "返回428，他人已处理时返回409", **VERSION)


class CorrectSerializer(StrictSerializer):
    details = DetailsField(help_text="要填写或更正的申请内容字段（与登记时相同的业务字段）；只改给出的字段，"
                                     "某字段给 null 即删除该字段。经办机构核定的项目不在此更正")
    reason = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="",
                                   help_text="补正理由（必填），记入办理记录和审计记录")
    version = serializers.IntegerField(required=False, help_text="读取到的申请版本号（必填，也可用If-Match头）：缺少时"
                                       "返回428，他人已处理时返回409", **VERSION)


class LiftSerializer(StrictSerializer):
    # 2020-02-30 said not to exist (review-input14 6); the range is the service's (lift_date_refusal, 422)
    lifted_on = CalendarDateField(help_text="疫情解除日期")
    confirmed = StrictBooleanField(required=False, default=False,
                                         help_text="解除日期早于通知施行日或晚于今天时，须确认后执行")


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _detail(case: Case, request: Request, *, code: int = 200) -> Response:
    """The case as read now, with its version as the ETag: what a change sends back (If-Match or
    `version`) so that it is applied only to the case the caller read."""
    fresh = Case.objects.select_related("office", "employer", "person", "assignee").get(pk=case.pk)
    response = Response(CaseDetailSerializer(fresh, context={"request": request}).data, status=code)
    response["ETag"] = f'"{fresh.version}"'
    return response


class Newest(CheckedCursorPagination):
    ordering = "-pk"


# What the list answers really are, for the OpenAPI document: a cursor page, and the workflow table
# as an array of rows (cases.workflows.table_rows).
CasePage = inline_serializer("PaginatedCaseList", fields={
    "next": serializers.URLField(allow_null=True, help_text="下一页的地址，没有时为 null"),
    "previous": serializers.URLField(allow_null=True, help_text="上一页的地址，没有时为 null"),
    "results": CaseSerializer(many=True),
})
WorkflowRow = inline_serializer("WorkflowRow", many=True, fields={
    "workflow": serializers.CharField(), "action": serializers.CharField(),
    "from": serializers.ListField(child=serializers.CharField()), "to": serializers.CharField(),
    "roles": serializers.ListField(child=serializers.CharField()),
    "guards": serializers.ListField(child=serializers.CharField()), "notify": serializers.BooleanField(),
})


# --- Views ------------------------------------------------------------------------------------------
class CaseListView(KnownQueryParams, APIView):
    query_params = {"get": ("status", "mode", "business", "flagged", "cursor", "page_size")}
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Status.values), OpenApiParameter("mode", str, enum=Mode.values),
                    OpenApiParameter("business", str, enum=[b.code for b in businesses()]),
                    OpenApiParameter("flagged", bool), *page_parameters()],
        responses=CasePage, operation_id="v1_cases_list")  # an APIView list: named, or it collides with retrieve
    def get(self, request: Request) -> Response:
        # Each filter is one of its values or refused naming them (F13), never an empty list.
        qs = selectors.case_list(user=request.user, status=choice_param(request, "status", Status, label="状态"),
                                 mode=choice_param(request, "mode", Mode, label="办理方式"),
                                 business=choice_param(request, "business", [(b.code, b.zh) for b in businesses()],
                                                       label="业务"),
                                 flagged=bool_param(request, "flagged", label="有7.4标记"))
        pager = Newest()
        page = pager.paginate_queryset(qs, request, view=self)
        return pager.get_paginated_response(CaseSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        request=SubmitSerializer, responses={201: CaseSerializer, 200: CaseSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="A retried submission with the same key returns the first case.")])
    def post(self, request: Request) -> Response:
        data = _valid(SubmitSerializer, request)
        outcome = _submit(request, request.user, data, request.data)
        if isinstance(outcome, Response):
            return outcome
        case, created = outcome
        # The summary, not the detail: a new case has no history yet, and this is the hot path.
        code, headers = _submitted(case, created)
        return Response(case_summary(case, request.user), status=code, headers=headers)


def _submit(request: Any, user: Any, data: dict[str, Any], raw: Any) -> tuple[Case, bool] | Response:
    """A submission once its input is read: the applicant within the caller's district, then the service."""
    employer = person = None
    # The applicant is looked up within the caller's district: another district's is not found.
    if data.get("employer") is not None:
        employer = employer_get(user=user, pk=data["employer"])
        if employer is None:
            return problem(404, errors=_error("employer", "not_found", "未找到该单位", "employer not found"))
    if data.get("person") is not None:
        found = person_list(user=user).select_related("pension_account").filter(pk=data["person"])[:1]  # by key
        person = found[0] if found else None
        if person is None:
            return problem(404, errors=_error("person", "not_found", "未找到该参保人员", "person not found"))
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and not (1 <= len(key) <= 100):
        return problem(400, errors=_error("Idempotency-Key", "invalid", "幂等键长度应为1至100个字符",
                                          "the key is 1 to 100 characters"))
    return services.case_submit(
        actor=user, business=data["business"], channel=data["channel"], employer=employer,
        person=person, applicant_kind=data.get("applicant_kind"), applied_on=data.get("applied_on"),
        facts=data.get("facts") or {}, contact_email=data.get("contact_email", ""),
        contact_phone=data.get("contact_phone", ""), contact_wechat=data.get("contact_wechat", ""),
        work_injury_medical=data.get("work_injury_medical", False),
        manual_operation=data.get("manual_operation", ""), idempotency_key=key,
        request_hash=services.request_fingerprint(raw) if key else "",
        # No `details` is an application with nothing in it: checked as the front desk and the portal
        # check theirs (one function, rules.business_fields.details_validate), so a business with
        # required fields is refused naming each one ("请填写…"), never registered empty.
        details=data.get("details") if data.get("details") is not None else {},
    )


def _submitted(case: Case, created: bool) -> tuple[int, dict[str, str]]:
    """The status and headers of a submission's answer: 201, or 200 for a replayed key."""
    if created:
        return status.HTTP_201_CREATED, {"Location": f"/api/v1/cases/{case.pk}/"}
    return status.HTTP_200_OK, {"Location": f"/api/v1/cases/{case.pk}/", "Idempotent-Replayed": "true"}


class CaseDetailView(KnownQueryParams, APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        personal_data_read(actor=request.user, subject=case.person, what=f"接口：申请#{case.pk}")
        return _detail(case, request)


def _version(request: Request, data: dict[str, Any], *, what: str = "申请") -> int:
    """The version the caller read: the body's `version` or the If-Match header (the ETag of the case
    read, ``"4"``). A change without it is refused (428): applied blindly, a transition, a correction or
    a flag's step could undo what someone else did since the caller read the record (review-input12
    F13, a lost update). A version that is no longer current is the service's 409, naming the current one."""
    raw = request.headers.get("If-Match")
    etag = None
    if raw is not None:
        text = raw.strip()
        # A strong ETag ("3") or its number alone; a weak one (W/"3") never matches under If-Match
        # (RFC 9110 13.1.1), and an unbalanced or doubled quote is no ETag (review-input13 F10).
        text = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
        if not (text.isascii() and text.isdigit() and len(text) <= 9 and (text == "0" or text[0] != "0")):
            raise DomainError(f"If-Match须为读取到的{what}版本号（如\"3\"，即读取时的ETag），不能为“*”或其他内容",
                              "If-Match must be the version read (the ETag), not * or anything else",
                              field="If-Match")
        etag = int(text)
    body = data.get("version")
    if body is not None and etag is not None and int(body) != etag:
        raise DomainError(f"请求体的version（{body}）与If-Match（{etag}）不一致，请只写读取到的{what}版本号",
                          "version and If-Match differ", field="version")
    if body is not None:
        return int(body)
    if etag is not None:
        return etag
    raise PreconditionRequired(
        f"请带上读取到的{what}版本号（请求体中的version，或If-Match头写读取时的ETag）：不带版本号的修改可能覆盖他人"
        f"在此期间的办理，已拒绝，未做任何修改", "the version read is required (version or If-Match)")


class CaseTransitionView(KnownQueryParams, APIView):
    @extend_schema(request=TransitionSerializer, responses=CaseDetailSerializer,
                   parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER,
                                                description="The case version read (alternative to `version`).")])
    def post(self, request: Request, pk: int) -> Response:
        # The order of every answer (review-input13 F11): the right to the step the body names (403, the
        # table: api.auth.ActsAsTheTableSays read the body's action and nothing else), the case (404),
        # the workflow's roles on it (403), then the body (400) and the version (428, 409).
        case = selectors.case_get(user=request.user, pk=pk)
        asked = request.data.get("action") if isinstance(request.data, Mapping) else None
        if isinstance(asked, str):
            services.case_step_actor_check(case=case, actor=request.user, action=asked)
        data = _valid(TransitionSerializer, request)
        action = data.pop("action")
        if f"case.{action}" in TABLE:  # the right again, as the service asks it
            require(request.user, f"case.{action}")
        if action != asked:  # the body's action was no text (5): judged as the serializer read it
            services.case_step_actor_check(case=case, actor=request.user, action=action)
        version = _version(request, data)
        data.pop("version", None)
        note = data.pop("note", "")
        services.case_transition(case=case, actor=request.user, action=action, note=note,
                                 expected_version=version, payload=data)
        return _detail(case, request)


class CaseDetailsView(KnownQueryParams, APIView):
    @extend_schema(
        request=CorrectSerializer, responses=CaseDetailSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER,
                                     description="The case version read (alternative to `version`).")],
        description="补正申请内容：填写登记时缺少的内容或更正有误的内容（如在要求填写内容之前登记的申请）。按该业务的定义"
                    "和登记核验校验，一次列出所有有误字段（problem details，每个字段一条，field为details.<字段>）；"
                    "不能更改办理决定所依据的事实。补正前后的内容记入审计记录；已办结或已驳回的申请不能补正")
    def patch(self, request: Request, pk: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        data = _valid(CorrectSerializer, request)
        version = _version(request, data)
        services.case_details_correct(case=case, actor=request.user, details=data["details"],
                                      reason=data["reason"], expected_version=version, partial=True)
        return _detail(case, request)


class CommitmentLetterView(KnownQueryParams, APIView):
    @extend_schema(request=LetterSerializer, responses={201: CaseDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        data = _valid(LetterSerializer, request)
        services.commitment_letter_capture(case=case, actor=request.user, **data)
        return _detail(case, request, code=201)


class PhoneCheckView(KnownQueryParams, APIView):
    @extend_schema(request=PhoneCheckSerializer, responses={201: CaseDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        data = _valid(PhoneCheckSerializer, request)
        services.phone_check_record(case=case, actor=request.user, **data)
        return _detail(case, request, code=201)


class DocumentUploadView(KnownQueryParams, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: CaseDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        data = _valid(UploadSerializer, request)
        owed = (selectors.owed_document_get(case=case, pk=data["owed_document"])
                if data.get("owed_document") is not None else None)
        services.document_attach(case=case, actor=request.user, name=data.get("name", ""), stream=data["file"],
                                 source=data.get("source") or "upload", owed=owed)
        return _detail(case, request, code=201)


class DocumentContentView(KnownQueryParams, APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, doc: int) -> FileResponse | Response:
        case = selectors.case_get(user=request.user, pk=pk)
        document = selectors.document_get(user=request.user, case=case, pk=doc)
        if not document_may_read(user=request.user, document=document):
            return problem(404)
        personal_data_read(actor=request.user, subject=case.person, what=f"接口：申请#{case.pk}的材料#{document.pk}")
        response = FileResponse(document.file.open("rb"), content_type=document.content_type)
        response["X-Content-SHA256"] = document.sha256
        response["Content-Disposition"] = f'attachment; filename="{document.pk}.{document.file.name.rsplit(".", 1)[-1]}"'
        return response


class OwedExchangeView(KnownQueryParams, APIView):
    @extend_schema(request=ExchangeSerializer, responses=CaseDetailSerializer)
    def post(self, request: Request, pk: int, owed: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        item = selectors.owed_document_get(case=case, pk=owed)
        services.owed_document_exchange(owed=item, actor=request.user, **_valid(ExchangeSerializer, request))
        return _detail(case, request)


class OwedReviewView(KnownQueryParams, APIView):
    @extend_schema(request=ReviewSerializer, responses=CaseDetailSerializer)
    def post(self, request: Request, pk: int, owed: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        item = selectors.owed_document_get(case=case, pk=owed)
        services.owed_document_review(owed=item, actor=request.user, **_valid(ReviewSerializer, request))
        return _detail(case, request)


class CaseFlagView(KnownQueryParams, APIView):
    @extend_schema(request=FlagRaiseSerializer, responses={201: FlagSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        flag = services.flag_raise(actor=request.user, case=case, **_valid(FlagRaiseSerializer, request))
        return Response(FlagSerializer(flag).data, status=201)


class FlagQueueView(KnownQueryParams, APIView):
    query_params = {"get": ("stage",)}
    @extend_schema(parameters=[OpenApiParameter("stage", str, enum=Flag.Stage.values)],
                   responses=FlagSerializer(many=True))
    def get(self, request: Request) -> Response:
        check_paging(request, paged=False)  # answered whole (at most 500): a page asked for is refused
        qs = selectors.flag_queue(user=request.user, stage=choice_param(request, "stage", Flag.Stage, label="阶段"))
        return Response(FlagSerializer(qs[:500], many=True).data)


class FlagStepView(KnownQueryParams, APIView):
    @extend_schema(request=FlagStepSerializer, responses=FlagSerializer,
                   parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER,
                                                description="The flag version read (alternative to `version`).")])
    def post(self, request: Request, pk: int) -> Response:
        # The right to the step the body names was asked before the body was judged (api.auth
        # ActsAsTheTableSays, review-input13 F11: an unknown key was told 400 before the right's 403);
        # then the flag (404), the body (400) and the version (428, 409).
        flag = selectors.flag_get(user=request.user, pk=pk)
        data = _valid(FlagStepSerializer, request)
        require(request.user, f"flag.{data['step']}")  # the step's right before its version (as the service)
        version = _version(request, data, what="标记")
        flag = services.flag_advance(flag=flag, actor=request.user, step=data["step"], outcome=data["outcome"],
                                     expected_version=version)
        return Response(FlagSerializer(flag).data)


class OverdueView(KnownQueryParams, APIView):
    query_params = {"get": ("on",)}
    @extend_schema(parameters=[OpenApiParameter("on", OpenApiTypes.DATE)],
                   responses=inline_serializer("OverdueDocument", many=True, fields={
                       "case": serializers.IntegerField(), "name": serializers.CharField(),
                       "due_on": serializers.DateField(), "state": serializers.CharField()}))
    def get(self, request: Request) -> Response:
        check_paging(request, paged=False)  # answered whole (at most 1000): a page asked for is refused
        on = date_param(request, "on", label="日期")  # the day checked as every date is (review-input14 6)
        rows = selectors.owed_documents_overdue(user=request.user, on=on)[:1000]
        return Response([{"case": o.case_id, "name": o.name, "due_on": o.due_on, "state": o.state} for o in rows])


class EpidemicLiftPreviewView(KnownQueryParams, APIView):
    query_params = {"get": ("lifted_on",)}
    @extend_schema(parameters=[OpenApiParameter("lifted_on", OpenApiTypes.DATE, required=True)],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        s = LiftSerializer(data=request.query_params)
        s.is_valid(raise_exception=True)
        return Response(services.epidemic_lift_preview(s.validated_data["lifted_on"], actor=request.user))


class EpidemicLiftApplyView(KnownQueryParams, APIView):
    @extend_schema(request=LiftSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        data = _valid(LiftSerializer, request)
        lift = services.epidemic_lift_apply(actor=request.user, lifted_on=data["lifted_on"],
                                            confirmed=data.get("confirmed", False))
        return Response({"lifted_on": lift.lifted_on, "applied_at": lift.applied_at, "summary": lift.summary,
                         "announcement": lift.announcement_id, "sequence": lift.sequence,
                         "corrects": lift.corrects_id})


class WorkflowTableView(KnownQueryParams, APIView):
    @extend_schema(responses=WorkflowRow)
    def get(self, request: Request) -> Response:
        return Response(workflows.table_rows())

