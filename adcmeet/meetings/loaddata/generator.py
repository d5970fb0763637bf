"""The Generator: the state the steps share, and the steps in order."""

import datetime
import random

from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.meetings.loaddata import meetings, people, roadmaps, taskforces
from adcmeet.meetings.loaddata.shape import Sizes
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting
from deliverables.models import Deliverable, DeliverableChange, Project, Roadmap
from taskforces.models import Checkpoint, OutlineItem, TaskForce


class Generator:
    """One run: a seeded random stream and what each step leaves for the next ones.

    The steps (one module each) run in a fixed order and draw from the one `rng`, so the
    order of the steps and of the draws within them is part of the output.
    """

    # Set by people.make_users.
    bench_convener: User
    bench_developer: User
    bench_manager: User
    conveners: list[User]
    managers: list[User]
    developers: list[User]
    externals: list[User]
    people: list[User]
    # Set by taskforces.make_task_forces, make_checkpoints, make_outlines.
    task_forces: list[TaskForce]
    tf_conveners: dict[int, int]
    checkpoints: list[Checkpoint]
    goal_checkpoints: dict[int, list[int]]
    outline_by_tf: dict[int, list[int]]
    # Set by roadmaps.make_roadmaps.
    projects: list[Project]
    deliverables_by_year: dict[int, list[int]]
    deliverable_titles: dict[int, str]

    def __init__(self, *, seed: int, scale: float, today: datetime.date, log) -> None:
        self.rng = random.Random(seed)
        self.sizes = Sizes.at(scale)
        self.today = today
        self.now = timezone.now()
        self.log = log

    def run(self) -> dict[str, int]:
        people.make_users(self)
        taskforces.make_task_forces(self)
        taskforces.make_checkpoints(self)
        taskforces.make_outlines(self)
        roadmaps.make_roadmaps(self)
        meetings.make_meetings(self)
        return {
            "users": User.objects.count(),
            "task forces": TaskForce.objects.count(),
            "outline items": OutlineItem.objects.count(),
            "checkpoints": Checkpoint.objects.count(),
            "roadmaps": Roadmap.objects.count(),
            "deliverables": Deliverable.objects.count(),
            "deliverable changes": DeliverableChange.objects.count(),
            "meetings": Meeting.objects.count(),
            "agenda items": AgendaItem.objects.count(),
            "action items": ActionItem.objects.count(),
        }

    def step(self, what: str) -> None:
        self.log(f"  {what}")

    @property
    def bench_users(self) -> tuple[User, User, User]:
        return (self.bench_convener, self.bench_developer, self.bench_manager)
