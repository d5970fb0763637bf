from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("taskforces.urls")),
    path("", include("deliverables.urls")),
    path("", include("adcmeet.meetings.urls")),
]

# CERN SSO: /oidc/authenticate/ and /oidc/callback/ exist only when OIDC is configured.
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

# The site's error pages (adcmeet/errors.py): 403 says why and links back; 500 needs no database.
handler400 = "adcmeet.errors.bad_request"
handler403 = "adcmeet.errors.permission_denied"
handler404 = "adcmeet.errors.page_not_found"
handler500 = "adcmeet.errors.server_error"
