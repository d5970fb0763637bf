"""Managers' tools: lifecycle (draft, agreed), carry-over, new roadmaps, outline import."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from adcmeet.core.access import can_manage_roadmap, login_required
from deliverables import actions
from deliverables.cards import local_today
from deliverables.forms import CarryOverForm, NewRoadmapForm, OutlineImportForm, RoadmapStateForm
from deliverables.models import Roadmap

# --- managers: lifecycle, carry-over, new roadmaps, import -----------------------------------


def _managed_roadmap(request: HttpRequest, roadmap_id: int) -> Roadmap:
    current = get_object_or_404(Roadmap, pk=roadmap_id)
    if not can_manage_roadmap(request.user):
        raise PermissionDenied
    return current


@require_POST
@login_required
def roadmap_state(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    current = _managed_roadmap(request, roadmap_id)
    form = RoadmapStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That state is not one a roadmap can have.")
        return redirect(current.get_absolute_url())
    try:
        actions.advance_roadmap(current, to_state=form.cleaned_data["state"], by=request.user)
    except actions.ActionError as exc:
        messages.error(request, exc.message)
        return redirect(current.get_absolute_url())
    if current.is_agreed:
        n = len(current.baseline or [])
        messages.success(
            request, f"{current} is agreed: its {n} deliverables are now the baseline."
        )
    else:
        messages.success(request, f"{current} is now a {current.get_state_display().lower()}.")
    return redirect(current.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_carry_over(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    current = _managed_roadmap(request, roadmap_id)
    if request.method == "POST":
        form = CarryOverForm(request.POST)
        if form.is_valid():
            try:
                successor = actions.carry_over(
                    current,
                    name=form.cleaned_data["name"],
                    year=form.cleaned_data["year"],
                    by=request.user,
                )
            except actions.ActionError as exc:
                form.add_error(exc.field, exc.message)
            else:
                n = successor.deliverables.count()
                messages.success(
                    request, f"{successor} starts as a strawman with {n} open items carried over."
                )
                return redirect(successor.get_absolute_url())
    else:
        form = CarryOverForm(initial={"name": current.name, "year": current.year + 1})
    open_count = current.deliverables.open().count()
    return render(
        request,
        "deliverables/carry_over.html",
        {"roadmap": current, "form": form, "open_count": open_count},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_new(request: HttpRequest) -> HttpResponse:
    if not can_manage_roadmap(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = NewRoadmapForm(request.POST)
        if form.is_valid():
            created = Roadmap(name=form.cleaned_data["name"], year=form.cleaned_data["year"])
            created._history_user = request.user
            created.save()
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


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_import(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    """Paste or upload an outline, preview what it would do, then confirm. Nothing is saved
    until the confirm step, and nothing at all if any line is wrong."""
    from deliverables.importer import (
        OutlineError,
        import_roadmap_outline,
        preview_roadmap_outline,
    )

    current = _managed_roadmap(request, roadmap_id)
    preview = None
    errors: list[tuple[int, str]] = []
    status = 200
    if request.method == "POST":
        form = OutlineImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["outline"]
            confirm = request.POST.get("action") == "confirm"
            if confirm and form.cleaned_data["previewed"] != form.digest(text):
                confirm = False
                messages.warning(
                    request, "The outline changed since its preview: check the new preview."
                )
            try:
                if confirm:
                    result = import_roadmap_outline(text, roadmap=current, by=request.user)
                else:
                    preview = preview_roadmap_outline(text, current)
            except OutlineError as exc:
                errors = exc.errors
                status = 422
            else:
                if confirm:
                    messages.success(
                        request,
                        f"Imported {len(result.new_deliverables)} deliverables and "
                        f"{len(result.new_periods)} periods into {current}.",
                    )
                    return redirect(current.get_absolute_url())
            # Keep the text the user gave (an upload becomes the text to confirm).
            form = OutlineImportForm(
                initial={"text": text, "previewed": form.digest(text) if preview else ""}
            )
        else:
            status = 422
    else:
        form = OutlineImportForm()
    return render(
        request,
        "deliverables/import.html",
        {"roadmap": current, "form": form, "preview": preview, "errors": errors},
        status=status,
    )
