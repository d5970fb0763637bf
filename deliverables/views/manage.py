"""Managers' tools: lifecycle (draft, agreed), carry-over, new roadmaps, outline import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from adcmeet.core.access import can_manage_roadmap, login_required
from adcmeet.core.request_limits import accepts_uploads
from adcmeet.core.versioning import Conflict, Refused, answers_refusals
from deliverables import actions
from deliverables.cards import local_today
from deliverables.forms import (
    MAX_OUTLINE_BYTES,
    CarryOverForm,
    NewRoadmapForm,
    OutlineImportForm,
    RoadmapStateForm,
)
from deliverables.importer import OutlineError, import_roadmap_outline, preview_roadmap_outline
from deliverables.models import Roadmap
from deliverables.views.roadmap import roadmap_page


def _managed_roadmap(request: HttpRequest, roadmap_id: int) -> Roadmap:
    current = get_object_or_404(Roadmap, pk=roadmap_id)
    if not can_manage_roadmap(request.user):
        raise PermissionDenied("Only managers run a roadmap's lifecycle and imports.")
    return current


def _state_refused(request: HttpRequest, refusal: Refused, roadmap_id: int) -> HttpResponse:
    """The roadmap as it stands now, saying why its state did not change."""
    messages.error(request, refusal.message)
    return roadmap_page(request, get_object_or_404(Roadmap, pk=roadmap_id))


@require_POST
@login_required
@answers_refusals(_state_refused)
def roadmap_state(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    current = _managed_roadmap(request, roadmap_id)
    form = RoadmapStateForm(request.POST)
    if not form.is_valid():
        raise Refused("That state is not one a roadmap can have.")
    if form.cleaned_data["state"] == Roadmap.State.AGREED and request.POST.get("confirm") != "yes":
        # Agreeing freezes the baseline: say so and ask once more, on a page of its own (no
        # JavaScript needed). A stale button is answered as the action would answer it.
        if form.cleaned_data["version"] != current.version:
            raise Conflict(current)
        return render(
            request,
            "deliverables/agree.html",
            {
                "roadmap": current,
                "count": current.deliverables.live().count(),
                "undo_minutes": actions.AGREEMENT_UNDO_WINDOW.seconds // 60,
            },
        )
    actions.advance_roadmap(
        current,
        to_state=form.cleaned_data["state"],
        by=request.user,
        version=form.cleaned_data["version"],
    )
    if current.is_agreed:
        n = len(current.baseline or [])
        minutes = actions.AGREEMENT_UNDO_WINDOW.seconds // 60
        messages.success(
            request,
            f"{current} is agreed: its {n} deliverables are now the baseline. You can undo "
            f"this for {minutes} minutes, as long as nothing is changed meanwhile.",
        )
    else:
        messages.success(request, f"{current} is now a {current.get_state_display().lower()}.")
    return redirect(current.get_absolute_url())


@require_POST
@login_required
@answers_refusals(_state_refused)
def roadmap_agree_undo(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    current = _managed_roadmap(request, roadmap_id)
    form = RoadmapStateForm({"state": Roadmap.State.DRAFT, "version": request.POST.get("version")})
    if not form.is_valid():
        raise Refused("Nothing was undone.")
    actions.undo_agreement(current, by=request.user, version=form.cleaned_data["version"])
    messages.success(request, f"The agreement was undone: {current} is a draft again, no baseline.")
    return redirect(current.get_absolute_url())


def _carry_over_page(
    request: HttpRequest, current: Roadmap, form: CarryOverForm, *, status: int = 200
) -> HttpResponse:
    open_count = current.deliverables.open().count()
    return render(
        request,
        "deliverables/carry_over.html",
        {"roadmap": current, "form": form, "open_count": open_count},
        status=status,
    )


def _carry_over_refused(request: HttpRequest, refusal: Refused, roadmap_id: int) -> HttpResponse:
    form = CarryOverForm(request.POST)
    if form.is_valid():
        form.add_error(refusal.field, refusal.message)
    return _carry_over_page(request, get_object_or_404(Roadmap, pk=roadmap_id), form)


@require_http_methods(["GET", "POST"])
@login_required
@answers_refusals(_carry_over_refused)
def roadmap_carry_over(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    current = _managed_roadmap(request, roadmap_id)
    if request.method != "POST":
        form = CarryOverForm(initial={"name": current.name, "year": current.year + 1})
        return _carry_over_page(request, current, form)
    form = CarryOverForm(request.POST)
    if not form.is_valid():
        return _carry_over_page(request, current, form, status=422)
    successor = actions.carry_over(
        current, name=form.cleaned_data["name"], year=form.cleaned_data["year"], by=request.user
    )
    n = successor.deliverables.count()
    messages.success(request, f"{successor} starts as a strawman with {n} open items carried over.")
    return redirect(successor.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_new(request: HttpRequest) -> HttpResponse:
    if not can_manage_roadmap(request.user):
        raise PermissionDenied("Only managers run a roadmap's lifecycle and imports.")
    if request.method == "POST":
        form = NewRoadmapForm(request.POST)
        if form.is_valid():
            try:
                created = actions.create_roadmap(
                    name=form.cleaned_data["name"], year=form.cleaned_data["year"], by=request.user
                )
            except Refused as refusal:  # lost the race for the name to another manager
                form.add_error(refusal.field, refusal.message)
            else:
                messages.success(
                    request, f"{created} created as a strawman: import its outline to fill it."
                )
                return redirect("roadmap-import", roadmap_id=created.pk)
    else:
        form = NewRoadmapForm(initial={"year": local_today().year})
    return render(
        request,
        "deliverables/roadmap_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


def _import_page(
    request: HttpRequest,
    roadmap: Roadmap,
    form: OutlineImportForm,
    *,
    text: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The import page; given `text`, its preview against the roadmap as it is now (or the
    outline's errors), with the text kept for the confirm step (an upload becomes text)."""
    preview, errors = None, []
    if text is not None:
        try:
            preview = preview_roadmap_outline(text, roadmap)
        except OutlineError as exc:
            errors, status = exc.errors, 422
        form = OutlineImportForm(
            initial={
                "text": text,
                "previewed": form.digest(text) if preview else "",
                "version": roadmap.version,
            }
        )
    return render(
        request,
        "deliverables/import.html",
        {"roadmap": roadmap, "form": form, "preview": preview, "errors": errors},
        status=status,
    )


def _import_refused(request: HttpRequest, refusal: Refused, roadmap_id: int) -> HttpResponse:
    """The roadmap changed since the preview: preview the same outline again, against it."""
    messages.error(request, refusal.message)
    form = OutlineImportForm(request.POST, request.FILES)
    text = form.cleaned_data["outline"] if form.is_valid() else None
    return _import_page(request, get_object_or_404(Roadmap, pk=roadmap_id), form, text=text)


@accepts_uploads(max_bytes=MAX_OUTLINE_BYTES)
@require_http_methods(["GET", "POST"])
@login_required
@answers_refusals(_import_refused)
def roadmap_import(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    """Paste or upload an outline, preview what it would do, then confirm. Nothing is saved
    until the confirm step, and nothing at all if any line is wrong or the roadmap changed
    since the preview."""
    current = _managed_roadmap(request, roadmap_id)
    if request.method != "POST":
        return _import_page(
            request, current, OutlineImportForm(initial={"version": current.version})
        )
    form = OutlineImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, current, form, status=422)
    text = form.cleaned_data["outline"]
    if request.POST.get("action") != "confirm":
        return _import_page(request, current, form, text=text)
    if form.cleaned_data["previewed"] != form.digest(text):
        messages.warning(request, "The outline changed since its preview: check the new preview.")
        return _import_page(request, current, form, text=text)
    try:
        result = import_roadmap_outline(
            text, roadmap=current, by=request.user, version=form.cleaned_data["version"]
        )
    except OutlineError:
        return _import_page(request, current, form, text=text)
    messages.success(
        request,
        f"Imported {len(result.new_deliverables)} deliverables and "
        f"{len(result.new_periods)} periods into {current}.",
    )
    return redirect(current.get_absolute_url())
