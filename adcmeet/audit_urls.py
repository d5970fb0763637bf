from django.urls import path

from adcmeet.views import audit

urlpatterns = [
    path("audit/", audit.audit_log, name="audit"),
]
