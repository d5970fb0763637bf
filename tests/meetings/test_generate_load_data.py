import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from adcmeet.accounts.models import User
from adcmeet.core import access
from adcmeet.meetings.loaddata import (
    BENCH_OWNED_DELIVERABLES,
    BENCH_PASSWORD,
)
from adcmeet.meetings.models import ActionItem, AgendaItem, Heartbeat, Meeting
from deliverables.models import Deliverable, DeliverableChange, Roadmap
from taskforces.models import OutlineItem, TaskForce
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)


def generate(*, scale: float = 0.02, seed: int = 7, **options) -> str:
    out = io.StringIO()
    call_command("generate_load_data", scale=scale, seed=seed, today=TODAY, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "users": list(User.objects.order_by("id").values_list("username", flat=True)),
        "deliverables": list(
            Deliverable.objects.order_by("id").values_list("title", "status", "period__label")
        ),
        "items": list(AgendaItem.objects.order_by("id").values_list("title", "section")),
        "meetings": list(Meeting.objects.order_by("start").values_list("scheduled_for", "state")),
        "outline": list(OutlineItem.objects.order_by("id").values_list("text", "parent__text")),
        "changes": DeliverableChange.objects.count(),
        "actions": ActionItem.objects.count(),
    }


def test_the_same_seed_writes_the_same_history():
    generate()
    first = snapshot()
    generate(flush=True)
    assert snapshot() == first
    generate(seed=8, flush=True)
    assert snapshot()["deliverables"] != first["deliverables"]


def test_counts_grow_with_the_scale():
    generate(scale=0.02)
    small = (Deliverable.objects.count(), Meeting.objects.count(), AgendaItem.objects.count())
    generate(scale=0.04, flush=True)
    large = (Deliverable.objects.count(), Meeting.objects.count(), AgendaItem.objects.count())
    assert small[:2] == (100, 16)
    assert large[:2] == (200, 31)
    assert large[2] > small[2]


def test_generated_history_keeps_the_domain_rules():
    generate(scale=0.03)
    # Every meeting has 8 to 12 live items, one focus topic first and the open floor last.
    for meeting in Meeting.objects.all():
        items = list(meeting.items.live().order_by("position"))
        assert 8 <= len(items) <= 12
        assert items[0].section == AgendaItem.Section.FOCUS
        assert items[-1].section == AgendaItem.Section.OPEN_FLOOR
        assert len({item.position for item in items}) == len(items)
    past = Meeting.objects.filter(scheduled_for__lt=TODAY)
    future = Meeting.objects.filter(scheduled_for__gt=TODAY)
    assert set(past.values_list("state", flat=True)) <= {"held", "cancelled"}
    assert set(future.values_list("state", flat=True)) == {"draft", "published"}
    assert AgendaItem.objects.filter(presenter__isnull=True).exclude(presenter_name="").exists()
    assert not ActionItem.objects.filter(meeting__state="draft").exists()
    # start_by is derived exactly as Deliverable.save() would.
    with_deadline = Deliverable.objects.filter(deadline__isnull=False)
    assert with_deadline.exists()
    for deliverable in with_deadline:
        assert deliverable.start_by == deliverable.compute_start_by()
    assert not Deliverable.objects.filter(deadline__isnull=True, start_by__isnull=False).exists()
    # A slip moves to a later period of the same roadmap; the item sits where it last moved.
    slips = DeliverableChange.objects.filter(is_slip=True).select_related(
        "from_period", "to_period", "deliverable"
    )
    assert slips.exists()
    for slip in slips:
        assert slip.to_period.order > slip.from_period.order
        assert slip.to_period.roadmap_id == slip.deliverable.roadmap_id
    for deliverable in Deliverable.objects.filter(changes__is_slip=True).distinct():
        last_move = deliverable.changes.filter(kind="move").order_by("at", "id").last()
        assert deliverable.period_id == last_move.to_period_id
    # Outlines nest within their own task force.
    nested = OutlineItem.objects.filter(parent__isnull=False).select_related("parent")
    assert nested.filter(parent__parent__isnull=False).exists()
    assert all(item.parent.task_force_id == item.task_force_id for item in nested)
    assert Roadmap.objects.filter(state="agreed", baseline__isnull=True).count() == 0


def test_bench_accounts_log_in_and_the_developer_owns_fifteen(client):
    generate()
    developer = User.objects.get(username="bench-developer")
    assert Deliverable.objects.live().owned_by(developer).count() == BENCH_OWNED_DELIVERABLES
    assert access.is_developer(developer)
    assert access.is_convener(User.objects.get(username="bench-convener"))
    assert access.is_manager(User.objects.get(username="bench-manager"))
    response = client.post("/login/", {"username": "bench-convener", "password": BENCH_PASSWORD})
    assert response.status_code == 302
    # Everybody else signs in through SSO only.
    assert not User.objects.exclude(username__startswith="bench-").first().has_usable_password()
    by_role = User.objects.aggregate(
        conveners=Count("id", filter=Q(groups__name="Convener")),
        externals=Count("id", filter=Q(is_adc_member=False)),
    )
    assert by_role["conveners"] >= 2
    assert by_role["externals"] >= 1


def test_task_forces_have_members_and_outlines():
    generate()
    for task_force in TaskForce.objects.all():
        assert task_force.conveners.exists()
        assert 16 <= task_force.outline.count() <= 24
    assert TaskForce.objects.filter(last_focus_on__isnull=False).exists()


def test_a_second_run_with_the_same_seed_changes_nothing():
    generate()
    before = snapshot()
    assert "Already generated" in generate()
    assert snapshot() == before
    assert Heartbeat.objects.filter(name__startswith="load-data ").count() == 1


def test_other_generated_data_is_replaced_only_with_flush():
    generate()
    with pytest.raises(CommandError, match="--flush"):
        generate(seed=8)
    generate(seed=8, flush=True)
    assert Heartbeat.objects.get(name__startswith="load-data ").name.endswith("seed=8 scale=0.02")


def test_data_it_did_not_make_is_never_flushed_without_force():
    factories.make_user("alice")
    with pytest.raises(CommandError, match="--flush"):
        generate()
    with pytest.raises(CommandError, match="did not make"):
        generate(flush=True)
    assert User.objects.filter(username="alice").exists()
    generate(flush=True, force=True)
    assert not User.objects.filter(username="alice").exists()
    assert User.objects.filter(username="bench-convener").exists()


def test_an_absurd_scale_is_refused():
    with pytest.raises(CommandError, match="scale"):
        generate(scale=0)


def test_items_per_meeting_vary_between_eight_and_twelve():
    generate(scale=0.05)
    sizes = {
        meeting.n
        for meeting in Meeting.objects.annotate(n=Count("items", filter=Q(items__deleted_at=None)))
    }
    assert min(sizes) == 8
    assert max(sizes) == 12
    assert len(sizes) >= 3
