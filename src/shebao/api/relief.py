"""Relief packs API (免、减、缓): the packs and the what-if of publishing one, publishing by two people
of the center, deferral applications and their approval, employer facts, the size-class calculator.

Handlers parse input and call one service of `shebao.collection.relief` (or the rules core's
calculator); a refusal is problem details (api.errors) in Chinese and writes nothing. A district's
staff see their district: the what-if is computed on its dues, another district's deferral or
employer is a 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shebao.api.fields import (
    BusinessDateField,
    IdField,
    MonthField,
    StrictBooleanField,
    StrictSerializer,
    model_text,
)
from shebao.api.pagination import CheckedCursorPagination, check_paging, choice_param, page_parameters
from shebao.api.query import KnownQueryParams
from shebao.collection import relief as services
from shebao.collection import selectors
from shebao.collection.models import (
    Deferral,
    ReliefPublication,
    ReliefPublicationRequest,
    ReliefReapplication,
)
from shebao.core import clock
from shebao.core.scoping import scope_queryset, user_sees_all
from shebao.registry.models import EmployerFacts, Office
from shebao.registry.offices import short_name
from shebao.rules import sme_size
from shebao.rules.dates import InputError, month_str
from shebao.rules.relief import ReliefPack, load_relief_pack


# --- Serializers ---------------------------------------------------------------------------------------
class ReliefRuleSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="条目键（政策包/条目）")
    kind = serializers.ChoiceField(choices=[("relief", "减免"), ("deferral", "缓缴")], help_text="减免或缓缴")
    label = serializers.CharField(help_text="条目名称")
    insurances = serializers.ListField(child=serializers.CharField(), help_text="险种")
    months_from = serializers.CharField(help_text="费款所属期起")
    months_to = serializers.CharField(help_text="费款所属期止")
    payable = serializers.CharField(allow_null=True, help_text="单位缴费仍须缴纳的比例（0为免征，1/2为减半）；缓缴条目为空")
    document = serializers.CharField(help_text="依据文件")
    clause = serializers.CharField(help_text="依据条款")
    document_date = serializers.CharField(help_text="依据文件的成文日期，按文件所载写到日、月或年（如2020-06-22、2020-02）")
    issued_on = serializers.DateField(
        help_text="起适用日期：依据文件印发之日；成文日期只写到月或年的，按该月或该年最后一日计。此前的业务日期不适用该条目")
    known = serializers.BooleanField(help_text="在当前业务日期依据文件是否已印发（未印发的条目不减免、不能据以缓缴）")


class ReliefPackSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="政策包名称")
    title = serializers.CharField(help_text="政策包标题")
    version = serializers.CharField(help_text="版本")
    published_on = serializers.DateField(allow_null=True, help_text="发布执行日期（未发布为空）")
    published_by = serializers.CharField(allow_blank=True, help_text="发布人")
    rules = ReliefRuleSerializer(many=True, help_text="条目")


class WhatIfDistrictSerializer(serializers.Serializer):
    district = serializers.CharField(help_text="区")
    employers = serializers.IntegerField(help_text="单位数")
    reduced_fen = serializers.IntegerField(help_text="减少欠缴（分）")
    credited_fen = serializers.IntegerField(help_text="退至预缴余额（分）")


class WhatIfSerializer(serializers.Serializer):
    pack = serializers.CharField(help_text="政策包名称")
    scope = serializers.CharField(help_text="试算范围：全市或本区")
    relief_fen = serializers.IntegerField(help_text="减免合计（分）")
    reduced_fen = serializers.IntegerField(help_text="减少欠缴（分）")
    credited_fen = serializers.IntegerField(help_text="退至预缴余额（分）")
    employers = serializers.IntegerField(help_text="单位数")
    dues = serializers.IntegerField(help_text="应缴笔数")
    deferral_eligible_employers = serializers.IntegerField(help_text="可申请缓缴的单位数")
    deferral_eligible_fen = serializers.IntegerField(help_text="可缓缴的未缴单位缴费（分）")
    unclassified_employers = serializers.IntegerField(help_text="尚未登记规模划型的企业数")
    by_district = WhatIfDistrictSerializer(many=True, help_text="按区")


class PublicationRequestInSerializer(StrictSerializer):
    pack = serializers.CharField(max_length=60, help_text="政策包名称")
    reason = model_text(ReliefPublicationRequest, "reason", help_text="申请说明")


class PublicationRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    published_on = serializers.DateField(source="publication.published_on", read_only=True, allow_null=True)

    class Meta:
        model = ReliefPublicationRequest
        fields = ["id", "pack", "reason", "relief_fen", "employers", "requested_by", "requested_at", "outcome",
                  "outcome_display", "decided_by", "decided_at", "note", "published_on"]


class DecisionSerializer(StrictSerializer):
    approve = StrictBooleanField(help_text="true：同意；false：不同意（须填写意见）")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="复核意见")


class DeferralInSerializer(StrictSerializer):
    employer = IdField(help_text="单位编号")
    pack = serializers.CharField(max_length=60, help_text="政策包名称")
    rule = serializers.CharField(max_length=60, help_text="缓缴条目")
    months = serializers.ListField(child=MonthField(), min_length=1, max_length=24, help_text="缓缴的费款所属期")
    due_until = BusinessDateField(help_text="缓缴至")
    reason = model_text(Deferral, "reason", help_text="申请理由")


class DeferralSerializer(serializers.ModelSerializer):
    employer_name = serializers.CharField(source="employer.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    basis = serializers.SerializerMethodField(help_text="缓缴依据（条目、文件及条款）")
    to_defer = serializers.SerializerMethodField(
        help_text="待审批时：如现在批准将缓缴的应缴笔数、单位缴费（分）及没有可缓缴费款的所属期和原因；已审批为空")

    class Meta:
        model = Deferral
        fields = ["id", "employer", "employer_name", "pack", "rule", "basis", "months", "due_until", "reason", "status",
                  "status_display", "applied_on", "applied_by_label", "decided_on", "decided_by_label",
                  "decision_note", "dues_deferred", "deferred_fen", "to_defer"]

    def get_basis(self, obj: Deferral) -> str:
        return services.deferral_basis(obj)

    @extend_schema_field(inline_serializer("DeferralPreview", allow_null=True, fields={
        "dues": serializers.IntegerField(help_text="应缴笔数"),
        "employer_fen": serializers.IntegerField(help_text="单位缴费合计（分）"),
        "empty_months": serializers.DictField(child=serializers.CharField(), help_text="所属期 → 没有可缓缴费款的原因"),
    }))
    def get_to_defer(self, obj: Deferral) -> dict[str, Any] | None:
        """What approving now would defer (U12 of review-user3): shown before the decision."""
        if obj.status != Deferral.Status.APPLIED:
            return None
        preview = services.deferral_preview_of(obj)
        if preview is None:
            return None
        return {"dues": len(preview.dues), "employer_fen": preview.employer_fen, "empty_months": preview.empty_months}


class EmployerFactsInSerializer(StrictSerializer):
    effective_from = BusinessDateField(help_text="起始日期")
    unit_type = serializers.ChoiceField(choices=EmployerFacts.UnitType.choices, help_text="单位类型")
    size_class = serializers.ChoiceField(choices=EmployerFacts.SizeClass.choices, required=False, allow_blank=True,
                                         default="", help_text="企业规模（未划型为空）")
    industry = serializers.CharField(max_length=8, required=False, allow_blank=True, default="",
                                     help_text="国民经济行业代码（GB/T 4754-2017）")
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="依据")


class EmployerFactsSerializer(serializers.ModelSerializer):
    unit_type_display = serializers.CharField(source="get_unit_type_display", read_only=True)
    size_class_display = serializers.CharField(source="get_size_class_display", read_only=True)

    class Meta:
        model = EmployerFacts
        fields = ["id", "effective_from", "unit_type", "unit_type_display", "size_class", "size_class_display",
                  "industry", "source", "recorded_by_label", "created_at"]


class SizeClassSerializer(serializers.Serializer):
    size_class = serializers.CharField(help_text="规模：large、medium、small、micro")
    size_class_display = serializers.CharField(help_text="规模（中文）")
    industry = serializers.CharField(help_text="划型行业")
    basis = serializers.CharField(help_text="依据文件及条款")
    reason = serializers.CharField(help_text="测算说明")


def _bad(field: str, zh: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [serializers.ErrorDetail(zh, code="invalid")]})


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


# --- Packs and the what-if ------------------------------------------------------------------------------
def _rules(pack: ReliefPack) -> list[dict[str, Any]]:
    """Each rule of ``pack`` with its document, the document's date as written and the day the rule is
    known from (`ReliefRule.issued_on`): a client can tell why a rule listed is not applied yet on the
    business day (the 49号 extensions before 2020-06-22)."""
    today = clock.today()
    dates = {d.cite(): d.date for d in pack.documents}
    out = []
    for kind, rules in (("relief", pack.reliefs), ("deferral", pack.deferrals)):
        for r in rules:
            payable = getattr(r, "payable", None)
            out.append({"key": r.key, "kind": kind, "label": r.label, "insurances": sorted(r.coverage.insurances),
                        "months_from": month_str(r.coverage.month_from), "months_to": month_str(r.coverage.month_to),
                        "payable": None if payable is None else str(payable), "document": r.reference.document,
                        "clause": r.reference.clause, "document_date": dates.get(r.reference.document, ""),
                        "issued_on": r.issued_on, "known": r.issued_on <= today})
    return out


class ReliefPackListView(KnownQueryParams, APIView):
    @extend_schema(operation_id="relief_packs_list", responses=ReliefPackSerializer(many=True))
    def get(self, request: Request) -> Response:
        check_paging(request, paged=False)  # every pack at once: a page asked for is refused
        published = {p.pack: p for p in ReliefPublication.objects.all()}
        out = []
        for name in services.relief_packs_available():
            pack, p = load_relief_pack(name), published.get(name)
            out.append({"name": name, "title": pack.title, "version": pack.version,
                        "published_on": p.published_on if p else None, "published_by": p.published_by_label if p else "",
                        "rules": _rules(pack)})
        return Response(ReliefPackSerializer(out, many=True).data)


class ReliefWhatIfView(KnownQueryParams, APIView):
    query_params = {"get": ("pack",)}
    @extend_schema(operation_id="relief_what_if", responses=WhatIfSerializer,
                   parameters=[OpenApiParameter("pack", str, required=True)])
    def get(self, request: Request) -> Response:
        name = request.query_params.get("pack", "").strip()
        if name not in services.relief_packs_available():
            raise _bad("pack", f"没有名为“{name[:60]}”的减免缓缴政策包" if name else "请指定政策包（pack）")
        impact = services.relief_what_if(pack=name, user=request.user)
        offices = {pk: short_name(n) for pk, n in
                   Office.objects.filter(pk__in=list(impact.by_district)).values_list("pk", "name")}
        return Response(WhatIfSerializer({
            "pack": name, "scope": "全市" if user_sees_all(request.user) else "本区",
            "relief_fen": impact.relief_fen, "reduced_fen": impact.reduced_fen, "credited_fen": impact.credited_fen,
            "employers": impact.employers, "dues": impact.dues,
            "deferral_eligible_employers": impact.deferral_eligible_employers,
            "deferral_eligible_fen": impact.deferral_eligible_fen,
            "unclassified_employers": impact.unclassified_employers,
            "by_district": [{"district": offices.get(d, ""), **v} for d, v in sorted(impact.by_district.items())],
        }).data)


class PublicationRequestListView(KnownQueryParams, APIView):
    @extend_schema(operation_id="relief_publication_requests_create", request=PublicationRequestInSerializer,
                   responses={201: PublicationRequestSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(PublicationRequestInSerializer, request)
        req = services.relief_pack_publish_request(pack=data["pack"], actor=request.user, reason=data["reason"])
        return Response(PublicationRequestSerializer(req).data, status=201)


class PublicationRequestDecisionView(KnownQueryParams, APIView):
    @extend_schema(operation_id="relief_publication_requests_decide", request=DecisionSerializer,
                   responses=PublicationRequestSerializer)
    def post(self, request: Request, pk: int) -> Response:
        # the right (api.auth.ActsAsTheTableSays), the request (404), then the body (review-input13 F11)
        req = ReliefPublicationRequest.objects.filter(pk=pk).first()
        if req is None:
            from shebao.core.permissions import require

            require(request.user, "relief_pack.publish")  # the same refusal whether it exists or not
            raise NotFound("未找到该发布申请")
        data = _valid(DecisionSerializer, request)
        done = services.relief_pack_publish_decide(request=req, actor=request.user, approve=data["approve"],
                                                   note=data["note"])
        return Response(PublicationRequestSerializer(done).data)


# --- Rules known after the decision (补减免) ---------------------------------------------------------------
class NewlyKnownDocumentSerializer(serializers.Serializer):
    pack = serializers.CharField(help_text="政策包名称")
    document = serializers.CharField(help_text="依据文件")
    issued_on = serializers.DateField(help_text="文件起适用日期")
    rules = serializers.ListField(child=serializers.CharField(), help_text="适用的条目键（政策包/条目）")
    dues = serializers.IntegerField(help_text="应缴笔数")
    employers = serializers.IntegerField(help_text="单位数")
    reduced_fen = serializers.IntegerField(help_text="减少欠缴（分）")
    credited_fen = serializers.IntegerField(help_text="退至预缴余额（分）")


class NewlyKnownDistrictSerializer(serializers.Serializer):
    district = serializers.CharField(help_text="区（单位未登记所属区为空）")
    dues = serializers.IntegerField(help_text="应缴笔数")
    employers = serializers.IntegerField(help_text="单位数")
    reduced_fen = serializers.IntegerField(help_text="减少欠缴（分）")
    credited_fen = serializers.IntegerField(help_text="退至预缴余额（分）")


class NewlyKnownSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="业务日期（按该日已印发的文件试算）")
    dues = serializers.IntegerField(help_text="待补减免的应缴笔数")
    employers = serializers.IntegerField(help_text="单位数")
    relief_fen = serializers.IntegerField(help_text="补减免合计（分）")
    reduced_fen = serializers.IntegerField(help_text="减少欠缴（分）")
    credited_fen = serializers.IntegerField(help_text="退至预缴余额（分）")
    by_document = NewlyKnownDocumentSerializer(many=True, help_text="按依据文件")
    by_district = NewlyKnownDistrictSerializer(many=True, help_text="按区")


class NewlyKnownApplyInSerializer(StrictSerializer):
    confirm = StrictBooleanField(help_text="须为JSON的true：确认按当前业务日期已印发的文件执行补减免")


class ReapplicationSerializer(serializers.ModelSerializer):
    transaction = serializers.IntegerField(source="transaction_id", help_text="记账凭证编号")

    class Meta:
        model = ReliefReapplication
        fields = ["id", "pack", "document", "document_issued_on", "applied_on", "applied_by_label", "rules", "dues",
                  "employers", "reduced_fen", "credited_fen", "transaction"]


class NewlyKnownAppliedSerializer(serializers.Serializer):
    applied_on = serializers.DateField(help_text="执行日期（业务日期）")
    reapplications = ReapplicationSerializer(many=True, help_text="本次执行的补减免，每份依据文件一条；没有待补减免的为空")


def _newly_known(preview: services.NewlyKnownPreview) -> dict[str, Any]:
    offices = {pk: short_name(n) for pk, n in
               Office.objects.filter(pk__in=list(preview.by_district)).values_list("pk", "name")}
    return {"on": preview.on, "dues": preview.dues, "employers": preview.employers, "relief_fen": preview.relief_fen,
            "reduced_fen": preview.reduced_fen, "credited_fen": preview.credited_fen,
            "by_document": [{"pack": n.pack, "document": n.document, "issued_on": n.issued_on, "rules": list(n.rules),
                             "dues": n.dues, "employers": n.employers, "reduced_fen": n.reduced_fen,
                             "credited_fen": n.credited_fen} for n in preview.by_document],
            "by_district": [{"district": offices.get(d, ""), **v} for d, v in preview.by_district.items()]}


class NewlyKnownView(KnownQueryParams, APIView):
    """补减免: the what-if (GET) and the run (POST) of `collection.relief.relief_known_apply`, the API of
    the pack page's 执行补减免 button and of ``shebao relief_packs --apply-known``."""

    @extend_schema(operation_id="relief_newly_known", responses=NewlyKnownSerializer)
    def get(self, request: Request) -> Response:
        check_paging(request, paged=False)
        return Response(NewlyKnownSerializer(_newly_known(services.relief_known_preview(actor=request.user))).data)

    @extend_schema(operation_id="relief_newly_known_apply", request=NewlyKnownApplyInSerializer,
                   responses=NewlyKnownAppliedSerializer)
    def post(self, request: Request) -> Response:
        from shebao.core.permissions import require

        require(request.user, "relief_pack.publish")  # refused before the body is read, as the page
        data = _valid(NewlyKnownApplyInSerializer, request)
        if not data["confirm"]:
            raise _bad("confirm", "请确认执行补减免（confirm须为true）；只试算请用GET")
        records = services.relief_known_apply(actor=request.user)
        return Response(NewlyKnownAppliedSerializer({"applied_on": clock.today(), "reapplications": records}).data)


# --- Deferrals ------------------------------------------------------------------------------------------
def _deferrals(request: Request) -> Any:
    return scope_queryset(Deferral.objects.select_related("employer"), user=request.user,
                          district_path="employer__district")


def _deferral(request: Request, pk: int) -> Deferral:
    d = _deferrals(request).filter(pk=pk).first()
    if d is None:
        raise NotFound("未找到该缓缴申请")
    return d


class Newest(CheckedCursorPagination):
    """The project's checked cursor pages (api.pagination), newest first: a list grows without bound,
    so it is never answered whole, and a forged ``cursor`` is 400 "分页游标无效" (E16 of review-input3:
    the deferral list answered every row and ignored ``cursor``)."""

    ordering = "-pk"


def _page(serializer: type[serializers.Serializer], name: str) -> Any:
    """The OpenAPI shape of a cursor page of ``serializer`` rows."""
    return inline_serializer(name, fields={
        "next": serializers.URLField(allow_null=True, help_text="下一页的地址，没有时为 null"),
        "previous": serializers.URLField(allow_null=True, help_text="上一页的地址，没有时为 null"),
        "results": serializer(many=True),
    })


def _paged(request: Request, view: APIView, qs: Any, serializer: type[serializers.Serializer]) -> Response:
    pager = Newest()
    page = pager.paginate_queryset(qs, request, view=view)
    return pager.get_paginated_response(serializer(page, many=True).data)


class DeferralListView(KnownQueryParams, APIView):
    query_params = {"get": ("status", "cursor", "page_size")}
    @extend_schema(operation_id="relief_deferrals_list", responses=_page(DeferralSerializer, "PaginatedDeferralList"),
                   parameters=[OpenApiParameter("status", str, enum=list(Deferral.Status.values)),
                               *page_parameters()])
    def get(self, request: Request) -> Response:
        qs = _deferrals(request)
        status = choice_param(request, "status", Deferral.Status, label="状态")
        if status:
            qs = qs.filter(status=status)
        return _paged(request, self, qs, DeferralSerializer)

    @extend_schema(operation_id="relief_deferrals_create", request=DeferralInSerializer,
                   responses={201: DeferralSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(DeferralInSerializer, request)
        employer = selectors.employer_list(user=request.user).filter(pk=data["employer"]).first()
        if employer is None:
            raise NotFound("未找到该单位")
        d = services.deferral_apply(employer=employer, pack=data["pack"], rule=data["rule"], months=data["months"],
                                    due_until=data["due_until"], reason=data["reason"], actor=request.user)
        return Response(DeferralSerializer(d).data, status=201)


class DeferralDetailView(KnownQueryParams, APIView):
    @extend_schema(operation_id="relief_deferrals_retrieve", responses=DeferralSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(DeferralSerializer(_deferral(request, pk)).data)


class DeferralDecisionView(KnownQueryParams, APIView):
    @extend_schema(operation_id="relief_deferrals_decide", request=DecisionSerializer, responses=DeferralSerializer)
    def post(self, request: Request, pk: int) -> Response:
        deferral = _deferral(request, pk)  # the deferral (404) before the body (400, review-input13 F11)
        data = _valid(DecisionSerializer, request)
        d = services.deferral_decide(deferral=deferral, approve=data["approve"], actor=request.user,
                                     note=data["note"])
        return Response(DeferralSerializer(d).data)


# --- Employer facts and the size-class calculator ------------------------------------------------------
class EmployerFactsView(KnownQueryParams, APIView):
    query_params = {"get": ("cursor", "page_size")}
    @extend_schema(operation_id="relief_employer_facts_list", parameters=page_parameters(),
                   responses=_page(EmployerFactsSerializer, "PaginatedEmployerFactsList"))
    def get(self, request: Request, pk: int) -> Response:
        """The employer's facts, newest recorded first, a cursor page at a time."""
        employer = self._employer(request, pk)
        return _paged(request, self, EmployerFacts.objects.filter(employer=employer), EmployerFactsSerializer)

    @extend_schema(operation_id="relief_employer_facts_create", request=EmployerFactsInSerializer,
                   responses={201: EmployerFactsSerializer})
    def post(self, request: Request, pk: int) -> Response:
        employer = self._employer(request, pk)
        data = _valid(EmployerFactsInSerializer, request)
        row = services.employer_facts_record(employer=employer, actor=request.user, **data)
        return Response(EmployerFactsSerializer(row).data, status=201)

    @staticmethod
    def _employer(request: Request, pk: int) -> Any:
        employer = selectors.employer_list(user=request.user).filter(pk=pk).first()
        if employer is None:
            raise NotFound("未找到该单位")
        return employer


class SizeClassInSerializer(StrictSerializer):
    industry = serializers.CharField(max_length=20, help_text="国民经济行业代码（GB/T 4754-2017），如H62")
    employees = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                      help_text="从业人员（人，整数）")
    revenue = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                    help_text="营业收入（万元，最多两位小数）")
    assets = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                   help_text="资产总额（万元，最多两位小数）")


class SizeClassView(KnownQueryParams, APIView):
    query_params = {"get": ("industry", "employees", "revenue", "assets")}
    @extend_schema(operation_id="relief_size_class", responses=SizeClassSerializer, parameters=[
        OpenApiParameter("industry", str, required=True), OpenApiParameter("employees", OpenApiTypes.INT),
        OpenApiParameter("revenue", OpenApiTypes.DECIMAL), OpenApiParameter("assets", OpenApiTypes.DECIMAL)])
    def get(self, request: Request) -> Response:
        return self._answer(request.query_params)

    @extend_schema(operation_id="relief_size_class_post", request=SizeClassInSerializer,
                   responses=SizeClassSerializer)
    def post(self, request: Request) -> Response:
        """The same calculator with the figures in the body: an 11-digit head count or a 15-digit revenue
        in the address reads as a phone or ID number to the query guard, which refuses it before the
        calculator's own "超出合理范围" could be said (review-input3 E10). Nothing is stored."""
        return self._answer(_valid(SizeClassInSerializer, request))

    @staticmethod
    def _answer(q: Any) -> Response:
        try:
            values = {k: sme_size.indicator_value(q.get(k, ""), k) for k in sme_size.INDICATORS}
            result = sme_size.size_class_for(industry=q.get("industry", ""), **values)  # type: ignore[arg-type]
        except InputError as e:
            raise _bad(e.field or "industry", e.zh) from None
        return Response(SizeClassSerializer({"size_class": result.size_class, "size_class_display": result.label,
                                             "industry": result.industry.label, "basis": result.basis,
                                             "reason": result.reason}).data)

