"""Small keyword-default factory functions with fixed, readable values.

Each returns a saved object; pass only what the test is about.
"""

import datetime
import itertools
import zoneinfo

from django.contrib.auth.models import Group

from adcmeet.accounts.models import User
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting, MeetingSeries
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from taskforces.models import Checkpoint, OutlineItem, TaskForce

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
_seq = itertools.count(1)

# The seed report's buckets, with the 2011 dates; "Later" has no end.
STANDARD_PERIODS = (
    ("April", (4, 1), (4, 30)),
    ("May", (5, 1), (5, 31)),
    ("June", (6, 1), (6, 30)),
    ("Summer", (7, 1), (8, 31)),
    ("Fall", (9, 1), (12, 31)),
    ("Later", (1, 1), None),
)


def make_user(username: str = "alice", *, roles: tuple[str, ...] = (), **fields) -> User:
    fields.setdefault("name", username.capitalize())
    fields.setdefault("email", f"{username}@example.org")
    user = User.objects.create_user(username=username, password="correct-horse-9", **fields)
    for role in roles:
        # get_or_create: a transactional test's flush removes the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_series(**fields) -> MeetingSeries:
    fields.setdefault("name", "ADC development meeting")
    fields.setdefault("slug", "adc-dev")
    fields.setdefault("mailing_list", "atlas-adc-dev@example.org")
    fields.setdefault("location", "CERN 513-1-024")
    fields.setdefault("video_url", "https://example.org/vidyo/adc-dev")
    return MeetingSeries.objects.create(**fields)


def make_meeting(
    series: MeetingSeries | None = None, *, on: datetime.date = datetime.date(2031, 1, 15), **fields
) -> Meeting:
    series = series or MeetingSeries.objects.first() or make_series()
    fields.setdefault("start", series.start_on(on))
    fields.setdefault("scheduled_for", on)
    return Meeting.objects.create(series=series, **fields)


def make_item(meeting: Meeting, title: str = "PanDA news", **fields) -> AgendaItem:
    fields.setdefault("section", AgendaItem.Section.HOT)
    fields.setdefault("duration_minutes", 10)
    if "position" not in fields:
        fields["position"] = meeting.items.count()
    return AgendaItem.objects.create(meeting=meeting, title=title, **fields)


def make_action(meeting: Meeting, text: str = "Send the slides", **fields) -> ActionItem:
    return ActionItem.objects.create(meeting=meeting, text=text, **fields)


def make_task_force(name: str = "Rucio", **fields) -> TaskForce:
    fields.setdefault("slug", name.lower().replace(" ", "-").replace("&", "and"))
    return TaskForce.objects.create(name=name, **fields)


def make_outline_item(task_force: TaskForce, text: str = "Architecture", **fields) -> OutlineItem:
    return OutlineItem.objects.create(task_force=task_force, text=text, **fields)


def make_checkpoint(name: str = "Dubna workshop", **fields) -> Checkpoint:
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    fields.setdefault("date", datetime.date(2031, 6, 1))
    return Checkpoint.objects.create(name=name, **fields)


def make_project(name: str = "PanDA", **fields) -> Project:
    fields.setdefault("slug", name.lower())
    project, _ = Project.objects.get_or_create(name=name, defaults=fields)
    return project


def make_roadmap(year: int = 2031, *, name: str = "PanDA+Prodsys", **fields) -> Roadmap:
    roadmap = Roadmap.objects.create(name=name, year=year, **fields)
    for order, (label, start, end) in enumerate(STANDARD_PERIODS):
        start_date = datetime.date(year + (1 if label == "Later" else 0), *start)
        Period.objects.create(
            roadmap=roadmap,
            label=label,
            order=order,
            start=start_date,
            end=datetime.date(year, *end) if end else None,
        )
    return roadmap


def make_deliverable(
    title: str = "new looping job killer in pilot",
    *,
    roadmap: Roadmap | None = None,
    period: str = "April",
    owners: tuple[User, ...] = (),
    **fields,
) -> Deliverable:
    roadmap = roadmap or Roadmap.objects.first() or make_roadmap()
    deliverable = Deliverable.objects.create(
        roadmap=roadmap, period=roadmap.periods.get(label=period), title=title, **fields
    )
    deliverable.owners.set(owners)
    DeliverableChange.objects.create(
        deliverable=deliverable, kind=DeliverableChange.Kind.CREATED, to_period=deliverable.period
    )
    return deliverable


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}"
