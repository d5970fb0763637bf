"""A move has an explicit target: the form never defaults to an earlier period, and a move to an
earlier period is a pull-in, recorded as such and never counted as a slip, on every path (the
card with and without htmx, the admin, the importer, the carry-over)."""

import datetime
import re

import pytest
import time_machine

from adcmeet.core.versioning import Refused
from deliverables import actions
from deliverables.compare import compare_since
from deliverables.importer import import_roadmap_outline, preview_roadmap_outline
from deliverables.models import Deliverable, DeliverableChange
from tests import factories
from tests.deliverables.conftest import ZURICH, period

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _select(page: str, item: Deliverable) -> str:
    return re.search(rf'<select name="period" id="move-period-{item.pk}".*?</select>', page, re.S)[
        0
    ]


def _selected(select: str) -> list[str]:
    return re.findall(r"<option [^>]*selected[^>]*>([^<]*)</option>", select)


# --- the form's target ----------------------------------------------------------------------


def test_the_move_form_offers_the_next_running_period_by_default(
    client, roadmap, developer, mid_june_2011
):
    april = factories.make_deliverable("late from April", period="April", owners=(developer,))
    fall = factories.make_deliverable("due in Fall", period="Fall", owners=(developer,))
    client.force_login(developer)
    page = client.get("/deliverables/mine/").content.decode()
    # May has ended: the next period still running is June. Never an earlier one.
    assert _selected(_select(page, april)) == ["June"]
    assert _selected(_select(page, fall)) == ["Later"]
    # Earlier periods are offered apart, as pull-ins; ended ones not at all for open work.
    fall_select = _select(page, fall)
    pull_ins = re.search(
        r'<optgroup label="Earlier periods: a pull-in">(.*?)</optgroup>', fall_select
    )
    assert re.findall(r">([^<]+)</option>", pull_ins[1]) == ["June", "Summer"]


def test_with_nothing_later_the_target_is_a_required_choice(
    client, roadmap, developer, mid_june_2011
):
    later = factories.make_deliverable("glideinWMS role", period="Later", owners=(developer,))
    client.force_login(developer)
    select = _select(client.get("/deliverables/mine/").content.decode(), later)
    assert " required" in select
    assert _selected(select) == ["Choose a period…"]


@pytest.mark.parametrize("start", ["Later", "Fall"])
def test_a_move_sent_with_only_a_reason_goes_nowhere(
    client, roadmap, developer, mid_june_2011, start
):
    item = factories.make_deliverable("ToA migration", period=start, owners=(developer,))
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{item.pk}/move/", {"reason": "reshuffle", "version": 1}, **HTMX
    )
    assert response.status_code == 422
    assert "Choose the period it moves to." in response.content.decode()
    item.refresh_from_db()
    assert (item.period.label, item.version) == (start, 1)
    assert not item.changes.filter(kind__in=["move", "pull_in"]).exists()


# --- a pull-in is not a slip ----------------------------------------------------------------


def test_pulling_in_is_recorded_as_a_pull_in_and_never_counts_as_a_slip(
    client, roadmap, developer, mid_june_2011
):
    item = factories.make_deliverable("ToA migration", period="Later", owners=(developer,))
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{item.pk}/move/",
        {"period": period(roadmap, "June").pk, "reason": "AGIS schema came early", "version": 1},
        follow=True,
    )
    assert "“ToA migration” was pulled in Later → June." in response.content.decode()
    change = item.changes.get(kind="pull_in")
    assert (change.from_period.label, change.to_period.label, change.is_slip) == (
        "Later",
        "June",
        False,
    )
    item = Deliverable.objects.get(pk=item.pk)
    assert item.slip_count(mid_june_2011) == 0
    assert not Deliverable.objects.slipped(on=mid_june_2011).exists()
    tallies = Deliverable.objects.filter(roadmap=roadmap).period_tallies(mid_june_2011)
    assert all(tally.slipped == 0 for tally in tallies.values())
    page = client.get(f"/deliverables/{item.pk}/").content.decode()
    assert "Pulled in Later → June" in page
    assert '<span class="badge ok">pull-in</span>' in page
    assert "slip-badge" not in page


def test_a_comparison_lists_a_pull_in_apart_from_slips(roadmap, developer, mid_june_2011):
    item = factories.make_deliverable("ToA migration", period="Fall")
    a_week_later = datetime.datetime(2011, 6, 22, 10, 0, tzinfo=ZURICH)
    with time_machine.travel(a_week_later, tick=False):
        actions.move_to_period(
            item, period=period(roadmap, "Summer"), by=developer, version=1, reason="early"
        )
    comparison = compare_since(roadmap, Deliverable.objects.all(), a_week_later.date())
    [move] = comparison.moved
    assert (move.from_period, move.to_period, move.pulled_in) == ("Fall", "Summer", True)
    assert (comparison.slipped, comparison.pulled_in) == (0, 1)
    assert comparison.marks() == {item.pk: "pulled in"}


def test_open_work_is_never_pulled_in_to_a_period_that_has_ended(roadmap, developer, mid_june_2011):
    item = factories.make_deliverable("ToA migration", period="Fall")
    with pytest.raises(Refused, match="April ended on 30 Apr 2011"):
        actions.move_to_period(
            item, period=period(roadmap, "April"), by=developer, version=1, reason="oops"
        )
    done = factories.make_deliverable(
        "done early", period="June", status="done", done_on=mid_june_2011
    )
    change = actions.move_to_period(
        done, period=period(roadmap, "May"), by=developer, version=1, reason="done in May"
    )
    assert (change.kind, change.is_slip) == ("pull_in", False)


def test_a_slip_is_still_a_slip(roadmap, developer, mid_june_2011):
    item = factories.make_deliverable("ToA migration", period="Summer")
    change = actions.move_to_period(
        item, period=period(roadmap, "Fall"), by=developer, version=1, reason="late schema"
    )
    assert (change.kind, change.is_slip, change.summary) == ("move", True, "Moved Summer → Fall")


# --- the other paths ------------------------------------------------------------------------


def _admin_data(client, url) -> dict:
    """The admin change form as it would be submitted unchanged (inlines left empty)."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


def test_a_move_in_the_admin_follows_the_same_rules(client, roadmap, mid_june_2011):
    admin = factories.make_user("root", is_staff=True, is_superuser=True)
    item = factories.make_deliverable("ToA migration", period="Later")
    client.force_login(admin)
    url = f"/admin/deliverables/deliverable/{item.pk}/change/"
    data = _admin_data(client, url)
    for inline in client.get(url).context["inline_admin_formsets"]:
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = "0"
        data[f"{inline.formset.prefix}-INITIAL_FORMS"] = "0"

    data["period"] = str(period(roadmap, "April").pk)
    refused = client.post(url, data)
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert "April ended on 30 Apr 2011" in str(errors["period"])
    assert "Say why it moves" in str(errors["move_reason"])

    data["period"] = str(period(roadmap, "June").pk)
    data["move_reason"] = "schema came early"
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.period.label, item.version) == ("June", 2)
    change = item.changes.get(kind="pull_in")
    assert (change.by, change.reason, change.is_slip) == (admin, "schema came early", False)


def test_an_import_never_moves_a_deliverable_and_says_where_it_stays(roadmap, manager):
    factories.make_deliverable("ToA migration to AGIS", period="Later")
    outline = "- April\n  - ToA migration to AGIS\n"
    [planned] = preview_roadmap_outline(outline, roadmap).deliverables
    assert (planned.is_new, planned.stays_in) == (False, "Later")
    import_roadmap_outline(outline, roadmap=roadmap, by=manager)
    assert Deliverable.objects.get().period.label == "Later"
    assert not DeliverableChange.objects.filter(kind__in=["move", "pull_in"]).exists()


def test_a_carry_over_is_neither_a_slip_nor_a_pull_in(roadmap, manager):
    factories.make_deliverable("ToA migration", period="Fall")
    successor = actions.carry_over(roadmap, name="PanDA+Prodsys", year=2012, by=manager)
    copy = successor.deliverables.get()
    assert copy.period.label == "Fall"
    assert list(copy.changes.values_list("kind", "is_slip")) == [("carried", False)]
    assert copy.slip_moves() == 0
