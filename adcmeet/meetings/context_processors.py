from django.conf import settings
from django.utils.functional import SimpleLazyObject

from adcmeet.core.access import can_see_mail_health
from adcmeet.meetings import health


def site(request):
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
    user = getattr(request, "user", None)
    # Only those who can act on it see the banner; the lazy object costs nothing unless shown.
    if user is not None and can_see_mail_health(user):
        context["mail_health"] = SimpleLazyObject(health.mail_health)
    return context
