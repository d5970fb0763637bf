"""The meetings list and the readable, printable meeting page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings.models import Meeting
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
PAST = datetime.date(2020, 1, 8)
FUTURE = datetime.date(2031, 1, 15)


def html(response) -> str:
    return response.content.decode()


def weeks(start: datetime.date, count: int) -> list[datetime.date]:
    return [start + datetime.timedelta(weeks=n) for n in range(count)]


@pytest.fixture
def series(db):
    return factories.make_series()


# --- the list -------------------------------------------------------------------------------


def test_the_list_separates_upcoming_and_past_meetings(client, series):
    factories.make_meeting(series, on=PAST, title="Kick-off of the weekly meeting")
    upcoming = factories.make_meeting(series, on=FUTURE)
    factories.make_item(upcoming, "Pilot and GlideinWMS", section="focus")
    factories.make_item(upcoming, "Open floor", section="open_floor")

    page = html(client.get("/meetings/"))

    upcoming_part = page[page.index('id="upcoming"') : page.index('id="past"')]
    past_part = page[page.index('id="past"') :]
    assert "Wed 15 Jan 2031, 17:00" in upcoming_part
    assert "Pilot and GlideinWMS" in upcoming_part  # the focus topic
    assert '<td class="num">2</td>' in upcoming_part  # items
    assert "Kick-off of the weekly meeting" in past_part


def test_the_list_is_paginated_and_pages_come_as_htmx_partials(client, series):
    for day in weeks(FUTURE, 25):
        factories.make_meeting(series, on=day)

    first = html(client.get("/meetings/"))
    assert "Page 1 of 2" in first
    assert "Wed 18 Jun 2031" not in first  # the 23rd meeting

    response = client.get("/meetings/?upcoming=2", HTTP_HX_TARGET="upcoming", **HX)
    page = html(response)
    assert page.lstrip().startswith('<section id="upcoming"')
    assert "<html" not in page
    assert "Page 2 of 2" in page
    assert "Wed 18 Jun 2031" in page


def test_the_past_pages_are_newest_first(client, series):
    for day in weeks(PAST, 22):
        factories.make_meeting(series, on=day)

    page = html(client.get("/meetings/?past=2", HTTP_HX_TARGET="past", **HX))

    assert page.lstrip().startswith('<section id="past"')
    assert "Wed 15 Jan 2020" in page  # the second-oldest, on the last page
    assert "Wed 03 Jun 2020" not in page  # the newest is on page 1


def test_the_list_costs_the_same_queries_for_5_or_60_meetings(client, series, convener):
    client.force_login(convener)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/meetings/").status_code == 200
        return len(captured)

    for day in weeks(FUTURE, 3) + weeks(PAST, 2):
        meeting = factories.make_meeting(series, on=day)
        factories.make_item(meeting, "Focus", section="focus")
    few = queries()
    for day in weeks(FUTURE + datetime.timedelta(weeks=3), 30) + weeks(
        PAST + datetime.timedelta(weeks=2), 25
    ):
        meeting = factories.make_meeting(series, on=day)
        factories.make_item(meeting, "Focus", section="focus")
        factories.make_item(meeting, "Hot", section="hot")

    assert queries() == few


def test_anonymous_visitors_see_public_series_only(client, series):
    private = factories.make_series(name="ADC operations (internal)", slug="ops", is_public=False)
    factories.make_meeting(series, on=FUTURE)
    factories.make_meeting(private, on=FUTURE, title="Internal ops")

    page = html(client.get("/meetings/"))

    assert "ADC development meeting" in page
    assert "Internal ops" not in page


def test_a_private_site_sends_anonymous_visitors_to_log_in(client, series, settings):
    settings.SITE_PRIVATE = True
    meeting = factories.make_meeting(series, on=FUTURE)

    for url in ("/meetings/", f"/meetings/{meeting.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_conveners_create_the_upcoming_wednesdays_from_the_list(client, series, convener):
    client.force_login(convener)
    page = html(client.get("/meetings/"))
    assert "Create the upcoming Wednesdays" in page
    assert 'for="count-adc-dev"' in page

    response = client.post("/meetings/series/adc-dev/create-upcoming/", {"count": "4"}, follow=True)

    assert Meeting.objects.filter(series=series).count() == 4
    assert "Created 4 meeting(s)" in html(response)
    response = client.post("/meetings/series/adc-dev/create-upcoming/", {"count": "4"}, follow=True)
    assert Meeting.objects.filter(series=series).count() == 4
    assert "The next 4 Wednesdays already exist." in html(response)


@pytest.mark.parametrize("persona", ["developer", "manager", "outsider"])
def test_only_conveners_create_meetings(client, series, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert "Create the upcoming" not in html(client.get("/meetings/"))
    response = client.post("/meetings/series/adc-dev/create-upcoming/", {"count": "4"})

    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_anonymous_create_upcoming_goes_to_login(client, series):
    response = client.post("/meetings/series/adc-dev/create-upcoming/", {"count": "4"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert not Meeting.objects.exists()


# --- the meeting page -----------------------------------------------------------------------


@pytest.fixture
def meeting(series, developer):
    meeting = factories.make_meeting(series, on=FUTURE)
    pilot = factories.make_task_force("Pilot")
    factories.make_roadmap(2031)
    killer = factories.make_deliverable("new looping job killer in pilot", owners=(developer,))
    factories.make_item(
        meeting,
        "Pilot: can/should we leverage GlideinWMS?",
        section="focus",
        duration_minutes=25,
        task_force=pilot,
        presenter_name="Igor Sfiligoi",
        presenter_affiliation="UCSD",
        presenter_email="igor@example.edu",
    )
    factories.make_item(
        meeting,
        "PanDA server release",
        section="hot",
        presenter=developer,
        notes="See the [release notes](https://example.org/panda)",
    )
    factories.make_item(
        meeting,
        "Looping job killer",
        section="tracking",
        duration_minutes=5,
        deliverable=killer,
        presenter=developer,
    )
    factories.make_item(meeting, "Open floor", section="open_floor")
    factories.make_item(meeting, "Withdrawn talk", section="hot").delete()
    return meeting


def test_the_meeting_page_shows_the_agenda_with_clock_times_presenters_and_links(client, meeting):
    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert "<h1>ADC development meeting</h1>" in page
    assert "Wednesday 15 January 2031, 17:00" in page
    for heading in ("Focus topic", "Hot topics", "Deliverable tracking", "Open floor"):
        assert f'<th scope="rowgroup" colspan="4">{heading}</th>' in page
    assert '<time datetime="2031-01-15T17:25:00+01:00">17:25</time>' in page  # after the focus
    assert "Igor Sfiligoi (UCSD)" in page
    assert "Bob Developer" in page
    assert 'href="/taskforces/pilot/"' in page
    assert "Deliverable: new looping job killer in pilot" in page
    assert 'href="https://example.org/panda" rel="noopener noreferrer nofollow"' in page
    assert "Withdrawn talk" not in page
    assert "Total" in page
    assert "50 min" in page
    assert "Room: CERN 513-1-024" in page


def test_the_page_is_printable(client, meeting):
    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert 'href="/static/css/print.css" media="print"' in page
    assert 'href="/static/css/agenda.css"' in page
    assert 'class="page-links no-print"' not in page  # anonymous: no editing links at all


def test_a_viewer_with_a_zone_sees_a_column_of_their_own_times(client, meeting, developer):
    developer.time_zone = "America/New_York"
    developer.save()
    client.force_login(developer)

    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert 'Your time <span class="muted">(America/New_York)</span>' in page
    assert "11:00\N{EN DASH}11:25" in page
    assert "data-browser-times" not in page


def test_without_a_known_zone_the_page_leaves_the_browser_to_add_its_clock(client, meeting):
    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert "data-browser-times" in page
    assert 'class="browser-time" data-instant="2031-01-15T17:00:00+01:00" hidden' in page


def test_the_page_in_july_still_starts_at_17h_zurich(client, series):
    summer = factories.make_meeting(series, on=datetime.date(2031, 7, 16))
    factories.make_item(summer, "Hot", section="hot")

    page = html(client.get(f"/meetings/{summer.pk}/"))

    assert '<time datetime="2031-07-16T17:00:00+02:00">Wednesday 16 July 2031, 17:00</time>' in page


def test_minutes_and_action_items_show_after_the_meeting_rendered_safely(
    client, meeting, developer
):
    meeting.minutes = "**Decided**: try GlideinWMS at BNL.\n\n<script>alert('x')</script>"
    meeting.save()
    focus = meeting.items.get(section="focus")
    focus.minutes = "[doc](javascript:alert(1)) - testbed at *BNL*"
    focus.save()
    factories.make_action(
        meeting,
        "Send the GlideinWMS slides",
        owner=developer,
        due=datetime.date(2031, 1, 22),
        agenda_item=focus,
    )
    factories.make_action(meeting, "Book the room", done=True, done_at=meeting.start)

    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert "<strong>Decided</strong>" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "javascript:" not in page
    assert "<em>BNL</em>" in page
    assert "Send the GlideinWMS slides" in page
    assert "22 Jan 2031" in page
    assert '<span class="state state-done">Done</span>' in page


def test_a_cancelled_meeting_says_why(client, series):
    meeting = factories.make_meeting(
        series, on=FUTURE, state="cancelled", revision=1, cancel_reason="S&C week in Dubna"
    )

    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert "<strong>Cancelled.</strong> S&amp;C week in Dubna" in page


def test_a_non_public_series_meeting_is_hidden_from_anonymous_visitors(client, developer):
    private = factories.make_series(slug="ops", is_public=False)
    meeting = factories.make_meeting(private, on=FUTURE)

    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    client.force_login(developer)
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200


def test_conveners_get_edit_and_minutes_links_and_the_outbox(client, meeting, convener):
    client.force_login(convener)

    response = client.get(f"/meetings/{meeting.pk}/")

    page = html(response)
    assert f'href="/meetings/{meeting.pk}/edit/"' in page
    assert f'href="/meetings/{meeting.pk}/minutes/"' in page
    assert response.context["outbox"] == []


def test_a_presenter_gets_the_minutes_link_but_not_the_builder(client, meeting, developer):
    client.force_login(developer)

    response = client.get(f"/meetings/{meeting.pk}/")

    page = html(response)
    assert f'href="/meetings/{meeting.pk}/edit/"' not in page
    assert f'href="/meetings/{meeting.pk}/minutes/"' in page
    assert response.context["outbox"] is None


def test_the_meeting_page_costs_the_same_queries_for_3_or_40_items(
    client, series, developer, convener
):
    client.force_login(convener)
    meeting = factories.make_meeting(series, on=FUTURE)
    pilot = factories.make_task_force("Pilot")
    factories.make_roadmap(2031)

    def grow(start, count):
        for n in range(start, start + count):
            deliverable = factories.make_deliverable(f"D{n}", owners=(developer,))
            factories.make_item(
                meeting,
                f"Item {n}",
                section=["hot", "tracking"][n % 2],
                presenter=developer,
                task_force=pilot,
                deliverable=deliverable,
                duration_minutes=1,
                notes="*n*",
                minutes="**m**",
            )
            factories.make_action(meeting, f"Action {n}", owner=developer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
        return len(captured)

    grow(0, 3)
    few = queries()
    grow(3, 37)
    assert queries() == few
