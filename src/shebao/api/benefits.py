"""Benefits API (2.1, 9): retirees and their payments (district-scoped, accounts masked; the pension
at retirement and the one paid now), the work-injury awards with their monthly disability allowance
and survivors' pensions (district-scoped, numbers masked), the payroll runs (the city's, for whoever
the table lets read the city's payroll: ``payroll.view_city``), and one write: the immediate payment of a
fast-track work-injury claim (`benefits.work_injury.fast_track_award_pay`, the back office pay page's
service, with its permission and its refusals as problem details keyed by the request's fields).

Every list is cursor-paginated by key. A retiree of another district is a 404, as if it did not
exist (the district line, tests/core/test_district_line.py); reading one retiree is recorded in the
personal-data read trail, as the person's own record is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shebao.api.fields import StrictSerializer
from shebao.api.pagination import CheckedCursorPagination, choice_param
from shebao.api.query import KnownQueryParams
from shebao.benefits import selectors
from shebao.benefits.models import DisabilityAllowance, PayrollRun, PensionMonth, Retiree, WorkInjuryAward
from shebao.core import clock
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
    monthly_now_fen = serializers.SerializerMethodField(
        help_text="本月应发月养老金（分）：退休时月养老金加上已印发的历年调整（与发放批次、退休人员页面同一计算）")
    monthly_now_month = serializers.SerializerMethodField(help_text="monthly_now_fen 所属月份（YYYY-MM，本月）")

    class Meta:
        model = Retiree
        fields = ["id", "person", "name", "district", "retired_on", "retirement_month", "age_months", "declared_on",
                  "bank_account", "status", "status_display", "died_on", "entitlement", "monthly_now_fen",
                  "monthly_now_month"]

    def _now(self) -> dict[int, int]:
        """Retiree pk -> the pension of this month (benefits.selectors.monthly_now_fen, the retirees page's
        call), for every retiree of the page at once (the list passes them in the context)."""
        if "monthly_now" not in self.context:
            retirees = self.context.get("retirees") or ([self.instance] if isinstance(self.instance, Retiree) else [])
            self.context["monthly_now"] = selectors.monthly_now_fen(
                retirees, month=clock.today().isoformat()[:7], known_on=clock.today())
        return self.context["monthly_now"]

    def get_monthly_now_fen(self, obj: Retiree) -> int:
        now = self._now()
        if obj.pk not in now:
            now.update(selectors.monthly_now_fen([obj], month=clock.today().isoformat()[:7], known_on=clock.today()))
        return now[obj.pk]

    def get_monthly_now_month(self, obj: Retiree) -> str:
        return clock.today().isoformat()[:7]


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


class RetireeListView(KnownQueryParams, ListAPIView):
    """退休人员（本区；市中心为全市），可按发放状态筛选。"""
    query_params = {"get": ("status", "cursor", "page_size")}

    serializer_class = RetireeSerializer
    pagination_class = ById

    @extend_schema(operation_id="benefits_retirees_list", parameters=[OpenApiParameter(
        "status", str, enum=list(Retiree.Status.values), description="发放状态")])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and kwargs.get("many"):  # the page's retirees, for their pension now in one pass
            kwargs["context"] = {**self.get_serializer_context(), "retirees": list(args[0])}
            return super().get_serializer(list(args[0]), *args[1:], **kwargs)
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self) -> Any:
        qs = selectors.retirees_visible(self.request.user)
        status = choice_param(self.request, "status", Retiree.Status, label="发放状态")
        if status:
            qs = qs.filter(status=status)
        return qs


class RetireeDetailView(KnownQueryParams, APIView):
    """一名退休人员：待遇核定及状态（读取记入个人信息查询记录）。"""

    @extend_schema(operation_id="benefits_retirees_retrieve", responses=RetireeSerializer)
    def get(self, request: Request, pk: int) -> Response:
        r = _retiree(request, pk)
        personal_data_read(actor=request.user, subject=r.person, what="接口：退休人员待遇")
        return Response(RetireeSerializer(r).data)


class RetireePaymentsView(KnownQueryParams, ListAPIView):
    """一名退休人员逐月的养老金：所属月、金额、当月或补发、发放批次和银行结果。"""
    query_params = {"get": ("cursor", "page_size")}

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


class RunListView(KnownQueryParams, ListAPIView):
    """全市养老金发放批次（新的在前）。"""
    query_params = {"get": ("cursor", "page_size")}

    serializer_class = RunSerializer
    pagination_class = ById

    @extend_schema(operation_id="benefits_runs_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(request.user, "payroll.view_city")
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return PayrollRun.objects.all()


class RunDetailView(KnownQueryParams, APIView):
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


class PayeeSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="领取人姓名；本核定早于领取人登记的为“未登记领取人”")
    relation = serializers.CharField(help_text="与死者关系（代码；未登记为空）")
    relation_display = serializers.CharField(help_text="与死者关系")
    id_number = serializers.CharField(help_text="领取人证件号码（遮蔽；未登记为空）")
    registered = serializers.BooleanField(help_text="是否已登记领取人")


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
    wage_fen = serializers.IntegerField(help_text="核定所用本人工资（分/月，已按60%至300%封顶保底）")
    funeral_grant_fen = serializers.IntegerField(help_text="丧葬补助金（分）")
    death_lump_sum_fen = serializers.IntegerField(help_text="一次性工亡补助金（分）")
    disability_lump_sum_fen = serializers.IntegerField(help_text="一次性伤残补助金（分）")
    medical_costs_fen = serializers.IntegerField(help_text="医疗费用（分）")
    payee = serializers.SerializerMethodField(
        help_text="因工死亡的即时支付（丧葬补助金、一次性工亡补助金）的领取人（近亲属）；伤残待遇支付给职工本人，为空")

    @extend_schema_field(PayeeSerializer(allow_null=True))
    def get_payee(self, award: WorkInjuryAward) -> dict[str, Any] | None:
        if not award.died:
            return None
        from shebao.benefits.selectors import UNREGISTERED_PAYEE

        return {"name": award.payee_name or UNREGISTERED_PAYEE, "relation": award.payee_relation,
                "relation_display": award.get_payee_relation_display(), "id_number": award.payee_id_number_masked,
                "registered": bool(award.payee_name)}


class AwardDetailSerializer(AwardSerializer):
    allowance = AllowanceSerializer(allow_null=True)
    allowance_months = MonthSerializer(many=True)
    survivors = serializers.ListField(child=serializers.DictField(), help_text="供养亲属及其逐月发放")


def _award(request: Request, pk: int) -> Any:
    award = selectors.work_injury_award_visible(request.user, pk)
    if award is None:
        raise NotFound("未找到该工伤保险待遇核定")
    return award


class AwardListView(KnownQueryParams, ListAPIView):
    """工伤保险待遇核定（本区；市中心为全市）：伤残等级或因工死亡、即时支付金额、伤残津贴。"""
    query_params = {"get": ("cursor", "page_size")}

    serializer_class = AwardSerializer
    pagination_class = ById

    @extend_schema(operation_id="benefits_work_injury_awards_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.work_injury_awards_visible(self.request.user)


class AwardDetailView(KnownQueryParams, APIView):
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


# --- The immediate payment of a fast-track claim (9) --------------------------------------------------
class AwardPayInSerializer(StrictSerializer):
    wage_fen = serializers.IntegerField(required=False, default=0, help_text="本人工资（分/月）：有伤残等级时必填")
    bank_account = serializers.CharField(max_length=64, help_text="收款账号（8至32位数字）；因工死亡的为领取人账号")
    medical_costs_fen = serializers.IntegerField(required=False, default=0, help_text="已发生的医疗费用（分），无则为0")
    payee_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                       help_text="因工死亡时必填：领取人（近亲属）姓名")
    payee_relation = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                           help_text="因工死亡时必填：与死者关系，可选："
                                           + "、".join(f"{v}（{label}）" for v, label in WorkInjuryAward.PayeeRelation.choices))
    payee_id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                            help_text="因工死亡时必填：领取人公民身份号码（不能是死者本人的号码）")


class AwardPaidSerializer(AwardSerializer):
    paid_now = serializers.BooleanField(help_text="本次请求是否支付（false：该申请此前已核定支付，本次未重复支付）")
    run = serializers.IntegerField(source="run_id", help_text="即时支付批次编号")


def _pay_input_problems(actor: Any, case: Any, raw: Any, unread: Any) -> dict[str, list[str]]:
    """The service's refusals of the award payment inputs the serializer could read (`unread`: its errors
    by field), without paying: `work_injury.award_pay_input_problems`."""
    from shebao.benefits.work_injury import AwardPayee, award_pay_input_problems

    def amount(name: str) -> int | None:
        if name in unread:
            return None
        value = raw.get(name, 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(name: str) -> str:
        value = raw.get(name, "")
        return "" if name in unread or not isinstance(value, str) else value

    typed = [text("payee_name"), text("payee_relation"), text("payee_id_number")]
    problems = award_pay_input_problems(
        actor=actor, case=case, wage_fen=amount("wage_fen"), bank_account=text("bank_account"),
        medical_costs_fen=amount("medical_costs_fen"),
        payee=AwardPayee(*typed) if any(v.strip() for v in typed) else None)
    return {k: [v] for k, v in problems.items() if k not in unread}


class AwardPayView(KnownQueryParams, APIView):
    """核定并即时支付一项医护人员工伤保险待遇快速申领（第9条快速通道），与后台“即时支付”页面同一服务：
    本区审核人员办理；因工死亡的须填写领取人（近亲属）。已核定的申请不重复支付：同样的请求返回原核定（200，
    paid_now 为 false），领取人、账号或医疗费用不同的答 409，说明已支付给谁。"""

    @extend_schema(operation_id="benefits_work_injury_claims_pay", request=AwardPayInSerializer,
                   responses={201: AwardPaidSerializer, 200: AwardPaidSerializer})
    def post(self, request: Request, pk: int) -> Response:
        from shebao.benefits.work_injury import FAST_TRACK_BUSINESS, AwardPayee, fast_track_award_pay
        from shebao.cases.selectors import case_list

        case = case_list(user=request.user, business=FAST_TRACK_BUSINESS).filter(pk=pk).first()
        if case is None or case.person_id is None:
            raise NotFound("未找到该医护人员工伤保险待遇快速申领")
        # who may not pay is refused before anything else is said (as on the page); the service checks again
        require(request.user, "work_injury.pay", district_id=case.office_id)
        s = AwardPayInSerializer(data=request.data)
        if not s.is_valid():
            # every input's refusal at once: what the serializer could not read, and the service's refusals
            # of the inputs it could (review-user7 F2: a bad amount hid the payee's and the account's)
            unread = s.errors
            if not isinstance(request.data, Mapping):  # null, a list, a number: nothing the service could read
                raise serializers.ValidationError(unread)
            raise serializers.ValidationError({**unread, **_pay_input_problems(request.user, case, request.data, unread)})
        data = s.validated_data
        typed = [data["payee_name"], data["payee_relation"], data["payee_id_number"]]
        payee = AwardPayee(*typed) if any(v.strip() for v in typed) else None
        award = fast_track_award_pay(actor=request.user, case=case, wage_fen=data["wage_fen"],
                                     bank_account=data["bank_account"], medical_costs_fen=data["medical_costs_fen"],
                                     payee=payee)
        paid_now = bool(getattr(award, "paid_now", False))
        body = {**AwardSerializer(award).data, "paid_now": paid_now, "run": award.run_id}
        return Response(body, status=201 if paid_now else 200)


# --- Corrections after a payment failed, and the relative of an old death award (2.1, 9) ---------------
class ResendInSerializer(StrictSerializer):
    # blank is the service's to refuse, with every other input's refusal (review-user7 F2)
    bank_account = serializers.CharField(max_length=64, allow_blank=True, help_text="更正后的收款账号（8至32位数字）")
    payee_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                       help_text="更正后的户名：仅因工死亡待遇的领取人、供养亲属可更正；不更正则不填")
    reason = serializers.CharField(max_length=200, allow_blank=True, help_text="更正依据（如领取人本人提供的账户信息）")


class ResentSerializer(serializers.Serializer):
    run = serializers.IntegerField(source="pk", help_text="重发批次编号（须经第二人复核放行后下载发送银行）")
    transfer = serializers.IntegerField(help_text="新的支付明细编号")
    amount_fen = serializers.IntegerField(help_text="金额（分）")
    bank_account = serializers.CharField(help_text="更正后的收款账号（遮蔽）")
    payee = serializers.CharField(help_text="收款人（遮蔽）")


class TransferResendView(KnownQueryParams, APIView):
    """更正一笔支付失败明细的收款账号（领取人、供养亲属还可更正户名），并单独重新发放。"""

    @extend_schema(operation_id="benefits_payroll_transfers_resend", request=ResendInSerializer,
                   responses={201: ResentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        from shebao.benefits.models import Transfer
        from shebao.benefits.payroll import failed_transfer_resend
        from shebao.cards.selectors import mask_name
        from shebao.core.masking import mask_bank_account

        # the city's payroll, as the run pages: who may not resend is refused before anything is read
        require(request.user, "payroll_transfer.resend")
        transfer = Transfer.objects.filter(pk=pk).first()
        if transfer is None:
            raise NotFound("未找到该支付明细")
        s = ResendInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        retry = failed_transfer_resend(actor=request.user, transfer=transfer, bank_account=data["bank_account"],
                                       payee_name=data["payee_name"], reason=data["reason"])
        new = retry.transfers.select_related("person").get()
        payee = selectors.transfer_payees([new])[new.pk]
        return Response({"run": retry.pk, "transfer": new.pk, "amount_fen": new.amount_fen,
                         "bank_account": mask_bank_account(new.bank_account), "payee": mask_name(payee.name)},
                        status=201)


class AwardPayeeInSerializer(StrictSerializer):
    payee_name = serializers.CharField(max_length=50, allow_blank=True, help_text="领取人（近亲属）姓名")
    payee_relation = serializers.CharField(max_length=20, allow_blank=True, help_text="与死者关系，可选："
                                           + "、".join(f"{v}（{label}）" for v, label in WorkInjuryAward.PayeeRelation.choices))
    payee_id_number = serializers.CharField(max_length=40, allow_blank=True,
                                            help_text="领取人公民身份号码（不能是死者本人的号码）")


class AwardPayeeView(KnownQueryParams, APIView):
    """为领取人登记之前核定的因工死亡待遇登记领取人（近亲属），此后重发支付给领取人。"""

    @extend_schema(operation_id="benefits_work_injury_awards_payee", request=AwardPayeeInSerializer,
                   responses={200: AwardSerializer})
    def post(self, request: Request, pk: int) -> Response:
        from shebao.benefits.work_injury import AwardPayee, award_payee_register

        award = _award(request, pk)
        require(request.user, "award_payee.register", district_id=award.person.district_id)
        s = AwardPayeeInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        award = award_payee_register(actor=request.user, award=award, payee=AwardPayee(
            data["payee_name"], data["payee_relation"], data["payee_id_number"]))
        return Response(AwardSerializer(award).data)
