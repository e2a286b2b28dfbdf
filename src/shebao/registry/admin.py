"""The Chinese admin for every registry model: searchable, district-scoped, writes audited."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q

from shebao.core import clock
from shebao.core.audit import audit_create, audit_update, snapshot
from shebao.core.forms import VisibleModelForm
from shebao.core.normalize import normalize_code, normalize_text
from shebao.core.scoping import scope_queryset, user_sees_all
from shebao.registry.checks import CodeError, validate_credit_code
from shebao.registry.models import Contribution, Employer, EmploymentSpell, Office, PensionAccount, Person
from shebao.registry.services import OVERRIDE_REASON_MIN_CHARS, derive_person_identity


class AuditedScopedAdmin(admin.ModelAdmin):
    """Saves through the audit trail and shows a district's staff only their district's rows."""

    district_path = "district"
    form = VisibleModelForm  # an invisible character is named where it is and not drawn again (core.forms)

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), user=request.user, district_path=self.district_path)

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if change:
            audit_update(actor=request.user, instance=obj, before=before, reason="后台管理修改")
        else:
            audit_create(actor=request.user, instance=obj, reason="后台管理新增")

    def has_delete_permission(self, request, obj=None):
        # Registry rows are referenced by contributions, cases and the trail: they are never deleted.
        return False


class LastDigitsSearchMixin:
    """Search by name, the last digits of the document number, or the full number."""

    def get_search_results(self, request, queryset, search_term):
        term = normalize_text(search_term)
        code = normalize_code(term)  # 全角, spaces inside the number, lower-case x: as everywhere
        if code and (code[-1].isdigit() or code[-1] == "X") and 4 <= len(code) < 18 and code.isalnum():
            # The number is encrypted (core.crypto): the last four are a column of their own, and a
            # longer tail is compared after decrypting the few people with those last four.
            tail = [pk for pk, number in queryset.filter(id_last4=code[-4:]).values_list("pk", "id_number")
                    if number.endswith(code)]
            return queryset.filter(Q(pk__in=tail) | Q(name__startswith=term)), False
        if len(code) == 18 and code.isalnum() and code.isascii():
            search_term = code  # a full ID number or credit code, read as typed anywhere else
        return super().get_search_results(request, queryset, search_term)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    form = VisibleModelForm
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return user_sees_all(request.user) and super().has_change_permission(request, obj)


class EmployerAdminForm(VisibleModelForm):
    """The credit code as strict as in `employer_register`: a legacy check character only with a
    reason (issue 12); the model's own validator checks the code's form alone."""

    class Meta:
        model = Employer
        fields = ["credit_code", "name", "district", "payment_method", "bank_name", "industry_class",
                  "credit_code_override_reason"]

    def clean_credit_code(self) -> str:
        return normalize_code(self.cleaned_data.get("credit_code"))

    def clean(self) -> dict:
        data = super().clean()
        code = data.get("credit_code")
        unchanged = self.instance.pk and code == self.instance.credit_code
        if code and not unchanged:
            try:
                validate_credit_code(code)
            except CodeError as e:
                reason = normalize_text(data.get("credit_code_override_reason"))
                if e.reason != "check_character_mismatch" or len(reason) < OVERRIDE_REASON_MIN_CHARS:
                    self.add_error("credit_code", f"{e}（2016年前发放的存量代码须填写例外原因，至少"
                                                  f"{OVERRIDE_REASON_MIN_CHARS}个字）")
        return data


@admin.register(Employer)
class EmployerAdmin(AuditedScopedAdmin):
    form = EmployerAdminForm
    list_display = ["name", "credit_code", "district", "payment_method", "bank_account_masked"]
    list_filter = ["payment_method", "district"]
    search_fields = ["name", "=credit_code"]
    exclude = ["bank_account"]
    readonly_fields = ["bank_account_masked", "credit_code_warning", "credit_code_override_by",
                      "credit_code_override_at"]
    list_select_related = ["district"]

    def save_model(self, request, obj, form, change):
        try:
            validate_credit_code(obj.credit_code)
            obj.credit_code_override_reason, obj.credit_code_override_by, obj.credit_code_override_at = "", None, None
        except CodeError:
            if "credit_code" in form.changed_data or not obj.credit_code_override_at:
                # Accepted by the form with a reason: who and when are recorded with it.
                obj.credit_code_override_by, obj.credit_code_override_at = request.user, clock.now()
        super().save_model(request, obj, form, change)

    @admin.display(description="信用代码提示")
    def credit_code_warning(self, obj):
        return obj.credit_code_warning or "—"

    @admin.display(description="银行账号")
    def bank_account_masked(self, obj):
        return obj.bank_account_masked


@admin.register(Person)
class PersonAdmin(LastDigitsSearchMixin, AuditedScopedAdmin):
    list_display = ["name", "id_number_masked", "gender", "birth_date", "category", "district"]
    list_filter = ["category", "gender", "district"]
    search_fields = ["name", "=name_initials", "=id_number"]
    list_select_related = ["district"]
    fields = ["id_type", "id_number_masked", "name", "gender", "birth_date", "ethnicity", "hukou_type",
              "contributor_category", "is_cadre", "phone_masked", "category", "nationality", "district"]
    readonly_fields = ["id_number_masked", "phone_masked", "gender", "birth_date"]

    @admin.display(description="证件号码")
    def id_number_masked(self, obj):
        return obj.id_number_masked

    @admin.display(description="手机号码")
    def phone_masked(self, obj):
        return obj.phone_masked

    def has_add_permission(self, request):
        # New people are registered through the registry service, which checks the ID number.
        return False

    def save_model(self, request, obj, form, change):
        derive_person_identity(obj, new_name=bool({"name", "id_type"} & set(getattr(form, "changed_data", None) or ())))
        super().save_model(request, obj, form, change)


@admin.register(PensionAccount)
class PensionAccountAdmin(AuditedScopedAdmin):
    list_display = ["person", "account_type", "opened_on", "district"]
    list_filter = ["account_type"]
    search_fields = ["person__name", "=person__id_number"]
    raw_id_fields = ["person"]


@admin.register(EmploymentSpell)
class EmploymentSpellAdmin(AuditedScopedAdmin):
    district_path = "employer__district"
    list_display = ["person", "employer", "from_month", "to_month"]
    search_fields = ["person__name", "employer__name", "=employer__credit_code"]
    raw_id_fields = ["person", "employer"]


@admin.register(Contribution)
class ContributionAdmin(AuditedScopedAdmin):
    district_path = "employer__district"
    list_display = ["person", "employer", "month", "pension_base_fen", "paid_on"]
    search_fields = ["person__name", "=employer__credit_code"]
    raw_id_fields = ["person", "employer"]
    show_full_result_count = False
