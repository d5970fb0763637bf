"""Owner changes are history (issue 8's audit: simple_history does not follow many-to-many):
through deliverables.actions.set_owners and through the admin, shown on the deliverable's page
and, for managers, in /audit/."""

import pytest

from deliverables import actions
from deliverables.models import DeliverableChange
from tests import factories

pytestmark = pytest.mark.django_db


def _owner_changes(deliverable):
    return list(deliverable.changes.filter(kind=DeliverableChange.Kind.OWNERS))


def test_set_owners_records_who_owned_it_before_and_after(developer, manager, convener):
    deliverable = factories.make_deliverable("Pilot looping job killer", owners=(developer,))
    change = actions.set_owners(
        deliverable, owners=[manager, developer], by=convener, version=deliverable.version
    )
    assert set(deliverable.owners.all()) == {developer, manager}
    assert change.by == convener
    assert change.owners == {"from": ["Bob Developer"], "to": ["Bob Developer", "Carol Manager"]}
    assert change.summary == "Owners: Bob Developer → Bob Developer, Carol Manager"

    actions.set_owners(deliverable, owners=[], by=convener, version=deliverable.version)
    assert _owner_changes(deliverable)[-1].summary == (
        "Owners: Bob Developer, Carol Manager → nobody"
    )


def test_setting_the_same_owners_records_nothing(developer, convener):
    deliverable = factories.make_deliverable(owners=(developer,))
    assert (
        actions.set_owners(
            deliverable, owners=[developer], by=convener, version=deliverable.version
        )
        is None
    )
    assert _owner_changes(deliverable) == []


def test_names_are_kept_as_they_were_at_the_time(developer, convener, manager):
    deliverable = factories.make_deliverable(owners=(developer,))
    actions.set_owners(deliverable, owners=[manager], by=convener, version=deliverable.version)
    developer.name = "Robert Developer"
    developer.save()
    assert _owner_changes(deliverable)[0].summary == "Owners: Bob Developer → Carol Manager"


def test_the_deliverable_page_shows_owner_changes(client, developer, manager, convener):
    deliverable = factories.make_deliverable("Pilot looping job killer", owners=(developer,))
    actions.set_owners(deliverable, owners=[manager], by=convener, version=deliverable.version)
    body = client.get(f"/deliverables/{deliverable.pk}/").content.decode()
    history = body[body.index('id="history-heading"') :]
    assert "Owners: Bob Developer → Carol Manager" in history
    assert "Alice Convener" in history


def test_managers_see_owner_changes_in_the_audit_trail(client, developer, manager, convener):
    deliverable = factories.make_deliverable("Pilot looping job killer", owners=(developer,))
    actions.set_owners(deliverable, owners=[manager], by=convener, version=deliverable.version)
    client.force_login(manager)
    for url in ("/audit/", "/audit/?type=owners"):
        body = client.get(url).content.decode()
        assert "owners changed" in body, url
        assert f'href="/deliverables/{deliverable.pk}/"' in body
        assert "<del>Bob Developer</del> → <ins>Carol Manager</ins>" in body
    # Other filters leave them out.
    assert "owners changed" not in client.get("/audit/?type=roadmap").content.decode()


def test_owner_changes_stay_out_of_reach_of_non_managers(client, developer, convener):
    deliverable = factories.make_deliverable(owners=(developer,))
    actions.set_owners(deliverable, owners=[convener], by=convener, version=deliverable.version)
    client.force_login(developer)
    assert client.get("/audit/?type=owners").status_code == 403


def _admin_post_data(response) -> dict:
    """What the admin change form would submit unchanged: the main form and its inlines."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": formset.management_form["TOTAL_FORMS"].value(),
                f"{formset.prefix}-INITIAL_FORMS": formset.management_form["INITIAL_FORMS"].value(),
            }
        )
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or field.disabled:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)
    return data


def test_changing_owners_in_the_admin_is_recorded(client, developer, manager):
    admin = factories.make_user("root", name="Root Admin", is_staff=True, is_superuser=True)
    deliverable = factories.make_deliverable("Pilot looping job killer", owners=(developer,))
    client.force_login(admin)
    url = f"/admin/deliverables/deliverable/{deliverable.pk}/change/"
    data = _admin_post_data(client.get(url))

    # Saving without touching the owners records nothing.
    assert client.post(url, data).status_code == 302
    assert _owner_changes(deliverable) == []

    # The page after that save (the one before it is stale now).
    data = _admin_post_data(client.get(url))
    data["owners"] = [str(developer.pk), str(manager.pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [change] = _owner_changes(deliverable)
    assert change.by == admin
    assert change.summary == "Owners: Bob Developer → Bob Developer, Carol Manager"
