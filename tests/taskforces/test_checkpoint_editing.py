"""Creating and editing checkpoints on /checkpoints/ (conveners and managers), not only in the
admin: validation keeps what was typed, the slug comes from the name, attending task forces
keep their goals."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from taskforces.models import Checkpoint, CheckpointGoal
from tests.factories import make_checkpoint, make_task_force

pytestmark = pytest.mark.django_db


def _data(**overrides):
    data = {
        "name": "Dubna workshop",
        "slug": "",
        "date": "2031-05-30",
        "end_date": "2031-06-03",
        "location": "JINR Dubna",
        "description": "Software & computing workshop.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def rucio():
    return make_task_force("Rucio")


@pytest.fixture
def nosql():
    return make_task_force("NoSQL databases", slug="nosql")


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/checkpoints/new/", "/checkpoints/dubna-workshop/edit/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    make_checkpoint("Dubna workshop")
    for response in (client.get(url), client.post(url, _data(name="Hijacked"))):
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    assert list(Checkpoint.objects.values_list("name", flat=True)) == ["Dubna workshop"]


@pytest.mark.parametrize("persona", ["outsider", "developer"])
@pytest.mark.parametrize("url", ["/checkpoints/new/", "/checkpoints/dubna-workshop/edit/"])
def test_developers_and_outsiders_are_refused(client, request, persona, url):
    make_checkpoint("Dubna workshop")
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403
    assert client.post(url, _data(name="Hijacked")).status_code == 403
    assert list(Checkpoint.objects.values_list("name", flat=True)) == ["Dubna workshop"]
    assert "New checkpoint" not in client.get("/checkpoints/").content.decode()
    assert "Edit checkpoint" not in client.get("/checkpoints/dubna-workshop/").content.decode()


@pytest.mark.parametrize("persona", ["convener", "manager"])
def test_conveners_and_managers_create_and_edit(client, request, persona, rucio):
    client.force_login(request.getfixturevalue(persona))
    listing = client.get("/checkpoints/").content.decode()
    assert 'href="/checkpoints/new/"' in listing
    assert client.get("/checkpoints/new/").status_code == 200

    response = client.post("/checkpoints/new/", _data(task_forces=[rucio.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/checkpoints/dubna-workshop/"
    page = client.get(response["Location"]).content.decode()
    assert "Created the checkpoint Dubna workshop." in page
    assert 'href="/checkpoints/dubna-workshop/edit/"' in page

    checkpoint = Checkpoint.objects.get()
    assert checkpoint.slug == "dubna-workshop"
    assert checkpoint.date == datetime.date(2031, 5, 30)
    assert checkpoint.end_date == datetime.date(2031, 6, 3)
    assert checkpoint.location == "JINR Dubna"
    assert list(checkpoint.task_forces.all()) == [rucio]

    edit = client.get("/checkpoints/dubna-workshop/edit/").content.decode()
    assert 'value="2031-05-30"' in edit
    assert 'value="JINR Dubna"' in edit
    response = client.post(
        "/checkpoints/dubna-workshop/edit/",
        _data(
            slug="dubna-2031",
            location="Dubna, Russia",
            task_forces=[rucio.pk],
            version=1,
            goal_versions=f"{rucio.pk}:1",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/checkpoints/dubna-2031/"
    checkpoint.refresh_from_db()
    assert (checkpoint.slug, checkpoint.location) == ("dubna-2031", "Dubna, Russia")


# --- the form ------------------------------------------------------------------------------


def test_an_end_before_the_start_is_refused_and_the_input_kept(client, convener):
    client.force_login(convener)
    response = client.post(
        "/checkpoints/new/",
        _data(name="Tokyo <b>jamboree</b>", end_date="2031-05-29", description="Keep me"),
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "The last day cannot be before the first day." in body
    assert 'value="Tokyo &lt;b&gt;jamboree&lt;/b&gt;"' in body
    assert 'value="2031-05-29"' in body
    assert "Keep me</textarea>" in body
    assert not Checkpoint.objects.exists()


def test_missing_name_or_date_are_named(client, convener):
    client.force_login(convener)
    response = client.post("/checkpoints/new/", _data(name="   ", date=""))
    assert response.status_code == 422
    body = response.content.decode()
    assert body.count('class="errorlist') >= 2
    assert 'value="JINR Dubna"' in body
    assert not Checkpoint.objects.exists()


def test_the_database_refuses_an_end_before_the_start_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        Checkpoint.objects.create(
            name="Backwards",
            slug="backwards",
            date=datetime.date(2031, 6, 3),
            end_date=datetime.date(2031, 5, 30),
        )


def test_a_slug_made_from_a_taken_name_gets_a_number(client, manager):
    make_checkpoint("Dubna workshop")
    client.force_login(manager)
    response = client.post("/checkpoints/new/", _data())
    assert response["Location"] == "/checkpoints/dubna-workshop-2/"
    assert Checkpoint.objects.filter(slug="dubna-workshop-2").exists()


def test_a_typed_slug_that_is_taken_or_reserved_is_refused(client, convener):
    make_checkpoint("Dubna workshop")
    client.force_login(convener)
    taken = client.post("/checkpoints/new/", _data(name="Other", slug="dubna-workshop"))
    assert taken.status_code == 422
    assert "already exists" in taken.content.decode()
    reserved = client.post("/checkpoints/new/", _data(name="Other", slug="new"))
    assert reserved.status_code == 422
    assert "reserved" in reserved.content.decode()
    assert Checkpoint.objects.count() == 1


def test_a_refused_edit_posts_back_to_the_original_address(client, convener):
    make_checkpoint("Dubna workshop")
    client.force_login(convener)
    response = client.post(
        "/checkpoints/dubna-workshop/edit/", _data(slug="renamed", end_date="2031-01-01")
    )
    assert response.status_code == 422
    assert 'action="/checkpoints/dubna-workshop/edit/"' in response.content.decode()
    assert Checkpoint.objects.get().slug == "dubna-workshop"


def test_unknown_checkpoint_is_404(client, convener):
    client.force_login(convener)
    assert client.get("/checkpoints/nowhere/edit/").status_code == 404


def test_attending_task_forces_keep_their_goals(client, convener, rucio, nosql):
    dubna = make_checkpoint("Dubna workshop")
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=rucio, goal="Rucio prototype")
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=nosql, goal="Cassandra at CERN")
    client.force_login(convener)
    edit = client.get("/checkpoints/dubna-workshop/edit/").content.decode()
    assert edit.count("checked") == 2

    new_tf = make_task_force("Multicores")
    client.post(
        "/checkpoints/dubna-workshop/edit/",
        _data(
            task_forces=[rucio.pk, new_tf.pk],
            version=1,
            goal_versions=f"{rucio.pk}:1 {nosql.pk}:1",
        ),
    )
    goals = dict(dubna.goals.values_list("task_force__name", "goal"))
    assert goals == {"Rucio": "Rucio prototype", "Multicores": ""}
    page = client.get("/checkpoints/dubna-workshop/").content.decode()
    assert "Rucio prototype" in page
    assert "Multicores" in page
    assert "Cassandra at CERN" not in page
