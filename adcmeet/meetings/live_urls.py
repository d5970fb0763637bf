"""Live mode's URLs (adcmeet.meetings.views.live), included by adcmeet.meetings.urls."""

from django.urls import path

from adcmeet.meetings.views import live

m = "meetings/<int:meeting_id>/live/"

urlpatterns = [
    # The convener runs the meeting.
    path(m, live.live, name="meeting-live"),
    path(m + "start/", live.start, name="live-start"),
    path(m + "clock/", live.step, name="live-step"),
    path(m + "items/<int:item_id>/note/", live.note, name="live-note"),
    path(m + "items/<int:item_id>/outcome/", live.outcome, name="live-outcome"),
    path(m + "items/<int:item_id>/not-reached/", live.not_reached, name="live-not-reached"),
    path(m + "close/", live.close, name="live-close"),
    # Everybody else watches it on the meeting page.
    path(m + "status/", live.status, name="live-status"),
]
