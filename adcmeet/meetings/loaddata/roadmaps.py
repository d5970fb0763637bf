"""Yearly roadmaps with their periods, and deliverables with owners and histories (status
changes, slips, carry-overs), as bulk rows."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.text import slugify

from adcmeet.meetings.loaddata.shape import BATCH, BENCH_OWNED_DELIVERABLES, aware
from adcmeet.meetings.loaddata.vocabulary import PROJECTS, THINGS, VERBS
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap

if TYPE_CHECKING:
    from adcmeet.meetings.loaddata.generator import Generator


def make_roadmaps(g: Generator) -> None:
    sizes = g.sizes
    g.step(f"{sizes.roadmaps} roadmaps, {sizes.deliverables} deliverables and histories")
    rng = g.rng
    g.projects = Project.objects.bulk_create(
        [Project(name=name, slug=slugify(name)) for name in PROJECTS]
    )
    current_year = g.today.year
    years = list(range(current_year - sizes.roadmaps + 1, current_year + 1))
    per_roadmap = [sizes.deliverables // sizes.roadmaps] * sizes.roadmaps
    for index in range(sizes.deliverables % sizes.roadmaps):
        per_roadmap[-1 - index] += 1
    g.deliverables_by_year = {}
    g.deliverable_titles = {}
    owner_pool = g.developers * 4 + g.conveners + g.managers * 2
    owner_pool = [u for u in owner_pool if u.pk not in {b.pk for b in g.bench_users}]
    owner_rows: list = []
    changes: list[DeliverableChange] = []
    previous: Roadmap | None = None
    previous_open: list[Deliverable] = []
    bench_candidates: list[int] = []
    for year, count in zip(years, per_roadmap, strict=True):
        agreed = aware(datetime.date(year, 3, 28))
        roadmap = Roadmap.objects.create(
            name="ADC roadmap",
            year=year,
            state=Roadmap.State.AGREED if agreed <= g.now else Roadmap.State.DRAFT,
            agreed_at=agreed if agreed <= g.now else None,
            baseline=[] if agreed <= g.now else None,
            carried_from=previous,
        )
        periods = Period.objects.bulk_create(
            [
                Period(roadmap=roadmap, label=label, order=order, start=start, end=end)
                for order, (label, start, end) in enumerate(period_dates(year))
            ]
        )
        deliverables, histories = [], []
        positions: dict[int, int] = {}
        for _ in range(count):
            deliverable, history = make_deliverable(g, roadmap, periods, previous_open)
            deliverable.position = positions.get(deliverable.period_id, 0)
            positions[deliverable.period_id] = deliverable.position + 1
            deliverables.append(deliverable)
            histories.append(history)
        deliverables = Deliverable.objects.bulk_create(deliverables, batch_size=BATCH)
        for deliverable, history in zip(deliverables, histories, strict=True):
            k = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
            owners = []
            for user in rng.sample(owner_pool, k):
                if user.pk not in owners:
                    owners.append(user.pk)
            owner_rows += [(deliverable.pk, pk) for pk in owners]
            for change in history:
                change.deliverable_id = deliverable.pk
                if change.by_id is None and owners:
                    change.by_id = owners[0]
                changes.append(change)
            g.deliverable_titles[deliverable.pk] = deliverable.title
        if roadmap.state == Roadmap.State.AGREED:
            # The plan as agreed: every item in the period it was first put in, planned.
            roadmap.baseline = [
                {
                    "id": d.pk,
                    "title": d.title,
                    "period_id": history[0].to_period_id,
                    "status": Deliverable.Status.PLANNED,
                }
                for d, history in zip(deliverables, histories, strict=True)
            ]
            roadmap.save(update_fields=["baseline"])
        live = [d for d in deliverables if d.deleted_at is None]
        g.deliverables_by_year[year] = [d.pk for d in live]
        if year >= current_year - 1:
            bench_candidates += [d.pk for d in live]
        previous = roadmap
        previous_open = [d for d in live if not d.is_closed]
    for pk in rng.sample(bench_candidates, BENCH_OWNED_DELIVERABLES):
        owner_rows.append((pk, g.bench_developer.pk))
    through = Deliverable.owners.through
    through.objects.bulk_create(
        [through(deliverable_id=d, user_id=u) for d, u in owner_rows], batch_size=BATCH
    )
    DeliverableChange.objects.bulk_create(changes, batch_size=BATCH)


def period_dates(year: int):
    return (
        ("April", datetime.date(year, 4, 1), datetime.date(year, 4, 30)),
        ("May", datetime.date(year, 5, 1), datetime.date(year, 5, 31)),
        ("June", datetime.date(year, 6, 1), datetime.date(year, 6, 30)),
        ("Summer", datetime.date(year, 7, 1), datetime.date(year, 8, 31)),
        ("Fall", datetime.date(year, 9, 1), datetime.date(year, 12, 31)),
        ("Later", datetime.date(year + 1, 1, 1), None),
    )


def make_deliverable(
    g: Generator, roadmap: Roadmap, periods: Sequence[Period], previous_open: Sequence[Deliverable]
) -> tuple[Deliverable, list[DeliverableChange]]:
    rng = g.rng
    today = g.today
    first_index = rng.choices(range(len(periods)), weights=(3, 3, 3, 4, 5, 2))[0]
    path = [first_index]
    while path[-1] < len(periods) - 1 and rng.random() < (0.2 if len(path) == 1 else 0.3):
        path.append(rng.randint(path[-1] + 1, len(periods) - 1))
    created_on = datetime.date(roadmap.year, 3, 1) + datetime.timedelta(days=rng.randint(0, 27))
    history = [
        DeliverableChange(
            kind=DeliverableChange.Kind.CREATED,
            at=aware(created_on),
            to_status=Deliverable.Status.PLANNED,
            to_period_id=periods[first_index].pk,
        )
    ]
    reached = first_index
    for before, after in itertools.pairwise(path):
        moved_on = periods[before].end - datetime.timedelta(days=rng.randint(0, 10))
        if moved_on > today:
            break  # that slip has not happened yet
        reached = after
        history.append(
            DeliverableChange(
                kind=DeliverableChange.Kind.MOVE,
                at=aware(moved_on, 11),
                from_period_id=periods[before].pk,
                to_period_id=periods[after].pk,
                is_slip=True,
                reason=rng.choice(
                    (
                        "Waiting for the new storage endpoint.",
                        "Person-power went to data taking.",
                        "Blocked by the middleware upgrade.",
                        "Scope grew after the workshop.",
                    )
                ),
            )
        )
    period = periods[reached]
    ended = period.end is not None and period.end < today
    started = period.start <= today
    if ended:
        status = rng.choices(
            Deliverable.Status.values,
            weights=(4, 12, 9, 65, 10) if roadmap.year < today.year else (5, 15, 10, 65, 5),
        )[0]
    elif started:
        status = rng.choices(Deliverable.Status.values, weights=(35, 40, 15, 8, 2))[0]
    else:
        status = rng.choices(Deliverable.Status.values, weights=(80, 15, 3, 1, 1))[0]
    done_on = None
    if status != Deliverable.Status.PLANNED:
        start = max(period.start, created_on)
        end = min(period.end or today, today)
        changed_on = start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))
        changed_on = min(changed_on, today)
        if status == Deliverable.Status.DONE:
            done_on = changed_on
        history.append(
            DeliverableChange(
                kind=DeliverableChange.Kind.STATUS,
                at=aware(changed_on, 15),
                from_status=Deliverable.Status.PLANNED,
                to_status=status,
            )
        )
    deadline = lead = None
    if rng.random() < 0.15:
        deadline = (period.end or period.start + datetime.timedelta(days=120)) + datetime.timedelta(
            days=rng.randint(-20, 20)
        )
        if rng.random() < 0.6:
            lead = rng.choice((7, 14, 21, 30, 45, 60))
    carried_from = None
    if previous_open and rng.random() < 0.05:
        carried_from = rng.choice(previous_open)
        history.append(
            DeliverableChange(
                kind=DeliverableChange.Kind.CARRIED,
                at=aware(created_on, 12),
                to_period_id=period.pk,
                reason=f"Carried over from {roadmap.year - 1}.",
            )
        )
    title = f"{rng.choice(VERBS)} {rng.choice(THINGS)}"
    if rng.random() < 0.5:
        title += f" for {rng.choice(PROJECTS)}"
    deliverable = Deliverable(
        roadmap=roadmap,
        period=period,
        title=title,
        project=rng.choice(g.projects) if rng.random() < 0.9 else None,
        tentative=rng.random() < 0.1,
        status=status,
        done_on=done_on,
        deadline=deadline,
        lead_time_days=lead,
        task_force=rng.choice(g.task_forces) if rng.random() < 0.3 else None,
        notes="Depends on the site survey." if rng.random() < 0.2 else "",
        carried_from=carried_from,
        version=len(history),
        deleted_at=aware(today) if rng.random() < 0.01 else None,
    )
    # bulk_create skips save(), which is where start_by is derived.
    deliverable.start_by = deliverable.compute_start_by()
    return deliverable, history
