"""The built series feed is reused per ETag (issue 7): new subscribers cost one query."""

import datetime

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from adcmeet.meetings.models import Meeting
from tests import factories


def test_a_new_subscriber_gets_the_built_feed_from_one_query(
    client, db, django_assert_max_num_queries
):
    cache.clear()
    series = factories.make_series()
    for weeks in range(1, 4):
        meeting = factories.make_meeting(
            series,
            on=timezone.localdate() + datetime.timedelta(weeks=weeks),
            state=Meeting.State.PUBLISHED,
            revision=1,
        )
        factories.make_item(meeting, f"Talk {weeks}")
    first = client.get("/calendar/adc-dev.ics")

    with django_assert_max_num_queries(1):
        second = client.get("/calendar/adc-dev.ics")

    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_an_agenda_change_is_never_served_from_the_old_copy(client, db):
    cache.clear()
    series = factories.make_series()
    meeting = factories.make_meeting(
        series,
        on=timezone.localdate() + datetime.timedelta(weeks=1),
        state=Meeting.State.PUBLISHED,
        revision=1,
    )
    item = factories.make_item(meeting, "PanDA news")
    before = client.get("/calendar/adc-dev.ics")
    assert b"PanDA news" in before.content

    # How the agenda builder changes an item: the meeting's version moves with it.
    item.title = "Rucio news"
    item.save(update_fields=["title"])
    Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)
    after = client.get("/calendar/adc-dev.ics")

    assert after["ETag"] != before["ETag"]
    assert b"Rucio news" in after.content
    assert b"PanDA news" not in after.content


def test_renaming_a_presenter_is_a_new_etag_and_body_for_the_series_feed(client, developer):
    """Nothing of the meeting moves when a person renames their account (the admin, or the
    directory sync): the feed's declared sources (the presenters) still change its ETag, so a
    client revalidating with the old one gets the new name, not a 304."""
    cache.clear()
    series = factories.make_series()
    meeting = factories.make_meeting(
        series,
        on=timezone.localdate() + datetime.timedelta(weeks=1),
        state=Meeting.State.PUBLISHED,
        revision=1,
    )
    factories.make_item(meeting, "PanDA news", presenter=developer)
    before = client.get("/calendar/adc-dev.ics")
    assert developer.display_name.encode() in before.content
    assert client.get("/calendar/adc-dev.ics", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    developer.name = "Roberta Developer-Smith"
    developer.save(update_fields=["name"])
    after = client.get("/calendar/adc-dev.ics", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert b"PanDA news \xe2\x80\x94 Roberta Developer-Smith" in after.content.replace(
        b"\r\n ", b""
    )
    assert b"Bob Developer" not in after.content.replace(b"\r\n ", b"")
