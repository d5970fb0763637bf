"""The focus-topic rotation: what it proposes, in which order, and scheduling in one click."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings import actions, rotation
from adcmeet.meetings.mail import meeting_mail
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from taskforces.models import CheckpointGoal, OutlineItem, TaskForce
from tests.factories import (
    make_checkpoint,
    make_item,
    make_meeting,
    make_outline_item,
    make_task_force,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 5, 2)  # a Friday
NEXT_WEDNESDAY = datetime.date(2031, 5, 7)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2031, 5, 2, 10, 0), tick=False):
        yield


@pytest.fixture
def mail_spy(monkeypatch):
    """Record what is handed to the outbox, still calling the real writer."""
    calls = []
    real = meeting_mail.queue_meeting_mail

    def spy(meeting, kind):
        calls.append((meeting.pk, kind, meeting.revision))
        return real(meeting, kind)

    monkeypatch.setattr(meeting_mail, "queue_meeting_mail", spy)
    return calls


def names(proposals) -> list[str]:
    return [p.task_force.name for p in proposals]


# --- ordering ------------------------------------------------------------------------------


def test_activities_not_discussed_longest_come_first_never_discussed_before_all():
    make_task_force("Rucio", last_focus_on=datetime.date(2031, 3, 16))
    make_task_force("Multicores", last_focus_on=datetime.date(2030, 11, 3))
    make_task_force("CVMFS")
    make_task_force("Cloud computing evaluation", slug="cloud")
    assert names(rotation.propose(TODAY)) == [
        "Cloud computing evaluation",
        "CVMFS",
        "Multicores",
        "Rucio",
    ]


def test_a_checkpoint_soon_moves_an_activity_to_the_top_nearest_first():
    make_task_force("CVMFS")
    nosql = make_task_force(
        "NoSQL databases", slug="nosql", last_focus_on=datetime.date(2031, 2, 1)
    )
    network = make_task_force(
        "Network monitoring", slug="network", last_focus_on=datetime.date(2031, 3, 1)
    )
    far = make_task_force("Rucio", last_focus_on=datetime.date(2031, 1, 5))
    dubna = make_checkpoint("Dubna workshop", date=datetime.date(2031, 5, 30))
    sc_week = make_checkpoint("S&C week", slug="sc-week", date=datetime.date(2031, 5, 20))
    jamboree = make_checkpoint("Jamboree", slug="jamboree", date=datetime.date(2031, 9, 1))
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=nosql, goal="CERN testbed")
    make_outline_item(network, "perfSONAR everywhere?", kind="question", checkpoint=sc_week)
    CheckpointGoal.objects.create(checkpoint=jamboree, task_force=far, goal="Rucio v1")

    proposals = rotation.propose(TODAY)

    assert names(proposals) == ["Network monitoring", "NoSQL databases", "CVMFS", "Rucio"]
    assert proposals[0].reason.startswith("S&C week in 18 days")
    assert proposals[1].tier == 0
    assert proposals[3].next_checkpoint == jamboree  # far away: no boost


def test_recently_discussed_or_already_scheduled_activities_go_last():
    make_task_force("CVMFS", last_focus_on=datetime.date(2030, 12, 1))
    recent = make_task_force("Rucio", last_focus_on=datetime.date(2031, 4, 20))
    make_task_force("Multicores", last_focus_on=NEXT_WEDNESDAY)
    dubna = make_checkpoint("Dubna workshop", date=datetime.date(2031, 5, 30))
    # A checkpoint soon does not bring back what was just discussed.
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=recent, goal="demo")
    proposals = rotation.propose(TODAY)
    assert names(proposals) == ["CVMFS", "Rucio", "Multicores"]
    assert proposals[1].reason == "Focus topic 1 week ago"
    assert proposals[2].reason.startswith("Scheduled for Wed 07 May")


def test_paused_and_closed_activities_are_not_proposed():
    make_task_force("CVMFS")
    make_task_force("Multicores", status=TaskForce.Status.PAUSED)
    make_task_force("Old R&D", slug="old", status=TaskForce.Status.CLOSED)
    make_task_force("Cloud computing evaluation", slug="cloud", status=TaskForce.Status.PROPOSED)
    assert names(rotation.propose(TODAY)) == ["Cloud computing evaluation", "CVMFS"]


def test_proposals_carry_the_open_questions_in_outline_order():
    pilot = make_task_force("PanDA pilot", slug="pilot")
    make_outline_item(pilot, "Efficient resource utilization", kind="question", position=1)
    make_outline_item(pilot, "Can/should we leverage GlideinWMS?", kind="question", position=0)
    make_outline_item(pilot, "Settled question", kind="question", position=2, done=True)
    make_outline_item(pilot, "A plan", position=3)
    (proposal,) = rotation.propose(TODAY)
    assert [q.text for q in proposal.questions] == [
        "Can/should we leverage GlideinWMS?",
        "Efficient resource utilization",
    ]


def test_proposing_takes_constant_queries(django_assert_max_num_queries):
    # One focus topic a meeting: each activity is the focus of a week of its own.
    meetings = [make_meeting(on=NEXT_WEDNESDAY + datetime.timedelta(weeks=w)) for w in range(25)]

    def populate(start, stop):
        for i in range(start, stop):
            tf = make_task_force(f"Activity {i:02}", slug=f"a-{i}")
            cp = make_checkpoint(
                f"Checkpoint {i}", slug=f"cp-{i}", date=TODAY + datetime.timedelta(days=i)
            )
            CheckpointGoal.objects.create(checkpoint=cp, task_force=tf)
            for j in range(3):
                make_outline_item(tf, f"Question {j}?", kind="question", position=j)
            make_item(meetings[i], f"Focus {i}", section="focus", task_force=tf)

    populate(0, 2)
    with CaptureQueriesContext(connection) as few:
        rotation.propose(TODAY)
    populate(2, 25)
    with django_assert_max_num_queries(len(few)):
        assert len(rotation.propose(TODAY)) == 25


# --- scheduling ------------------------------------------------------------------------------


@pytest.fixture
def pilot():
    tf = make_task_force("PanDA pilot", slug="pilot", last_focus_on=datetime.date(2031, 1, 12))
    make_outline_item(tf, "Can/should we leverage GlideinWMS?", kind="question")
    return tf


def question(tf) -> OutlineItem:
    return tf.outline.get(kind="question")


def test_scheduling_makes_the_activity_the_first_item_of_the_agenda(pilot, convener):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    make_item(meeting, "PanDA news", section="hot")
    make_item(meeting, "Open floor", section="open_floor")
    version = meeting.version

    item = rotation.schedule_focus_topic(
        meeting=meeting, version=version, by=convener, task_force=pilot, question=question(pilot)
    )

    assert item.section == AgendaItem.Section.FOCUS
    assert item.title == "PanDA pilot: Can/should we leverage GlideinWMS?"
    assert item.task_force == pilot
    assert item.outline_item == question(pilot)
    assert item.duration_minutes == rotation.FOCUS_MINUTES
    agenda = list(meeting.items.live().order_by("position").values_list("title", flat=True))
    assert agenda == [item.title, "PanDA news", "Open floor"]
    pilot.refresh_from_db()
    assert pilot.last_focus_on == NEXT_WEDNESDAY
    meeting.refresh_from_db()
    assert meeting.version > version
    assert meeting.state == Meeting.State.DRAFT
    assert meeting.revision == 0


def test_without_a_question_the_title_is_the_activity_name(pilot, convener):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    item = rotation.schedule_focus_topic(
        meeting=meeting, version=meeting.version, by=convener, task_force=pilot
    )
    assert item.title == "PanDA pilot"


def test_a_meeting_with_a_focus_topic_is_not_silently_replaced(pilot, convener):
    rucio = make_task_force("Rucio")
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    rotation.schedule_focus_topic(
        meeting=meeting, version=meeting.version, by=convener, task_force=rucio
    )
    meeting.refresh_from_db()
    with pytest.raises(rotation.FocusTopicTaken, match="already has a focus topic: “Rucio”"):
        rotation.schedule_focus_topic(
            meeting=meeting, version=meeting.version, by=convener, task_force=pilot
        )
    assert list(meeting.items.live().values_list("title", flat=True)) == ["Rucio"]
    pilot.refresh_from_db()
    assert pilot.last_focus_on == datetime.date(2031, 1, 12)


def test_a_confirmed_replacement_swaps_the_focus_topic_and_restores_the_rotation(pilot, convener):
    rucio = make_task_force("Rucio")
    earlier = make_meeting(on=datetime.date(2031, 4, 2), state=Meeting.State.HELD, revision=1)
    make_item(earlier, "Rucio", section="focus", task_force=rucio)
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    rotation.schedule_focus_topic(
        meeting=meeting, version=meeting.version, by=convener, task_force=rucio
    )
    rucio.refresh_from_db()
    assert rucio.last_focus_on == NEXT_WEDNESDAY
    meeting.refresh_from_db()

    rotation.schedule_focus_topic(
        meeting=meeting, version=meeting.version, by=convener, task_force=pilot, replace=True
    )

    focus = meeting.items.live().filter(section="focus")
    assert list(focus.values_list("title", flat=True)) == ["PanDA pilot"]
    assert meeting.items.filter(title="Rucio", deleted_at__isnull=False).exists()
    rucio.refresh_from_db()
    assert rucio.last_focus_on == datetime.date(2031, 4, 2)  # back to when it really was


def test_a_stale_page_is_refused_and_changes_nothing(pilot, convener):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    stale = meeting.version
    Meeting.objects.filter(pk=meeting.pk).update(version=stale + 1)
    with pytest.raises(actions.StaleVersion):
        rotation.schedule_focus_topic(meeting=meeting, version=stale, by=convener, task_force=pilot)
    assert not meeting.items.exists()
    pilot.refresh_from_db()
    assert pilot.last_focus_on == datetime.date(2031, 1, 12)


def test_a_published_meeting_gets_a_new_revision_and_an_agenda_update(pilot, convener, mail_spy):
    meeting = make_meeting(
        on=NEXT_WEDNESDAY, state=Meeting.State.PUBLISHED, revision=1, announced_revision=1
    )
    make_item(meeting, "PanDA news", section="hot")
    rotation.schedule_focus_topic(
        meeting=meeting, version=meeting.version, by=convener, task_force=pilot
    )
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED
    assert meeting.revision == 2
    assert meeting.announced_revision == 2
    assert mail_spy == [(meeting.pk, OutboundMail.Kind.AGENDA_UPDATE, 2)]


def test_a_draft_meeting_sends_no_mail(pilot, convener, mail_spy):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    rotation.schedule_focus_topic(
        meeting=meeting, version=meeting.version, by=convener, task_force=pilot
    )
    assert mail_spy == []


def test_a_cancelled_meeting_takes_no_focus_topic(pilot, convener):
    meeting = make_meeting(
        on=NEXT_WEDNESDAY, state=Meeting.State.CANCELLED, revision=1, cancel_reason="Holiday"
    )
    with pytest.raises(actions.AgendaError, match="cancelled"):
        rotation.schedule_focus_topic(
            meeting=meeting, version=meeting.version, by=convener, task_force=pilot
        )
    assert not meeting.items.exists()


def test_a_question_of_another_task_force_is_refused(pilot, convener):
    rucio = make_task_force("Rucio")
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    with pytest.raises(actions.AgendaError, match="not one of this task force's questions"):
        rotation.schedule_focus_topic(
            meeting=meeting,
            version=meeting.version,
            by=convener,
            task_force=rucio,
            question=question(pilot),
        )
    assert not meeting.items.exists()


# --- the page --------------------------------------------------------------------------------


def schedule_data(meeting, tf, **extra) -> dict:
    prefix = f"tf{tf.pk}"
    data = {
        f"{prefix}-meeting": meeting.pk,
        f"{prefix}-version": meeting.version,
        f"{prefix}-task_force": tf.pk,
        f"{prefix}-question": "",
        f"{prefix}-duration": 25,
    }
    data.update({f"{prefix}-{key}": value for key, value in extra.items()})
    return data


def test_the_page_proposes_and_offers_one_click_scheduling_to_conveners(client, pilot, convener):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    client.force_login(convener)
    html = client.get("/focus-topics/").text
    assert "PanDA pilot" in html
    assert "Last focus topic 12 Jan 2031" in html
    assert "Schedule on Wed 7 May" in html
    assert f'name="tf{pilot.pk}-version" value="{meeting.version}"' in html
    assert "Can/should we leverage GlideinWMS?" in html


def test_people_who_cannot_edit_meetings_see_proposals_without_buttons(client, pilot, developer):
    make_meeting(on=NEXT_WEDNESDAY)
    pilot.members.add(developer)
    client.force_login(developer)
    html = client.get("/focus-topics/").text
    assert "PanDA pilot" in html
    assert "Schedule on" not in html
    assert "Only conveners schedule focus topics." in html


def test_scheduling_access_matrix(client, pilot, convener, developer, outsider):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    pilot.members.add(developer)
    data = schedule_data(meeting, pilot)

    response = client.post("/focus-topics/schedule/", data)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    for user in (outsider, developer):
        client.force_login(user)
        assert client.post("/focus-topics/schedule/", data).status_code == 403
    assert not meeting.items.exists()

    client.force_login(convener)
    response = client.post("/focus-topics/schedule/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    item = meeting.items.get()
    assert item.title == "PanDA pilot"
    assert item.duration_minutes == 25


def test_scheduling_with_a_question_uses_it_as_the_title(client, pilot, convener):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    client.force_login(convener)
    client.post(
        "/focus-topics/schedule/", schedule_data(meeting, pilot, question=question(pilot).pk)
    )
    assert meeting.items.get().title == "PanDA pilot: Can/should we leverage GlideinWMS?"


def test_a_taken_meeting_answers_409_and_offers_the_replacement(client, pilot, convener):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    make_item(meeting, "Rucio", section="focus")
    meeting.refresh_from_db()
    client.force_login(convener)
    response = client.post(
        "/focus-topics/schedule/",
        schedule_data(meeting, pilot, question=question(pilot).pk, duration=30),
    )
    assert response.status_code == 409
    assert "already has a focus topic: “Rucio”" in response.text
    assert "Replace the current focus topic" in response.text
    assert 'value="30"' in response.text  # the convener's choices are kept
    assert list(meeting.items.live().values_list("title", flat=True)) == ["Rucio"]

    response = client.post("/focus-topics/schedule/", schedule_data(meeting, pilot, replace="on"))
    assert response.status_code == 302
    assert list(meeting.items.live().values_list("title", flat=True)) == ["PanDA pilot"]


def test_a_stale_schedule_answers_409_with_the_fresh_version(client, pilot, convener):
    meeting = make_meeting(on=NEXT_WEDNESDAY)
    data = schedule_data(meeting, pilot)
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    client.force_login(convener)
    response = client.post("/focus-topics/schedule/", data)
    assert response.status_code == 409
    assert "Someone else changed this meeting" in response.text
    assert f'name="tf{pilot.pk}-version" value="{meeting.version + 1}"' in response.text
    assert not meeting.items.exists()


def test_the_page_takes_constant_queries(client, convener, django_assert_max_num_queries):
    client.force_login(convener)
    # One focus topic a meeting: each activity is the focus of a week of its own.
    meetings = [make_meeting(on=NEXT_WEDNESDAY + datetime.timedelta(weeks=w)) for w in range(24)]

    def populate(start, stop):
        for i in range(start, stop):
            tf = make_task_force(f"Activity {i:02}", slug=f"a-{i}")
            make_outline_item(tf, f"Question {i}?", kind="question")
            make_item(meetings[i], f"Focus {i}", section="focus", task_force=tf)

    populate(0, 2)
    with CaptureQueriesContext(connection) as few:
        client.get("/focus-topics/")
    populate(2, 24)
    with django_assert_max_num_queries(len(few)):
        assert client.get("/focus-topics/").text.count('class="card proposal') == 24
