"""The admin is one more door to checkpoints and outline items: a save from a change page that
was opened before someone else's edit is refused with the conflict message, never applied."""

import pytest

from taskforces import actions
from taskforces.models import Checkpoint, OutlineItem
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_admin(client):
    root = factories.make_user("root", name="Root Admin", is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def _unchanged_form(response) -> dict:
    """What the change page would post as it stands (main form only; inlines are read-only)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.management_form["TOTAL_FORMS"].value()
        data[f"{formset.prefix}-INITIAL_FORMS"] = formset.management_form["INITIAL_FORMS"].value()
    return data


def test_a_stale_checkpoint_change_page_cannot_overwrite_a_newer_description(as_admin):
    checkpoint = factories.make_checkpoint(description="Agenda draft")
    url = f"/admin/taskforces/checkpoint/{checkpoint.pk}/change/"
    data = _unchanged_form(as_admin.get(url)) | {"description": "Old idea from the admin"}

    Checkpoint.objects.filter(pk=checkpoint.pk).update(description="Agreed programme", version=2)
    response = as_admin.post(url, data, follow=True)

    assert "Someone else changed this" in response.content.decode()
    assert Checkpoint.objects.get(pk=checkpoint.pk).description == "Agreed programme"


def test_a_fresh_checkpoint_change_page_saves_and_moves_the_version(as_admin):
    checkpoint = factories.make_checkpoint(description="Agenda draft")
    url = f"/admin/taskforces/checkpoint/{checkpoint.pk}/change/"
    data = _unchanged_form(as_admin.get(url)) | {"description": "Agreed programme"}

    response = as_admin.post(url, data)

    assert response.status_code == 302
    stored = Checkpoint.objects.get(pk=checkpoint.pk)
    assert stored.description == "Agreed programme"
    assert stored.version == checkpoint.version + 1


def test_a_stale_outline_item_change_page_is_refused(as_admin):
    task_force = factories.make_task_force()
    item = factories.make_outline_item(task_force, "Architecture")
    url = f"/admin/taskforces/outlineitem/{item.pk}/change/"
    data = _unchanged_form(as_admin.get(url)) | {"text": "Admin wording"}

    actions.set_done(item=item, done=True, version=item.version)
    response = as_admin.post(url, data, follow=True)

    assert "Someone else changed this" in response.content.decode()
    stored = OutlineItem.objects.get(pk=item.pk)
    assert stored.text == "Architecture"
    assert stored.done
