from django.urls import path

from adcmeet.views import feeds

urlpatterns = [
    path("calendar/me/<str:token>.ics", feeds.personal_feed, name="calendar-personal"),
    path("calendar/<slug:slug>.ics", feeds.series_feed, name="calendar-series"),
    path("meetings/<int:meeting_id>/meeting.ics", feeds.meeting_ics, name="meeting-ics"),
]
