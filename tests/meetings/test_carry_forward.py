"""Carry-forward (issue 16): items an earlier meeting did not reach and its open actions come
back as proposals on the next agenda, ranked, ticked within the objective together with the
tracking proposals, never ticked again once removed here; accepting them claims the meeting,
holds the hard limit and adds nothing twice."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings import actions
from adcmeet.meetings.actions import carry
from adcmeet.meetings.models import AgendaItem, Meeting
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
DEC_3 = datetime.date(2031, 12, 3)
DEC_10 = datetime.date(2031, 12, 10)
DEC_17 = datetime.date(2031, 12, 17)


@pytest.fixture
def week(db, developer, manager):
    """A held meeting on 3 Dec with an item it did not reach and two open actions (one due
    before the next meeting, one after), one done action, and the next meeting on 10 Dec."""
    series = factories.make_series()
    held = factories.make_meeting(series, on=DEC_3, state=Meeting.State.HELD, revision=1)
    factories.make_item(held, "Rucio news", duration_minutes=15, presenter=developer)
    skipped = factories.make_item(
        held, "CVMFS on ARM", duration_minutes=12, presenter=manager, not_reached=True
    )
    late = factories.make_action(held, "Send the Rucio slides", owner=developer, due=DEC_3)
    later = factories.make_action(
        held, "Book the room for Dubna", owner=manager, due=datetime.date(2031, 12, 20)
    )
    factories.make_action(
        held,
        "Already done",
        owner=developer,
        done=True,
        done_at=datetime.datetime(2031, 12, 4, tzinfo=datetime.UTC),
    )
    nxt = factories.make_meeting(series, on=DEC_10)
    return {"held": held, "skipped": skipped, "late": late, "later": later, "next": nxt}


def keys(proposals) -> list[str]:
    return [proposal.key for proposal in proposals]


def test_overdue_actions_come_first_then_items_not_reached_then_other_open_actions(week):
    proposals = carry.propose_carried_items(meeting=week["next"])

    assert keys(proposals) == [
        f"action-{week['late'].pk}",
        f"item-{week['skipped'].pk}",
        f"action-{week['later'].pk}",
    ]
    late, skipped, later = proposals
    assert late.label == "action from 3 Dec, owner Bob Developer, due 3 Dec"
    assert late.overdue
    assert (late.section, late.duration_minutes) == ("hot", 3)
    assert late.title == "Action: Send the Rucio slides"
    assert skipped.label == "carried from 3 Dec"
    assert (skipped.title, skipped.duration_minutes, skipped.section) == ("CVMFS on ARM", 12, "hot")
    assert later.label == "action from 3 Dec, owner Carol Manager, due 20 Dec"
    assert not later.overdue


def test_what_was_carried_or_reviewed_here_is_not_proposed_again(week, convener):
    nxt = week["next"]
    carry.accept_carried_items(
        meeting=nxt,
        version=nxt.version,
        by=convener,
        carried=[week["late"], week["skipped"]],
    )

    assert keys(carry.propose_carried_items(meeting=nxt)) == [f"action-{week['later'].pk}"]
    # A week later the item is carried already (by 10 Dec); the open actions come again.
    after = factories.make_meeting(nxt.series, on=DEC_17)
    assert keys(carry.propose_carried_items(meeting=after)) == [
        f"action-{week['late'].pk}",
        f"action-{week['later'].pk}",
    ]


def test_an_item_not_reached_twice_is_carried_on_from_the_latest_meeting(week, convener):
    nxt = week["next"]
    change = carry.accept_carried_items(
        meeting=nxt, version=nxt.version, by=convener, carried=[week["skipped"]]
    )
    again = change.added[0]
    AgendaItem.objects.filter(pk=again.pk).update(not_reached=True)
    after = factories.make_meeting(nxt.series, on=DEC_17)

    items = [p for p in carry.propose_carried_items(meeting=after) if p.source]

    assert [(p.source.pk, p.label) for p in items] == [(again.pk, "carried from 10 Dec")]


def test_accepting_copies_the_item_and_reviews_the_action_presented_by_its_owner(
    week, convener, developer, manager
):
    nxt = week["next"]
    version = nxt.version
    change = carry.accept_carried_items(
        meeting=nxt,
        version=version,
        by=convener,
        carried=[week["late"], week["skipped"]],
    )

    assert Meeting.objects.get(pk=nxt.pk).version == version + 1
    # In the order given, the proposals' ranking: the overdue action first.
    review, carried = change.added
    assert (carried.title, carried.duration_minutes, carried.presenter, carried.section) == (
        "CVMFS on ARM",
        12,
        manager,
        "hot",
    )
    assert carried.carried_from == week["skipped"]
    assert (review.title, review.presenter, review.action_item) == (
        "Action: Send the Rucio slides",
        developer,
        week["late"],
    )
    assert [item.position for item in change.agenda] == list(range(len(change.agenda)))


def test_accepting_twice_adds_nothing_twice(week, convener):
    nxt = week["next"]
    first = carry.accept_carried_items(
        meeting=nxt,
        version=nxt.version,
        by=convener,
        carried=[week["late"], week["skipped"]],
    )
    second = carry.accept_carried_items(
        meeting=first.meeting,
        version=first.meeting.version,
        by=convener,
        carried=[week["late"], week["skipped"]],
    )

    assert second.added == []
    assert nxt.items.live().count() == 2


def test_a_stale_version_is_refused_and_adds_nothing(week, convener):
    nxt = week["next"]
    with pytest.raises(actions.StaleVersion):
        carry.accept_carried_items(
            meeting=nxt, version=nxt.version - 1, by=convener, carried=[week["skipped"]]
        )
    assert not nxt.items.exists()


def test_a_published_agenda_is_not_carried_past_the_hard_limit(week, convener):
    nxt = week["next"]
    Meeting.objects.filter(pk=nxt.pk).update(state=Meeting.State.PUBLISHED, revision=1)
    nxt.refresh_from_db()
    factories.make_item(nxt, "Long review", duration_minutes=85)

    with pytest.raises(actions.AgendaError, match="limit"):
        carry.accept_carried_items(
            meeting=nxt, version=nxt.version, by=convener, carried=[week["skipped"]]
        )
    assert nxt.items.live().count() == 1


def test_only_what_an_earlier_meeting_left_open_can_be_carried(week, convener):
    nxt = week["next"]
    reached = week["held"].items.get(title="Rucio news")
    with pytest.raises(actions.AgendaError, match="earlier meeting"):
        carry.accept_carried_items(meeting=nxt, version=nxt.version, by=convener, carried=[reached])


def test_ticks_fit_the_objective_over_carried_and_tracking_proposals_together(
    client, convener, week, developer
):
    """50 of the 60 objective minutes planned: the overdue action (3) fits, the 12-min item
    does not, the other action (3) still does; 4 minutes are left, too few for a 5-min
    tracking item."""
    nxt = week["next"]
    factories.make_item(nxt, "Rucio status", duration_minutes=50)
    factories.make_roadmap(2031)
    factories.make_deliverable("slipped one", period="April", owners=(developer,))
    client.force_login(convener)

    page = client.get(f"/meetings/{nxt.pk}/edit/").content.decode()

    assert re.findall(r'id="carry-([a-z]+-\d+)" checked', page) == [
        f"action-{week['late'].pk}",
        f"action-{week['later'].pk}",
    ]
    assert "carried from 3 Dec" in page
    assert re.findall(r'id="track-(\d+)" checked', page) == []
    assert re.search(r'id="track-\d+"', page)


def test_a_carried_item_removed_here_is_offered_but_never_ticked_again(week, convener):
    nxt = week["next"]
    change = carry.accept_carried_items(
        meeting=nxt, version=nxt.version, by=convener, carried=[week["skipped"]]
    )
    actions.remove_item(item=change.added[0], version=change.meeting.version, by=convener)

    proposals = carry.propose_carried_items(meeting=nxt)
    carry.tick_carried(proposals, minutes_left=60)

    skipped = next(p for p in proposals if p.source)
    assert skipped.removed_here
    assert not skipped.ticked
    assert all(p.ticked for p in proposals if p.action)


def test_the_convener_adds_carried_items_without_javascript(client, convener, week):
    nxt = week["next"]
    client.force_login(convener)

    response = client.post(
        f"/meetings/{nxt.pk}/carry/",
        {"version": nxt.version, "carry": [f"item-{week['skipped'].pk}"]},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(f"/meetings/{nxt.pk}/edit/#item-")
    assert list(nxt.items.live().values_list("title", flat=True)) == ["CVMFS on ARM"]


def test_htmx_answers_with_the_changed_regions_and_the_carried_list_redrawn(client, convener, week):
    nxt = week["next"]
    client.force_login(convener)

    response = client.post(
        f"/meetings/{nxt.pk}/carry/",
        {"version": nxt.version, "carry": [f"action-{week['late'].pk}"]},
        **HX,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#budget"
    assert "Action: Send the Rucio slides" in page
    assert '<div id="carried" hx-swap-oob="true">' in page
    assert f'id="carry-action-{week["late"].pk}"' not in page
    assert f'id="carry-action-{week["later"].pk}"' in page


def test_nothing_ticked_is_refused_where_the_convener_is(client, convener, week):
    nxt = week["next"]
    client.force_login(convener)

    response = client.post(f"/meetings/{nxt.pk}/carry/", {"version": nxt.version})

    assert response.status_code == 422
    page = response.content.decode()
    carried = page[page.index('<div id="carried"') :]
    assert "choose carried items or actions to add" in carried[: carried.index("</fieldset>")]


def test_a_developer_cannot_carry_items_to_the_agenda(client, developer, week):
    nxt = week["next"]
    client.force_login(developer)

    response = client.post(
        f"/meetings/{nxt.pk}/carry/",
        {"version": nxt.version, "carry": [f"item-{week['skipped'].pk}"]},
    )

    assert response.status_code == 403
    assert not nxt.items.exists()


def test_the_builder_costs_the_same_queries_for_few_or_many_carried_proposals(
    client, convener, week, developer
):
    nxt, held = week["next"], week["held"]
    client.force_login(convener)
    url = f"/meetings/{nxt.pk}/edit/"
    client.get(url)  # the lists' cache warmed

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        factories.make_item(held, f"Skipped {n}", presenter=developer, not_reached=True)
        factories.make_action(held, f"Action {n}", owner=developer, due=DEC_10)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()

    assert page.count('name="carry"') == 3 + 20
    assert len(many) == len(few)


def test_an_item_not_reached_a_month_ago_and_never_taken_up_is_no_longer_proposed(week):
    series = week["next"].series
    for weeks in range(1, 5):
        factories.make_meeting(series, on=DEC_10 + datetime.timedelta(weeks=weeks))
    month_later = Meeting.objects.get(scheduled_for=DEC_10 + datetime.timedelta(weeks=4))

    proposals = carry.propose_carried_items(meeting=month_later)

    assert [p.source for p in proposals if p.source] == []
    # The open actions stay until they are done.
    assert [p.action for p in proposals if p.action] == [week["late"], week["later"]]


def test_removing_a_carried_item_redraws_the_carried_list_with_it_offered_again(
    client, convener, week
):
    nxt = week["next"]
    change = carry.accept_carried_items(
        meeting=nxt, version=nxt.version, by=convener, carried=[week["skipped"]]
    )
    client.force_login(convener)

    response = client.post(
        f"/meetings/{nxt.pk}/items/{change.added[0].pk}/remove/",
        {"version": change.meeting.version},
        **HX,
    )

    page = response.content.decode()
    carried = page[page.index('<div id="carried" hx-swap-oob="true">') :]
    skipped = carried[carried.index(f'id="carry-item-{week["skipped"].pk}"') :]
    assert "removed from this agenda" in skipped[: skipped.index("</li>")]
    assert f'id="carry-item-{week["skipped"].pk}" checked' not in page


@pytest.mark.parametrize(
    "value", ["item-999999", "action-0", "<script>alert(1)</script>", "item-²", "item-1" * 500]
)
def test_an_unknown_or_hostile_choice_is_refused_and_adds_nothing(client, convener, week, value):
    nxt = week["next"]
    client.force_login(convener)

    response = client.post(f"/meetings/{nxt.pk}/carry/", {"version": nxt.version, "carry": value})

    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not nxt.items.exists()
