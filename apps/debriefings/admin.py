from django.contrib import admin

from apps.debriefings.models import CompetitorMention, Debriefing, ExtractedField


class ExtractedFieldInline(admin.TabularInline):
    model = ExtractedField
    extra = 0


class CompetitorMentionInline(admin.TabularInline):
    model = CompetitorMention
    extra = 0


@admin.register(Debriefing)
class DebriefingAdmin(admin.ModelAdmin):
    list_display = ["meeting", "owner", "status", "started_at", "completed_at"]
    list_filter = ["status", "owner__team"]
    search_fields = ["meeting__title", "owner__username"]
    list_select_related = ["meeting", "owner"]
    raw_id_fields = ["meeting", "owner"]
    inlines = [ExtractedFieldInline, CompetitorMentionInline]


@admin.register(ExtractedField)
class ExtractedFieldAdmin(admin.ModelAdmin):
    list_display = ["field_name", "value", "confidence", "review_status", "reviewed_at"]
    list_filter = ["field_name", "review_status"]
    search_fields = ["value", "corrected_value"]
    raw_id_fields = ["debriefing"]
    date_hierarchy = "reviewed_at"


@admin.register(CompetitorMention)
class CompetitorMentionAdmin(admin.ModelAdmin):
    list_display = ["competitor_name", "sentiment", "mentioned_at", "debriefing"]
    list_filter = ["competitor_name", "sentiment"]
    search_fields = ["competitor_name", "context"]
    raw_id_fields = ["debriefing"]
    date_hierarchy = "mentioned_at"
