"""core.versioning: the one optimistic-concurrency mechanism, with real concurrent actors."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from adcmeet.core.versioning import Conflict, Refused, answers_refusals, claim, parse_version
from adcmeet.meetings.models import Meeting
from tests import factories
from tests.concurrency import errors, race, winners


@pytest.mark.django_db
def test_a_claim_bumps_the_version_and_refreshes_the_instance():
    meeting = factories.make_meeting()
    Meeting.objects.filter(pk=meeting.pk).update(minutes="written elsewhere")
    with transaction.atomic():
        claimed = claim(meeting, meeting.version)
    assert claimed is meeting
    assert meeting.version == 2
    assert meeting.minutes == "written elsewhere"
    assert Meeting.objects.get(pk=meeting.pk).version == 2


@pytest.mark.django_db
def test_a_stale_claim_is_a_conflict_carrying_the_current_object():
    meeting = factories.make_meeting()
    with transaction.atomic():
        claim(meeting, 1)
    stale = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(Conflict) as refused, transaction.atomic():
        claim(stale, 1)
    assert refused.value.status == 409
    assert refused.value.current.version == 2
    assert "Someone else changed this" in refused.value.message


@pytest.mark.django_db
def test_a_claim_on_a_deleted_object_is_a_conflict_with_nothing_current():
    meeting = factories.make_meeting()
    Meeting.objects.filter(pk=meeting.pk).delete()
    with pytest.raises(Conflict) as refused, transaction.atomic():
        claim(meeting, 1)
    assert refused.value.current is None


@pytest.mark.parametrize(
    ("sent", "parsed"),
    [
        ("3", 3),
        (" 12 ", 12),
        ("", None),
        (None, None),
        ("²", None),
        ("-1", None),
        ("1e3", None),
        ("9" * 5000, None),
        ("٣", None),
    ],
)
def test_versions_from_forms_are_plain_ascii_numbers_or_nothing(sent, parsed):
    assert parse_version(sent) == parsed


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_claims_on_one_version_exactly_one_wins():
    meeting = factories.make_meeting()

    def actor():
        return claim(Meeting.objects.get(pk=meeting.pk), 1).version

    outcomes = race(actor, actor)
    assert winners(outcomes) == [2]
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    assert Meeting.objects.get(pk=meeting.pk).version == 2


def test_refusals_are_answered_in_one_place_with_their_status():
    def render(request, refusal, thing_id, **_):
        return HttpResponse(f"{thing_id}: {refusal.message} / {request.POST['text']}")

    @answers_refusals(render)
    def view(request, thing_id, *, error):
        raise error

    request = RequestFactory().post("/", {"text": "what the user typed"})
    stale = view(request, 7, error=Conflict(None))
    refused = view(request, 7, error=Refused("Over the limit."))
    assert stale.status_code == 409
    assert refused.status_code == 422
    assert refused.content.decode() == "7: Over the limit. / what the user typed"
