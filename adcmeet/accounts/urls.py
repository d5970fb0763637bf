from django.urls import path

from adcmeet.accounts import views

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/calendar-token/", views.rotate_calendar_token, name="rotate-calendar-token"),
]
