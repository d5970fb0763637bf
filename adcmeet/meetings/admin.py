from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Heartbeat,
    Meeting,
    MeetingSeries,
    OutboundMail,
)

# Video links without a scheme are https (Django 6's default; 5.2 warns without it).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("name", "weekday", "start_time", "time_zone", "target_minutes", "limit_minutes")
    search_fields = ("name", "mailing_list")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("conveners",)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fields = ("section", "position", "title", "presenter", "presenter_name", "duration_minutes")
    raw_id_fields = ("presenter",)
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("__str__", "series", "start", "state", "revision")
    list_filter = ("state", "series")
    date_hierarchy = "start"
    search_fields = ("title", "minutes")
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(SimpleHistoryAdmin):
    list_display = ("title", "meeting", "section", "position", "duration_minutes", "deleted_at")
    list_filter = ("section", "recurring")
    search_fields = ("title", "presenter_name", "notes")
    raw_id_fields = ("meeting", "presenter", "task_force", "outline_item", "deliverable")


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ("text", "owner", "due", "done", "meeting")
    list_filter = ("done",)
    search_fields = ("text",)
    raw_id_fields = ("meeting", "agenda_item", "owner")


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "recipient",
        "subject",
        "created_at",
        "attempts",
        "sent_at",
        "failed_at",
    )
    list_filter = ("kind",)
    search_fields = ("recipient", "subject", "key")
    readonly_fields = [f.name for f in OutboundMail._meta.fields]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at")
