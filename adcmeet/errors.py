"""The site's error pages (handler400/403/404/500 in adcmeet/urls.py).

403 says why: the message of the PermissionDenied raised by the view's permission-scoped fetch
("Only conveners of this series can edit its agenda."), and links back to where the user came
from. 500 renders a template that needs neither the database nor a request context: whatever
broke may be the database itself.
"""

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

DEFAULT_403 = "You do not have permission to do this."


def _back_link(request: HttpRequest) -> str:
    """Where the user came from when that is this site and not the refused page; else home."""
    referer = request.META.get("HTTP_REFERER", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not referer.endswith(request.path)
    ):
        return referer
    return reverse("home")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = loader.render_to_string("400.html", {"back": _back_link(request)}, request)
    return HttpResponseBadRequest(body)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception or "").strip() or DEFAULT_403
    context = {"reason": reason, "back": _back_link(request)}
    return HttpResponseForbidden(loader.render_to_string("403.html", context, request))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"path": request.path, "back": _back_link(request)}
    return HttpResponseNotFound(loader.render_to_string("404.html", context, request))


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: context processors (user, messages, the mail banner) read the
    # database or the session, which may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
