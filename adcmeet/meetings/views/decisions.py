"""The decisions log: every decision recorded in the meetings the reader may see, newest
first, searchable by text and filterable by task force, project and deliverable, each linking
back to its meeting and item. A GET form: bookmarkable, and it works without JavaScript; with
htmx only the results region is swapped."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from adcmeet.core import params
from adcmeet.core import text as usertext
from adcmeet.core.access import site_visible
from adcmeet.meetings.models import Meeting, Outcome
from deliverables.models import Deliverable, Project
from taskforces.models import TaskForce

PAGE_SIZE = 50
# Longer than any real search; a longer query is cut, not run as a huge ILIKE pattern.
QUERY_LENGTH = 200
TEMPLATE = "meetings/decisions.html"


def visible_decisions(user):
    return Outcome.objects.decisions().filter(meeting__in=Meeting.objects.visible_to(user))


def _filters(request: HttpRequest) -> dict:
    q = " ".join(usertext.clean(request.GET.get("q", "")[:QUERY_LENGTH]).split())
    return {
        "q": q,
        "task_force": params.optional_id(request.GET.get("task_force")),
        "project": params.optional_id(request.GET.get("project")),
        "deliverable": params.optional_id(request.GET.get("deliverable")),
    }


def _filtered(decisions, filters: dict):
    if filters["q"]:
        decisions = decisions.filter(text__icontains=filters["q"])
    if filters["task_force"]:
        decisions = decisions.filter(task_force_id=filters["task_force"])
    if filters["project"]:
        decisions = decisions.filter(deliverable__project_id=filters["project"])
    if filters["deliverable"]:
        decisions = decisions.filter(deliverable_id=filters["deliverable"])
    return decisions


@require_GET
@site_visible
def decisions(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    visible = visible_decisions(request.user)
    rows = (
        _filtered(visible, filters)
        .select_related("meeting__series", "agenda_item", "deliverable", "task_force")
        .order_by("-meeting__start", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # The filters offer what decisions are about, not every task force and deliverable there is.
    context = {
        "page": page,
        "filters": filters,
        "query_string": urlencode({k: v for k, v in filters.items() if v}),
        "task_forces": TaskForce.objects.filter(pk__in=visible.values("task_force")).order_by(
            "name"
        ),
        "projects": Project.objects.filter(pk__in=visible.values("deliverable__project")).order_by(
            "name"
        ),
        "deliverables": Deliverable.objects.filter(pk__in=visible.values("deliverable")).order_by(
            "title"
        ),
        "filtered": any(filters.values()),
    }
    if request.htmx and request.htmx.target == "decision-results":
        return render(request, f"{TEMPLATE}#results", context)
    return render(request, TEMPLATE, context)
