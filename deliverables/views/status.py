"""The pages behind a status mail's signed links, and "revoke my links" on My deliverables.

GET never changes anything: it shows what the link would do and a button (a mail scanner or
a link preview that fetches the address records nothing). The POST applies it once
(deliverables.actions.status.use_link). The token is the only authority: these pages work
logged out, act in the name of the owner the mail went to, and never leak the token onward
(Referrer-Policy same-origin) or into a cache (no-store).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from adcmeet.core.access import can_report_status, login_required
from adcmeet.core.versioning import Refused, answers_refusals
from deliverables import status_links
from deliverables.actions import status
from deliverables.models import Deliverable, DeliverableChange, StatusLink


def _private(response: HttpResponse) -> HttpResponse:
    # The address (with its token) never goes to another site. Not "no-referrer": with it,
    # browsers send "Origin: null" on the confirmation's POST, which CSRF rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _refused_page(request: HttpRequest, refusal: status_links.LinkRefused) -> HttpResponse:
    link = refusal.link
    response = render(
        request,
        "deliverables/status_refused.html",
        {
            "reason": refusal.reason,
            "message": refusal.message,
            "deliverable": link.deliverable if link else None,
        },
        status=refusal.status,
    )
    return _private(response)


def _confirm_page(
    request: HttpRequest, token: str, link: StatusLink, refusal: Refused | None = None
) -> HttpResponse:
    deliverable = link.deliverable
    target = status.move_target(deliverable) if link.purpose == StatusLink.Purpose.MOVE else None
    response = render(
        request,
        "deliverables/status_confirm.html",
        {
            "link": link,
            "token": token,
            "deliverable": deliverable,
            "owner": link.request.owner,
            "target": target,
            "healths": DeliverableChange.Health.choices,
            "error": refusal.message if refusal else "",
            "error_field": refusal.field if refusal else None,
            "posted": request.POST if refusal else {},
        },
        status=refusal.status if refusal else 200,
    )
    return _private(response)


@never_cache
@require_http_methods(["GET", "POST"])
def status_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        try:
            link = status_links.open_link(token)
        except status_links.LinkRefused as refusal:
            return _refused_page(request, refusal)
        return _confirm_page(request, token, link)
    try:
        status.use_link(
            token,
            health=request.POST.get("health", ""),
            line=request.POST.get("line", ""),
            reason=request.POST.get("reason", ""),
        )
    except status_links.LinkRefused as refusal:
        return _refused_page(request, refusal)
    except Refused as refusal:
        try:  # the change was refused and rolled back; the link may have been used meanwhile
            link = status_links.open_link(token)
        except status_links.LinkRefused as gone:
            return _refused_page(request, gone)
        return _confirm_page(request, token, link, refusal)
    return redirect("status-link-done", token=token)


@never_cache
@require_http_methods(["GET"])
def status_link_done(request: HttpRequest, token: str) -> HttpResponse:
    """What a link just recorded: read-only, so reloading it changes nothing."""
    link = status_links.peek(token)
    if link is None:
        return _refused_page(request, status_links.LinkTampered(status_links.NOT_OURS))
    if link.used_at is None:
        return redirect("status-link", token=token)
    deliverable = link.deliverable
    deliverable.refresh_from_db()
    response = render(
        request,
        "deliverables/status_done.html",
        {
            "link": link,
            "deliverable": deliverable,
            "report": status.latest_reports([deliverable]).get(deliverable.pk),
            "login_url": reverse("login"),
        },
    )
    return _private(response)


@require_POST
@login_required
def revoke_my_links(request: HttpRequest) -> HttpResponse:
    count = status_links.revoke_links(owner=request.user)
    if count:
        messages.success(request, f"Revoked {count} status link{'s' if count != 1 else ''}.")
    else:
        messages.info(request, "You had no status links that still work.")
    return redirect(reverse("my-deliverables") + "#status-links")


# --- reporting from the site (the deliverable's page, My deliverables) ----------------------


def _reportable(request: HttpRequest, deliverable_id: int) -> Deliverable:
    item = get_object_or_404(
        Deliverable.objects.live().select_related("period", "roadmap"), pk=deliverable_id
    )
    if not can_report_status(request.user, item):
        raise PermissionDenied(
            "Only the deliverable's owners, conveners and managers report on it."
        )
    return item


def _next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _report_page(
    request: HttpRequest, refusal: Refused | None, deliverable_id: int
) -> HttpResponse:
    item = _reportable(request, deliverable_id)
    return render(
        request,
        "deliverables/status_report.html",
        {
            "d": item,
            "healths": DeliverableChange.Health.choices,
            "reports": status.reports_of(item)[:5],
            "error": refusal.message if refusal else "",
            "error_field": refusal.field if refusal else None,
            "posted": request.POST if refusal else {},
            "next": _next(request, item.get_absolute_url()),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@answers_refusals(_report_page)
def deliverable_report(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    """The line form: a health and one line, by an owner (or a convener or manager)."""
    if request.method == "GET":
        return _report_page(request, None, deliverable_id)
    item = _reportable(request, deliverable_id)
    change = status.report_status(
        deliverable=item,
        by=request.user,
        health=request.POST.get("health", ""),
        line=request.POST.get("line", ""),
    )
    messages.success(request, f"Reported “{item.title}” {change.get_health_display().lower()}.")
    return redirect(_next(request, item.get_absolute_url()))
