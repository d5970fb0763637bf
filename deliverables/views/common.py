"""What several roadmap pages share."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from deliverables.models import Roadmap


def roadmap_or_404(roadmap_id: int | None) -> Roadmap:
    # The baseline (a JSON copy of the agreed plan) is read only when comparing.
    roadmaps = Roadmap.objects.defer("baseline")
    if roadmap_id is None:
        roadmap = roadmaps.current()
        if roadmap is None:
            raise Http404("There is no roadmap yet.")
        return roadmap
    return get_object_or_404(roadmaps, pk=roadmap_id)
