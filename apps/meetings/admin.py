from django.contrib import admin

from apps.meetings.models import Meeting, MeetingParticipant


class ParticipantInline(admin.TabularInline):
    model = MeetingParticipant
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "owner",
        "start_time",
        "detected_type",
        "detection_confidence",
        "confirmed_type",
        "requires_debriefing",
    ]
    list_filter = [
        "detected_type",
        "confirmed_type",
        "requires_debriefing",
        "owner__team",
    ]
    search_fields = ["title", "calendar_event_id", "owner__username"]
    date_hierarchy = "start_time"
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    inlines = [ParticipantInline]


@admin.register(MeetingParticipant)
class MeetingParticipantAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "is_external", "meeting"]
    list_filter = ["is_external"]
    search_fields = ["email", "name", "meeting__title"]
    raw_id_fields = ["meeting"]
