"""Outline items, checkpoints and their goals under concurrent edits: real actors racing on
PostgreSQL, and what a stale form gets back over HTTP (409, the fresh state, the input kept)."""

import pytest

from adcmeet.core.versioning import Conflict
from taskforces import actions
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem
from tests.concurrency import errors, race, winners
from tests.factories import make_checkpoint, make_outline_item, make_task_force

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rucio(developer):
    task_force = make_task_force("Rucio")
    task_force.members.add(developer)
    return task_force


def _item(pk: int) -> OutlineItem:
    return OutlineItem.objects.get(pk=pk)


def _edit(pk: int, text: str):
    return lambda: actions.edit_item(
        item=_item(pk), version=1, text=text, kind="plan", checkpoint=None, parent_id=None
    )


# --- outline items --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_of_two_edits_from_one_version_exactly_one_is_kept(rucio):
    item = make_outline_item(rucio, "Rucio for DDM")
    outcomes = race(_edit(item.pk, "Rucio for DDM (Vincent)"), _edit(item.pk, "Rucio (Mario)"))
    [kept] = winners(outcomes)
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    item.refresh_from_db()
    assert (item.text, item.version) == (kept.text, 2)


@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_a_delete_never_resurrects_or_loses_silently(rucio):
    item = make_outline_item(rucio, "Rucio for DDM")

    def delete():
        return actions.delete_item(item=_item(item.pk), version=1)

    outcomes = race(_edit(item.pk, "Rucio for DDM, revised"), delete)
    assert len(winners(outcomes)) == 1
    [refused] = errors(outcomes)
    assert isinstance(refused, Conflict)
    remaining = OutlineItem.objects.filter(pk=item.pk).first()
    if remaining is None:
        assert refused.message == "That item was deleted in the meantime."
    else:
        assert (remaining.text, remaining.version) == ("Rucio for DDM, revised", 2)


@pytest.mark.django_db(transaction=True)
def test_ticking_done_racing_a_move_from_one_version_applies_one(rucio):
    make_outline_item(rucio, "Architecture", position=0)
    item = make_outline_item(rucio, "Rucio for DDM", position=1)

    def tick():
        return actions.set_done(item=_item(item.pk), done=True, version=1)

    def move_up():
        return actions.move_item(item=_item(item.pk), direction="up", version=1)

    outcomes = race(tick, move_up)
    assert len(winners(outcomes)) == 1
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    item.refresh_from_db()
    assert item.done != (item.position == 0)
    assert item.version == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_adding_at_once_both_get_their_item_in_dense_order(rucio):
    def add(text):
        return lambda: actions.add_item(task_force=rucio, text=text)

    outcomes = race(add("Testbed at CERN"), add("Testbed at BNL"))
    assert errors(outcomes) == []
    positions = sorted(OutlineItem.objects.filter(task_force=rucio).values_list("position"))
    assert positions == [(0,), (1,)]


# --- checkpoints and goals ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_of_two_checkpoint_saves_from_one_version_exactly_one_is_kept():
    dubna = make_checkpoint(description="Software & computing workshop.")

    def save(description):
        def actor():
            checkpoint = Checkpoint.objects.get(pk=dubna.pk)
            checkpoint.description = description
            return actions.save_checkpoint(checkpoint=checkpoint, version=1)

        return actor

    outcomes = race(save("Travel via Moscow."), save("Agenda on Indico."))
    [kept] = winners(outcomes)
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    dubna.refresh_from_db()
    assert (dubna.description, dubna.version) == (kept.description, 2)


@pytest.mark.django_db(transaction=True)
def test_of_two_goal_writes_from_one_version_exactly_one_is_kept(rucio):
    dubna = make_checkpoint()
    goal = CheckpointGoal.objects.create(checkpoint=dubna, task_force=rucio, goal="Prototype")

    def write(text):
        return lambda: actions.set_goal(checkpoint=dubna, task_force=rucio, goal=text, version=1)

    outcomes = race(write("Rucio for DDM demo"), write("Rucio at scale"))
    [kept] = winners(outcomes)
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    goal.refresh_from_db()
    assert (goal.goal, goal.version) == (kept.goal, 2)


@pytest.mark.django_db(transaction=True)
def test_two_first_goals_written_at_once_make_one_and_refuse_the_other(rucio):
    dubna = make_checkpoint()

    def write(text):
        return lambda: actions.set_goal(checkpoint=dubna, task_force=rucio, goal=text, version=None)

    outcomes = race(write("Rucio for DDM demo"), write("Rucio at scale"))
    [kept] = winners(outcomes)
    [refused] = errors(outcomes)
    assert isinstance(refused, Conflict)
    assert refused.current.goal == kept.goal
    assert CheckpointGoal.objects.get().goal == kept.goal


@pytest.mark.django_db(transaction=True)
def test_taking_a_task_force_off_never_deletes_a_goal_changed_at_the_same_time(rucio):
    dubna = make_checkpoint()
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=rucio, goal="Prototype")

    def take_off():
        return actions.save_checkpoint(
            checkpoint=Checkpoint.objects.get(pk=dubna.pk),
            version=1,
            task_forces=[],
            goal_versions={rucio.pk: 1},
        )

    def rewrite():
        return actions.set_goal(
            checkpoint=dubna, task_force=rucio, goal="Rucio for DDM demo", version=1
        )

    outcomes = race(take_off, rewrite)
    assert len(winners(outcomes)) == 1
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    goal = CheckpointGoal.objects.filter(checkpoint=dubna).first()
    assert goal is None or goal.goal == "Rucio for DDM demo"


# --- over HTTP ------------------------------------------------------------------------------


def _checkpoint_data(**overrides) -> dict:
    data = {
        "name": "Dubna workshop",
        "slug": "dubna-workshop",
        "date": "2031-06-01",
        "end_date": "",
        "location": "JINR Dubna",
        "description": "What I typed",
        "version": "1",
        "goal_versions": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_stale_checkpoint_form_never_restores_the_old_description(client, convener):
    dubna = make_checkpoint(description="Old description")
    dubna.description = "Written by Simone meanwhile"
    actions.save_checkpoint(checkpoint=dubna, version=1)
    client.force_login(convener)
    response = client.post("/checkpoints/dubna-workshop/edit/", _checkpoint_data())
    assert response.status_code == 409
    page = response.content.decode()
    assert "Written by Simone meanwhile" in page  # the state as it is now
    assert "What I typed" in page  # the user's text, kept in the form
    assert 'name="version" value="2"' in page  # saving again is a deliberate overwrite
    dubna.refresh_from_db()
    assert dubna.description == "Written by Simone meanwhile"


@pytest.mark.django_db
def test_a_stale_checkpoint_form_never_deletes_a_goal_written_after_it(client, convener, rucio):
    dubna = make_checkpoint()
    client.force_login(convener)
    form_page = client.get("/checkpoints/dubna-workshop/edit/").content.decode()
    assert 'name="version" value="1"' in form_page
    # Meanwhile a Rucio member writes the task force's goal (it now attends).
    actions.set_goal(checkpoint=dubna, task_force=rucio, goal="Rucio for DDM demo", version=None)
    response = client.post(
        "/checkpoints/dubna-workshop/edit/", _checkpoint_data(description="Agenda on Indico.")
    )
    assert response.status_code == 409
    assert "Rucio for DDM demo" in response.content.decode()
    assert CheckpointGoal.objects.get(checkpoint=dubna).goal == "Rucio for DDM demo"
    dubna.refresh_from_db()
    assert dubna.description == ""


@pytest.mark.django_db
def test_a_stale_goal_form_answers_409_with_the_goal_now_and_the_text_kept(
    client, developer, rucio
):
    dubna = make_checkpoint()
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=rucio, goal="Prototype")
    actions.set_goal(checkpoint=dubna, task_force=rucio, goal="Rucio at scale", version=1)
    client.force_login(developer)
    response = client.post(
        "/checkpoints/dubna-workshop/goal/",
        {"task_force": rucio.pk, "goal": "My stale idea", "version": 1},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Rucio&#x27;s goal was written in the meantime: “Rucio at scale”" in page
    assert "My stale idea</textarea>" in page
    assert 'name="version" value="2"' in page
    assert CheckpointGoal.objects.get().goal == "Rucio at scale"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data"),
    [("done", {"done": "1"}), ("move", {"direction": "down"}), ("delete", {})],
)
def test_a_stale_outline_control_answers_409_with_the_fresh_outline(
    client, developer, rucio, action, data
):
    item = make_outline_item(rucio, "Rucio for DDM", position=0)
    make_outline_item(rucio, "Architecture", position=1)
    _edit(item.pk, "Rucio for DDM (v2)")()
    client.force_login(developer)
    response = client.post(
        f"/taskforces/rucio/outline/{item.pk}/{action}/", {**data, "version": 1}, **HTMX
    )
    assert response.status_code == 409
    assert response.text.lstrip().startswith('<section id="outline"')
    assert "Someone else changed this while you were editing it" in response.text
    assert "Rucio for DDM (v2)" in response.text
    item.refresh_from_db()
    assert (item.done, item.position, item.version) == (False, 0, 2)


@pytest.mark.django_db
def test_a_control_on_an_item_deleted_meanwhile_answers_409_not_404(client, developer, rucio):
    item = make_outline_item(rucio, "Rucio for DDM")
    actions.delete_item(item=item, version=1)
    client.force_login(developer)
    response = client.post(
        f"/taskforces/rucio/outline/{item.pk}/done/", {"done": "1", "version": 1}
    )
    assert response.status_code == 409
    assert "That item was deleted in the meantime." in response.text
    assert "<html" in response.text  # without JavaScript: the outline as a page
