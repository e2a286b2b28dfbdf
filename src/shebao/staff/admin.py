from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from shebao.staff.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "office", "is_active"]
    list_filter = ["role", "office", "is_active"]
    search_fields = ["username", "display_name"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("经办岗位", {"fields": ["display_name", "role", "office"]})]
