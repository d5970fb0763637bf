"""Tracking proposals within the time budget: what is ticked by default fits in the time left
to the series' objective, most urgent first; a deliverable the convener removed is offered
but not ticked; the sum of the ticked ones is shown before adding; the published agenda's
hard limit still refuses (issue 14)."""

import datetime
import re

import pytest

from adcmeet.meetings import actions
from adcmeet.meetings.models import Meeting
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
MAY_14 = datetime.date(2031, 5, 14)


@pytest.fixture
def as_convener(client, convener):
    client.force_login(convener)
    return client


@pytest.fixture
def twenty(db, developer):
    """An empty agenda on 14 May and twenty deliverables to track: ten due in May, ten that
    slipped (April has ended), the May ones first in roadmap order."""
    factories.make_roadmap(2031)
    due = [factories.make_deliverable(f"due {n}", period="May") for n in range(10)]
    slipped = [
        factories.make_deliverable(f"slipped {n}", period="April", owners=(developer,))
        for n in range(10)
    ]
    meeting = factories.make_meeting(factories.make_series(), on=MAY_14)
    return {"meeting": meeting, "due": due, "slipped": slipped}


def ticked(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="track-(\d+)" checked', page)]


def test_ticked_proposals_never_take_an_empty_agenda_past_the_objective(as_convener, twenty):
    meeting = twenty["meeting"]

    page = as_convener.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    # 60 min objective at 5 min each: twelve of twenty, the ten slips first, then two due.
    assert ticked(page) == [d.pk for d in twenty["slipped"]] + [d.pk for d in twenty["due"][:2]]
    assert "Ticked: 12 deliverables, 60 min; 60 min left to the 60-min objective." in page
    assert page.count('name="deliverables"') == 20


def test_time_already_planned_leaves_fewer_ticked(as_convener, twenty):
    meeting = twenty["meeting"]
    factories.make_item(meeting, "Rucio status", section="hot", duration_minutes=50)

    page = as_convener.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    assert ticked(page) == [d.pk for d in twenty["slipped"][:2]]
    assert "Ticked: 2 deliverables, 10 min; 10 min left to the 60-min objective." in page


def test_an_agenda_over_the_objective_ticks_nothing_and_says_by_how_much(as_convener, twenty):
    meeting = twenty["meeting"]
    factories.make_item(meeting, "Rucio deep dive", section="hot", duration_minutes=70)

    page = as_convener.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    assert ticked(page) == []
    assert "the agenda is already 10 min over the 60-min objective" in page


def test_accepting_the_defaults_plans_exactly_the_objective(as_convener, twenty):
    meeting = twenty["meeting"]
    page = as_convener.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    as_convener.post(
        f"/meetings/{meeting.pk}/tracking/",
        {"version": 1, "deliverables": [str(pk) for pk in ticked(page)], "duration_minutes": 5},
    )

    assert actions.budget(meeting).total_minutes == 60


def test_a_removed_tracking_item_is_offered_again_but_not_ticked(as_convener, twenty):
    meeting = twenty["meeting"]
    first = twenty["slipped"][0]
    change = actions.accept_tracking_items(
        meeting=meeting, version=1, by=None, deliverables=[first]
    )
    actions.remove_item(item=change.added[0], version=2, by=None)

    page = as_convener.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    assert f'id="track-{first.pk}"' in page
    assert first.pk not in ticked(page)
    assert "removed from this agenda" in page
    # Its five minutes go to the next most urgent: still twelve ticked.
    assert len(ticked(page)) == 12


def test_the_sum_shown_follows_what_was_ticked_when_the_answer_is_a_refusal(as_convener, twenty):
    meeting = twenty["meeting"]
    chosen = [str(d.pk) for d in twenty["due"][:3]]

    response = as_convener.post(
        f"/meetings/{meeting.pk}/tracking/",
        {"version": 7, "deliverables": chosen, "duration_minutes": 20},
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "Ticked: 3 deliverables, 60 min; 60 min left to the 60-min objective." in page


def test_accepting_past_the_limit_of_a_published_agenda_is_refused_beside_the_proposals(
    as_convener, twenty
):
    meeting = twenty["meeting"]
    factories.make_item(meeting, "Rucio deep dive", section="hot", duration_minutes=85)
    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.PUBLISHED, revision=1)

    response = as_convener.post(
        f"/meetings/{meeting.pk}/tracking/",
        {"version": 1, "deliverables": [str(twenty["due"][0].pk)], "duration_minutes": 10},
        **HX,
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "5 min over the 90-min limit" in page
    # The refusal sits in the proposals' form, where the convener clicked.
    proposals = page[page.index('<div id="proposals"') :]
    assert proposals.index('id="agenda-notice"') < proposals.index('id="accept-tracking"')
    assert meeting.items.filter(deliverable__isnull=False).count() == 0


def test_adding_the_ticked_deliverables_without_js_opens_the_page_on_the_tracking_section(
    as_convener, twenty
):
    meeting = twenty["meeting"]
    chosen = twenty["slipped"][:2]

    response = as_convener.post(
        f"/meetings/{meeting.pk}/tracking/",
        {"version": 1, "deliverables": [str(d.pk) for d in chosen], "duration_minutes": 5},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/edit/#section-tracking"
    page = as_convener.get(response["Location"]).content.decode()
    assert "Added 2 deliverable(s) to the tracking section." in page
    tracking = page[page.index('id="section-tracking"') : page.index('id="section-open_floor"')]
    assert all(d.title in tracking for d in chosen)
