"""A deliverable's page and its card's actions (status, move, owners, take, delete, restore).

Cards are `{% partialdef %}`s: htmx swaps the fresh card in place; without JavaScript the same
forms post and redirect back. Every mutating view checks adcmeet.core.access first, then calls
deliverables.actions.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from adcmeet.core.access import (
    can_assign_owners,
    can_delete_deliverable,
    can_edit_deliverable,
    can_report_status,
    can_take_deliverable,
    login_required,
    site_visible,
)
from adcmeet.core.versioning import Refused, answers_refusals
from deliverables import actions
from deliverables.actions.status import reports_of
from deliverables.cards import card_queryset, decorate, local_today
from deliverables.forms import DeleteForm, MoveForm, OwnersForm, StatusForm, VersionedForm
from deliverables.models import Deliverable, DeliverableChange, Period

# Extra sections of a deliverable's page filled by apps this one must not import (the
# meetings domain registers "meetings where it was discussed" here from its AppConfig.ready):
# each callable takes (request, deliverable) and returns safe HTML or "".
DELIVERABLE_PANELS: list[Callable[[HttpRequest, Deliverable], SafeString | str]] = []


def _fresh_card(deliverable_id: int, request: HttpRequest) -> Deliverable:
    item = get_object_or_404(
        card_queryset(Deliverable.objects.all()).prefetch_related(
            Prefetch("roadmap__periods", queryset=Period.objects.order_by("order"))
        ),
        pk=deliverable_id,
    )
    decorate([item], request.user, local_today())
    return item


def _editable_deliverable(request: HttpRequest, deliverable_id: int) -> Deliverable:
    item = get_object_or_404(
        Deliverable.objects.select_related("period", "roadmap").prefetch_related("owners"),
        pk=deliverable_id,
    )
    if not can_edit_deliverable(request.user, item):
        raise PermissionDenied("Only its owners, conveners and managers can change a deliverable.")
    return item


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    # A path on this site only: redirect() would read any other word as a URL name (a 500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- deliverable actions --------------------------------------------------------------------


def _card_response(
    request: HttpRequest,
    deliverable_id: int,
    *,
    status: int = 200,
    message: str = "",
    move_form: MoveForm | None = None,
) -> HttpResponse:
    """The fresh card (htmx) or, without JavaScript, the deliverable's page with the message."""
    item = _fresh_card(deliverable_id, request)
    context = {
        "d": item,
        "card_message": message,
        "card_message_is_error": status >= 400,
        "move_form": move_form,
        "next": request.POST.get("next", ""),
    }
    if request.htmx:
        return render(request, "deliverables/mine.html#card", context, status=status)
    return _deliverable_page(request, item, context, status=status)


def _after_change(request: HttpRequest, item: Deliverable, message: str) -> HttpResponse:
    if request.htmx:
        return _card_response(request, item.pk, message=message)
    messages.success(request, message)
    return redirect(_back(request, item.get_absolute_url()))


def _card_refused(request: HttpRequest, refusal: Refused, deliverable_id: int) -> HttpResponse:
    """The one answer to a refused card action (adcmeet.core.versioning.answers_refusals): the
    card as it stands now with the refusal's message, and a refused move's form as the user
    filled it (target and reason kept, the fresh version underneath)."""
    move_form = None
    if request.resolver_match and request.resolver_match.url_name == "deliverable-move":
        item = get_object_or_404(Deliverable, pk=deliverable_id)
        move_form = MoveForm(request.POST, deliverable=item)
        if move_form.is_valid() and refusal.field in move_form.fields:
            move_form.add_error(refusal.field, refusal.message)
    return _card_response(
        request, deliverable_id, status=refusal.status, message=refusal.message, move_form=move_form
    )


@require_POST
@login_required
@answers_refusals(_card_refused)
def deliverable_status(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _editable_deliverable(request, deliverable_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        raise Refused("That status change was not understood.")
    actions.set_status(
        item,
        status=form.cleaned_data["status"],
        by=request.user,
        version=form.cleaned_data["version"],
        reason=form.cleaned_data["reason"],
    )
    label = item.get_status_display().lower()
    return _after_change(request, item, f"“{item.title}” is now {label}.")


@require_POST
@login_required
@answers_refusals(_card_refused)
def deliverable_move(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _editable_deliverable(request, deliverable_id)
    form = MoveForm(request.POST, deliverable=item)
    if not form.is_valid():
        raise Refused("The deliverable was not moved: see below.")
    change = actions.move_to_period(
        item,
        period=form.cleaned_data["period"],
        by=request.user,
        version=form.cleaned_data["version"],
        reason=form.cleaned_data["reason"],
    )
    verb = "was pulled in" if change.kind == DeliverableChange.Kind.PULL_IN else "moved"
    message = f"“{item.title}” {verb} {change.from_period.label} → {change.to_period.label}."
    return _after_change(request, item, message)


def _owned_fetch(request: HttpRequest, deliverable_id: int, allowed, why: str) -> Deliverable:
    item = get_object_or_404(
        Deliverable.objects.select_related("roadmap").prefetch_related("owners"),
        pk=deliverable_id,
    )
    if not allowed(request.user, item):
        raise PermissionDenied(why)
    return item


def _owners_message(item: Deliverable) -> str:
    names = ", ".join(sorted((u.display_name for u in item.owners.all()), key=str.lower))
    return f"“{item.title}” is now owned by {names}." if names else f"“{item.title}” has no owner."


@require_POST
@login_required
@answers_refusals(_card_refused)
def deliverable_owners(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _owned_fetch(
        request,
        deliverable_id,
        can_assign_owners,
        "Only conveners and managers assign a deliverable's owners.",
    )
    form = OwnersForm(request.POST, deliverable=item)
    if not form.is_valid():
        raise Refused("Those owners were not understood: nothing changed.", field="owners")
    change = actions.set_owners(
        item,
        owners=form.cleaned_data["owners"],
        by=request.user,
        version=form.cleaned_data["version"],
    )
    message = _owners_message(item) if change else "The owners are unchanged."
    return _after_change(request, item, message)


@require_POST
@login_required
@answers_refusals(_card_refused)
def deliverable_take(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _owned_fetch(
        request,
        deliverable_id,
        can_take_deliverable,
        "Only ADC developers, conveners and managers take on deliverables.",
    )
    form = VersionedForm(request.POST)
    if not form.is_valid():
        raise Refused("Nothing was taken.")
    actions.take_deliverable(item, by=request.user, version=form.cleaned_data["version"])
    return _after_change(request, item, f"You own “{item.title}” now.")


def _deletable(request: HttpRequest, deliverable_id: int) -> Deliverable:
    item = get_object_or_404(Deliverable.objects.select_related("roadmap"), pk=deliverable_id)
    if not can_delete_deliverable(request.user, item):
        raise PermissionDenied("Only conveners and managers take deliverables off the roadmap.")
    return item


@require_POST
@login_required
@answers_refusals(_card_refused)
def deliverable_delete(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _deletable(request, deliverable_id)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        raise Refused("Nothing was deleted.")
    actions.delete_deliverable(
        item,
        by=request.user,
        version=form.cleaned_data["version"],
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, f"“{item.title}” was taken off the roadmap; it can be restored.")
    return redirect(item.get_absolute_url())


@require_POST
@login_required
@answers_refusals(_card_refused)
def deliverable_restore(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _deletable(request, deliverable_id)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        raise Refused("Nothing was restored.")
    actions.restore_deliverable(item, by=request.user, version=form.cleaned_data["version"])
    messages.success(request, f"“{item.title}” is back on the roadmap.")
    return redirect(item.get_absolute_url())


# --- a deliverable's page -------------------------------------------------------------------


def _deliverable_page(
    request: HttpRequest, item: Deliverable, context: dict, *, status: int = 200
) -> HttpResponse:
    history = item.changes.select_related("by", "from_period", "to_period").order_by("at", "id")
    context = {
        **context,
        "d": item,
        "history": history,
        "can_delete": can_delete_deliverable(request.user, item),
        "carried_to": item.carried_to.select_related("roadmap").order_by("id"),
        "panels": [panel(request, item) for panel in DELIVERABLE_PANELS],
        # Status reports (deliverables.actions.status): the lines, newest first, and the form.
        "reports": reports_of(item),
        "can_report": can_report_status(request.user, item),
        "healths": DeliverableChange.Health.choices,
    }
    return render(request, "deliverables/deliverable.html", context, status=status)


@require_GET
@site_visible
def deliverable_detail(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = get_object_or_404(Deliverable, pk=deliverable_id)
    # A soft-deleted deliverable stays reachable for those who can bring it back.
    if item.is_deleted and not can_delete_deliverable(request.user, item):
        raise Http404("No such deliverable.")
    item = _fresh_card(item.pk, request)
    return _deliverable_page(request, item, {"next": item.get_absolute_url()})
