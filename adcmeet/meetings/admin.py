"""The Django admin of the meetings domain: a back office, not a second way round its rules.

What the agenda builder governs (publishing, moving, cancelling, the agenda of a published
meeting with its time limit, revision and mail) is read-only here and says where to change it;
drafts' items stay editable, with the one-focus-topic rule checked as a form error (the model's
constraint). A series' limit cannot drop below a published agenda
(adcmeet.meetings.actions.rules)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from adcmeet.core import text as usertext
from adcmeet.core.admin import RefusalsAdminMixin, VersionedAdminForm, VersionedAdminMixin
from adcmeet.meetings.actions import rules
from adcmeet.meetings.actions.schedule import change_place, series_place_changed
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Heartbeat,
    Meeting,
    MeetingSeries,
    OutboundMail,
    Outcome,
)

# Video links without a scheme are https (Django 6's default; 5.2 warns without it).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}
BUILDER_ONLY = (
    "The agenda of a meeting that is no longer a draft is changed in the agenda builder, "
    "where the series' time limit, the revision and the mail to the list go with it; it is "
    "read-only here."
)
# Set by the meeting's workflows (publish, move, cancel, the version claims), never by hand.
WORKFLOW_FIELDS = (
    "state",
    "revision",
    "announced_revision",
    "version",
    "minutes_version",
    "published_at",
    "cancel_reason",
    "minutes_published_at",
    "minutes_revision",
    "minutes_digest",
)


def is_draft(meeting: Meeting | None) -> bool:
    return meeting is None or meeting.state == Meeting.State.DRAFT


class MeetingSeriesForm(forms.ModelForm):
    # The admin builds the form's Meta (model, fields) from MeetingSeriesAdmin.

    def clean_limit_minutes(self) -> int:
        limit = self.cleaned_data["limit_minutes"]
        if self.instance.pk is not None:
            problem = rules.series_limit_problem(self.instance, limit)
            if problem:
                raise forms.ValidationError(problem)
        return limit


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(RefusalsAdminMixin, admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    form = MeetingSeriesForm
    list_display = ("name", "weekday", "start_time", "time_zone", "target_minutes", "limit_minutes")
    search_fields = ("name", "mailing_list")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("conveners",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"location", "video_url"} & set(form.changed_data):
            # Meetings using the series' room changed place: their SEQUENCE grows and the
            # update goes out (adcmeet.meetings.actions.schedule).
            series_place_changed(obj, by=request.user)


class AgendaItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        focus = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("section") == AgendaItem.Section.FOCUS
            and form.cleaned_data.get("deleted_at") is None
        ]
        if len(focus) > 1:
            raise forms.ValidationError(
                "A meeting has one focus topic: make the others hot topics, or remove them."
            )


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    formset = AgendaItemFormSet
    fields = (
        "section",
        "position",
        "title",
        "presenter",
        "presenter_name",
        "duration_minutes",
        "deleted_at",
    )
    raw_id_fields = ("presenter",)
    extra = 0

    # `obj` is the meeting: only a draft's agenda is edited here.
    def has_add_permission(self, request, obj=None):
        return is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("__str__", "series", "start", "state", "revision")
    list_filter = ("state", "series")
    date_hierarchy = "start"
    search_fields = ("title", "minutes")
    inlines = [AgendaItemInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return WORKFLOW_FIELDS
        # Moving goes through the builder (the past, DST gaps, the update mail).
        return (*WORKFLOW_FIELDS, "series", "start", "scheduled_for")

    def save_model(self, request, obj, form, change):
        place = {"location", "video_url"} & set(form.changed_data)
        if not (change and place):
            return super().save_model(request, obj, form, change)
        # A new room or link goes through the action (SEQUENCE, feeds, the update mail).
        new = obj.location, obj.video_url
        obj.location, obj.video_url = form.initial["location"], form.initial["video_url"]
        super().save_model(request, obj, form, change)
        change_place(
            meeting=obj, version=obj.version, by=request.user, location=new[0], video_url=new[1]
        )
        obj.refresh_from_db()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        meeting = self.get_object(request, object_id)
        if meeting is not None and request.method == "GET":
            messages.info(
                request,
                "Publish, move and cancel this meeting in its agenda builder: the rules and "
                "the mail go with them there." + ("" if is_draft(meeting) else " " + BUILDER_ONLY),
            )
        return super().change_view(request, object_id, form_url, extra_context)


class AgendaItemForm(forms.ModelForm):
    # The admin builds the form's Meta (model, fields) from AgendaItemAdmin.

    def clean_meeting(self) -> Meeting:
        meeting = self.cleaned_data["meeting"]
        if not is_draft(meeting):
            raise forms.ValidationError(BUILDER_ONLY)
        return meeting


@admin.register(AgendaItem)
class AgendaItemAdmin(SimpleHistoryAdmin):
    form = AgendaItemForm
    list_display = ("title", "meeting", "section", "position", "duration_minutes", "deleted_at")
    list_filter = ("section", "recurring")
    search_fields = ("title", "presenter_name", "notes")
    raw_id_fields = ("meeting", "presenter", "task_force", "outline_item", "deliverable")
    readonly_fields = ("version", "minutes_version")

    def has_change_permission(self, request, obj=None):
        return (obj is None or is_draft(obj.meeting)) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return (obj is None or is_draft(obj.meeting)) and super().has_delete_permission(
            request, obj
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        if item is not None and not is_draft(item.meeting) and request.method == "GET":
            messages.info(request, BUILDER_ONLY)
        return super().change_view(request, object_id, form_url, extra_context)


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


class OutcomeAdminForm(VersionedAdminForm):
    # The admin builds the form's Meta (model, fields) from OutcomeAdmin.

    def clean_text(self) -> str:
        # The normaliser every form applies (core.text): no control characters, not blank.
        text = usertext.normalise(self.cleaned_data["text"], field="The text").strip()
        if not text:
            raise forms.ValidationError("The text is empty.")
        return text


@admin.register(Outcome)
class OutcomeAdmin(VersionedAdminMixin, admin.ModelAdmin):
    """Decisions and information; an edit claims the version the page showed. Removing one is
    setting "deleted at" (the decisions log and the mails skip it), as on the minutes sheet."""

    form = OutcomeAdminForm
    list_display = ("text", "kind", "meeting", "deliverable", "task_force", "deleted_at")
    list_filter = ("kind",)
    search_fields = ("text",)
    raw_id_fields = ("meeting", "agenda_item", "deliverable", "task_force", "by")
    readonly_fields = ("version", "created_at")


@admin.register(Attendance)
class AttendanceAdmin(RefusalsAdminMixin, admin.ModelAdmin):
    """Who attended; the database keeps a member, or an invitee's name, once per meeting (a
    duplicate is a form error here, as on the minutes sheet)."""

    list_display = ("__str__", "meeting", "status", "invitee", "affiliation")
    list_filter = ("status", "invitee")
    search_fields = ("name", "affiliation", "user__name", "user__username")
    raw_id_fields = ("meeting", "user")
