from django.contrib import admin

from apps.crm.models import CRMSyncLog, Lead, ParticipantMatch


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "company", "crm_id"]
    search_fields = ["name", "email", "company", "crm_id"]


@admin.register(ParticipantMatch)
class ParticipantMatchAdmin(admin.ModelAdmin):
    list_display = ["participant", "lead", "match_confidence", "status", "reviewed_at"]
    list_filter = ["status"]
    search_fields = ["participant__email", "lead__email", "lead__name"]
    raw_id_fields = ["participant", "lead"]
    list_select_related = ["participant", "lead"]


@admin.register(CRMSyncLog)
class CRMSyncLogAdmin(admin.ModelAdmin):
    list_display = [
        "attempted_at",
        "provider",
        "direction",
        "entity_type",
        "status",
        "duration_ms",
        "user",
    ]
    list_filter = ["status", "provider", "direction"]
    search_fields = ["entity_id", "error", "user__username"]
    raw_id_fields = ["user"]
    date_hierarchy = "attempted_at"
