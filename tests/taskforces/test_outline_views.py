"""Outline editing over HTTP: who may, plain forms without JavaScript, htmx in place."""

import pytest

from taskforces.models import OutlineItem
from tests.factories import make_checkpoint, make_outline_item, make_task_force, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rucio(developer):
    tf = make_task_force("Rucio", scope="Architecture, scope, components, technologies")
    tf.members.add(developer)
    make_outline_item(tf, "Rucio for DDM - overview and plans", position=0)
    make_outline_item(
        tf, "Rucio for others - how can other areas leverage it", kind="question", position=1
    )
    return tf


def first(tf) -> OutlineItem:
    return OutlineItem.objects.get(task_force=tf, position=0, parent=None)


def second(tf) -> OutlineItem:
    return OutlineItem.objects.get(task_force=tf, position=1, parent=None)


# --- the access matrix ------------------------------------------------------------------------


def mutations(tf):
    """Every mutating endpoint with a valid request body, and how to see it took effect."""
    a, b = first(tf), second(tf)
    return [
        (
            "/taskforces/rucio/outline/add/",
            {"add-kind": "question", "add-text": "Rucio for PanDA?"},
            lambda: OutlineItem.objects.filter(text="Rucio for PanDA?").exists(),
        ),
        (
            f"/taskforces/rucio/outline/{a.pk}/edit/",
            {"edit-kind": "plan", "edit-text": "Rucio for DDM", "edit-version": a.version},
            lambda: OutlineItem.objects.filter(text="Rucio for DDM").exists(),
        ),
        (
            f"/taskforces/rucio/outline/{a.pk}/done/",
            {"done": "1", "version": a.version},
            lambda: OutlineItem.objects.get(pk=a.pk).done,
        ),
        (
            f"/taskforces/rucio/outline/{b.pk}/move/",
            {"direction": "up", "version": b.version},
            lambda: OutlineItem.objects.get(pk=b.pk).position == 0,
        ),
        (
            f"/taskforces/rucio/outline/{b.pk}/move/",
            {"direction": "indent", "version": b.version},
            lambda: OutlineItem.objects.get(pk=b.pk).parent_id == a.pk,
        ),
        (
            f"/taskforces/rucio/outline/{b.pk}/delete/",
            {"version": b.version},
            lambda: not OutlineItem.objects.filter(pk=b.pk).exists(),
        ),
    ]


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, rucio):
    for url, data, took_effect in mutations(rucio):
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
        assert not took_effect(), url


def test_people_outside_the_task_force_are_refused(client, rucio, outsider):
    other_developer = make_user("erin", roles=("Developer",))
    for user in (outsider, other_developer):
        client.force_login(user)
        for url, data, took_effect in mutations(rucio):
            assert client.post(url, data).status_code == 403, url
            assert not took_effect(), url


@pytest.mark.parametrize("who", ["member", "task_force_convener", "meeting_convener"])
def test_members_and_conveners_edit(client, rucio, developer, convener, who):
    if who == "member":
        user = developer
    elif who == "task_force_convener":
        user = make_user("frank", roles=("Developer",))
        rucio.conveners.add(user)
    else:
        user = convener
    client.force_login(user)
    for index in range(len(mutations(rucio))):
        # Each mutation starts from the same two-item outline so they do not interfere.
        OutlineItem.objects.filter(task_force=rucio).delete()
        make_outline_item(rucio, "Rucio for DDM - overview and plans", position=0)
        make_outline_item(rucio, "Rucio for others", kind="question", position=1)
        url, data, took_effect = mutations(rucio)[index]
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert took_effect(), url


def test_everyone_may_read_the_outline_but_only_editors_see_the_controls(
    client, rucio, developer, outsider
):
    page = client.get("/taskforces/rucio/")
    assert page.status_code == 200
    assert "Rucio for DDM - overview and plans" in page.text
    assert "Add to the outline" not in page.text
    assert "Mark done" not in page.text
    client.force_login(outsider)
    assert "Add to the outline" not in client.get("/taskforces/rucio/").text
    client.force_login(developer)
    page = client.get("/taskforces/rucio/")
    assert "Add to the outline" in page.text
    assert "Mark done" in page.text
    assert ">Indent<" in page.text
    assert ">Outdent<" in page.text


def test_an_item_of_another_task_force_is_not_found_through_this_one(client, rucio, developer):
    nosql = make_task_force("NoSQL databases", slug="nosql")
    theirs = make_outline_item(nosql, "Cassandra testbed at BNL")
    client.force_login(developer)
    response = client.post(f"/taskforces/rucio/outline/{theirs.pk}/done/", {"done": "1"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.done is False


# --- without JavaScript ------------------------------------------------------------------------


def test_without_javascript_a_change_redirects_back_to_the_item(client, rucio, developer):
    client.force_login(developer)
    item = first(rucio)
    response = client.post(
        f"/taskforces/rucio/outline/{item.pk}/done/", {"done": "1", "version": item.version}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/taskforces/rucio/#outline-item-{item.pk}"
    page = client.get(response["Location"])
    assert "Reopen" in page.text


def test_an_empty_item_is_refused_with_the_form_shown_again(client, rucio, developer):
    client.force_login(developer)
    dubna = make_checkpoint()
    response = client.post(
        "/taskforces/rucio/outline/add/",
        {"add-kind": "question", "add-text": "   ", "add-checkpoint": dubna.pk},
    )
    assert response.status_code == 422
    assert "cannot be empty" in response.text or "This field is required" in response.text
    assert OutlineItem.objects.filter(task_force=rucio).count() == 2


def test_too_long_text_is_refused_and_kept(client, rucio, developer):
    client.force_login(developer)
    long_text = "perfSONAR everywhere " * 30
    response = client.post(
        "/taskforces/rucio/outline/add/", {"add-kind": "plan", "add-text": long_text}
    )
    assert response.status_code == 422
    assert "perfSONAR everywhere perfSONAR everywhere" in response.text
    assert OutlineItem.objects.filter(task_force=rucio).count() == 2


def test_the_edit_page_works_without_javascript(client, rucio, developer):
    client.force_login(developer)
    item = first(rucio)
    page = client.get(f"/taskforces/rucio/outline/{item.pk}/edit/")
    assert page.status_code == 200
    assert 'value="Rucio for DDM - overview and plans"' in page.text
    assert '<label for="id_edit-text">Text</label>' in page.text


def test_a_stale_edit_answers_409_with_the_current_text_and_the_lost_one(client, rucio, developer):
    client.force_login(developer)
    item = first(rucio)
    client.post(
        f"/taskforces/rucio/outline/{item.pk}/edit/",
        {"edit-kind": "plan", "edit-text": "Rucio for DDM (v2)", "edit-version": item.version},
    )
    response = client.post(
        f"/taskforces/rucio/outline/{item.pk}/edit/",
        {"edit-kind": "plan", "edit-text": "My late change", "edit-version": item.version},
    )
    assert response.status_code == 409
    assert "Someone else changed this while you were editing it" in response.text
    assert "It now reads: “Rucio for DDM (v2)”" in response.text
    assert 'value="My late change"' in response.text  # kept in the form, to save again
    assert f'name="edit-version" value="{item.version + 1}"' in response.text
    item.refresh_from_db()
    assert item.text == "Rucio for DDM (v2)"


def test_a_refused_move_is_explained(client, rucio, developer):
    client.force_login(developer)
    item = first(rucio)
    response = client.post(
        f"/taskforces/rucio/outline/{item.pk}/move/", {"direction": "up", "version": item.version}
    )
    assert response.status_code == 422
    assert "is already first at its level" in response.text
    assert "<html" in response.text  # without JavaScript: the outline as a page


# --- with htmx -------------------------------------------------------------------------------


def test_htmx_requests_get_only_the_outline_back(client, rucio, developer):
    client.force_login(developer)
    item = second(rucio)
    response = client.post(
        f"/taskforces/rucio/outline/{item.pk}/move/",
        {"direction": "indent", "version": item.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="outline"')
    assert "<html" not in response.text
    assert OutlineItem.objects.get(pk=item.pk).parent_id == first(rucio).pk


def test_htmx_edit_opens_the_form_in_place(client, rucio, developer):
    client.force_login(developer)
    item = first(rucio)
    response = client.get(f"/taskforces/rucio/outline/{item.pk}/edit/", **HTMX)
    assert response.status_code == 200
    assert 'class="outline-edit"' in response.text
    assert f'name="edit-version" value="{item.version}"' in response.text


def test_htmx_invalid_add_comes_back_in_place_with_the_error(client, rucio, developer):
    client.force_login(developer)
    response = client.post(
        "/taskforces/rucio/outline/add/", {"add-kind": "nonsense", "add-text": "x"}, **HTMX
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="outline"')
    assert "Select a valid choice" in response.text


def test_the_outline_alone_is_served_to_htmx_and_redirects_otherwise(client, rucio):
    assert (
        client.get("/taskforces/rucio/outline/", **HTMX)
        .text.lstrip()
        .startswith('<section id="outline"')
    )
    assert client.get("/taskforces/rucio/outline/")["Location"] == "/taskforces/rucio/#outline"
