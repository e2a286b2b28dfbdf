"""The trail, the log of personal-data reads and announcements: visible in the admin, never editable."""

from __future__ import annotations

from django.contrib import admin

from shebao.core.models import Announcement, AuditEvent, PersonalDataAccess


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "model", "object_pk", "count", "district_code"]
    list_filter = ["action", "model"]
    search_fields = ["=object_pk", "actor_label"]
    date_hierarchy = "at"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "subject_label", "field", "reason"]
    search_fields = ["subject_label", "=object_pk"]


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    list_display = ["published_at", "title", "parameter", "value", "effective_from", "clause"]
