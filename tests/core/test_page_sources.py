"""Every cached page region declares what it shows (adcmeet.core.fragments.Sources), and the
declarations are true (issue 12).

1. Coverage: rendering a region on a miss reads no table its declaration leaves out (the
   queries run inside the region's render, captured). A page that forgot a table fails here.
2. Freshness, for each page, declared source and write path: a change of that one table
   alone — through `.save()`, a queryset `.update()` (no auto_now, no version bump), the admin
   as a superuser, and for M2M links `add()`/`remove()` — is seen on the next view: the page
   served after the change is the page rendered from scratch, and differs from the one before.
   The parameters are derived from the declarations, so a new source needs a way to change it
   here.

On SQLite nothing is cached (no row versions): part 2 only runs on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone

import adcmeet.core.fragments as fragments
from adcmeet.accounts.models import CONVENER, DEVELOPER, User
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingSeries,
    Outcome,
)
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce
from tests import factories

pytestmark = pytest.mark.django_db

get_resolver().url_patterns  # noqa: B018 - imports every view, hence every declaration


# --- the world every page shows a part of ----------------------------------------------------


@dataclasses.dataclass
class World:
    convener: User
    developer: User
    manager: User
    series: MeetingSeries
    meeting: Meeting
    item: AgendaItem
    action: ActionItem
    pilot: TaskForce
    question: OutlineItem
    plan: OutlineItem
    checkpoint: Checkpoint
    goal: CheckpointGoal
    roadmap: Roadmap
    period: Period
    deliverable: Deliverable
    other: Deliverable
    rucio: TaskForce
    project: Project
    outcome: Outcome
    attendance: Attendance


@pytest.fixture
def world(db) -> World:
    today = timezone.localdate()
    convener = factories.make_user("alice", roles=(CONVENER,), name="Alice Convener")
    developer = factories.make_user("bob", roles=(DEVELOPER,), name="Bob Developer")
    manager = factories.make_user("carol", name="Carol Manager")
    series = factories.make_series()
    meeting = factories.make_meeting(
        series,
        on=today + datetime.timedelta(days=7),
        # A draft: the admin leaves a published agenda to the builder (its rules and mail).
        state=Meeting.State.DRAFT,
        title="Pilot week",
    )
    pilot = factories.make_task_force("Pilot")
    pilot.conveners.add(developer)
    question = factories.make_outline_item(pilot, "multicore queues?", kind="question")
    plan = factories.make_outline_item(pilot, "multicore queues", kind="plan")
    checkpoint = factories.make_checkpoint("Dubna workshop", date=today + datetime.timedelta(30))
    goal = CheckpointGoal.objects.create(checkpoint=checkpoint, task_force=pilot, goal="demo")
    project = factories.make_project("PanDA")
    roadmap = factories.make_roadmap(today.year)
    deliverable = factories.make_deliverable(
        "looping job killer",
        roadmap=roadmap,
        period="Later",
        owners=(developer,),
        project=project,
        task_force=pilot,
        deadline=today + datetime.timedelta(days=40),
    )
    other = factories.make_deliverable(
        "Rucio in pilot",
        roadmap=roadmap,
        period="Later",
        owners=(manager,),
        deadline=today + datetime.timedelta(days=50),
    )
    rucio = factories.make_task_force("Rucio")
    item = factories.make_item(
        meeting,
        "PanDA server release",
        presenter=developer,
        task_force=pilot,
        outline_item=question,
        deliverable=deliverable,
    )
    action = factories.make_action(meeting, "Send the slides", owner=developer)
    return World(
        convener=convener,
        developer=developer,
        manager=manager,
        series=series,
        meeting=meeting,
        item=item,
        action=action,
        pilot=pilot,
        question=question,
        plan=plan,
        checkpoint=checkpoint,
        goal=goal,
        roadmap=roadmap,
        period=deliverable.period,
        deliverable=deliverable,
        other=other,
        rucio=rucio,
        project=project,
        outcome=Outcome.objects.create(
            meeting=meeting, agenda_item=item, kind="decision", text="Ship it in May"
        ),
        attendance=Attendance.objects.create(meeting=meeting, user=developer),
    )


# --- how each declared region is viewed -------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Visit:
    url: Callable[[World], str]
    as_user: Callable[[World], User | None] = lambda w: None


VISITS = {
    "home": Visit(lambda w: "/"),
    "meeting": Visit(lambda w: f"/meetings/{w.meeting.pk}/"),
    "personal-feed": Visit(lambda w: f"/calendar/me/{w.developer.calendar_token}.ics"),
    "series-feed": Visit(lambda w: f"/calendar/{w.series.slug}.ics"),
    "item-choices": Visit(lambda w: f"/meetings/{w.meeting.pk}/edit/", lambda w: w.convener),
    "roadmap": Visit(lambda w: "/roadmap/"),
    "taskforces": Visit(lambda w: "/taskforces/"),
}

# A CSRF token is masked afresh for every response.
VOLATILE = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')


def view(world: World, name: str) -> str:
    visit = VISITS[name]
    client = Client()
    if (user := visit.as_user(world)) is not None:
        client.force_login(user)
    response = client.get(visit.url(world))
    assert response.status_code == 200, (name, response.status_code)
    return VOLATILE.sub("", response.content.decode())


def test_every_declared_region_has_a_visit():
    assert set(fragments.PAGES) <= set(VISITS), "a cached region nobody checks"


# --- 1. the declaration covers every table the region reads -----------------------------------

# Read while rendering, and not what the region shows: who is asking (roles for the rights in
# the key are asked before; sessions are the request's).
NOT_SHOWN = {"django_session", "auth_group", "accounts_user_groups"}
TABLE = re.compile(r'(?:FROM|JOIN)\s+"([a-z0-9_]+)"', re.IGNORECASE)


def tables_read(sql: str) -> set[str]:
    return set(TABLE.findall(sql))


@pytest.mark.parametrize("name", sorted(VISITS))
def test_a_region_reads_only_tables_its_sources_declare(world, name, monkeypatch):
    if name not in fragments.PAGES:
        pytest.skip(f"{name} does not declare its sources yet")
    captured: dict[str, set[str]] = {}
    render = fragments._render

    def watched(source, produce):
        with CaptureQueriesContext(connection) as queries:
            value = render(source, produce)
        for query in queries:
            captured.setdefault(source, set()).update(tables_read(query["sql"]))
        return value

    monkeypatch.setattr(fragments, "_render", watched)
    cache.clear()
    view(world, name)

    declared = {model._meta.db_table for model in fragments.PAGES[name].models()}
    read = captured.get(name, set())
    assert read, f"{name}: nothing rendered under its declaration"
    undeclared = read - declared - NOT_SHOWN
    assert undeclared == set(), f"{name} reads undeclared tables: {sorted(undeclared)}"


# --- 2. a change of each declared table is seen on the next view -----------------------------


@dataclasses.dataclass(frozen=True)
class Change:
    """A change of one row the pages show: `field` set to `value` (or `value(world)`) on
    `row(world)`."""

    row: Callable[[World], object]
    field: str
    value: object


CHANGES: dict[str, Change] = {
    "meetings.meetingseries": Change(lambda w: w.series, "name", "ADC weekly"),
    "adcmeet.meetingseries": Change(lambda w: w.series, "name", "ADC weekly"),
    "adcmeet.meeting": Change(lambda w: w.meeting, "title", "Rucio week"),
    "adcmeet.agendaitem": Change(lambda w: w.item, "title", "PanDA server 0.0.12"),
    "adcmeet.actionitem": Change(lambda w: w.action, "text", "Mail the minutes"),
    "accounts.user": Change(lambda w: w.developer, "name", "Robert Developer"),
    "taskforces.taskforce": Change(lambda w: w.pilot, "name", "Pilot 3"),
    "taskforces.outlineitem": Change(lambda w: w.question, "text", "which queues?"),
    "taskforces.checkpoint": Change(lambda w: w.checkpoint, "name", "Dubna 2"),
    "taskforces.checkpointgoal": Change(lambda w: w.goal, "goal", "a live demo"),
    "deliverables.roadmap": Change(lambda w: w.roadmap, "name", "PanDA+Rucio"),
    "deliverables.period": Change(lambda w: w.period, "label", "Much later"),
    "deliverables.deliverable": Change(lambda w: w.deliverable, "title", "job killer v2"),
    "deliverables.project": Change(lambda w: w.project, "name", "PanDA WMS"),
    "adcmeet.outcome": Change(lambda w: w.outcome, "text", "Ship it in June"),
    "adcmeet.attendance": Change(lambda w: w.attendance, "status", "regrets"),
}
# Where a page shows a table by something else than the field above.
PAGE_CHANGES: dict[tuple[str, str], Change] = {
    ("home", "deliverables.deliverable"): Change(lambda w: w.deliverable, "tentative", True),
    ("personal-feed", "adcmeet.meetingseries"): Change(lambda w: w.series, "location", "40-R-C10"),
    # The feed shows an owner's open actions that have a due date: giving it one shows it.
    ("personal-feed", "adcmeet.actionitem"): Change(
        lambda w: w.action, "due", timezone.localdate() + datetime.timedelta(days=3)
    ),
    # The list counts open plans and names each task force's next checkpoint (by its goals).
    ("taskforces", "taskforces.outlineitem"): Change(lambda w: w.plan, "done", True),
    ("taskforces", "taskforces.checkpointgoal"): Change(
        lambda w: w.goal, "task_force", lambda w: w.rucio
    ),
}
# M2M links: the row the developer is linked to (removed from it, or replaced by the manager
# in the admin), another one they are added to, and the field.
LINKS: dict[str, tuple[Callable[[World], object], Callable[[World], object], str]] = {
    "deliverables.deliverable_owners": (lambda w: w.deliverable, lambda w: w.other, "owners"),
    "taskforces.taskforce_conveners": (lambda w: w.pilot, lambda w: w.rucio, "conveners"),
}
# Append-only tables (declared with Newest): a new row.
APPENDS: dict[str, Callable[[World], object]] = {
    "deliverables.deliverablechange": lambda w: DeliverableChange.objects.create(
        deliverable=w.deliverable,
        kind=DeliverableChange.Kind.MOVE,
        from_period=w.roadmap.periods.get(label="April"),
        to_period=w.period,
        is_slip=True,
        reason="waiting for the new pilot",
    )
}


# Where a page shows a new row of an append-only table by something else than the one above.
PAGE_APPENDS: dict[tuple[str, str], Callable[[World], object]] = {
    # The agenda shows the owner's status line beside the deliverable's tracking item.
    ("meeting", "deliverables.deliverablechange"): lambda w: DeliverableChange.objects.create(
        deliverable=w.deliverable,
        kind=DeliverableChange.Kind.REPORT,
        health=DeliverableChange.Health.AT_RISK,
        line="waiting for the new pilot",
    )
}


# Declared because the region reads them, though nothing of them shows (yet): a change cannot
# be seen, so there is nothing to check.
NOT_SHOWN_ON = {
    ("meeting", "taskforces.outlineitem"): "the agenda is read with its items' questions",
    # The consent agenda picks its candidates by these (actions.tracking.consent_agenda); in
    # this world no deliverable is due at the meeting, so none passes by consent.
    ("meeting", "deliverables.roadmap"): "the consent agenda reads the current roadmap",
    ("meeting", "deliverables.period"): "the consent agenda reads the meeting's period",
}


def cases():
    for name in sorted(fragments.PAGES):
        sources = fragments.PAGES[name]
        for model in dict.fromkeys(sources.models()):
            label = model._meta.label_lower
            if (name, label) in NOT_SHOWN_ON:
                continue
            if sources.is_append_only(model):
                paths = ["insert"]
            elif label in LINKS:
                paths = ["add", "remove", "admin"]
            else:
                paths = ["save", "update", "admin"]
            for path in paths:
                yield pytest.param(name, label, path, id=f"{name}-{label}-{path}")


# The admin edits inline rows through their parent's page (checkpoint goals, being versioned,
# have a change page of their own).
ADMIN_PARENT = {
    "deliverables.period": lambda period: period.roadmap,
}


class FormFields(HTMLParser):
    """The fields a browser would submit from the admin's change form, as they are."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.data.setdefault(a["name"], []).append(a.get("value", default))
        elif tag == "select":
            self._select = a["name"]
            self.data.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data[a["name"]] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data.removeprefix("\n")


def admin_edit(row, set_fields: Callable[[dict[str, list[str]], str], None]) -> None:
    """Change `row` through the admin, as a superuser with a browser would."""
    admin = Client()
    admin.force_login(
        User.objects.create_superuser("root", "root@example.org", "correct-horse-9", name="Root")
    )
    label = row._meta.label_lower
    owner = ADMIN_PARENT.get(label, lambda r: r)(row)
    url = reverse(f"admin:{owner._meta.app_label}_{owner._meta.model_name}_change", args=[owner.pk])
    form = FormFields()
    form.feed(admin.get(url).content.decode())
    prefix = ""
    if owner is not row:  # an inline: the form whose id field holds the row's id
        prefix = next(
            name.removesuffix("id")
            for name, values in form.data.items()
            if name.endswith("-id") and values == [str(row.pk)]
        )
    set_fields(form.data, prefix)
    response = admin.post(url, form.data)
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.content.decode()
    )


def apply(world: World, name: str, label: str, path: str) -> None:
    if path == "insert":
        PAGE_APPENDS.get((name, label), APPENDS.get(label))(world)
        return
    if label in LINKS:
        linked, other, field = LINKS[label]
        owner = linked(world)
        if path == "add":
            getattr(other(world), field).add(world.developer)
        elif path == "remove":
            getattr(owner, field).remove(world.developer)
        else:
            admin_edit(owner, lambda data, _: data.__setitem__(field, [str(world.manager.pk)]))
        return
    change = PAGE_CHANGES.get((name, label)) or CHANGES[label]
    row = change.row(world)
    value = change.value(world) if callable(change.value) else change.value
    if path == "save":
        setattr(row, change.field, value)
        row.save()
    elif path == "update":
        type(row)._default_manager.filter(pk=row.pk).update(**{change.field: value})
    else:

        def set_field(data, prefix):
            if isinstance(value, bool):
                if value:
                    data[prefix + change.field] = ["on"]
                else:
                    data.pop(prefix + change.field, None)
            else:
                data[prefix + change.field] = [str(getattr(value, "pk", value))]

        admin_edit(row, set_field)


@pytest.mark.skipif(not fragments.enabled(), reason="nothing is cached without row versions")
@pytest.mark.parametrize(("name", "label", "path"), list(cases()))
def test_a_change_of_one_declared_table_is_seen_on_the_next_view(world, name, label, path):
    cache.clear()
    before = view(world, name)
    assert view(world, name) == before  # served from the cache

    apply(world, name, label, path)
    after = view(world, name)
    cache.clear()
    fresh = view(world, name)

    assert fresh != before, f"the change of {label} does not show on {name}: change it visibly"
    assert after == fresh, f"{name} served a copy that predates the change of {label}"
