"""The list of task forces, R&D activities and focus areas.

The same for every viewer, so it is cached (adcmeet.core.fragments); `LIST_PAGE` says which
rows it shows."""

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from adcmeet.core import fragments
from adcmeet.core.access import (
    site_visible,
)
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce


def _people():
    return Prefetch("conveners", queryset=get_user_model().objects.order_by("name", "username"))


# Everything the list shows (adcmeet.core.fragments): task forces, their conveners and
# outlines, checkpoints and their goals, people's names.
LIST_PAGE = fragments.Sources(
    "taskforces",
    TaskForce,
    TaskForce.conveners.through,
    OutlineItem,
    Checkpoint,
    CheckpointGoal,
    get_user_model(),
)


def _list_content(today) -> str:
    task_forces = list(
        TaskForce.objects.with_open_plan_count()
        .with_next_checkpoint(today)
        .prefetch_related(_people())
        .order_by(
            Case(
                When(status=TaskForce.Status.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            "name",
        )
    )
    checkpoints = Checkpoint.objects.in_bulk(
        {tf.next_checkpoint_id for tf in task_forces if tf.next_checkpoint_id}
    )
    for tf in task_forces:
        tf.next_checkpoint = checkpoints.get(tf.next_checkpoint_id)
        tf.days_to_checkpoint = tf.next_checkpoint.days_from(today) if tf.next_checkpoint else None
    return fragments.render_fragment(
        "taskforces/taskforce_list.html#listing", {"task_forces": task_forces, "today": today}
    )


@require_GET
@site_visible
def taskforce_list(request: HttpRequest) -> HttpResponse:
    # The same for every viewer: one copy per day until a shown row changes.
    today = timezone.localdate()
    listing = fragments.cached(LIST_PAGE.of(), (today,), lambda: _list_content(today))
    return render(request, "taskforces/taskforce_list.html", {"listing": listing})
