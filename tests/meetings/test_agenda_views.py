"""The agenda builder over HTTP: access matrix, htmx partials, plain-form fallbacks, 409s."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings.models import AgendaItem, Meeting
from tests import factories

Section = AgendaItem.Section
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def meeting(db):
    meeting = factories.make_meeting(factories.make_series())
    factories.make_item(
        meeting, "Pilot: can/should we leverage GlideinWMS?", section="focus", duration_minutes=20
    )
    factories.make_item(meeting, "PanDA server release", section="hot")
    factories.make_item(meeting, "Rucio status", section="hot")
    factories.make_item(meeting, "Open floor", section="open_floor", recurring=True)
    return meeting


def item(meeting, title):
    return meeting.items.get(title=title)


def html(response) -> str:
    return response.content.decode()


def version(meeting) -> int:
    meeting.refresh_from_db()
    return meeting.version


def titles(meeting) -> list[str]:
    return list(meeting.items.live().in_agenda_order().values_list("title", flat=True))


# --- access matrix --------------------------------------------------------------------------

MUTATIONS = {
    "add": lambda m: (
        f"/meetings/{m.pk}/items/add/",
        {"section": "hot", "add-hot-title": "X", "add-hot-duration_minutes": "5"},
    ),
    "edit": lambda m: (
        f"/meetings/{m.pk}/items/{item(m, 'Rucio status').pk}/edit/",
        {
            "item-{}-title".format(item(m, "Rucio status").pk): "Rucio 2",
            "item-{}-duration_minutes".format(item(m, "Rucio status").pk): "10",
        },
    ),
    "remove": lambda m: (f"/meetings/{m.pk}/items/{item(m, 'Rucio status').pk}/remove/", {}),
    "restore": lambda m: (f"/meetings/{m.pk}/items/{item(m, 'Rucio status').pk}/restore/", {}),
    "move": lambda m: (
        f"/meetings/{m.pk}/items/{item(m, 'Rucio status').pk}/move/",
        {"direction": "up"},
    ),
    "tracking": lambda m: (f"/meetings/{m.pk}/tracking/", {"deliverables": ["1"]}),
    "copy": lambda m: (f"/meetings/{m.pk}/copy-last-week/", {}),
    "publish": lambda m: (f"/meetings/{m.pk}/publish/", {}),
    "cancel": lambda m: (f"/meetings/{m.pk}/cancel/", {"cancel-reason": "Holiday"}),
    "move-meeting": lambda m: (
        f"/meetings/{m.pk}/move/",
        {"move-date": "2031-01-16", "move-time": "17:00"},
    ),
    "place": lambda m: (
        f"/meetings/{m.pk}/place/",
        {"place-location": "CERN 40-S2-D01", "place-video_url": "https://zoom.example/j/1"},
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_anonymous_visitors_are_sent_to_log_in(client, meeting, name):
    url, data = MUTATIONS[name](meeting)

    response = client.post(url, {"version": meeting.version, **data})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert version(meeting) == 1


@pytest.mark.parametrize("name", sorted(MUTATIONS))
@pytest.mark.parametrize("persona", ["developer", "outsider", "manager"])
def test_only_conveners_change_the_agenda(client, meeting, name, persona, request):
    client.force_login(request.getfixturevalue(persona))
    url, data = MUTATIONS[name](meeting)

    response = client.post(url, {"version": meeting.version, **data})

    assert response.status_code == 403
    assert version(meeting) == 1


@pytest.mark.parametrize(
    "name", ["add", "edit", "remove", "move", "publish", "cancel", "move-meeting", "place"]
)
def test_conveners_change_the_agenda(client, meeting, convener, name):
    client.force_login(convener)
    url, data = MUTATIONS[name](meeting)

    response = client.post(url, {"version": meeting.version, **data}, **HX)

    assert response.status_code == 200, html(response)[:500]
    if name == "edit":  # an edit claims the item, not the agenda
        assert item(meeting, "Rucio 2").version == 2
    else:
        assert version(meeting) > 1


def test_a_series_convener_without_the_site_role_may_edit_their_series(client, meeting, developer):
    meeting.series.conveners.add(developer)
    client.force_login(developer)

    response = client.get(f"/meetings/{meeting.pk}/edit/")

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["developer", "outsider"])
def test_the_builder_page_is_for_conveners_only(client, meeting, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403


def test_the_builder_page_sends_anonymous_visitors_to_log_in(client, meeting):
    response = client.get(f"/meetings/{meeting.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/meetings/{meeting.pk}/edit/"


def test_a_mutation_without_a_version_is_a_bad_request(client, meeting, convener):
    client.force_login(convener)
    response = client.post(f"/meetings/{meeting.pk}/publish/", {}, **HX)
    assert response.status_code == 400


# --- the builder page and its partials ------------------------------------------------------


@pytest.fixture
def as_convener(client, convener):
    client.force_login(convener)
    return client


def test_the_builder_shows_sections_clock_times_and_the_budget(as_convener, meeting):
    response = as_convener.get(f"/meetings/{meeting.pk}/edit/")

    page = html(response)
    assert response.status_code == 200
    assert "<html" in page
    for heading in ("Focus topic", "Hot topics", "Deliverable tracking", "Open floor"):
        assert heading in page
    # 17:00 focus (20) → 17:20 PanDA (10) → 17:30 Rucio (10) → 17:40 open floor (10) → 17:50
    assert '>17:00</time>\N{EN DASH}<time datetime="2031-01-15T17:20:00+01:00">17:20</time>' in page
    assert ">17:40</time>" in page
    assert '<strong class="budget-total">50 min</strong>' in page
    assert '<dd class="budget-to-target">10 min</dd>' in page
    assert '<dd class="budget-to-limit">40 min</dd>' in page
    assert 'value="1"' in page  # the version every form carries


def test_the_builder_shows_the_viewers_own_zone_where_it_differs(as_convener, meeting, convener):
    convener.time_zone = "America/Chicago"
    convener.save()

    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))

    assert '<span class="viewer-time">10:00 your time</span>' in page


def test_an_htmx_get_of_the_builder_returns_only_the_partial(as_convener, meeting):
    response = as_convener.get(f"/meetings/{meeting.pk}/edit/", **HX)

    page = html(response)
    assert page.lstrip().startswith('<div id="builder"')
    assert "<html" not in page
    assert response["X-Meeting-Version"] == "1"


def test_adding_an_item_with_htmx_returns_the_fresh_builder(as_convener, meeting):
    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/add/",
        {
            "version": 1,
            "section": "hot",
            "add-hot-title": "CVMFS for conditions data",
            "add-hot-duration_minutes": "15 min",
        },
        **HX,
    )

    page = html(response)
    assert response.status_code == 200
    # The regions that changed: the budget (the swap target) and the rest out of band.
    assert page.lstrip().startswith('<section id="budget"')
    assert response["HX-Retarget"] == "#budget"
    assert "<html" not in page
    assert "Added “CVMFS for conditions data” to hot topics." in page
    assert '<strong class="budget-total">65 min</strong>' in page
    assert "Over the objective." in page
    assert 'name="version" value="2"' in page
    assert titles(meeting)[3] == "CVMFS for conditions data"


def test_the_focus_topic_is_picked_from_a_task_forces_open_questions(as_convener, db):
    meeting = factories.make_meeting(factories.make_series())
    pilot = factories.make_task_force("Pilot")
    question = factories.make_outline_item(
        pilot, "can/should we leverage GlideinWMS? If so how?", kind="question"
    )
    factories.make_outline_item(pilot, "answered already", kind="question", done=True)

    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))
    assert (
        f'<option value="q:{question.pk}">Pilot: can/should we leverage GlideinWMS? If so how?'
        in page
    )
    assert "answered already" not in page

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/add/",
        {
            "version": 1,
            "section": "focus",
            "add-focus-topic": f"q:{question.pk}",
            "add-focus-duration_minutes": "25",
            "add-focus-presenter_name": "Igor Sfiligoi",
            "add-focus-presenter_email": "igor@example.edu",
            "add-focus-presenter_affiliation": "UCSD",
        },
        **HX,
    )

    assert response.status_code == 200
    focus = meeting.items.get(section="focus")
    assert focus.title == "Pilot: can/should we leverage GlideinWMS? If so how?"
    assert focus.task_force == pilot
    assert focus.outline_item == question
    assert focus.presenter_display == "Igor Sfiligoi (UCSD)"
    assert "external invitee" in html(response)


def test_a_typed_focus_topic_wins_over_the_picked_one(as_convener, db):
    meeting = factories.make_meeting(factories.make_series())
    pilot = factories.make_task_force("Pilot")

    as_convener.post(
        f"/meetings/{meeting.pk}/items/add/",
        {
            "version": 1,
            "section": "focus",
            "add-focus-topic": f"tf:{pilot.pk}",
            "add-focus-title": "Pilot: a year of multicore",
            "add-focus-duration_minutes": "20",
        },
        **HX,
    )

    focus = meeting.items.get()
    assert focus.title == "Pilot: a year of multicore"
    assert focus.task_force == pilot


def test_an_invalid_item_re_renders_with_errors_and_keeps_the_text(as_convener, meeting):
    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/add/",
        {
            "version": 1,
            "section": "hot",
            "add-hot-title": "Federated xrootd",
            "add-hot-duration_minutes": "500",
            "add-hot-presenter_email": "x@example.org",
        },
        **HX,
    )

    page = html(response)
    assert response.status_code == 422
    assert "<html" not in page
    assert "The item was not added: see the form." in page
    assert 'value="Federated xrootd"' in page
    assert "Ensure this value is less than or equal to 240." in page
    assert "Give the external invitee&#x27;s name." in page
    assert '<details class="add-item" id="add-hot" open>' in page
    assert version(meeting) == 1


def test_a_stale_change_answers_409_with_the_fresh_agenda_and_keeps_the_input(as_convener, meeting):
    # Another convener changed the agenda since this page was loaded at version 1.
    meeting.refresh_from_db()
    from adcmeet.meetings import actions

    actions.add_item(
        meeting=meeting,
        version=1,
        by=None,
        section="hot",
        title="Added by the other convener",
        duration_minutes=5,
    )

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/add/",
        {
            "version": 1,
            "section": "hot",
            "add-hot-title": "My hot topic",
            "add-hot-duration_minutes": "10",
        },
        **HX,
    )

    page = html(response)
    assert response.status_code == 409
    assert "<html" not in page
    assert "Someone else changed this meeting" in page
    assert "Added by the other convener" in page  # the fresh agenda
    assert 'value="My hot topic"' in page  # the user's input, ready to send again
    assert 'name="version" value="2"' in page
    assert "My hot topic" not in titles(meeting)


def test_a_stale_plain_form_post_renders_the_whole_page_with_409(as_convener, meeting):
    response = as_convener.post(f"/meetings/{meeting.pk}/publish/", {"version": 0})

    assert response.status_code == 409
    assert "<html" in html(response)
    assert "Someone else changed this meeting" in html(response)


def test_a_stale_item_edit_answers_409_with_what_is_saved_and_the_typed_text(as_convener, meeting):
    from adcmeet.meetings import actions

    rucio = item(meeting, "Rucio status")
    actions.update_item(
        item=rucio, version=1, by=None, title="Rucio 1.0 status", duration_minutes=15
    )
    prefix = f"item-{rucio.pk}"

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/edit/",
        {
            "version": 1,
            f"{prefix}-title": "Rucio: the new dark data",
            f"{prefix}-duration_minutes": "20",
        },
        **HX,
    )

    page = html(response)
    assert response.status_code == 409
    assert page.lstrip().startswith('<div id="builder"')
    assert "Someone else changed the details of “Rucio 1.0 status”" in page
    assert "Saved meanwhile:</strong> “Rucio 1.0 status”, 15 min" in page
    assert 'value="Rucio: the new dark data"' in page  # the convener's own text, kept
    # The form now carries the item's current version: saving again applies it.
    edit_form = page[page.index(f'<li id="item-{rucio.pk}" class="agenda-item editing"') :]
    assert '<input type="hidden" name="version" value="2">' in edit_form[:1500]
    assert item(meeting, "Rucio 1.0 status").duration_minutes == 15
    assert version(meeting) == 1


def test_an_item_edit_does_not_make_the_agenda_stale(as_convener, meeting):
    rucio, panda = item(meeting, "Rucio status"), item(meeting, "PanDA server release")
    as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/edit/",
        {
            "version": 1,
            f"item-{rucio.pk}-title": "Rucio 2",
            f"item-{rucio.pk}-duration_minutes": "10",
        },
        **HX,
    )

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{panda.pk}/move/", {"version": 1, "direction": "down"}, **HX
    )

    assert response.status_code == 200
    assert titles(meeting)[1:3] == ["Rucio 2", "PanDA server release"]


def test_the_edit_form_is_an_htmx_partial_of_the_row(as_convener, meeting):
    rucio = item(meeting, "Rucio status")

    response = as_convener.get(f"/meetings/{meeting.pk}/items/{rucio.pk}/edit/", **HX)

    page = html(response)
    assert page.lstrip().startswith(f'<li id="item-{rucio.pk}" class="agenda-item editing"')
    assert "<html" not in page
    assert 'value="Rucio status"' in page
    assert "Save item" in page


def test_without_javascript_edit_opens_the_form_inside_the_builder(as_convener, meeting):
    rucio = item(meeting, "Rucio status")

    response = as_convener.get(f"/meetings/{meeting.pk}/items/{rucio.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"] == (f"/meetings/{meeting.pk}/edit/?edit={rucio.pk}#item-{rucio.pk}")

    page = html(as_convener.get(response["Location"]))
    assert f'id="id_item-{rucio.pk}-title"' in page


def test_saving_an_edited_item(as_convener, meeting):
    rucio = item(meeting, "Rucio status")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/edit/",
        {
            "version": 1,
            f"item-{rucio.pk}-title": "Rucio: first release",
            f"item-{rucio.pk}-duration_minutes": "1h",
            f"item-{rucio.pk}-recurring": "on",
        },
        **HX,
    )

    assert response.status_code == 200
    rucio.refresh_from_db()
    assert (rucio.title, rucio.duration_minutes, rucio.recurring) == (
        "Rucio: first release",
        60,
        True,
    )
    assert "Over the limit." in html(response)  # 110 min


def test_removing_offers_undo_and_undo_restores(as_convener, meeting):
    rucio = item(meeting, "Rucio status")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/remove/", {"version": 1}, **HX
    )
    page = html(response)
    assert "Removed “Rucio status”." in page
    assert "Undo: restore “Rucio status”" in page
    assert "Rucio status" not in titles(meeting)

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/restore/", {"version": 2}, **HX
    )
    assert "Restored “Rucio status”." in html(response)
    assert titles(meeting)[2] == "Rucio status"


def test_removing_without_javascript_redirects_and_still_offers_undo(as_convener, meeting):
    rucio = item(meeting, "Rucio status")

    response = as_convener.post(f"/meetings/{meeting.pk}/items/{rucio.pk}/remove/", {"version": 1})

    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/edit/#agenda"
    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))
    assert "Removed “Rucio status”." in page
    assert "Undo: restore “Rucio status”" in page


def test_bulk_remove_takes_the_ticked_items_off_and_one_undo_brings_them_all_back(
    as_convener, meeting
):
    panda, rucio = item(meeting, "PanDA server release"), item(meeting, "Rucio status")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/remove/",
        {"version": 1, "items": [str(panda.pk), str(rucio.pk)]},
        **HX,
    )

    page = html(response)
    assert "Removed “PanDA server release”, “Rucio status”." in page
    assert "Undo: restore the 2 removed items" in page
    assert titles(meeting) == ["Pilot: can/should we leverage GlideinWMS?", "Open floor"]
    assert version(meeting) == 2

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/restore/",
        {"version": 2, "items": [str(panda.pk), str(rucio.pk)]},
        **HX,
    )
    assert "Restored “PanDA server release”, “Rucio status”." in html(response)
    assert titles(meeting)[1:3] == ["PanDA server release", "Rucio status"]


def test_bulk_remove_without_javascript_keeps_the_undo_for_the_next_page(as_convener, meeting):
    panda, rucio = item(meeting, "PanDA server release"), item(meeting, "Rucio status")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/remove/", {"version": 1, "items": [panda.pk, rucio.pk]}
    )

    assert response["Location"] == f"/meetings/{meeting.pk}/edit/#agenda"
    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))
    assert "Undo: restore the 2 removed items" in page
    assert page.count(f'name="items" value="{panda.pk}"') == 1  # in the undo form


def test_bulk_remove_with_nothing_ticked_is_refused_beside_its_button(as_convener, meeting):
    response = as_convener.post(f"/meetings/{meeting.pk}/items/remove/", {"version": 1}, **HX)

    page = html(response)
    assert response.status_code == 422
    assert page.index('id="agenda-notice"') < page.index('id="remove-selected"')
    assert "tick the items to remove" in page
    assert version(meeting) == 1


@pytest.mark.parametrize("junk", ["²", "٣", "9" * 30, "-1"])
def test_bulk_remove_ignores_what_is_not_an_item_id_instead_of_failing(as_convener, meeting, junk):
    panda = item(meeting, "PanDA server release")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/remove/", {"version": 1, "items": [junk, panda.pk]}, **HX
    )

    assert response.status_code == 200
    assert AgendaItem.objects.get(pk=panda.pk).deleted_at is not None


def test_the_removed_items_list_shows_every_removed_item_with_a_count(as_convener, meeting):
    for n in range(12):
        factories.make_item(
            meeting, f"Old topic {n}", deleted_at=datetime.datetime.now(datetime.UTC)
        )

    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))

    assert 'Removed items <span class="muted">(12)</span>' in page
    assert all(f"Old topic {n}" in page for n in range(12))


def test_a_refused_form_without_javascript_opens_with_an_error_summary(as_convener, meeting):
    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/add/",
        {"version": 1, "section": "hot", "add-hot-title": "", "add-hot-duration_minutes": "10"},
    )

    page = html(response)
    assert response.status_code == 422
    assert "<title>Error: Agenda builder" in page
    summary = page[page.index('id="error-summary"') :]
    assert "autofocus" in summary[:200]
    assert '<a href="#agenda-notice">The item was not added: see the form.</a>' in summary
    assert 'href="#id_add-hot-title"' in summary
    # The message itself sits in the hot topics' add form, not at the top of the builder.
    hot = page[page.index('id="add-hot"') :]
    assert hot.index('id="agenda-notice"') < hot.index("</details>")


def test_move_buttons_reorder_and_cross_into_tracking(as_convener, meeting):
    panda = item(meeting, "PanDA server release")

    as_convener.post(
        f"/meetings/{meeting.pk}/items/{panda.pk}/move/", {"version": 1, "direction": "down"}, **HX
    )
    assert titles(meeting)[1:3] == ["Rucio status", "PanDA server release"]

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{panda.pk}/move/", {"version": 2, "direction": "down"}, **HX
    )
    panda.refresh_from_db()
    assert panda.section == Section.TRACKING
    assert "Moved “PanDA server release”." in html(response)


def test_drag_and_drop_posts_a_section_and_index(as_convener, meeting):
    rucio = item(meeting, "Rucio status")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/move/",
        {"version": 1, "section": "hot", "index": "0"},
        **HX,
    )

    assert response.status_code == 200
    assert titles(meeting)[1:3] == ["Rucio status", "PanDA server release"]


def test_dragging_into_the_focus_topic_is_refused_with_422(as_convener, meeting):
    rucio = item(meeting, "Rucio status")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/move/",
        {"version": 1, "section": "focus", "index": "0"},
        **HX,
    )

    assert response.status_code == 422
    assert "The focus topic always opens the meeting" in html(response)
    assert version(meeting) == 1


def test_the_first_hot_topic_has_no_usable_move_up_button(as_convener, meeting):
    panda = item(meeting, "PanDA server release")
    rucio = item(meeting, "Rucio status")

    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))

    assert f'id="up-{panda.pk}" disabled' in page
    assert f'id="down-{rucio.pk}">' in page  # the last hot topic can step into tracking


def test_publishing_over_the_limit_is_refused_on_the_page(as_convener, meeting):
    factories.make_item(meeting, "Long discussion", section="hot", duration_minutes=45)

    response = as_convener.post(f"/meetings/{meeting.pk}/publish/", {"version": 1}, **HX)

    page = html(response)
    assert response.status_code == 422
    assert "Publishing refused. The agenda runs 95 min, 5 min over the 90-min limit" in page
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.DRAFT


def test_publishing_with_htmx(as_convener, meeting):
    response = as_convener.post(f"/meetings/{meeting.pk}/publish/", {"version": 1}, **HX)

    page = html(response)
    assert "Published the agenda (revision 1); the mail is queued." in page
    assert "Published; the mail went out with revision 1." in page
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED


def test_after_editing_a_published_agenda_the_builder_offers_to_send_the_update(
    as_convener, meeting
):
    as_convener.post(f"/meetings/{meeting.pk}/publish/", {"version": 1}, **HX)
    rucio = item(meeting, "Rucio status")
    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/remove/", {"version": 2}, **HX
    )

    page = html(response)
    assert "the agenda changed since it was mailed" in page
    assert "Send the updated agenda" in page


def test_proposed_tracking_items_are_listed_and_accepted(as_convener, db, developer):
    factories.make_roadmap(2031)
    late = factories.make_deliverable(
        "new looping job killer in pilot", period="April", owners=(developer,)
    )
    meeting = factories.make_meeting(factories.make_series(), on=datetime.date(2031, 5, 14))

    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))
    assert f'id="track-{late.pk}" checked' in page
    assert "slipped: April has ended" in page
    assert "Bob Developer" in page

    response = as_convener.post(
        f"/meetings/{meeting.pk}/tracking/",
        {"version": 1, "deliverables": [str(late.pk)], "duration_minutes": "5"},
        **HX,
    )

    assert response.status_code == 200
    assert "Added 1 deliverable(s) to the tracking section." in html(response)
    tracked = meeting.items.get()
    assert (tracked.section, tracked.deliverable, tracked.presenter) == (
        "tracking",
        late,
        developer,
    )


def test_copy_from_last_week_button(as_convener, meeting):
    last = factories.make_meeting(meeting.series, on=datetime.date(2031, 1, 8))
    factories.make_item(last, "Site status round", section="hot", recurring=True)

    page = html(as_convener.get(f"/meetings/{meeting.pk}/edit/"))
    assert "Copy recurring items from 8 Jan" in page

    response = as_convener.post(f"/meetings/{meeting.pk}/copy-last-week/", {"version": 1}, **HX)
    assert "Copied from last week: “Site status round”." in html(response)


def test_cancelling_needs_a_reason(as_convener, meeting):
    response = as_convener.post(
        f"/meetings/{meeting.pk}/cancel/", {"version": 1, "cancel-reason": ""}, **HX
    )

    assert response.status_code == 422
    assert "The meeting was not cancelled: give a reason." in html(response)


def test_cancelling_and_moving(as_convener, meeting):
    response = as_convener.post(
        f"/meetings/{meeting.pk}/move/",
        {"version": 1, "move-date": "2031-01-16", "move-time": "15:30"},
        **HX,
    )
    assert "Moved the meeting to Thursday 16 January 2031, 15:30." in html(response)
    meeting.refresh_from_db()
    assert meeting.local_start.strftime("%Y-%m-%d %H:%M") == "2031-01-16 15:30"

    response = as_convener.post(
        f"/meetings/{meeting.pk}/cancel/",
        {"version": 2, "cancel-reason": "ADC workshop week"},
        **HX,
    )
    page = html(response)
    assert "The meeting is cancelled" in page
    assert "Add a hot topic" not in page  # nothing left to edit


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _grow_agenda(meeting, developer, pilot, start, count):
    for n in range(start, start + count):
        deliverable = factories.make_deliverable(
            f"deliverable {n}", period="May", owners=(developer,), task_force=pilot
        )
        factories.make_item(
            meeting,
            f"Item {n}",
            section=["hot", "tracking"][n % 2],
            presenter=developer,
            task_force=pilot,
            deliverable=deliverable,
            duration_minutes=1,
        )
        factories.make_task_force(f"TF {n}")
        factories.make_outline_item(pilot, f"question {n}?", kind="question")
        factories.make_deliverable(f"proposed {n}", period="May", owners=(developer,))
        factories.make_user(f"user{n}")
    meeting.items.filter(title=f"Item {start}").update(deleted_at=meeting.start)


def test_the_builder_query_count_does_not_grow_with_items(
    as_convener, db, developer, django_assert_max_num_queries
):
    factories.make_roadmap(2031)
    meeting = factories.make_meeting(factories.make_series(), on=datetime.date(2031, 5, 14))
    pilot = factories.make_task_force("Pilot")
    url = f"/meetings/{meeting.pk}/edit/"
    _grow_agenda(meeting, developer, pilot, 0, 2)
    few = _count_queries(as_convener, url)

    _grow_agenda(meeting, developer, pilot, 2, 30)

    assert _count_queries(as_convener, url) == few
    with django_assert_max_num_queries(25):
        response = as_convener.get(url)
    assert "proposed 31" in html(response)
    assert "Item 31" in html(response)


SUCCESSFUL = {
    **MUTATIONS,
    "restore": lambda m: _removed_then_restore(m),
    "copy": lambda m: _with_last_week(m),
    "tracking": lambda m: _with_a_slipped_deliverable(m),
}


def _removed_then_restore(meeting):
    rucio = item(meeting, "Rucio status")
    rucio.deleted_at = meeting.start
    rucio.save()
    return f"/meetings/{meeting.pk}/items/{rucio.pk}/restore/", {}


def _with_last_week(meeting):
    last = factories.make_meeting(meeting.series, on=datetime.date(2031, 1, 8))
    factories.make_item(last, "Site status round", section="hot", recurring=True)
    return f"/meetings/{meeting.pk}/copy-last-week/", {}


def _with_a_slipped_deliverable(meeting):
    factories.make_roadmap(2030)
    late = factories.make_deliverable("new looping job killer in pilot", period="Fall")
    return f"/meetings/{meeting.pk}/tracking/", {
        "deliverables": [str(late.pk)],
        "duration_minutes": "5",
    }


# Changes of the meeting itself redraw the whole builder; the agenda's answer with regions.
WHOLE_BUILDER = {"cancel", "move-meeting", "place"}


@pytest.mark.parametrize("name", sorted(SUCCESSFUL.keys() - WHOLE_BUILDER))
def test_every_agenda_change_answers_htmx_with_the_changed_regions(as_convener, meeting, name):
    url, data = SUCCESSFUL[name](meeting)

    response = as_convener.post(url, {"version": 1, **data}, **HX)

    page = html(response)
    assert response.status_code == 200, page[:300]
    assert page.lstrip().startswith('<section id="budget"')
    assert response["HX-Retarget"] == "#budget"
    assert response["HX-Reswap"] == "outerHTML"
    assert "<html" not in page
    assert '<div id="builder-notice" hx-swap-oob="true">' in page
    assert 'id="agenda-notice"' in page
    # A change redraws only the sections whose items changed (the focus topic keeps its place
    # and time); publishing redraws them all.
    if name in APPENDED:
        # An item added (or restored) at the end of a section is appended out of band, with
        # the section's new heading; the rows already in the browser are not sent again.
        assert '<ol hx-swap-oob="beforeend:#items-hot">' in page
        added = AgendaItem.objects.get(meeting=meeting, title=APPENDED[name])
        assert f'<li id="item-{added.pk}" class="agenda-item section-hot"' in page
        assert '<h2 id="heading-hot" hx-swap-oob="true">' in page
        assert page.count('class="agenda-item ') == 1
        assert 'id="items-hot"' not in page
    redrawn = REDRAWN.get(name, set() if name in APPENDED else set(Section.values))
    for section in Section.values:
        assert (f'id="items-{section}"' in page) == (section in redrawn), section
    # The forms the browser keeps move on to the agenda's version with one out-of-band input
    # (an edit claims the item: the agenda's version stays).
    agenda_version = "1" if name == "edit" else "2"
    assert (
        f'<input type="hidden" name="version" value="{agenda_version}" class="agenda-version" '
        'hx-swap-oob="outerHTML:#builder .agenda-version">'
    ) in page
    assert 'id="schedule"' not in page
    assert response["X-Meeting-Version"] == agenda_version


# Where each change's rows end up in the answer (tests above): appended at the end of the hot
# topics (the title of the new row), or the sections redrawn.
APPENDED = {"add": "X", "restore": "Rucio status", "copy": "Site status round"}
REDRAWN = {"edit": {"hot"}, "move": {"hot"}, "remove": {"hot"}, "tracking": {"tracking"}}


@pytest.mark.parametrize("name", sorted(WHOLE_BUILDER))
def test_moving_or_cancelling_the_meeting_answers_htmx_with_the_whole_builder(
    as_convener, meeting, name
):
    url, data = SUCCESSFUL[name](meeting)

    response = as_convener.post(url, {"version": 1, **data}, **HX)

    page = html(response)
    assert response.status_code == 200, page[:300]
    assert page.lstrip().startswith('<div id="builder"')
    assert "HX-Retarget" not in response
    assert "<html" not in page
    assert 'id="agenda-notice"' in page
    assert response["X-Meeting-Version"] == "2"


@pytest.mark.parametrize("name", sorted(SUCCESSFUL))
def test_every_builder_endpoint_works_as_a_plain_form(as_convener, meeting, name):
    url, data = SUCCESSFUL[name](meeting)

    response = as_convener.post(url, {"version": 1, **data})

    assert response.status_code == 302
    # An add lands on the new item (issue 14: not under the sticky budget, past the notice),
    # tracking on its section, a new room or link on the schedule forms.
    anchor = {
        "add": lambda: f"item-{meeting.items.get(title='X').pk}",
        "tracking": lambda: "section-tracking",
        "place": lambda: "schedule",
    }.get(name, lambda: "agenda")()
    assert response["Location"] == f"/meetings/{meeting.pk}/edit/#{anchor}"
    if name == "edit":
        assert item(meeting, "Rucio 2").version == 2
    else:
        assert version(meeting) == 2
