"""Minutes: general and per item, action items with owners and due dates, stale saves."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings import actions
from adcmeet.meetings.actions import ActionChanged, AgendaError, ItemChanged, StaleVersion
from adcmeet.meetings.models import ActionItem
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def meeting(db, developer):
    meeting = factories.make_meeting(factories.make_series(), on=datetime.date(2031, 1, 15))
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    factories.make_item(meeting, "PanDA server release", section="hot", presenter=developer)
    return meeting


def item(meeting, title):
    return meeting.items.get(title=title)


def version(meeting) -> int:
    meeting.refresh_from_db()
    return meeting.version


# --- actions ----------------------------------------------------------------------------------


def test_minutes_are_saved_and_grow_their_own_version_not_the_agendas(meeting):
    saved = actions.save_minutes(meeting=meeting, version=1, by=None, text="Decided: go.")

    assert saved.minutes == "Decided: go."
    assert saved.minutes_version == 2
    assert saved.version == 1  # nobody's agenda form goes stale
    assert saved.revision == 0


def test_minutes_of_different_items_never_conflict_the_same_items_do(meeting):
    focus, panda = item(meeting, "Pilot and GlideinWMS"), item(meeting, "PanDA server release")

    actions.save_item_minutes(item=focus, version=1, by=None, text="Testbed at BNL.")
    actions.save_item_minutes(item=panda, version=1, by=None, text="0.5 is out.")
    with pytest.raises(ItemChanged, match="changed the minutes of “PanDA server release”"):
        actions.save_item_minutes(item=panda, version=1, by=None, text="Written over")

    panda.refresh_from_db()
    assert (panda.minutes, panda.minutes_version, panda.version) == ("0.5 is out.", 2, 1)


def test_stale_minutes_are_refused_and_the_newer_text_kept(meeting):
    actions.save_minutes(meeting=meeting, version=1, by=None, text="Alice's notes")

    with pytest.raises(StaleVersion):
        actions.save_minutes(meeting=meeting, version=1, by=None, text="Bob's notes")

    meeting.refresh_from_db()
    assert meeting.minutes == "Alice's notes"


def test_action_items_have_an_owner_and_a_due_date(meeting, developer):
    focus = item(meeting, "Pilot and GlideinWMS")

    action = actions.add_action_item(
        meeting=meeting,
        by=None,
        text="  Set up  a GlideinWMS testbed ",
        owner=developer,
        due=datetime.date(2031, 2, 1),
        agenda_item=focus,
    )

    assert action.text == "Set up a GlideinWMS testbed"
    assert (action.owner, action.due, action.agenda_item) == (
        developer,
        datetime.date(2031, 2, 1),
        focus,
    )
    assert list(actions.open_action_items(developer)) == [action]


def test_an_action_due_before_its_meeting_is_refused_with_the_dates(meeting):
    with pytest.raises(
        AgendaError, match="decided on 15 January 2031 cannot be due on 1 March 2020"
    ):
        actions.add_action_item(
            meeting=meeting, by=None, text="Send the slides", due=datetime.date(2020, 3, 1)
        )

    assert not ActionItem.objects.exists()


def test_an_action_due_on_the_meeting_day_or_later_is_accepted(meeting):
    action = actions.add_action_item(
        meeting=meeting, by=None, text="Send the slides", due=datetime.date(2031, 1, 15)
    )

    assert action.due == datetime.date(2031, 1, 15)


def test_an_action_needs_words(meeting):
    with pytest.raises(AgendaError, match="Describe the action"):
        actions.add_action_item(meeting=meeting, by=None, text="   ")


def test_completing_and_reopening_an_action(meeting, developer):
    action = factories.make_action(meeting, "Send slides", owner=developer)

    done = actions.complete_action_item(action=action, version=1, by=developer)
    assert done.done
    assert done.done_at is not None
    assert list(actions.open_action_items(developer)) == []

    reopened = actions.complete_action_item(action=action, version=2, by=developer, done=False)
    assert not reopened.done
    assert reopened.done_at is None
    with pytest.raises(ActionChanged, match="it is open now"):
        actions.complete_action_item(action=action, version=2, by=developer)


# --- the minutes page -------------------------------------------------------------------------


def test_a_convener_sees_every_item_and_the_general_minutes(client, meeting, convener):
    client.force_login(convener)

    page = html(client.get(f"/meetings/{meeting.pk}/minutes/"))

    assert "General minutes" in page
    assert "Pilot and GlideinWMS" in page
    assert "PanDA server release" in page
    focus = item(meeting, "Pilot and GlideinWMS")
    assert f'id="id_minutes-{focus.pk}-text"' in page
    assert "Add the action" in page


def test_a_presenter_writes_the_minutes_of_their_own_item_only(client, meeting, developer):
    client.force_login(developer)
    panda = item(meeting, "PanDA server release")
    focus = item(meeting, "Pilot and GlideinWMS")

    page = html(client.get(f"/meetings/{meeting.pk}/minutes/"))
    assert f'id="id_minutes-{panda.pk}-text"' in page
    assert f'id="id_minutes-{focus.pk}-text"' not in page
    assert "General minutes" not in page

    response = client.post(
        f"/meetings/{meeting.pk}/items/{panda.pk}/minutes/",
        {"version": 1, f"minutes-{panda.pk}-text": "Release 0.5 is out."},
        **HX,
    )
    assert response.status_code == 200
    panda.refresh_from_db()
    assert panda.minutes == "Release 0.5 is out."

    response = client.post(
        f"/meetings/{meeting.pk}/items/{focus.pk}/minutes/",
        {"version": 2, f"minutes-{focus.pk}-text": "Not mine"},
        **HX,
    )
    assert response.status_code == 403
    focus.refresh_from_db()
    assert focus.minutes == ""


@pytest.mark.parametrize("persona", ["outsider", "manager"])
def test_people_without_an_item_cannot_open_the_minutes_sheet(client, meeting, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/meetings/{meeting.pk}/minutes/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_for_minutes(client, meeting):
    panda = item(meeting, "PanDA server release")
    for url, data in (
        (f"/meetings/{meeting.pk}/minutes/save/", {"minutes-text": "x"}),
        (f"/meetings/{meeting.pk}/items/{panda.pk}/minutes/", {f"minutes-{panda.pk}-text": "x"}),
        (f"/meetings/{meeting.pk}/actions/add/", {"action-text": "x"}),
    ):
        response = client.post(url, {"version": 1, **data})
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    assert version(meeting) == 1


@pytest.mark.parametrize("persona", ["developer", "outsider"])
def test_only_conveners_write_the_general_minutes_and_actions(client, meeting, persona, request):
    client.force_login(request.getfixturevalue(persona))

    saved = client.post(
        f"/meetings/{meeting.pk}/minutes/save/", {"version": 1, "minutes-text": "x"}, **HX
    )
    added = client.post(
        f"/meetings/{meeting.pk}/actions/add/", {"version": 1, "action-text": "x"}, **HX
    )

    assert (saved.status_code, added.status_code) == (403, 403)
    assert version(meeting) == 1


def test_saving_the_general_minutes_returns_its_partial_at_their_new_version(
    client, meeting, convener
):
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/minutes/save/",
        {"version": 1, "minutes-text": "**Decided**: testbed at BNL"},
        **HX,
    )

    page = html(response)
    assert page.lstrip().startswith('<section id="meeting-minutes"')
    assert "<html" not in page
    assert "Saved the minutes." in page
    assert 'name="version" value="2"' in page  # the minutes' own version
    meeting.refresh_from_db()
    assert meeting.minutes == "**Decided**: testbed at BNL"
    assert meeting.version == 1


def test_saving_an_items_minutes_returns_that_items_partial(client, meeting, convener):
    client.force_login(convener)
    focus = item(meeting, "Pilot and GlideinWMS")

    response = client.post(
        f"/meetings/{meeting.pk}/items/{focus.pk}/minutes/",
        {"version": 1, f"minutes-{focus.pk}-text": "Try it at BNL first."},
        **HX,
    )

    page = html(response)
    assert page.lstrip().startswith(f'<section id="minutes-item-{focus.pk}"')
    assert "<html" not in page
    assert "Try it at BNL first." in page
    assert "Saved." in page


def test_a_stale_minutes_save_shows_the_fresh_sheet_and_keeps_the_text(client, meeting, convener):
    client.force_login(convener)
    actions.save_minutes(meeting=meeting, version=1, by=None, text="The other convener's notes")

    response = client.post(
        f"/meetings/{meeting.pk}/minutes/save/",
        {"version": 1, "minutes-text": "My notes, typed for ten minutes"},
        **HX,
    )

    page = html(response)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#minutes-sheet"
    assert page.lstrip().startswith('<div id="minutes-sheet"')
    assert "Someone else changed this meeting&#x27;s general minutes" in page
    assert "My notes, typed for ten minutes" in page  # kept, to send again
    assert "Saved meanwhile:" in page
    assert "<p>The other convener" in page  # what is saved now
    assert 'name="version" value="2"' in page
    meeting.refresh_from_db()
    assert meeting.minutes == "The other convener's notes"


def test_a_stale_item_minutes_save_answers_409_with_both_texts(client, meeting, developer):
    client.force_login(developer)
    panda = item(meeting, "PanDA server release")
    actions.save_item_minutes(item=panda, version=1, by=None, text="Release 0.5 is out.")

    response = client.post(
        f"/meetings/{meeting.pk}/items/{panda.pk}/minutes/",
        {"version": 1, f"minutes-{panda.pk}-text": "Release went fine, two bugs left"},
        **HX,
    )

    page = html(response)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#minutes-sheet"
    assert "Someone else changed the minutes of “PanDA server release”" in page
    assert "Release went fine, two bugs left" in page
    assert "<p>Release 0.5 is out.</p>" in page
    assert f'action="/meetings/{meeting.pk}/items/{panda.pk}/minutes/"' in page
    assert 'name="version" value="2"' in page


def test_a_stale_plain_minutes_save_renders_the_whole_page_with_409(client, meeting, convener):
    client.force_login(convener)
    actions.save_minutes(meeting=meeting, version=1, by=None, text="Earlier notes")

    response = client.post(
        f"/meetings/{meeting.pk}/minutes/save/", {"version": 1, "minutes-text": "Mine"}
    )

    assert response.status_code == 409
    assert "<html" in html(response)
    assert "Mine</textarea>" in html(response)


def test_a_stale_item_minutes_refusal_is_shown_in_that_item_not_at_the_top(
    client, meeting, developer
):
    client.force_login(developer)
    panda = item(meeting, "PanDA server release")
    actions.save_item_minutes(item=panda, version=1, by=None, text="Release 0.5 is out.")

    response = client.post(
        f"/meetings/{meeting.pk}/items/{panda.pk}/minutes/",
        {"version": 1, f"minutes-{panda.pk}-text": "Mine"},
        **HX,
    )

    page = html(response)
    region = page[page.index(f'id="minutes-item-{panda.pk}"') :]
    alert = page.index('role="alert"')
    assert page.index(f'id="minutes-item-{panda.pk}"') < alert
    assert region.index('role="alert"') < region.index("</section>")
    assert page.count('role="alert"') == 1


def test_a_refused_action_without_javascript_opens_with_the_error_summary(
    client, meeting, convener
):
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/actions/add/",
        {"action-text": "Send the slides", "action-due": "2020-03-01"},
    )

    page = html(response)
    assert response.status_code == 422
    assert "<title>Error: Minutes" in page
    summary = page[page.index('id="error-summary"') :]
    assert '<a href="#actions">An action decided on 15 January 2031 cannot be due' in summary
    assert 'value="2020-03-01"' in page  # the input kept, to correct the year
    assert not ActionItem.objects.exists()


def test_an_invalid_action_field_is_linked_from_the_error_summary(client, meeting, convener):
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/actions/add/", {"action-text": "", "action-due": ""}
    )

    summary = html(response)[html(response).index('id="error-summary"') :]
    assert 'href="#id_action-text">Action: This field is required.</a>' in summary


def test_without_javascript_minutes_saves_redirect_back(client, meeting, convener):
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/minutes/save/", {"version": 1, "minutes-text": "Plain form"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/minutes/"


def test_adding_an_action_returns_the_actions_partial(client, meeting, convener, developer):
    client.force_login(convener)
    focus = item(meeting, "Pilot and GlideinWMS")

    response = client.post(
        f"/meetings/{meeting.pk}/actions/add/",
        {
            "version": 1,
            "action-text": "Set up a GlideinWMS testbed",
            "action-owner": str(developer.pk),
            "action-due": "2031-02-01",
            "action-agenda_item": str(focus.pk),
        },
        **HX,
    )

    page = html(response)
    assert page.lstrip().startswith('<section id="actions"')
    assert "<html" not in page
    assert "Added the action “Set up a GlideinWMS testbed” for Bob Developer." in page
    assert "1 Feb 2031" in page
    action = ActionItem.objects.get()
    assert (action.owner, action.agenda_item) == (developer, focus)


def test_an_invalid_action_keeps_what_was_typed(client, meeting, convener):
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/actions/add/",
        {"version": 1, "action-text": "Ask BNL about the testbed", "action-due": "next week"},
        **HX,
    )

    page = html(response)
    assert response.status_code == 422
    assert "Enter a valid date." in page
    assert 'value="Ask BNL about the testbed"' in page
    assert not ActionItem.objects.exists()


def test_the_owner_ticks_an_action_off_from_their_own_page(client, meeting, developer):
    action = factories.make_action(meeting, "Send the pilot slides", owner=developer)
    client.force_login(developer)

    me = html(client.get("/me/"))
    assert "Send the pilot slides" in me
    assert f'action="/meetings/{meeting.pk}/actions/{action.pk}/done/"' in me

    response = client.post(
        f"/meetings/{meeting.pk}/actions/{action.pk}/done/", {"version": 1, "next": "me"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    action.refresh_from_db()
    assert action.done


def test_ticking_off_from_a_stale_own_page_answers_409_with_the_page(client, meeting, developer):
    action = factories.make_action(meeting, "Send the pilot slides", owner=developer)
    actions.complete_action_item(action=action, version=1, by=None)
    actions.complete_action_item(action=action, version=2, by=None, done=False)
    client.force_login(developer)

    response = client.post(
        f"/meetings/{meeting.pk}/actions/{action.pk}/done/", {"version": 1, "next": "me"}
    )

    assert response.status_code == 409
    assert "Someone else changed the action “Send the pilot slides”" in html(response)
    assert 'name="version" value="3"' in html(response)  # the fresh form, to try again
    action.refresh_from_db()
    assert not action.done


def test_someone_elses_action_cannot_be_ticked_off(client, meeting, developer, outsider):
    action = factories.make_action(meeting, "Send the pilot slides", owner=developer)
    client.force_login(outsider)

    response = client.post(
        f"/meetings/{meeting.pk}/actions/{action.pk}/done/", {"version": 1, "next": "me"}
    )

    assert response.status_code == 403
    action.refresh_from_db()
    assert not action.done


def test_a_convener_ticks_off_with_htmx_and_gets_the_actions_partial(client, meeting, convener):
    action = factories.make_action(meeting, "Book the room")
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/actions/{action.pk}/done/", {"version": 1, "done": "1"}, **HX
    )

    page = html(response)
    assert page.lstrip().startswith('<section id="actions"')
    assert "Reopen" in page
    action.refresh_from_db()
    assert action.done


def test_a_stale_tick_answers_409_with_the_fresh_actions(client, meeting, convener):
    action = factories.make_action(meeting, "Book the room")
    actions.complete_action_item(action=action, version=1, by=None)
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/actions/{action.pk}/done/", {"version": 1, "done": "1"}, **HX
    )

    page = html(response)
    assert response.status_code == 409
    assert "Someone else changed the action “Book the room”" in page
    assert "Reopen" in page  # it is done now
    action.refresh_from_db()
    assert action.version == 2


def test_the_minutes_sheet_costs_the_same_queries_for_3_or_30_items(
    client, meeting, convener, developer
):
    client.force_login(convener)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/meetings/{meeting.pk}/minutes/").status_code == 200
        return len(captured)

    factories.make_action(meeting, "A0", owner=developer)
    few = queries()
    for n in range(28):
        factories.make_item(meeting, f"Item {n}", presenter=developer, minutes="*m*")
        factories.make_action(meeting, f"A{n + 1}", owner=developer)
        factories.make_user(f"user{n}")
    assert queries() == few
