"""The weekly series: meetings with agendas (focus, hot topics, tracking, open floor),
minutes and action items on the held ones, and each task force's last focus."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from adcmeet.meetings.loaddata.shape import BATCH, SERIES_SLUG, aware
from adcmeet.meetings.loaddata.vocabulary import (
    EXTERNAL_AFFILIATIONS,
    FIRST_NAMES,
    HOT_TITLES,
    LAST_NAMES,
    THINGS,
    VERBS,
)
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting, MeetingSeries
from taskforces.models import TaskForce

if TYPE_CHECKING:
    from adcmeet.meetings.loaddata.generator import Generator


def make_meetings(g: Generator) -> None:
    sizes = g.sizes
    g.step(f"{sizes.weeks} meetings with 8-12 agenda items each, minutes, action items")
    rng = g.rng
    series = MeetingSeries.objects.create(
        name="ADC development meeting",
        slug=SERIES_SLUG,
        description="The weekly ATLAS Distributed Computing development meeting.",
        weekday=MeetingSeries.Weekday.WEDNESDAY,
        start_time=datetime.time(16, 0),
        mailing_list="atlas-adc-dev@example.org",
        location="CERN 40-R-C10",
        video_url="https://example.org/vidyo/adc-dev",
    )
    series.conveners.set([g.bench_convener, *g.conveners])
    first_ahead = series.next_dates(1, after=g.today)[0]
    first = first_ahead - datetime.timedelta(weeks=sizes.weeks - sizes.weeks_ahead)
    days = [first + datetime.timedelta(weeks=n) for n in range(sizes.weeks)]
    meetings = []
    for day in days:
        future = day >= first_ahead
        if future:
            state = (
                Meeting.State.PUBLISHED
                if day < first_ahead + datetime.timedelta(weeks=2)
                else Meeting.State.DRAFT
            )
        elif (day.month == 12 and day.day > 20) or (day.month == 1 and day.day < 6):
            state = Meeting.State.CANCELLED
        else:
            state = Meeting.State.CANCELLED if rng.random() < 0.04 else Meeting.State.HELD
        revision = 0 if state == Meeting.State.DRAFT else rng.randint(1, 3)
        start = series.start_on(day)
        meetings.append(
            Meeting(
                series=series,
                start=start,
                scheduled_for=day,
                title="Joint session with WLCG operations" if rng.random() < 0.03 else "",
                state=state,
                revision=revision,
                version=revision + rng.randint(1, 20),
                # Everything published was announced, so the mailer has nothing to catch up.
                announced_revision=revision,
                minutes=(
                    "Attendance: about 30 people. The summary of each item is below."
                    if state == Meeting.State.HELD
                    else ""
                ),
                cancel_reason=(
                    "Software and computing week" if state == Meeting.State.CANCELLED else ""
                ),
                published_at=(start - datetime.timedelta(days=2)) if revision else None,
            )
        )
    meetings = Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    active_tfs = [tf for tf in g.task_forces if tf.status != TaskForce.Status.CLOSED]
    last_focus: dict[int, datetime.date] = {}
    items: list[AgendaItem] = []
    item_meeting: list[int] = []  # the meeting (index) of each item, to attach actions
    for index, meeting in enumerate(meetings):
        day = meeting.scheduled_for
        held = meeting.state == Meeting.State.HELD
        # The next meeting, the agenda page the benchmark reads, gets the full 12.
        n_items = 12 if day == first_ahead else rng.randint(8, 12)
        n_hot = rng.randint(2, 4)
        n_tracking = rng.randint(2, 4)
        n_open = 1
        n_hot = min(n_hot, n_items - 1 - n_tracking - n_open)
        n_tracking = n_items - 1 - n_hot - n_open
        focus_tf = rng.choice(active_tfs)
        if day <= g.today:
            last_focus[focus_tf.pk] = day
        year_deliverables = g.deliverables_by_year.get(day.year) or []
        plan = [(AgendaItem.Section.FOCUS, f"Focus: {focus_tf.name}")]
        plan += [(AgendaItem.Section.HOT, rng.choice(HOT_TITLES)) for _ in range(n_hot)]
        tracked = []
        for _ in range(n_tracking):
            if year_deliverables:
                pk = rng.choice(year_deliverables)
                tracked.append(pk)
                plan.append((AgendaItem.Section.TRACKING, g.deliverable_titles[pk]))
            else:
                tracked.append(None)
                plan.append((AgendaItem.Section.TRACKING, "Roadmap review"))
        plan.append((AgendaItem.Section.OPEN_FLOOR, "Open floor"))
        bench_presents = index % 10 == 0
        tracked_iter = iter(tracked)
        for position, (section, title) in enumerate(plan):
            presenter = None
            external = {}
            if section == AgendaItem.Section.FOCUS:
                presenter_pk = g.tf_conveners.get(focus_tf.pk)
            elif section == AgendaItem.Section.OPEN_FLOOR:
                presenter_pk = None
            elif rng.random() < 0.1:
                presenter_pk = None
                first_name, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                affiliation = rng.choice(EXTERNAL_AFFILIATIONS)
                external = {
                    "presenter_name": f"{first_name} {last}",
                    "presenter_email": f"{first_name}.{last}@example.net".lower().replace(" ", ""),
                    "presenter_affiliation": affiliation,
                }
            else:
                presenter = rng.choice(g.people)
                presenter_pk = presenter.pk
            if bench_presents and position == 1:
                presenter_pk, external = g.bench_developer.pk, {}
            duration = {
                AgendaItem.Section.FOCUS: rng.choice((20, 25, 30)),
                AgendaItem.Section.HOT: rng.choice((5, 10, 15)),
                AgendaItem.Section.TRACKING: rng.choice((5, 5, 10)),
                AgendaItem.Section.OPEN_FLOOR: 5,
            }[section]
            items.append(
                AgendaItem(
                    meeting_id=meeting.pk,
                    section=section,
                    position=position,
                    title=title,
                    presenter_id=presenter_pk,
                    duration_minutes=duration,
                    task_force_id=focus_tf.pk if section == AgendaItem.Section.FOCUS else None,
                    deliverable_id=(
                        next(tracked_iter) if section == AgendaItem.Section.TRACKING else None
                    ),
                    notes="Slides on Indico." if rng.random() < 0.3 else "",
                    minutes=(
                        "Discussed; follow-up in two weeks." if held and rng.random() < 0.6 else ""
                    ),
                    recurring=section == AgendaItem.Section.OPEN_FLOOR
                    or (section == AgendaItem.Section.HOT and rng.random() < 0.2),
                    **external,
                )
            )
            item_meeting.append(index)
        if rng.random() < 0.05:
            # A removed item, kept soft-deleted as the builder does.
            items.append(
                AgendaItem(
                    meeting_id=meeting.pk,
                    section=AgendaItem.Section.HOT,
                    position=len(plan),
                    title="Withdrawn talk",
                    deleted_at=meeting.start - datetime.timedelta(days=1),
                )
            )
            item_meeting.append(index)
    items = AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    actions = []
    by_meeting: dict[int, list[AgendaItem]] = {}
    for item, index in zip(items, item_meeting, strict=True):
        by_meeting.setdefault(index, []).append(item)
    for index, meeting in enumerate(meetings):
        if meeting.state != Meeting.State.HELD:
            continue
        for _ in range(rng.randint(0, 4)):
            item = rng.choice(by_meeting[index])
            due = meeting.scheduled_for + datetime.timedelta(days=rng.choice((7, 14, 28)))
            done = due < g.today - datetime.timedelta(days=30) and rng.random() < 0.9
            actions.append(
                ActionItem(
                    meeting_id=meeting.pk,
                    agenda_item_id=item.pk,
                    text=f"{rng.choice(VERBS)} the {rng.choice(THINGS)} and report back",
                    owner_id=rng.choice(g.people).pk,
                    due=due,
                    done=done,
                    done_at=aware(due) if done else None,
                )
            )
    ActionItem.objects.bulk_create(actions, batch_size=BATCH)
    # The generated series is public: its focus dates are everybody's to see.
    for tf in g.task_forces:
        tf.last_focus_on = tf.last_public_focus_on = last_focus.get(tf.pk)
    TaskForce.objects.bulk_update(
        g.task_forces, ["last_focus_on", "last_public_focus_on"], batch_size=BATCH
    )
