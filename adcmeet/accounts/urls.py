from django.urls import path

from adcmeet.accounts import views

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/calendar-token/", views.rotate_calendar_token, name="rotate-calendar-token"),
    path("me/mail/", views.mail_preferences, name="mail-preferences"),
    path("mail/unsubscribe/<str:token>/", views.unsubscribe, name="mail-unsubscribe"),
]
