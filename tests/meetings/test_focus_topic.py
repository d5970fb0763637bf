"""One focus topic a meeting, always first: held by the actions, the database and the admin;
publishing an agenda without one asks the convener to confirm, on every path."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from adcmeet.meetings import actions
from adcmeet.meetings.actions.rules import NoFocusTopic, SecondFocusTopic
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from tests import factories

pytestmark = pytest.mark.django_db

Section = AgendaItem.Section
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def meeting(db):
    meeting = factories.make_meeting(factories.make_series())
    factories.make_item(meeting, "Rucio", section=Section.FOCUS, duration_minutes=20)
    factories.make_item(meeting, "PanDA news", duration_minutes=10)
    return meeting


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("series").get(pk=meeting.pk)


def live_focus(meeting: Meeting) -> list[str]:
    return list(meeting.items.live().filter(section=Section.FOCUS).values_list("title", flat=True))


# --- at most one ----------------------------------------------------------------------------


def test_a_second_focus_topic_is_refused_with_the_one_there_named(meeting):
    version = meeting.version
    with pytest.raises(SecondFocusTopic) as refused:
        actions.add_item(
            meeting=meeting,
            version=version,
            by=None,
            section=Section.FOCUS,
            title="Multicores",
            duration_minutes=20,
        )

    assert "already has a focus topic, “Rucio”" in refused.value.message
    assert live_focus(meeting) == ["Rucio"]
    assert fresh(meeting).version == version


def test_a_removed_focus_topic_makes_room_for_another(meeting):
    rucio = meeting.items.get(title="Rucio")
    removed = actions.remove_item(item=rucio, version=meeting.version, by=None)

    change = actions.add_item(
        meeting=meeting,
        version=removed.meeting.version,
        by=None,
        section=Section.FOCUS,
        title="Multicores",
        duration_minutes=20,
    )

    assert live_focus(meeting) == ["Multicores"]
    # The new focus topic opens the meeting.
    assert change.agenda[0].title == "Multicores"


def test_restoring_a_focus_topic_while_another_is_live_is_refused(meeting):
    rucio = meeting.items.get(title="Rucio")
    removed = actions.remove_item(item=rucio, version=meeting.version, by=None)
    added = actions.add_item(
        meeting=meeting,
        version=removed.meeting.version,
        by=None,
        section=Section.FOCUS,
        title="Multicores",
        duration_minutes=20,
    )

    with pytest.raises(SecondFocusTopic, match="“Multicores”"):
        actions.restore_item(item=rucio, version=added.meeting.version, by=None)

    assert live_focus(meeting) == ["Multicores"]


def test_copying_last_week_keeps_this_weeks_focus_topic(meeting):
    last_week = factories.make_meeting(meeting.series, on=meeting.scheduled_for.replace(day=8))
    factories.make_item(
        last_week, "Standing focus", section=Section.FOCUS, duration_minutes=20, recurring=True
    )
    factories.make_item(
        last_week, "Open floor", section=Section.OPEN_FLOOR, duration_minutes=5, recurring=True
    )

    change = actions.copy_from_last_week(meeting=meeting, version=meeting.version, by=None)

    assert [item.title for item in change.added] == ["Open floor"]
    assert live_focus(meeting) == ["Rucio"]


def test_the_database_refuses_a_second_live_focus_topic_written_past_the_actions(meeting):
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItem.objects.create(
            meeting=meeting, section=Section.FOCUS, title="Sneaked in", duration_minutes=5
        )
    # Removed ones are kept for the record beside the live one.
    AgendaItem.objects.create(
        meeting=meeting,
        section=Section.FOCUS,
        title="Dropped",
        duration_minutes=5,
        deleted_at=timezone.now(),
    )
    assert live_focus(meeting) == ["Rucio"]


def test_the_focus_topic_cannot_leave_the_top(meeting):
    rucio = meeting.items.get(title="Rucio")
    news = meeting.items.get(title="PanDA news")
    version = meeting.version

    with pytest.raises(actions.AgendaError, match="always opens the meeting"):
        actions.move_item(item=rucio, version=version, by=None, section=Section.HOT)
    with pytest.raises(actions.AgendaError, match="always opens the meeting"):
        actions.move_item(item=news, version=version, by=None, section=Section.FOCUS)


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.make_user("root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_says_a_meeting_has_one_focus_topic(admin_client, meeting):
    response = admin_client.post(
        "/admin/adcmeet/agendaitem/add/",
        {
            "meeting": meeting.pk,
            "section": "focus",
            "title": "Multicores",
            "position": 0,
            "duration_minutes": 20,
            "version": 1,
            "minutes_version": 1,
        },
    )

    assert response.status_code == 200
    assert "This meeting already has a focus topic: a meeting has one." in (
        response.content.decode()
    )
    assert live_focus(meeting) == ["Rucio"]


# --- publishing without one -----------------------------------------------------------------


@pytest.fixture
def no_focus(db):
    series = factories.make_series(name="PanDA+Prodsys weekly", slug="panda-weekly")
    meeting = factories.make_meeting(series)
    factories.make_item(meeting, "PanDA news", duration_minutes=10)
    return meeting


def test_publishing_without_a_focus_topic_asks_for_confirmation(no_focus):
    version = no_focus.version
    with pytest.raises(NoFocusTopic, match="no focus topic"):
        actions.publish_meeting(meeting=no_focus, version=version, by=None)

    assert fresh(no_focus).state == Meeting.State.DRAFT
    assert fresh(no_focus).version == version
    assert not OutboundMail.objects.exists()

    result = actions.publish_meeting(meeting=no_focus, version=version, by=None, without_focus=True)
    assert result.meeting.state == Meeting.State.PUBLISHED


def test_an_agenda_with_a_focus_topic_needs_no_confirmation(meeting):
    result = actions.publish_meeting(meeting=meeting, version=meeting.version, by=None)

    assert result.meeting.state == Meeting.State.PUBLISHED


def test_the_builder_offers_the_confirmation_only_without_a_focus_topic(
    client, convener, no_focus, meeting
):
    client.force_login(convener)

    assert "Publish without a focus topic" in (
        client.get(f"/meetings/{no_focus.pk}/edit/").content.decode()
    )
    assert "Publish without a focus topic" not in (
        client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
    )


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_an_unconfirmed_publish_is_refused_then_the_ticked_box_publishes(
    client, convener, no_focus, htmx
):
    client.force_login(convener)
    url = f"/meetings/{no_focus.pk}/publish/"
    headers = HX if htmx else {}

    refused = client.post(url, {"version": no_focus.version}, **headers)

    page = refused.content.decode()
    assert refused.status_code == 422
    assert "The agenda has no focus topic." in page
    assert 'name="without_focus"' in page  # the confirmation step
    assert fresh(no_focus).state == Meeting.State.DRAFT

    confirmed = client.post(
        url, {"version": fresh(no_focus).version, "without_focus": "on"}, **headers
    )

    assert confirmed.status_code == (200 if htmx else 302)
    assert fresh(no_focus).state == Meeting.State.PUBLISHED
    assert OutboundMail.objects.filter(kind=OutboundMail.Kind.AGENDA).exists()


# --- agendas from before the rule -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_first_focus_topic_and_makes_the_others_hot_topics():
    executor = MigrationExecutor(connection)
    before = [("adcmeet", "0004_item_action_minutes_versions")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    series = apps.get_model("adcmeet", "MeetingSeries").objects.create(name="S", slug="s")
    meeting = apps.get_model("adcmeet", "Meeting").objects.create(
        series=series, start=timezone.now(), scheduled_for=timezone.localdate()
    )
    items = apps.get_model("adcmeet", "AgendaItem").objects
    for position, title in enumerate(["First", "Second", "Third"]):
        items.create(
            meeting=meeting,
            section="focus",
            title=title,
            position=position,
            duration_minutes=10,
        )
    items.create(meeting=meeting, section="hot", title="Hot", position=3, duration_minutes=5)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    ordered = list(
        AgendaItem.objects.filter(meeting_id=meeting.pk)
        .in_agenda_order()
        .values_list("section", "title")
    )
    assert ordered == [
        ("focus", "First"),
        ("hot", "Second"),
        ("hot", "Third"),
        ("hot", "Hot"),
    ]
