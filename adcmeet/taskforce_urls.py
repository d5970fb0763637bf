from django.urls import path

from adcmeet.views import taskforces

urlpatterns = [
    path("taskforces/<slug:slug>/", taskforces.taskforce_page, name="taskforce"),
    path("focus-topics/", taskforces.focus_topics, name="focus-topics"),
    path("focus-topics/schedule/", taskforces.schedule_focus_topic, name="focus-topic-schedule"),
]
