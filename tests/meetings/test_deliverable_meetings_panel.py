from tests.factories import make_deliverable, make_item, make_meeting, make_series


def test_deliverable_page_lists_the_meetings_it_was_tracked_in(client, db):
    deliverable = make_deliverable("LFC registration in Panda server")
    meeting = make_meeting(make_series())
    make_item(meeting, "LFC registration status", section="tracking", deliverable=deliverable)

    response = client.get(f"/deliverables/{deliverable.pk}/")

    assert response.status_code == 200
    assert b"Discussed in meetings" in response.content
    assert b"LFC registration status" in response.content
    assert f'href="/meetings/{meeting.pk}/"'.encode() in response.content


def test_cancelled_meetings_are_not_listed_as_discussions(client, db):
    deliverable = make_deliverable()
    meeting = make_meeting(make_series(), state="cancelled", revision=1)
    make_item(meeting, "Never happened", section="tracking", deliverable=deliverable)

    response = client.get(f"/deliverables/{deliverable.pk}/")

    assert b"Never happened" not in response.content
    assert b"Not on any meeting agenda yet." in response.content


def test_private_series_meetings_are_hidden_from_anonymous_visitors(client, db):
    deliverable = make_deliverable()
    meeting = make_meeting(make_series(is_public=False))
    make_item(meeting, "Internal review", section="tracking", deliverable=deliverable)

    response = client.get(f"/deliverables/{deliverable.pk}/")

    assert b"Internal review" not in response.content
