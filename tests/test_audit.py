"""The audit trail at /audit/: who changed what, field by field, visible to managers."""

import datetime

import pytest
from django.utils import timezone

from adcmeet.meetings.models import AgendaItem, Meeting
from deliverables.models import Deliverable
from tests import factories


def _change(obj, user, **fields):
    """Save a change the way a request would, with the acting user recorded."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj._history_user = user
    obj.save()


def test_managers_see_field_level_changes_with_who_made_them(client, manager, developer):
    deliverable = factories.make_deliverable("Pilot looping job killer", owners=(developer,))
    roadmap = deliverable.roadmap
    _change(
        deliverable,
        developer,
        status=Deliverable.Status.IN_PROGRESS,
        period=roadmap.periods.get(label="June"),
    )

    client.force_login(manager)
    response = client.get("/audit/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Pilot looping job killer" in page
    assert "Bob Developer" in page
    # old -> new for each changed field, in words, not ids
    assert "<del>Planned</del> → <ins>In progress</ins>" in page
    assert "<del>April</del> → <ins>June</ins>" in page


def test_newest_change_comes_first(client, manager, convener):
    meeting = factories.make_meeting(title="Older change")
    _change(meeting, convener, title="Renamed meeting")
    deliverable = factories.make_deliverable("Newest thing")
    _change(deliverable, convener, notes="latest note")

    client.force_login(manager)
    page = client.get("/audit/").content.decode()

    assert page.index("latest note") < page.index("Renamed meeting")


@pytest.mark.parametrize("persona", ["outsider", "developer", "convener"])
def test_only_managers_and_staff_may_read_the_audit_trail(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/audit/").status_code == 403


def test_staff_may_read_the_audit_trail(client, db):
    admin = factories.make_user("root", is_staff=True)
    client.force_login(admin)
    assert client.get("/audit/").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/audit/")


def test_the_trail_can_be_filtered_by_object_type(client, manager, convener):
    meeting = factories.make_meeting(title="Meeting title change")
    _change(meeting, convener, title="Meeting retitled")
    roadmap = factories.make_roadmap(2032, name="Rucio plan")
    _change(roadmap, manager, name="Rucio roadmap")

    client.force_login(manager)
    page = client.get("/audit/?type=roadmap").content.decode()

    assert "Rucio roadmap" in page
    assert "Meeting retitled" not in page


def test_deleting_and_restoring_an_agenda_item_show_as_such(client, manager, convener):
    meeting = factories.make_meeting()
    item = factories.make_item(meeting, "Pilot news")
    _change(item, convener, deleted_at=timezone.now())
    _change(item, convener, deleted_at=None)

    client.force_login(manager)
    page = client.get("/audit/?type=agenda").content.decode()

    assert 'class="audit-action audit-deleted">deleted<' in page
    assert 'class="audit-action audit-restored">restored<' in page


def test_markup_in_audited_text_is_shown_as_text(client, manager, convener):
    deliverable = factories.make_deliverable("<script>alert(1)</script>")
    _change(deliverable, convener, notes='<img src=x onerror="alert(2)">')

    client.force_login(manager)
    page = client.get("/audit/").content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_htmx_requests_get_only_the_entries(client, manager, convener):
    factories.make_deliverable("Partial only")
    client.force_login(manager)

    response = client.get("/audit/?type=deliverable", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="audit-entries">')
    assert "<html" not in page
    assert "Partial only" in page


def test_the_trail_is_paginated(client, manager, convener):
    deliverable = factories.make_deliverable("Busy deliverable")
    for n in range(60):
        _change(deliverable, convener, notes=f"note number {n:02d}")

    client.force_login(manager)
    first = client.get("/audit/?type=deliverable").content.decode()
    second = client.get("/audit/?type=deliverable&page=2").content.decode()

    assert "note number 59" in first
    assert "note number 05" not in first
    assert "note number 05" in second
    assert "Page 2 of 2" in second


def test_query_count_does_not_grow_with_the_number_of_changes(
    client, manager, convener, developer, django_assert_max_num_queries
):
    roadmap = factories.make_roadmap()
    periods = list(roadmap.periods.all())
    project = factories.make_project()
    task_force = factories.make_task_force()
    for n in range(15):
        meeting = factories.make_meeting(on=datetime.date(2031, 1, 1) + datetime.timedelta(weeks=n))
        _change(meeting, convener, title=f"Meeting {n}", state=Meeting.State.DRAFT)
        item = factories.make_item(meeting, f"Item {n}", presenter=developer)
        _change(item, convener, task_force=task_force, section=AgendaItem.Section.FOCUS)
        deliverable = factories.make_deliverable(f"Deliverable {n}")
        _change(deliverable, developer, period=periods[n % len(periods)], project=project)
    _change(roadmap, manager, name="Renamed roadmap")

    client.force_login(manager)
    # session + user + groups, count + page, then two per history table and one per related
    # model named in the diffs: fixed whatever the page size.
    with django_assert_max_num_queries(20):
        response = client.get("/audit/")
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 51  # header + a full page of 50


# --- deleting is soft and undoable, and the trail shows it -----------------------------------


def test_removing_an_agenda_item_is_soft_undoable_and_audited(client, convener, manager):
    meeting = factories.make_meeting()
    item = factories.make_item(meeting, "Pilot news")
    client.force_login(convener)

    removed = client.post(
        f"/meetings/{meeting.pk}/items/{item.pk}/remove/", {"version": meeting.version}
    )

    assert removed.status_code in (200, 302)
    item.refresh_from_db()
    assert item.deleted_at is not None  # still there, only marked
    client.get(f"/meetings/{meeting.pk}/")  # shows (and uses up) the "Removed …" message
    assert "Pilot news" not in client.get(f"/meetings/{meeting.pk}/").content.decode()
    meeting.refresh_from_db()
    restored = client.post(
        f"/meetings/{meeting.pk}/items/{item.pk}/restore/", {"version": meeting.version}
    )
    assert restored.status_code in (200, 302)
    item.refresh_from_db()
    assert item.deleted_at is None
    assert "Pilot news" in client.get(f"/meetings/{meeting.pk}/").content.decode()

    client.force_login(manager)
    page = client.get("/audit/?type=agenda").content.decode()
    assert 'audit-deleted">deleted<' in page
    assert 'audit-restored">restored<' in page
    assert "Alice Convener" in page


def test_deleting_a_deliverable_is_soft_undoable_and_audited(client, convener, manager):
    deliverable = factories.make_deliverable("Oracle 11g migration")
    client.force_login(convener)

    client.post(f"/deliverables/{deliverable.pk}/delete/", {"version": deliverable.version})

    deliverable.refresh_from_db()
    assert deliverable.deleted_at is not None
    assert Deliverable.objects.filter(pk=deliverable.pk).exists()
    client.logout()
    assert client.get(f"/deliverables/{deliverable.pk}/").status_code == 404
    assert "Oracle 11g migration" not in client.get("/roadmap/").content.decode()

    client.force_login(convener)
    assert client.get(f"/deliverables/{deliverable.pk}/").status_code == 200  # to restore it
    client.post(f"/deliverables/{deliverable.pk}/restore/", {"version": deliverable.version})
    deliverable.refresh_from_db()
    assert deliverable.deleted_at is None
    assert "Oracle 11g migration" in client.get("/roadmap/").content.decode()

    client.force_login(manager)
    page = client.get("/audit/?type=deliverable").content.decode()
    assert 'audit-deleted">deleted<' in page
    assert 'audit-restored">restored<' in page


def test_changes_made_through_the_pages_name_who_made_them(client, developer, manager):
    deliverable = factories.make_deliverable("Looping job killer", owners=(developer,))
    client.force_login(developer)

    client.post(
        f"/deliverables/{deliverable.pk}/status/",
        {"version": deliverable.version, "status": "in_progress"},
    )

    client.force_login(manager)
    page = client.get("/audit/?type=deliverable").content.decode()
    assert "<del>Planned</del> → <ins>In progress</ins>" in page
    assert "Bob Developer" in page
