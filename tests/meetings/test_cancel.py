"""Cancelling: nobody is mailed about a meeting whose agenda was never published; a published
one's cancellation goes to everyone who got the agenda."""

import pytest

from adcmeet.meetings import actions
from adcmeet.meetings.models import Meeting, OutboundMail
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(db, outsider):
    meeting = factories.make_meeting(factories.make_series())
    factories.make_item(meeting, "Rucio", section="focus", duration_minutes=20)
    # An external invitee presenting would get the invite once it is published.
    factories.make_item(meeting, "Cloud evaluation", presenter=outsider, duration_minutes=15)
    return meeting


def cancellations() -> list[str]:
    return list(
        OutboundMail.objects.filter(kind=OutboundMail.Kind.CANCELLATION).values_list(
            "recipient", flat=True
        )
    )


def test_cancelling_a_never_published_meeting_mails_no_one(draft):
    cancelled = actions.cancel_meeting(
        meeting=draft, version=draft.version, by=None, reason="S&C week"
    )

    assert cancelled.state == Meeting.State.CANCELLED
    assert cancelled.cancel_reason == "S&C week"
    # The feeds showed it as tentative: their copy changes too.
    assert cancelled.revision == 1
    assert cancelled.announced_revision == 0
    assert not OutboundMail.objects.exists()


def test_cancelling_a_published_meeting_mails_the_list_and_the_invitees(draft, outsider):
    published = actions.publish_meeting(meeting=draft, version=draft.version, by=None).meeting

    cancelled = actions.cancel_meeting(
        meeting=published, version=published.version, by=None, reason="S&C week"
    )

    assert (cancelled.revision, cancelled.announced_revision) == (2, 2)
    assert sorted(cancellations()) == sorted([draft.series.mailing_list, outsider.email])


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_the_builder_says_nobody_is_mailed_for_a_draft(client, convener, draft, htmx):
    client.force_login(convener)

    response = client.post(
        f"/meetings/{draft.pk}/cancel/",
        {"version": draft.version, "cancel-reason": "Holiday"},
        **(HX if htmx else {}),
    )
    if not htmx:
        response = client.get(response["Location"])

    assert "Its agenda was never published: nobody is mailed." in response.content.decode()
    assert Meeting.objects.get(pk=draft.pk).state == Meeting.State.CANCELLED
    assert not OutboundMail.objects.exists()


def test_the_builder_says_the_notice_is_queued_for_a_published_meeting(client, convener, draft):
    client.force_login(convener)
    published = actions.publish_meeting(meeting=draft, version=draft.version, by=None).meeting

    response = client.post(
        f"/meetings/{draft.pk}/cancel/",
        {"version": published.version, "cancel-reason": "Holiday"},
        **HX,
    )

    assert "The meeting is cancelled; the notice is queued." in response.content.decode()
    assert draft.series.mailing_list in cancellations()
