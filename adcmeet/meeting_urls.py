from django.urls import path

from adcmeet.views import meetings

m = "meetings/<int:meeting_id>/"

urlpatterns = [
    path("meetings/", meetings.meeting_list, name="meetings"),
    path(
        "meetings/series/<slug:slug>/create-upcoming/",
        meetings.create_upcoming,
        name="series-create-upcoming",
    ),
    path(m, meetings.meeting_detail, name="meeting"),
    # The agenda builder (conveners).
    path(m + "edit/", meetings.meeting_edit, name="meeting-edit"),
    path(m + "items/add/", meetings.item_add, name="item-add"),
    path(m + "items/<int:item_id>/edit/", meetings.item_edit, name="item-edit"),
    path(m + "items/<int:item_id>/remove/", meetings.item_remove, name="item-remove"),
    path(m + "items/<int:item_id>/restore/", meetings.item_restore, name="item-restore"),
    path(m + "items/<int:item_id>/move/", meetings.item_move, name="item-move"),
    path(m + "tracking/", meetings.tracking_accept, name="tracking-accept"),
    path(m + "copy-last-week/", meetings.copy_last_week, name="copy-last-week"),
    path(m + "publish/", meetings.publish, name="meeting-publish"),
    path(m + "cancel/", meetings.cancel, name="meeting-cancel"),
    path(m + "move/", meetings.move, name="meeting-move"),
    # Minutes (conveners; presenters for their own items).
    path(m + "minutes/", meetings.minutes, name="meeting-minutes"),
    path(m + "minutes/save/", meetings.minutes_save, name="minutes-save"),
    path(m + "items/<int:item_id>/minutes/", meetings.item_minutes_save, name="item-minutes-save"),
    path(m + "actions/add/", meetings.action_add, name="action-add"),
    path(m + "actions/<int:action_id>/done/", meetings.action_done, name="action-done"),
]
