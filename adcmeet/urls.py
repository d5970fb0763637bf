from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from adcmeet.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("adcmeet.accounts.urls")),
    path("", include("adcmeet.taskforce_urls")),
    path("", include("taskforces.urls")),
    path("", include("deliverables.urls")),
    path("", include("adcmeet.meeting_urls")),
    path("", include("adcmeet.calendar_urls")),
    path("", include("adcmeet.audit_urls")),
]

# CERN SSO: /oidc/authenticate/ and /oidc/callback/ exist only when OIDC is configured.
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
