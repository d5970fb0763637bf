from django.urls import include, path

from adcmeet.meetings.views import (
    audit,
    builder,
    decisions,
    feeds,
    home,
    me,
    meetings,
    minutes,
    outcomes,
    schedule,
    taskforces,
)

m = "meetings/<int:meeting_id>/"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    # The personal page: calendar token and mail preferences.
    path("me/", me.me, name="me"),
    path("me/calendar-token/", me.rotate_calendar_token, name="rotate-calendar-token"),
    path("me/mail/", me.mail_preferences, name="mail-preferences"),
    path("mail/unsubscribe/<str:token>/", me.unsubscribe, name="mail-unsubscribe"),
    # Task force pages as the meetings domain composes them (focus topics, rotation).
    path("taskforces/<slug:slug>/", taskforces.taskforce_page, name="taskforce"),
    path("focus-topics/", taskforces.focus_topics, name="focus-topics"),
    path("focus-topics/schedule/", taskforces.schedule_focus_topic, name="focus-topic-schedule"),
    path("meetings/", meetings.meeting_list, name="meetings"),
    path(
        "meetings/series/<slug:slug>/create-upcoming/",
        meetings.create_upcoming,
        name="series-create-upcoming",
    ),
    path(m, meetings.meeting_detail, name="meeting"),
    # Live mode: the convener runs the meeting, everybody else watches.
    path("", include("adcmeet.meetings.live_urls")),
    # The agenda builder (conveners).
    path(m + "edit/", builder.meeting_edit, name="meeting-edit"),
    path(m + "items/add/", builder.item_add, name="item-add"),
    path(m + "items/<int:item_id>/edit/", builder.item_edit, name="item-edit"),
    path(m + "items/<int:item_id>/remove/", builder.item_remove, name="item-remove"),
    path(m + "items/<int:item_id>/restore/", builder.item_restore, name="item-restore"),
    path(m + "items/remove/", builder.items_remove, name="items-remove"),
    path(m + "items/restore/", builder.items_restore, name="items-restore"),
    path(m + "items/<int:item_id>/move/", builder.item_move, name="item-move"),
    path(m + "tracking/", builder.tracking_accept, name="tracking-accept"),
    path(m + "carry/", builder.carry_accept, name="carry-accept"),
    path(m + "copy-last-week/", builder.copy_last_week, name="copy-last-week"),
    path(m + "publish/", schedule.publish, name="meeting-publish"),
    path(m + "cancel/", schedule.cancel, name="meeting-cancel"),
    path(m + "move/", schedule.move, name="meeting-move"),
    path(m + "place/", schedule.place, name="meeting-place"),
    # Minutes (conveners; presenters for their own items).
    path(m + "minutes/", minutes.minutes, name="meeting-minutes"),
    path(m + "minutes/save/", minutes.minutes_save, name="minutes-save"),
    path(m + "minutes/publish/", minutes.minutes_publish, name="minutes-publish"),
    path(m + "items/<int:item_id>/minutes/", minutes.item_minutes_save, name="item-minutes-save"),
    path(m + "actions/add/", minutes.action_add, name="action-add"),
    path(m + "actions/<int:action_id>/done/", minutes.action_done, name="action-done"),
    # Outcomes per item and attendance, on the minutes sheet (conveners).
    path(m + "items/<int:item_id>/outcomes/", outcomes.outcome_add, name="outcome-add"),
    path(m + "outcomes/<int:outcome_id>/remove/", outcomes.outcome_remove, name="outcome-remove"),
    path(
        m + "outcomes/<int:outcome_id>/restore/", outcomes.outcome_restore, name="outcome-restore"
    ),
    path(m + "attendance/", outcomes.attendance_set, name="attendance-set"),
    path(
        m + "attendance/<int:attendance_id>/remove/",
        outcomes.attendance_remove,
        name="attendance-remove",
    ),
    # Calendar feeds.
    path("calendar/me/<str:token>.ics", feeds.personal_feed, name="calendar-personal"),
    path("calendar/<slug:slug>.ics", feeds.series_feed, name="calendar-series"),
    path("meetings/<int:meeting_id>/meeting.ics", feeds.meeting_ics, name="meeting-ics"),
    path("audit/", audit.audit_log, name="audit"),
    path("decisions/", decisions.decisions, name="decisions"),
]
