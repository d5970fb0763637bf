"""The series' hard limit holds on every path that can lengthen a published agenda: the
actions, the builder's htmx and plain-form posts, the admin, and the automatic update mail.
Over the objective is only a warning; drafts may be over while they are built."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from adcmeet.meetings import actions, rotation
from adcmeet.meetings.actions.rules import OverLimit
from adcmeet.meetings.mail import reminders
from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries, OutboundMail
from tests import factories

pytestmark = pytest.mark.django_db

Section = AgendaItem.Section
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
HX = {"HTTP_HX_REQUEST": "true"}
WEDNESDAY = datetime.date(2031, 1, 15)
MONDAY_11 = datetime.datetime(2031, 1, 13, 11, 0, tzinfo=ZURICH)


@pytest.fixture
def published(convener):
    """Wednesday's meeting, published at 80 of its 90 minutes (objective 60)."""
    series = factories.make_series()
    series.conveners.add(convener)
    meeting = factories.make_meeting(series, on=WEDNESDAY)
    factories.make_item(meeting, "Rucio", section=Section.FOCUS, duration_minutes=20)
    factories.make_item(meeting, "PanDA news", duration_minutes=30)
    factories.make_item(meeting, "Pilot release", duration_minutes=20)
    factories.make_item(meeting, "Open floor", section=Section.OPEN_FLOOR, duration_minutes=10)
    with time_machine.travel(MONDAY_11, tick=False):
        actions.publish_meeting(meeting=meeting, version=meeting.version, by=convener)
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED
    return meeting


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("series").get(pk=meeting.pk)


def minutes_on(meeting: Meeting) -> int:
    return sum(meeting.items.live().values_list("duration_minutes", flat=True))


def assert_untouched(meeting: Meeting, *, version: int, revision: int, total: int = 80):
    meeting = fresh(meeting)
    assert (meeting.version, meeting.revision) == (version, revision)
    assert minutes_on(meeting) == total


# --- the actions ----------------------------------------------------------------------------


def test_adding_an_item_that_would_pass_the_limit_is_refused_and_leaves_no_trace(published):
    version = published.version
    with pytest.raises(OverLimit) as refused:
        actions.add_item(
            meeting=published,
            version=published.version,
            by=None,
            section=Section.HOT,
            title="CVMFS",
            duration_minutes=15,
        )

    assert refused.value.message == (
        "The agenda is published: this change would make it run 95 min, 5 min over the "
        "90-min limit of the series, so it was not applied. Shorten or drop other items first."
    )
    assert refused.value.status == 422
    assert_untouched(published, version=version, revision=1)
    assert not published.items.filter(title="CVMFS").exists()


def test_adding_up_to_the_limit_is_allowed_and_over_the_objective_is_no_refusal(published):
    change = actions.add_item(
        meeting=published,
        version=published.version,
        by=None,
        section=Section.HOT,
        title="CVMFS",
        duration_minutes=10,
    )

    assert change.meeting.revision == 2
    assert minutes_on(published) == 90


def test_lengthening_an_item_past_the_limit_is_refused(published):
    news = published.items.get(title="PanDA news")

    with pytest.raises(OverLimit, match="run 210 min, 120 min over the 90-min limit"):
        actions.update_item(item=news, version=news.version, by=None, duration_minutes=160)

    news.refresh_from_db()
    assert news.duration_minutes == 30
    assert_untouched(published, version=published.version, revision=1)


def test_restoring_a_removed_item_past_the_limit_is_refused(published):
    pilot = published.items.get(title="Pilot release")
    removed = actions.remove_item(item=pilot, version=published.version, by=None)
    added = actions.add_item(
        meeting=published,
        version=removed.meeting.version,
        by=None,
        section=Section.HOT,
        title="CVMFS",
        duration_minutes=20,
    )

    with pytest.raises(OverLimit, match="run 100 min"):
        actions.restore_item(item=pilot, version=added.meeting.version, by=None)

    pilot.refresh_from_db()
    assert pilot.deleted_at is not None


def test_copying_last_weeks_recurring_items_past_the_limit_is_refused(published):
    last_week = factories.make_meeting(published.series, on=WEDNESDAY - datetime.timedelta(7))
    factories.make_item(last_week, "Site reports", duration_minutes=15, recurring=True)

    with pytest.raises(OverLimit, match="run 95 min"):
        actions.copy_from_last_week(meeting=published, version=published.version, by=None)

    assert not published.items.filter(title="Site reports").exists()


def test_accepting_tracking_proposals_past_the_limit_is_refused(published, developer):
    late = factories.make_deliverable("new looping job killer in pilot", owners=(developer,))
    soon = factories.make_deliverable("PanDA monitoring archive", owners=(developer,))

    with pytest.raises(OverLimit, match="run 92 min"):
        actions.accept_tracking_items(
            meeting=published,
            version=published.version,
            by=None,
            deliverables=[late, soon],
            duration_minutes=6,
        )

    assert not published.items.filter(section=Section.TRACKING).exists()


def test_scheduling_a_longer_focus_topic_from_the_rotation_is_refused_whole(published):
    old_focus = published.items.get(section=Section.FOCUS)
    version = published.version
    task_force = factories.make_task_force("Multicores", slug="multicores")

    with pytest.raises(OverLimit, match="run 100 min"):
        rotation.schedule_focus_topic(
            meeting=published,
            version=published.version,
            by=None,
            task_force=task_force,
            replace=True,
            duration_minutes=40,
        )

    # The removal of the old focus topic was rolled back with the refused add.
    old_focus.refresh_from_db()
    assert old_focus.deleted_at is None
    assert_untouched(published, version=version, revision=1)


def test_a_draft_may_run_over_while_it_is_built_but_is_not_published_so(db):
    meeting = factories.make_meeting(factories.make_series())
    factories.make_item(meeting, "Rucio", section=Section.FOCUS, duration_minutes=20)

    change = actions.add_item(
        meeting=meeting,
        version=meeting.version,
        by=None,
        section=Section.HOT,
        title="Everything about PanDA",
        duration_minutes=100,
    )
    assert minutes_on(meeting) == 120

    with pytest.raises(OverLimit, match=r"Publishing refused\. The agenda runs 120 min"):
        actions.publish_meeting(meeting=meeting, version=change.meeting.version, by=None)
    assert fresh(meeting).state == Meeting.State.DRAFT


def test_an_agenda_found_over_the_limit_may_be_shortened_but_not_reordered(published):
    """An agenda published before the rule (or written past it) is over the limit: making it
    shorter is allowed, anything that leaves it as long is refused."""
    AgendaItem.objects.filter(meeting=published, title="PanDA news").update(duration_minutes=45)
    news = published.items.get(title="PanDA news")
    pilot = published.items.get(title="Pilot release")

    with pytest.raises(OverLimit, match="run 95 min"):
        actions.move_item(item=pilot, version=published.version, by=None, direction="up")

    change = actions.update_item(item=news, version=news.version, by=None, duration_minutes=40)
    assert minutes_on(published) == 90
    assert change.meeting.revision == 2


def test_moving_the_meeting_keeps_the_limit(published):
    AgendaItem.objects.filter(meeting=published, title="PanDA news").update(duration_minutes=45)
    start = published.start

    with pytest.raises(OverLimit):
        actions.move_meeting(
            meeting=published,
            version=published.version,
            by=None,
            start=start + datetime.timedelta(days=1),
        )

    assert fresh(published).start == start
    assert not OutboundMail.objects.filter(kind=OutboundMail.Kind.AGENDA_UPDATE).exists()


# --- the builder: htmx and plain forms ------------------------------------------------------


def add_post(meeting: Meeting, minutes: int) -> dict:
    return {
        "version": fresh(meeting).version,
        "section": "hot",
        "add-hot-title": "CVMFS",
        "add-hot-duration_minutes": str(minutes),
    }


def test_an_htmx_add_past_the_limit_answers_422_with_the_reason_and_keeps_the_input(
    client, convener, published
):
    client.force_login(convener)

    response = client.post(f"/meetings/{published.pk}/items/add/", add_post(published, 15), **HX)

    page = response.content.decode()
    assert response.status_code == 422
    assert "this change would make it run 95 min, 5 min over the 90-min limit" in page
    assert 'value="CVMFS"' in page  # what was typed is still in its form
    assert_untouched(published, version=published.version, revision=1)


def test_a_plain_form_add_past_the_limit_answers_the_whole_page_with_the_reason(
    client, convener, published
):
    client.force_login(convener)

    response = client.post(f"/meetings/{published.pk}/items/add/", add_post(published, 15))

    page = response.content.decode()
    assert response.status_code == 422
    assert "<html" in page
    assert "5 min over the 90-min limit" in page
    assert not published.items.filter(title="CVMFS").exists()


def test_a_plain_form_edit_of_a_duration_past_the_limit_is_refused(client, convener, published):
    client.force_login(convener)
    news = published.items.get(title="PanDA news")
    prefix = f"item-{news.pk}"

    response = client.post(
        f"/meetings/{published.pk}/items/{news.pk}/edit/",
        {
            "version": news.version,
            f"{prefix}-title": "PanDA news",
            f"{prefix}-duration_minutes": "2h",
        },
    )

    assert response.status_code == 422
    assert "run 170 min, 80 min over the 90-min limit" in response.content.decode()
    news.refresh_from_db()
    assert news.duration_minutes == 30


# --- the admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.make_user("root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_shows_a_published_meetings_items_read_only_and_says_where_to_edit(
    admin_client, published
):
    news = published.items.get(title="PanDA news")

    page = admin_client.get(f"/admin/adcmeet/agendaitem/{news.pk}/change/")
    refused = admin_client.post(
        f"/admin/adcmeet/agendaitem/{news.pk}/change/",
        {"meeting": published.pk, "section": "hot", "title": "PanDA news", "position": 1,
         "duration_minutes": 200},
    )  # fmt: skip

    assert page.status_code == 200
    assert "changed in the agenda builder" in page.content.decode()
    assert 'name="duration_minutes"' not in page.content.decode()
    assert refused.status_code == 403
    news.refresh_from_db()
    assert news.duration_minutes == 30


def test_the_admin_adds_no_item_to_a_published_meeting(admin_client, published):
    response = admin_client.post(
        "/admin/adcmeet/agendaitem/add/",
        {"meeting": published.pk, "section": "hot", "title": "Sneaked in", "position": 9,
         "duration_minutes": 60},
    )  # fmt: skip

    assert response.status_code == 200  # the form again, with the error
    assert "changed in the agenda builder" in response.content.decode()
    assert not published.items.filter(title="Sneaked in").exists()


def test_the_admin_edits_a_drafts_items(admin_client, db):
    meeting = factories.make_meeting(factories.make_series())
    item = factories.make_item(meeting, "PanDA news", duration_minutes=30)

    response = admin_client.post(
        f"/admin/adcmeet/agendaitem/{item.pk}/change/",
        {"meeting": meeting.pk, "section": "hot", "title": "PanDA news", "position": 0,
         "duration_minutes": 200, "version": item.version, "minutes_version": 1},
    )  # fmt: skip

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.duration_minutes == 200  # a draft may be over while it is built


def test_a_published_meetings_agenda_is_read_only_in_the_meetings_admin(admin_client, published):
    page = admin_client.get(f"/admin/adcmeet/meeting/{published.pk}/change/").content.decode()

    assert "PanDA news" in page
    assert "items-0-duration_minutes" not in page
    assert "Publish, move and cancel this meeting in its agenda builder" in page


def test_the_series_limit_cannot_drop_below_a_published_agenda_in_the_admin(
    admin_client, published
):
    series = published.series
    data = {
        "name": series.name, "slug": series.slug, "weekday": 2, "start_time": "17:00",
        "time_zone": "Europe/Zurich", "target_minutes": 60, "limit_minutes": 75,
        "feed_token": series.feed_token, "reminder_days_before": 1, "is_public": "on",
    }  # fmt: skip

    response = admin_client.post(f"/admin/adcmeet/meetingseries/{series.pk}/change/", data)

    assert response.status_code == 200
    assert "runs 80 min: the limit cannot go below that" in response.content.decode()
    assert MeetingSeries.objects.get(pk=series.pk).limit_minutes == 90
    data["limit_minutes"] = 80
    assert (
        admin_client.post(f"/admin/adcmeet/meetingseries/{series.pk}/change/", data).status_code
        == 302
    )


# --- the automatic "updated agenda" mail ----------------------------------------------------


@pytest.fixture
def over_and_unannounced(published):
    """A published agenda changed since it was mailed and over the limit (as data written
    before the rule, or past the actions, can leave one)."""
    news = published.items.get(title="PanDA news")
    with time_machine.travel(MONDAY_11 + datetime.timedelta(minutes=30), tick=False):
        actions.update_item(item=news, version=news.version, by=None, title="PanDA news!")
    AgendaItem.objects.filter(pk=news.pk).update(duration_minutes=45)
    meeting = fresh(published)
    assert (meeting.revision, meeting.announced_revision) == (2, 1)
    assert minutes_on(meeting) == 95
    return meeting


def test_the_scan_never_mails_an_agenda_over_the_limit(over_and_unannounced):
    later = MONDAY_11 + datetime.timedelta(hours=2)

    assert reminders.queue_agenda_mails(later) == []
    assert reminders.agenda_mails_due(later) == []

    meeting = fresh(over_and_unannounced)
    assert meeting.announced_revision == 1  # still unsent, not marked as mailed
    assert not OutboundMail.objects.filter(kind=OutboundMail.Kind.AGENDA_UPDATE).exists()


def test_send_agenda_mails_holds_it_back_too(over_and_unannounced):
    out = io.StringIO()

    call_command("send_agenda_mails", "--at", "2031-01-13T13:00", stdout=out)

    assert "Queued 0 agenda mail(s)." in out.getvalue()
    assert not OutboundMail.objects.filter(kind=OutboundMail.Kind.AGENDA_UPDATE).exists()


def test_the_convener_sees_why_and_once_shortened_the_update_goes_out(
    over_and_unannounced, client, convener
):
    client.force_login(convener)
    page = client.get(f"/meetings/{over_and_unannounced.pk}/edit/").content.decode()
    assert "the updated agenda will not go out, by itself or otherwise, until you shorten it" in (
        page
    )

    pilot = over_and_unannounced.items.get(title="Pilot release")
    with time_machine.travel(MONDAY_11 + datetime.timedelta(hours=2), tick=False):
        actions.remove_item(item=pilot, version=over_and_unannounced.version, by=None)
    ids = reminders.queue_agenda_mails(MONDAY_11 + datetime.timedelta(hours=3))

    (mail,) = OutboundMail.objects.filter(pk__in=ids)
    assert mail.kind == OutboundMail.Kind.AGENDA_UPDATE
    assert "Pilot release" not in mail.body_text
    assert fresh(over_and_unannounced).announced_revision == 3


def test_no_reminder_carries_an_agenda_over_the_limit(over_and_unannounced):
    Meeting.objects.filter(pk=over_and_unannounced.pk).update(announced_revision=2)
    tuesday_10 = datetime.datetime(2031, 1, 14, 10, 0, tzinfo=ZURICH)

    assert reminders.queue_agenda_mails(tuesday_10) == []
    assert not OutboundMail.objects.filter(kind=OutboundMail.Kind.REMINDER).exists()
