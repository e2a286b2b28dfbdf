"""Benefits read API (2.1, 9): retirees and their payments (district-scoped, accounts masked), the
work-injury awards with their monthly disability allowance and survivors' pensions (district-scoped,
numbers masked), and the payroll runs (the city's, for whoever the table lets read the city's payroll: ``payroll.view_city``).

Every list is cursor-paginated by key. A retiree of another district is a 404, as if it did not
exist (the district line, tests/core/test_district_line.py); reading one retiree is recorded in the
personal-data read trail, as the person's own record is.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shebao.api.pagination import CheckedCursorPagination, choice_param
from shebao.benefits import selectors
from shebao.benefits.models import DisabilityAllowance, PayrollRun, PensionMonth, Retiree
from shebao.core.permissions import require
from shebao.core.reads import personal_data_read


class ById(CheckedCursorPagination):
    ordering = "-pk"


class EntitlementSerializer(serializers.Serializer):
    source = serializers.CharField()
    source_display = serializers.CharField(source="get_source_display")
    basic_fen = serializers.IntegerField()
    account_fen = serializers.IntegerField()
    transitional_fen = serializers.IntegerField()
    monthly_fen = serializers.IntegerField(help_text="退休时月养老金（分）")
    record_reference = serializers.CharField()


class RetireeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True)
    bank_account = serializers.CharField(source="bank_account_masked", read_only=True,
                                         help_text="发放账号（遮蔽，仅后四位）")
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    entitlement = EntitlementSerializer(read_only=True)

    class Meta:
        model = Retiree
        fields = ["id", "person", "name", "district", "retired_on", "retirement_month", "age_months", "declared_on",
                  "bank_account", "status", "status_display", "died_on", "entitlement"]


class PaymentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    run = serializers.IntegerField(source="transfer.run_id", read_only=True)
    transfer_status = serializers.CharField(source="transfer.status", read_only=True)
    transfer_status_display = serializers.CharField(source="transfer.get_status_display", read_only=True)

    class Meta:
        model = PensionMonth
        fields = ["month", "amount_fen", "kind", "kind_display", "run", "transfer_status", "transfer_status_display"]


class RunSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PayrollRun
        fields = ["id", "month", "kind", "kind_display", "status", "status_display", "transfers_count", "amount_fen",
                  "retry_of", "created_at"]


class RunDetailSerializer(RunSerializer):
    pending = serializers.IntegerField()
    paid = serializers.IntegerField()
    failed = serializers.IntegerField()
    failed_not_retried = serializers.IntegerField()
    paid_fen = serializers.IntegerField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "pending", "paid", "failed", "failed_not_retried", "paid_fen"]


def _retiree(request: Request, pk: int) -> Retiree:
    r = selectors.retiree_visible(request.user, pk)
    if r is None:
        raise NotFound("未找到该退休人员")
    return r


class RetireeListView(ListAPIView):
    """退休人员（本区；市中心为全市），可按发放状态筛选。"""

    serializer_class = RetireeSerializer
    pagination_class = ById

    @extend_schema(operation_id="benefits_retirees_list", parameters=[OpenApiParameter(
        "status", str, enum=list(Retiree.Status.values), description="发放状态")])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        qs = selectors.retirees_visible(self.request.user)
        status = choice_param(self.request, "status", Retiree.Status, label="发放状态")
        if status:
            qs = qs.filter(status=status)
        return qs


class RetireeDetailView(APIView):
    """一名退休人员：待遇核定及状态（读取记入个人信息查询记录）。"""

    @extend_schema(operation_id="benefits_retirees_retrieve", responses=RetireeSerializer)
    def get(self, request: Request, pk: int) -> Response:
        r = _retiree(request, pk)
        personal_data_read(actor=request.user, subject=r.person, what="接口：退休人员待遇")
        return Response(RetireeSerializer(r).data)


class RetireePaymentsView(ListAPIView):
    """一名退休人员逐月的养老金：所属月、金额、当月或补发、发放批次和银行结果。"""

    serializer_class = PaymentSerializer

    class ByMonth(CheckedCursorPagination):
        ordering = "month"

    pagination_class = ByMonth

    @extend_schema(operation_id="benefits_retiree_payments")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        r = _retiree(self.request, self.kwargs["pk"])
        return PensionMonth.objects.filter(retiree=r).select_related("transfer")


class RunListView(ListAPIView):
    """全市养老金发放批次（新的在前）。"""

    serializer_class = RunSerializer
    pagination_class = ById

    @extend_schema(operation_id="benefits_runs_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(request.user, "payroll.view_city")
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return PayrollRun.objects.all()


class RunDetailView(APIView):
    """一个发放批次及其银行结果的汇总。"""

    @extend_schema(operation_id="benefits_runs_retrieve", responses=RunDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        require(request.user, "payroll.view_city")
        run = PayrollRun.objects.filter(pk=pk).first()
        if run is None:
            raise NotFound("未找到该发放批次")
        s = selectors.run_summary(run)
        data = {**RunSerializer(run).data, "pending": s.pending, "paid": s.paid, "failed": s.failed,
                "failed_not_retried": s.failed_not_retried, "paid_fen": s.paid_fen}
        return Response(data)


# --- Work-injury monthly benefits (9): disability allowance, survivors' pensions ---------------------
class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="待遇所属月（YYYY-MM）")
    amount_fen = serializers.IntegerField(help_text="发放金额（分）")
    pension_fen = serializers.IntegerField(help_text="退休后当月基本养老金（分；伤残津贴补足差额时）")
    run = serializers.IntegerField(source="run.pk", help_text="发放批次编号")
    transfer_status_display = serializers.CharField(source="status", help_text="银行支付结果")


class AllowanceSerializer(serializers.Serializer):
    grade = serializers.IntegerField(help_text="伤残等级（1至4级）")
    monthly_fen = serializers.IntegerField(help_text="核定伤残津贴（分/月）")
    from_month = serializers.CharField()
    bank_account = serializers.CharField(source="bank_account_masked", help_text="发放账号（遮蔽）")
    status_display = serializers.CharField(source="get_status_display")


class SurvivorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField(source="id_number_masked", help_text="证件号码（遮蔽）")
    relation_display = serializers.CharField(source="get_relation_display", help_text="与死者关系")
    lone = serializers.BooleanField(help_text="孤儿或孤寡老人（加发10%）")
    unable_to_work = serializers.BooleanField()
    wage_fen = serializers.IntegerField(help_text="死者生前本人工资（分/月）")
    from_month = serializers.CharField()
    last_month = serializers.CharField(help_text="发放至（空：尚无终止月份）")
    status_display = serializers.CharField(source="get_status_display")
    end_reason = serializers.CharField()
    bank_account = serializers.CharField(source="bank_account_masked", help_text="发放账号（遮蔽）")


class AwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    district = serializers.CharField(source="person.district.code")
    grade = serializers.IntegerField(source="assessment.grade", allow_null=True, default=None)
    died_on = serializers.DateField(source="assessment.died_on", allow_null=True, default=None)
    amount_fen = serializers.IntegerField(help_text="即时支付金额（分）")
    disability_monthly_fen = serializers.IntegerField(help_text="伤残津贴（分/月，1至4级）")


class AwardDetailSerializer(AwardSerializer):
    allowance = AllowanceSerializer(allow_null=True)
    allowance_months = MonthSerializer(many=True)
    survivors = serializers.ListField(child=serializers.DictField(), help_text="供养亲属及其逐月发放")


def _award(request: Request, pk: int) -> Any:
    award = selectors.work_injury_award_visible(request.user, pk)
    if award is None:
        raise NotFound("未找到该工伤保险待遇核定")
    return award


class AwardListView(ListAPIView):
    """工伤保险待遇核定（本区；市中心为全市）：伤残等级或因工死亡、即时支付金额、伤残津贴。"""

    serializer_class = AwardSerializer
    pagination_class = ById

    @extend_schema(operation_id="benefits_work_injury_awards_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.work_injury_awards_visible(self.request.user)


class AwardDetailView(APIView):
    """一项工伤保险待遇核定：伤残津贴及逐月发放（退休后补足差额），供养亲属抚恤金及逐月发放。"""

    @extend_schema(operation_id="benefits_work_injury_awards_retrieve", responses=AwardDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        award = _award(request, pk)
        personal_data_read(actor=request.user, subject=award.person, what="接口：工伤保险待遇（按月待遇）")
        allowance = DisabilityAllowance.objects.filter(award=award).first()
        survivors = [{**SurvivorSerializer(p).data, "months": MonthSerializer(selectors.survivor_months(p), many=True).data}
                     for p in award.survivor_pensions.order_by("pk")]
        return Response({**AwardSerializer(award).data,
                         "allowance": AllowanceSerializer(allowance).data if allowance else None,
                         "allowance_months": MonthSerializer(selectors.allowance_months(allowance), many=True).data
                         if allowance else [],
                         "survivors": survivors})
