from django.urls import path

from adcmeet.accounts import views

urlpatterns = [
    path("me/", views.me, name="me"),
]
