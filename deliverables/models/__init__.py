"""The deliverable roadmap: projects, roadmaps, periods, deliverables and their history.

May know task forces; knows nothing of meetings.
"""

from deliverables.models.deliverable import Deliverable
from deliverables.models.history import DeliverableChange
from deliverables.models.querysets import DeliverableQuerySet, PeriodQuerySet, PeriodTally
from deliverables.models.roadmap import Period, Project, Roadmap, RoadmapQuerySet
from deliverables.models.status import StatusLink, StatusRequest

__all__ = [
    "Deliverable",
    "DeliverableChange",
    "DeliverableQuerySet",
    "Period",
    "PeriodQuerySet",
    "PeriodTally",
    "Project",
    "Roadmap",
    "RoadmapQuerySet",
    "StatusLink",
    "StatusRequest",
]
