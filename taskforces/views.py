from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from taskforces.models import Checkpoint, TaskForce


@require_GET
def taskforce_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "taskforces/taskforce_list.html", {"task_forces": TaskForce.objects.all()}
    )


@require_GET
def taskforce_detail(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = get_object_or_404(TaskForce, slug=slug)
    return render(request, "taskforces/taskforce.html", {"task_force": task_force})


@require_GET
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "taskforces/checkpoint_list.html", {"checkpoints": Checkpoint.objects.all()}
    )


@require_GET
def checkpoint_detail(request: HttpRequest, slug: str) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    return render(request, "taskforces/checkpoint.html", {"checkpoint": checkpoint})
