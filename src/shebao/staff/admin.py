from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from shebao.core.forms import VisibleTextForm
from shebao.staff.models import ApiToken, User


class StaffChangeForm(VisibleTextForm, UserChangeForm):
    """The staff account's form: an invisible character named where it is, never drawn again (core.forms)."""


class StaffCreationForm(VisibleTextForm, UserCreationForm):
    """The new staff account's form, judged as `StaffChangeForm`."""


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ["username", "display_name", "role", "office", "is_active"]
    list_filter = ["role", "office", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("经办岗位", {"fields": ["display_name", "role", "office"]})]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are made with `shebao api_token` (the key is shown once there); the admin only lists them."""

    list_display = ["prefix", "user", "name", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = ["user", "name", "prefix", "created_at", "revoked_at"]
    exclude = ["digest"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked with a reason (`shebao api_token --revoke`), never deleted
