"""Publishing, cancelling, moving and creating meetings; the proposed tracking items."""

import datetime
import zoneinfo

import pytest
from django.db import connection

from adcmeet.meetings import actions
from adcmeet.meetings.actions import AgendaError, StaleVersion
from adcmeet.meetings.mail import meeting_mail
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from deliverables.models import DeliverableChange
from tests import factories

Section = AgendaItem.Section
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
UTC = datetime.UTC


@pytest.fixture
def queued(monkeypatch):
    """Every call to the outbox, with the meeting's state at that moment; the real function
    (a placeholder until the notification work lands) is still called."""
    calls = []
    real = meeting_mail.queue_meeting_mail

    def spy(meeting, kind, **options):
        calls.append(
            {
                "meeting": meeting.pk,
                "kind": kind,
                "state": meeting.state,
                "revision": meeting.revision,
                "in_transaction": connection.in_atomic_block,
            }
        )
        return real(meeting, kind, **options)

    monkeypatch.setattr(meeting_mail, "queue_meeting_mail", spy)
    return calls


@pytest.fixture
def meeting(db):
    return factories.make_meeting(factories.make_series())


def fill(meeting, *minutes, section=Section.HOT):
    for n, duration in enumerate(minutes):
        factories.make_item(meeting, f"Item {n}", section=section, duration_minutes=duration)


def publish(meeting):
    """Publish as a convener who confirmed it: most agendas here have no focus topic, and
    what publishing without one asks is test_focus_topic.py's subject."""
    meeting.refresh_from_db()
    return actions.publish_meeting(
        meeting=meeting, version=meeting.version, by=None, without_focus=True
    )


def test_publishing_sets_published_grows_the_revision_and_queues_the_agenda(meeting, queued):
    fill(meeting, 20, 20)

    result = publish(meeting)

    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED
    assert meeting.revision == 1
    assert meeting.announced_revision == 1
    assert meeting.published_at is not None
    assert result.kind == OutboundMail.Kind.AGENDA
    assert result.warning == ""
    assert queued == [
        {
            "meeting": meeting.pk,
            "kind": "agenda",
            "state": "published",
            "revision": 1,
            "in_transaction": True,
        }
    ]


def test_the_mail_is_queued_in_the_publishing_transaction(meeting, monkeypatch):
    """If writing the outbox fails, the meeting is not published either."""
    fill(meeting, 20)

    def broken(meeting, kind):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(meeting_mail, "queue_meeting_mail", broken)
    with pytest.raises(RuntimeError):
        publish(meeting)

    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.DRAFT
    assert meeting.revision == 0
    assert meeting.version == 1


def test_publishing_over_the_limit_is_refused_with_a_clear_message(meeting, queued):
    fill(meeting, 30, 30, 31)  # 91 min, limit 90

    with pytest.raises(AgendaError) as refused:
        publish(meeting)

    assert refused.value.message.startswith("Publishing refused.")
    assert "91 min, 1 min over the 90-min limit" in refused.value.message
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.DRAFT
    assert meeting.revision == 0
    assert meeting.version == 1  # the refused attempt left no trace
    assert queued == []


def test_publishing_over_the_objective_is_allowed_with_a_warning(meeting, queued):
    fill(meeting, 30, 30, 10)  # 70 min: over the 60-min objective, under the limit

    result = publish(meeting)

    assert result.meeting.state == Meeting.State.PUBLISHED
    assert "10 min over the 60-min objective" in result.warning
    assert [call["kind"] for call in queued] == ["agenda"]


def test_the_limit_is_the_series_own(db, queued):
    series = factories.make_series(target_minutes=30, limit_minutes=45)
    meeting = factories.make_meeting(series)
    fill(meeting, 25, 25)

    with pytest.raises(AgendaError, match="45-min limit"):
        publish(meeting)


def test_an_empty_agenda_is_not_published(meeting, queued):
    with pytest.raises(AgendaError, match="at least one item"):
        publish(meeting)
    assert queued == []


def test_editing_a_published_agenda_keeps_it_published_and_grows_the_revision(meeting, queued):
    fill(meeting, 20)
    publish(meeting)
    meeting.refresh_from_db()

    actions.add_item(
        meeting=meeting,
        version=meeting.version,
        by=None,
        section=Section.HOT,
        title="Late news from BNL",
        duration_minutes=5,
    )

    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED
    assert meeting.revision == 2
    assert meeting.announced_revision == 1  # not mailed yet: the convener sends the update


def test_a_hot_topic_stepping_into_tracking_is_a_change_of_a_published_agenda(meeting, queued):
    fill(meeting, 20)
    publish(meeting)
    hot = meeting.items.get()
    meeting.refresh_from_db()

    actions.move_item(item=hot, version=meeting.version, by=None, direction="down")

    meeting.refresh_from_db()
    assert meeting.items.get().section == Section.TRACKING
    assert meeting.revision == 2


def test_a_move_that_changes_nothing_leaves_the_revision_alone(meeting, queued):
    fill(meeting, 20)
    factories.make_item(meeting, "Focus", section=Section.FOCUS)
    publish(meeting)
    hot = meeting.items.get(section=Section.HOT)
    meeting.refresh_from_db()

    actions.move_item(item=hot, version=meeting.version, by=None, direction="up")

    meeting.refresh_from_db()
    assert meeting.revision == 1


def test_sending_the_update_queues_an_updated_agenda(meeting, queued):
    fill(meeting, 20)
    publish(meeting)
    item = meeting.items.get()
    meeting.refresh_from_db()
    actions.update_item(item=item, version=item.version, by=None, duration_minutes=25)

    result = publish(meeting)

    assert result.kind == OutboundMail.Kind.AGENDA_UPDATE
    assert result.meeting.revision == 3
    assert result.meeting.announced_revision == 3
    assert [call["kind"] for call in queued] == ["agenda", "agenda_update"]


def test_publishing_an_unchanged_published_agenda_again_is_refused(meeting, queued):
    fill(meeting, 20)
    publish(meeting)

    with pytest.raises(AgendaError, match="unchanged"):
        publish(meeting)
    assert len(queued) == 1


def test_publishing_from_a_stale_page_is_refused(meeting, queued):
    fill(meeting, 20)
    meeting.refresh_from_db()
    old = meeting.version
    actions.add_item(
        meeting=meeting, version=old, by=None, section=Section.HOT, title="X", duration_minutes=80
    )

    with pytest.raises(StaleVersion):
        actions.publish_meeting(meeting=meeting, version=old, by=None)
    assert queued == []


def test_cancelling_needs_a_reason_grows_the_revision_and_queues_the_cancellation(meeting, queued):
    fill(meeting, 20)
    publish(meeting)
    meeting.refresh_from_db()

    with pytest.raises(AgendaError, match="Say why"):
        actions.cancel_meeting(meeting=meeting, version=meeting.version, by=None, reason="  ")

    cancelled = actions.cancel_meeting(
        meeting=meeting, version=meeting.version, by=None, reason="S&C week in Dubna"
    )
    assert cancelled.state == Meeting.State.CANCELLED
    assert cancelled.cancel_reason == "S&C week in Dubna"
    assert cancelled.revision == 2
    assert [call["kind"] for call in queued] == ["agenda", "cancellation"]


def test_cancelling_twice_is_refused(meeting, queued):
    actions.cancel_meeting(meeting=meeting, version=1, by=None, reason="Holiday")
    meeting.refresh_from_db()
    with pytest.raises(AgendaError, match="cancelled"):
        actions.cancel_meeting(meeting=meeting, version=meeting.version, by=None, reason="Again")


def test_moving_a_published_meeting_grows_the_revision_and_mails_the_update(meeting, queued):
    fill(meeting, 20)
    publish(meeting)
    meeting.refresh_from_db()
    thursday = datetime.datetime(2031, 1, 16, 16, 0, tzinfo=ZURICH)

    moved = actions.move_meeting(meeting=meeting, version=meeting.version, by=None, start=thursday)

    assert moved.start == thursday
    assert moved.scheduled_for == datetime.date(2031, 1, 15)  # still the slot it came from
    assert moved.revision == 2
    assert [call["kind"] for call in queued] == ["agenda", "agenda_update"]


def test_moving_a_draft_meeting_mails_nothing(meeting, queued):
    moved = actions.move_meeting(
        meeting=meeting,
        version=1,
        by=None,
        start=datetime.datetime(2031, 1, 22, 17, 0, tzinfo=ZURICH),
    )

    assert moved.revision == 0
    assert queued == []


def test_moving_onto_another_meeting_of_the_series_is_refused(meeting):
    other = factories.make_meeting(meeting.series, on=datetime.date(2031, 1, 22))
    with pytest.raises(AgendaError, match="already starts then"):
        actions.move_meeting(meeting=meeting, version=1, by=None, start=other.start)


# --- creating upcoming meetings -------------------------------------------------------------


def test_the_series_creates_the_next_eight_wednesdays_at_17h_zurich(db):
    series = factories.make_series()
    monday = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=ZURICH)

    created = actions.create_upcoming_meetings(series, now=monday)

    assert len(created) == 8
    assert [m.scheduled_for for m in created][:2] == [
        datetime.date(2031, 3, 5),
        datetime.date(2031, 3, 12),
    ]
    assert all(m.scheduled_for.weekday() == 2 for m in created)
    assert all(m.local_start.strftime("%H:%M") == "17:00" for m in created)
    # Winter (UTC+1) before 30 March, summer (UTC+2) after: 17:00 Zurich either way.
    utc_hours = {m.scheduled_for: m.start.astimezone(UTC).hour for m in created}
    assert utc_hours[datetime.date(2031, 3, 26)] == 16
    assert utc_hours[datetime.date(2031, 4, 2)] == 15


def test_creating_upcoming_meetings_is_idempotent(db):
    series = factories.make_series()
    now = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=ZURICH)

    actions.create_upcoming_meetings(series, now=now)
    again = actions.create_upcoming_meetings(series, now=now)

    assert again == []
    assert Meeting.objects.filter(series=series).count() == 8


def test_a_moved_meeting_is_never_recreated_on_its_old_date(db):
    series = factories.make_series()
    now = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=ZURICH)
    first = actions.create_upcoming_meetings(series, count=2, now=now)[0]
    actions.move_meeting(
        meeting=first,
        version=first.version,
        by=None,
        start=datetime.datetime(2031, 3, 6, 15, 0, tzinfo=ZURICH),
    )

    created = actions.create_upcoming_meetings(series, count=3, now=now)

    assert [m.scheduled_for for m in created] == [datetime.date(2031, 3, 19)]
    assert not Meeting.objects.filter(start=series.start_on(datetime.date(2031, 3, 5))).exists()


def test_on_a_wednesday_evening_the_first_new_meeting_is_next_week(db):
    series = factories.make_series()
    after_the_meeting = datetime.datetime(2031, 3, 5, 19, 0, tzinfo=ZURICH)

    created = actions.create_upcoming_meetings(series, count=1, now=after_the_meeting)

    assert [m.scheduled_for for m in created] == [datetime.date(2031, 3, 12)]


# --- proposed tracking items ----------------------------------------------------------------


@pytest.fixture
def roadmap_in_may(db, developer, manager):
    """A meeting on Wednesday 14 May 2031 and deliverables in every situation."""
    roadmap = factories.make_roadmap(2031)
    make = factories.make_deliverable
    late = make(
        "new looping job killer in pilot", period="April", owners=(developer,), status="in_progress"
    )
    make("pilot factory done", period="April", status="done", done_on=datetime.date(2031, 4, 20))
    due = make("PanDA monitoring archive in NoSQL", period="May", owners=(manager, developer))
    make("dropped idea", period="May", status="dropped")
    moved = make("schedconfig into AGIS", period="June", owners=(manager,))
    DeliverableChange.objects.create(
        deliverable=moved,
        kind=DeliverableChange.Kind.MOVE,
        from_period=roadmap.periods.get(label="May"),
        to_period=roadmap.periods.get(label="June"),
        is_slip=True,
        at=datetime.datetime(2031, 5, 2, 10, 0, tzinfo=ZURICH),
        reason="waiting for AGIS",
    )
    start_soon = make(
        "Rucio for DDM: first release",
        period="Fall",
        deadline=datetime.date(2031, 6, 1),
        lead_time_days=30,
    )
    make("Later: event-level caching", period="Later")
    meeting = factories.make_meeting(on=datetime.date(2031, 5, 14))
    return {
        "meeting": meeting,
        "late": late,
        "due": due,
        "moved": moved,
        "start_soon": start_soon,
    }


def test_tracking_proposes_slipped_start_by_passed_and_due_deliverables(roadmap_in_may):
    proposals = actions.propose_tracking_items(meeting=roadmap_in_may["meeting"])

    proposed = [proposal.deliverable.title for proposal in proposals]
    assert proposed == [
        "new looping job killer in pilot",  # slipped: April ended
        "schedconfig into AGIS",  # slipped: moved to a later period
        "Rucio for DDM: first release",  # start-by 2 May has passed
        "PanDA monitoring archive in NoSQL",  # due in May
    ]
    reasons = {p.deliverable.title: p.reasons for p in proposals}
    assert reasons["new looping job killer in pilot"] == ["slipped: April has ended"]
    assert reasons["schedconfig into AGIS"] == ["slipped: moved to a later period"]
    assert reasons["Rucio for DDM: first release"] == ["start-by date 02 May has passed"]
    assert reasons["PanDA monitoring archive in NoSQL"] == ["due in May"]
    owners = {p.deliverable.title: [u.username for u in p.owners] for p in proposals}
    assert sorted(owners["PanDA monitoring archive in NoSQL"]) == ["bob", "carol"]


def test_accepted_deliverables_become_tracking_items_presented_by_their_owner(roadmap_in_may):
    meeting = roadmap_in_may["meeting"]
    late, due = roadmap_in_may["late"], roadmap_in_may["due"]

    created = actions.accept_tracking_items(
        meeting=meeting, version=meeting.version, by=None, deliverables=[due, late]
    ).added

    assert [item.title for item in created] == [due.title, late.title]
    assert all(item.section == Section.TRACKING for item in created)
    assert all(item.duration_minutes == 5 for item in created)
    assert created[1].presenter.username == "bob"
    assert created[1].deliverable == late
    # Once on the agenda they are no longer proposed.
    remaining = actions.propose_tracking_items(meeting=meeting)
    assert late not in [p.deliverable for p in remaining]
    assert due not in [p.deliverable for p in remaining]


def test_accepting_the_same_deliverable_twice_adds_it_once(roadmap_in_may):
    meeting = roadmap_in_may["meeting"]
    late = roadmap_in_may["late"]
    actions.accept_tracking_items(meeting=meeting, version=1, by=None, deliverables=[late])
    meeting.refresh_from_db()

    again = actions.accept_tracking_items(
        meeting=meeting, version=meeting.version, by=None, deliverables=[late]
    )

    assert again.added == []
    assert meeting.items.filter(deliverable=late).count() == 1


def test_no_roadmap_means_nothing_to_track(meeting):
    assert actions.propose_tracking_items(meeting=meeting) == []


def test_items_carried_into_a_newer_roadmap_are_proposed_through_their_copies(roadmap_in_may):
    from deliverables.actions import carry_over

    old = roadmap_in_may["late"].roadmap
    new = carry_over(old, name="PanDA+Prodsys (carried)", year=2031, by=None)
    meeting = roadmap_in_may["meeting"]

    assert actions.propose_tracking_items(meeting=meeting, roadmap=old) == []
    proposals = actions.propose_tracking_items(meeting=meeting)
    assert {p.deliverable.roadmap_id for p in proposals} == {new.pk}
    assert roadmap_in_may["late"] in [p.deliverable.carried_from for p in proposals]
