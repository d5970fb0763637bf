"""Unique names a form writes: two people submitting the same one at the same moment get one
saved and one form error, never an error page (the database's constraint is the referee)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from deliverables.models import Roadmap
from taskforces.models import Checkpoint, TaskForce
from tests.concurrency import race
from tests.conftest import need


def _logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_two_managers_creating_the_same_roadmap_at_once_get_one_roadmap_and_one_form_error(
    manager, convener
):
    # SQLite has one writer at a time: a second writer waits or fails, never races.
    need(connection.vendor == "postgresql", "PostgreSQL (concurrent writers)")
    clients = [_logged_in(manager), _logged_in(convener)]
    convener.is_superuser = True  # managers run roadmaps; a superuser holds every role
    convener.save()
    data = {"name": "PanDA+Prodsys", "year": "2031"}

    outcomes = race(*(lambda c=c: c.post("/roadmaps/new/", data) for c in clients))

    statuses = sorted(outcome.value.status_code for outcome in outcomes)
    assert statuses == [302, 422]
    refused = next(o.value for o in outcomes if o.value.status_code == 422)
    assert "There is already a roadmap “PanDA+Prodsys 2031”" in refused.content.decode()
    assert Roadmap.objects.filter(name="PanDA+Prodsys", year=2031).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_conveners_creating_checkpoints_with_one_short_name_at_once_get_a_form_error(
    manager, convener
):
    need(connection.vendor == "postgresql", "PostgreSQL (concurrent writers)")
    clients = [_logged_in(manager), _logged_in(convener)]
    data = {
        "slug": "dubna",
        "date": "2031-05-30",
        "end_date": "",
        "location": "JINR Dubna",
        "description": "",
    }

    outcomes = race(
        lambda: clients[0].post("/checkpoints/new/", data | {"name": "Dubna workshop"}),
        lambda: clients[1].post("/checkpoints/new/", data | {"name": "Dubna meeting"}),
    )

    statuses = sorted(outcome.value.status_code for outcome in outcomes)
    assert statuses == [302, 422]
    refused = next(o.value for o in outcomes if o.value.status_code == 422)
    assert "another checkpoint may have just taken this short name" in refused.content.decode()
    assert Checkpoint.objects.filter(slug="dubna").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_force_short_name_taken_during_an_admin_save_is_a_message_not_an_error_page():
    need(connection.vendor == "postgresql", "PostgreSQL (concurrent writers)")
    from django.contrib.auth import get_user_model

    from tests.core.test_page_sources import FormFields

    root = get_user_model().objects.create_superuser(
        "root", "root@example.org", "correct-horse-9", name="Root"
    )
    admin = _logged_in(root)
    form = FormFields()
    form.feed(admin.get("/admin/taskforces/taskforce/add/").content.decode())
    data = form.data | {
        "name": ["Rucio (admin)"],
        "slug": ["rucio"],
        "kind": ["taskforce"],
        "status": ["active"],
    }

    def insert_first():
        # Written and held uncommitted while the admin's form checks the short name (free, as
        # far as it can see) and inserts: that insert waits on this row, then fails.
        TaskForce.objects.create(name="Rucio", slug="rucio")

    def admin_save():
        threading.Event().wait(0.3)
        return admin.post("/admin/taskforces/taskforce/add/", data, follow=True)

    outcomes = race(insert_first, admin_save, hold_seconds=1.0)

    response = outcomes[1].value
    assert outcomes[1].error is None
    assert response.status_code == 200
    assert "with the same name or short name was saved at the same moment" in (
        response.content.decode()
    )
    assert list(TaskForce.objects.values_list("name", flat=True)) == ["Rucio"]
