from django.urls import path

from adcmeet.views import meetings

urlpatterns = [
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/<int:meeting_id>/", meetings.meeting_detail, name="meeting"),
]
