"""Registry read API: people and employers, scoped to the caller's district and masked by default.

The full value of a masked field only comes from the `reveal` action, which records the read.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from shebao.api.pagination import CheckedCursorPagination
from shebao.core.inputs import IdConverter
from shebao.core.reads import personal_data_read
from shebao.registry import selectors
from shebao.registry.models import Employer, Person
from shebao.registry.services import personal_data_reveal


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True)
    account_type = serializers.SerializerMethodField()
    # A record registered twice and merged (registry.merge, review-input8 F3): the record kept, when and
    # the Chinese note; null/"" for a record that was not merged.
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True,
                                           help_text="已合并至的人员编号（重复登记并已合并的记录；未合并为null）")
    merged_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="合并时间（未合并为null）")
    merged_note = serializers.SerializerMethodField(help_text="已合并的说明，如“已合并至人员#63，请在保留的记录上办理”；未合并为空")

    class Meta:
        model = Person
        fields = ["id", "name", "id_type", "id_number", "gender", "birth_date", "ethnicity", "hukou_type",
                  "contributor_category", "is_cadre", "phone", "category", "district", "account_type",
                  "merged_into", "merged_at", "merged_note"]

    def get_merged_note(self, obj: Person) -> str:
        return Person.merged_text(obj.merged_into_id)

    def get_account_type(self, obj: Person) -> str | None:
        account = getattr(obj, "pension_account", None)
        return account.account_type if account else None


class EmployerSerializer(serializers.ModelSerializer):
    bank_account = serializers.CharField(source="bank_account_masked", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True)
    # A legacy code accepted by a recorded override (issue 12): who, when and why; else "".
    credit_code_warning = serializers.CharField(read_only=True)

    class Meta:
        model = Employer
        fields = ["id", "credit_code", "name", "district", "payment_method", "bank_name", "bank_account",
                  "industry_class", "credit_code_warning"]


class RevealRequest(serializers.Serializer):
    """The body of a reveal: which personal field and why (recorded in the read trail)."""

    field = serializers.CharField(max_length=50)
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
RevealResponse = inline_serializer("RevealResponse", fields={
    "field": serializers.CharField(), "value": serializers.CharField()})


class PersonSearchRequest(serializers.Serializer):
    """The body of a search by personal number: what a clerk types (a full or partial ID number, its
    last four, a name or pinyin initials), never put in the address."""

    q = serializers.CharField(max_length=60, help_text="证件号码（全部、开头几位或后四位）、姓名或姓名拼音首字母")


SEARCH_LIMIT = 50
PersonSearchResponse = inline_serializer("PersonSearchResponse", fields={
    "results": PersonSerializer(many=True),
    "more": serializers.BooleanField(help_text=f"超过{SEARCH_LIMIT}人时为真：请输入更完整的号码"),
})
NUMBER_SEARCH_BY_POST = "按证件号码查询请用 POST /api/v1/persons/search/（请求体 {\"q\": …}）：号码不得出现在网址中"


class ById(CheckedCursorPagination):
    ordering = "pk"


class _RevealMixin:
    @extend_schema(request=RevealRequest, responses=RevealResponse)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        body = RevealRequest(data=request.data)  # a JSON array or a number is a 400, not a 500
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        value = personal_data_reveal(actor=request.user, obj=obj, field=field,
                                     reason=body.validated_data["reason"])
        return Response({"field": field, "value": value})


class PersonViewSet(_RevealMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer
    lookup_value_regex = IdConverter.regex  # an id of at most 18 digits: never an overflow
    pagination_class = ById

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        person = self.get_object()
        personal_data_read(actor=request.user, subject=person, what="接口：人员信息")
        return Response(self.get_serializer(person).data)

    @extend_schema(parameters=[OpenApiParameter(
        "q", str, description="按姓名或姓名拼音首字母查询。不接受数字：按证件号码查询请用 POST /api/v1/persons/search/")])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.person_list(user=self.request.user).select_related("pension_account")
        q = self.request.query_params.get("q")
        if q and self.action == "list":
            # Issue 16 §4: a number (an ID number, even its last four or its start) is never put in
            # an address, where access logs keep it; the number search is the POST below.
            if any(c.isdigit() for c in q):
                raise serializers.ValidationError({"q": [NUMBER_SEARCH_BY_POST]})
            return selectors.person_search(user=self.request.user, query=q).select_related("pension_account")
        return qs

    @extend_schema(request=PersonSearchRequest, responses=PersonSearchResponse)
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        body = PersonSearchRequest(data=request.data)
        body.is_valid(raise_exception=True)
        rows = list(selectors.person_search(user=request.user, query=body.validated_data["q"])
                    .select_related("pension_account").order_by("pk")[:SEARCH_LIMIT + 1])
        return Response({"results": PersonSerializer(rows[:SEARCH_LIMIT], many=True).data,
                         "more": len(rows) > SEARCH_LIMIT})


class EmployerViewSet(_RevealMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = EmployerSerializer
    lookup_value_regex = IdConverter.regex
    pagination_class = ById

    def get_queryset(self):
        q = self.request.query_params.get("q")
        if q:
            return selectors.employer_search(user=self.request.user, query=q)
        return selectors.employer_list(user=self.request.user)
