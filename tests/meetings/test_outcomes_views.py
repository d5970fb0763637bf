"""Recording outcomes on the minutes sheet: per agenda item, typed (decision, action,
information), by conveners only; htmx swaps the item's outcomes region, plain forms redirect
to its anchor; refusals are shown in the region with the user's text kept; removal is undone."""

import datetime

import pytest

from adcmeet.meetings.models import ActionItem, Outcome
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def meeting(db, convener, developer):
    series = factories.make_series()
    series.conveners.add(convener)
    meeting = factories.make_meeting(
        series, on=datetime.date(2031, 1, 15), state="held", revision=1
    )
    factories.make_item(
        meeting,
        "Looping job killer",
        section="tracking",
        presenter=developer,
        deliverable=factories.make_deliverable(),
    )
    return meeting


@pytest.fixture
def item(meeting):
    return meeting.items.get()


def url(meeting, item) -> str:
    return f"/meetings/{meeting.pk}/items/{item.pk}/outcomes/"


def post_outcome(client, meeting, item, *, kind="decision", text="Ship it in May", **extra):
    prefix = f"outcome-{item.pk}-"
    data = {prefix + "kind": kind, prefix + "text": text}
    data.update({prefix + k: v for k, v in extra.items()})
    return client.post(url(meeting, item), data)


def test_a_convener_records_a_decision_without_javascript_and_lands_on_the_item(
    client, meeting, item, convener
):
    client.force_login(convener)

    response = post_outcome(client, meeting, item)

    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/minutes/#minutes-outcomes-{item.pk}"
    decision = Outcome.objects.get()
    assert (decision.kind, decision.text, decision.deliverable) == (
        "decision",
        "Ship it in May",
        item.deliverable,
    )
    page = html(client.get(f"/meetings/{meeting.pk}/minutes/"))
    assert "Ship it in May" in page
    assert "Recorded the decision" in page


def test_with_htmx_only_the_items_outcomes_region_comes_back(client, meeting, item, convener):
    client.force_login(convener)
    prefix = f"outcome-{item.pk}-"

    response = client.post(
        url(meeting, item), {prefix + "kind": "information", prefix + "text": "CERN closed"}, **HX
    )

    assert response.status_code == 200
    body = html(response)
    assert body.lstrip().startswith('<section id="minutes-outcomes-')
    assert "CERN closed" in body
    assert "Information" in body
    assert "General minutes" not in body


def test_an_action_gets_its_owner_and_due_date(client, meeting, item, convener, developer):
    client.force_login(convener)
    prefix = f"outcome-{item.pk}-"

    client.post(
        url(meeting, item),
        {
            prefix + "kind": "action",
            prefix + "text": "Tag the release",
            prefix + "owner": str(developer.pk),
            prefix + "due": "2031-01-22",
        },
    )

    action = ActionItem.objects.get()
    assert (action.owner, action.due, action.agenda_item) == (
        developer,
        datetime.date(2031, 1, 22),
        item,
    )


def test_an_action_due_before_the_meeting_is_refused_in_the_region_with_the_text_kept(
    client, meeting, item, convener, developer
):
    client.force_login(convener)
    prefix = f"outcome-{item.pk}-"

    response = client.post(
        url(meeting, item),
        {
            prefix + "kind": "action",
            prefix + "text": "Tag the release",
            prefix + "owner": str(developer.pk),
            prefix + "due": "2030-01-22",
        },
        **HX,
    )

    assert response.status_code == 422
    body = html(response)
    assert 'role="alert"' in body
    assert "before the meeting" in body
    assert "Tag the release" in body  # the user's text, kept
    assert not ActionItem.objects.exists()


def test_an_empty_outcome_without_javascript_shows_the_whole_sheet_with_the_error_summary(
    client, meeting, item, convener
):
    client.force_login(convener)

    response = post_outcome(client, meeting, item, text="   ")

    assert response.status_code == 422
    body = html(response)
    assert 'class="error-summary"' in body
    assert f'href="#minutes-outcomes-{item.pk}"' in body
    assert not Outcome.objects.exists()


def test_removing_is_undone_and_a_stale_remove_is_a_conflict(client, meeting, item, convener):
    client.force_login(convener)
    post_outcome(client, meeting, item)
    decision = Outcome.objects.get()

    removed = client.post(
        f"/meetings/{meeting.pk}/outcomes/{decision.pk}/remove/", {"version": "1"}, **HX
    )
    assert removed.status_code == 200
    assert "Undo" in html(removed)
    again = client.post(
        f"/meetings/{meeting.pk}/outcomes/{decision.pk}/remove/", {"version": "1"}, **HX
    )
    assert again.status_code == 409
    assert "already removed" in html(again)
    undone = client.post(
        f"/meetings/{meeting.pk}/outcomes/{decision.pk}/restore/", {"version": "2"}, **HX
    )

    assert undone.status_code == 200
    assert "Ship it in May" in html(undone)
    assert Outcome.objects.decisions().count() == 1


@pytest.mark.parametrize("who", ["developer", "outsider"])
def test_only_conveners_record_outcomes(client, meeting, item, who, request):
    client.force_login(request.getfixturevalue(who))

    response = post_outcome(client, meeting, item)

    assert response.status_code == 403
    assert not Outcome.objects.exists()


def test_the_presenter_sees_the_outcomes_of_their_item_without_the_form(
    client, meeting, item, convener, developer
):
    client.force_login(convener)
    post_outcome(client, meeting, item)
    client.force_login(developer)

    page = html(client.get(f"/meetings/{meeting.pk}/minutes/"))

    assert "Ship it in May" in page
    assert f'action="/meetings/{meeting.pk}/items/{item.pk}/outcomes/"' not in page
    assert "/remove/" not in page


def test_without_javascript_a_removal_lands_on_the_item_offering_undo(
    client, meeting, item, convener
):
    client.force_login(convener)
    post_outcome(client, meeting, item)
    decision = Outcome.objects.get()

    removed = client.post(
        f"/meetings/{meeting.pk}/outcomes/{decision.pk}/remove/", {"version": "1"}
    )

    assert removed.status_code == 302
    assert removed["Location"] == (
        f"/meetings/{meeting.pk}/minutes/?removed={decision.pk}#minutes-outcomes-{item.pk}"
    )
    page = html(client.get(removed["Location"]))
    assert "Removed “Ship it in May”." in page
    assert f'action="/meetings/{meeting.pk}/outcomes/{decision.pk}/restore/"' in page
    restored = client.post(
        f"/meetings/{meeting.pk}/outcomes/{decision.pk}/restore/", {"version": "2"}
    )
    assert restored.status_code == 302
    assert Outcome.objects.decisions().count() == 1
    # Once restored, the old address offers nothing to undo.
    assert "/restore/" not in html(client.get(removed["Location"]))
