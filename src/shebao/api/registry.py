"""Registry read API: people and employers, scoped to the caller's district and masked by default.

The full value of a masked field only comes from the `reveal` action, which records the read.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from shebao.api.fields import IdField, StrictSerializer
from shebao.api.pagination import CheckedCursorPagination
from shebao.api.query import KnownQueryParams
from shebao.core.inputs import IdConverter
from shebao.core.permissions import may
from shebao.core.reads import personal_data_read
from shebao.registry import merge, selectors
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


class RevealRequest(StrictSerializer):
    """The body of a reveal: which personal field and why (recorded in the read trail)."""

    field = serializers.CharField(max_length=50)
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
RevealResponse = inline_serializer("RevealResponse", fields={
    "field": serializers.CharField(), "value": serializers.CharField()})


class PersonSearchRequest(StrictSerializer):
    """The body of a search by personal number: what a clerk types (a full or partial ID number, its
    last four, a name or pinyin initials), never put in the address."""

    q = serializers.CharField(max_length=60, help_text="证件号码（全部、开头几位或后四位）、姓名或姓名拼音首字母")


SEARCH_LIMIT = 50
PersonSearchResponse = inline_serializer("PersonSearchResponse", fields={
    "results": PersonSerializer(many=True),
    "more": serializers.BooleanField(help_text=f"超过{SEARCH_LIMIT}人时为真：请输入更完整的号码"),
})
NUMBER_SEARCH_BY_POST = "按证件号码查询请用 POST /api/v1/persons/search/（请求体 {\"q\": …}）：号码不得出现在网址中"


PAIRS_LIMIT = 100


class MergeRequest(StrictSerializer):
    """The body of a merge: the record merged into the one in the address, and why."""

    other = IdField(help_text="被合并的人员编号（重复登记的另一条记录）")
    reason = serializers.CharField(max_length=1000, allow_blank=True, trim_whitespace=False,
                                   help_text="合并理由，4至200个字，例如核实的证件材料")


class UnmergeRequest(StrictSerializer):
    """The body of an undo of a merge: why."""

    reason = serializers.CharField(max_length=1000, allow_blank=True, trim_whitespace=False,
                                   help_text="撤销合并的理由，4至200个字")


MergeResponse = inline_serializer("MergeResponse", fields={
    "keep": serializers.IntegerField(help_text="保留的人员编号"),
    "other": serializers.IntegerField(help_text="被合并的人员编号"),
    "moved": serializers.DictField(child=serializers.IntegerField(), help_text="迁移到保留记录的各类记录条数"),
})
UnmergeResponse = inline_serializer("UnmergeResponse", fields={
    "person": serializers.IntegerField(help_text="撤销合并的人员编号"),
    "kept": serializers.IntegerField(help_text="原保留的人员编号"),
    "moved_back": serializers.DictField(child=serializers.IntegerField(), help_text="退回该人员的各类记录条数"),
})
class RegisteredTwicePair(serializers.Serializer):
    """One pair registered twice, as `selectors.merge_candidates` reads it."""

    listed = PersonSerializer(help_text="以其他证件类型登记、号码为居民身份证号码的记录")
    twin = PersonSerializer(help_text="同一持证人的居民身份证记录")
    basis = serializers.CharField(help_text="配对依据")
    keeps = serializers.ListField(child=serializers.IntegerField(), help_text="可以保留的人员编号")
    refused = serializers.CharField(help_text="不能合并的原因（可以合并时为空）")


class RegisteredTwiceResponse(serializers.Serializer):
    """The pairs, at most PAIRS_LIMIT."""

    results = RegisteredTwicePair(many=True)
    more = serializers.BooleanField(help_text=f"超过{PAIRS_LIMIT}组时为真：先合并已列出的各组")


MERGE_REFUSED = "无权合并重复登记的参保人员（仅复核人员或市中心管理员）"


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


class PersonViewSet(KnownQueryParams, _RevealMixin, viewsets.ReadOnlyModelViewSet):
    query_params = {"list": ("q", "cursor", "page_size")}
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

    @extend_schema(responses=RegisteredTwiceResponse)
    @action(detail=False, methods=["get"], url_path="registered-twice")
    def registered_twice(self, request: Request) -> Response:
        """The pairs the caller may merge (`selectors.merge_candidates`), numbers masked."""
        if not may(request.user, "person.merge"):
            raise PermissionDenied(MERGE_REFUSED)
        rows = selectors.merge_candidates(user=request.user)
        return Response({"results": [{"listed": PersonSerializer(r["listed"]).data,
                                      "twin": PersonSerializer(r["twin"]).data, "basis": r["basis"],
                                      "keeps": [p.pk for p in r["keeps"]], "refused": r["refused"]}
                                     for r in rows[:PAIRS_LIMIT]],
                         "more": len(rows) > PAIRS_LIMIT})

    @extend_schema(request=MergeRequest, responses=MergeResponse)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge `other` into this person (`registry.merge.person_merge`): the same service as the page."""
        keep = self.get_object()
        body = MergeRequest(data=request.data)
        body.is_valid(raise_exception=True)
        other_pk = body.validated_data["other"]
        other = selectors.person_list(user=request.user).filter(pk=other_pk).first()
        if other is None:
            raise serializers.ValidationError({"other": [f"人员#{other_pk}不存在或不在本人可见范围内"]})
        moved = merge.person_merge(actor=request.user, keep=keep, other=other, reason=body.validated_data["reason"])
        return Response({"keep": keep.pk, "other": other.pk, "moved": moved})

    @extend_schema(request=UnmergeRequest, responses=UnmergeResponse)
    @action(detail=True, methods=["post"])
    def unmerge(self, request: Request, pk: str | None = None) -> Response:
        """Undo the merge of this person (`registry.merge.person_unmerge`)."""
        other = self.get_object()
        body = UnmergeRequest(data=request.data)
        body.is_valid(raise_exception=True)
        kept = other.merged_into_id
        back = merge.person_unmerge(actor=request.user, other=other, reason=body.validated_data["reason"])
        return Response({"person": other.pk, "kept": kept, "moved_back": back})


class EmployerViewSet(KnownQueryParams, _RevealMixin, viewsets.ReadOnlyModelViewSet):
    query_params = {"list": ("q", "cursor", "page_size")}
    serializer_class = EmployerSerializer
    lookup_value_regex = IdConverter.regex
    pagination_class = ById

    @extend_schema(parameters=[OpenApiParameter("q", str, description="按统一社会信用代码、单位名称或名称拼音首字母查询")])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        q = self.request.query_params.get("q")
        if q:
            return selectors.employer_search(user=self.request.user, query=q)
        return selectors.employer_list(user=self.request.user)
