import datetime
import io
import zoneinfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core import access
from adcmeet.meetings.models import Meeting, MeetingSeries
from adcmeet.meetings.seed import load_seed
from adcmeet.meetings.seed.demo import current_period
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from taskforces.models import Checkpoint, OutlineItem, TaskForce

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
APPS = ("accounts", "taskforces", "deliverables", "adcmeet", "auth")


def snapshot() -> dict[str, int]:
    """Row counts of every model of ours, history tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for label in APPS
        for model in apps.get_app_config(label).get_models()
    }


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("load_seed", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_the_2011_report_is_loaded():
    seed("--year", "2011")
    roadmap = Roadmap.objects.get(year=2011)
    assert roadmap.state == Roadmap.State.STRAWMAN
    assert roadmap.deliverables.count() == 22  # the strawman's 21 and the Oracle migration
    counts = {p.label: p.deliverables.count() for p in roadmap.periods.order_by("order")}
    assert counts == {"April": 3, "May": 5, "June": 3, "Summer": 5, "Fall": 4, "Later": 2}
    assert roadmap.deliverables.filter(tentative=True).count() == 8
    assert not roadmap.deliverables.filter(owners__isnull=False).exists()
    assert DeliverableChange.objects.filter(kind="created").count() == 22
    assert {"PanDA", "Pilot", "Prodsys", "Dashboard", "HammerCloud", "AGIS", "DDM"} <= set(
        Project.objects.values_list("name", flat=True)
    )


def test_the_oracle_migration_has_a_hard_deadline_and_should_start_on_the_report_date():
    load_seed(year=2011)
    oracle = Deliverable.objects.get(title="Migration to Oracle 11g")
    assert oracle.deadline == datetime.date(2012, 1, 15)
    assert oracle.start_by == datetime.date(2011, 4, 8)  # "Better start NOW."
    assert oracle.lead_time_days == 282
    assert oracle.start_by_passed(today=datetime.date(2011, 4, 8))
    assert "Jan/Feb 2012" in oracle.notes


def test_task_forces_focus_areas_and_the_dubna_checkpoint_are_loaded():
    load_seed(year=2011)
    kinds = {
        kind: set(names)
        for kind in TaskForce.Kind.values
        if (names := TaskForce.objects.filter(kind=kind).values_list("name", flat=True))
    }
    assert kinds == {
        "rnd": {
            "Cloud computing evaluation",
            "File & event level caching",
            "Rucio",
            "NoSQL databases",
        },
        "taskforce": {"Network Monitoring", "Multicores", "CVMFS"},
        "focus": {
            "PanDA evolution",
            "PanDA/site metadata rationalization",
            "Prodsys evolution",
            "Coherence and collaboration in monitoring",
        },
    }
    dubna = Checkpoint.objects.get()
    assert (dubna.name, dubna.date) == ("Dubna workshop", datetime.date(2011, 6, 6))
    assert dubna.task_forces.count() == 7
    assert not dubna.task_forces.filter(kind=TaskForce.Kind.FOCUS_AREA).exists()
    nosql = TaskForce.objects.get(name="NoSQL databases")
    assert nosql.outline.filter(kind=OutlineItem.Kind.USE_CASE).count() == 3
    assert nosql.outline.filter(kind=OutlineItem.Kind.TESTBED).count() == 2
    panda = TaskForce.objects.get(name="PanDA evolution")
    assert panda.open_questions().filter(text__contains="GlideinWMS").exists()


def test_the_weekly_series_and_the_next_eight_wednesdays_are_drafted():
    today = datetime.date(2031, 3, 6)  # a Thursday
    load_seed(year=2031, today=today)
    series = MeetingSeries.objects.get(slug="adc-dev")
    assert series.name == "ADC development meeting"
    assert (series.weekday, series.start_time) == (2, datetime.time(17, 0))
    assert (series.time_zone, series.target_minutes, series.limit_minutes) == (
        "Europe/Zurich",
        60,
        90,
    )
    assert series.mailing_list == "atlas-adc-dev@cern.ch"
    meetings = list(series.meetings.order_by("start"))
    assert len(meetings) == 8
    assert {m.state for m in meetings} == {Meeting.State.DRAFT}
    assert meetings[0].scheduled_for == datetime.date(2031, 3, 12)
    # 17:00 in Zurich on both sides of the switch to summer time (30 March 2031).
    assert [timezone.localtime(m.start, ZURICH).time() for m in meetings] == [
        datetime.time(17, 0)
    ] * 8
    assert {timezone.localtime(m.start, ZURICH).weekday() for m in meetings} == {2}
    assert meetings[0].start.astimezone(datetime.UTC).hour == 16
    assert meetings[-1].start.astimezone(datetime.UTC).hour == 15


def test_seeding_twice_changes_nothing():
    first = load_seed(year=2011)
    assert not first.changed_nothing
    before = snapshot()
    titles = list(Deliverable.objects.order_by("id").values_list("title", "period__label"))
    second = load_seed(year=2011)
    assert second.changed_nothing
    assert snapshot() == before
    assert list(Deliverable.objects.order_by("id").values_list("title", "period__label")) == titles
    assert "already loaded, nothing changed" in seed("--year", "2011")
    assert snapshot() == before


def test_reseeding_keeps_what_people_changed():
    load_seed(year=2011)
    killer = Deliverable.objects.get(title="new looping job killer in pilot")
    killer.period = Period.objects.get(roadmap__year=2011, label="May")
    killer.save()
    Deliverable.objects.filter(title="Dashboard based task monitor").update(
        deleted_at=timezone.now()
    )
    load_seed(year=2011)
    assert Deliverable.objects.filter(title="new looping job killer in pilot").count() == 1
    assert Deliverable.objects.filter(title="Dashboard based task monitor").count() == 1


def test_the_default_year_is_this_year_and_years_share_task_forces():
    seed()
    seed("--year", "2011")
    this_year = timezone.localdate().year
    assert set(Roadmap.objects.values_list("year", flat=True)) == {2011, this_year}
    assert Roadmap.objects.current().year == this_year
    assert Period.objects.get(roadmap__year=this_year, label="April").start == datetime.date(
        this_year, 4, 1
    )
    assert TaskForce.objects.count() == 11
    assert Checkpoint.objects.count() == 2
    assert MeetingSeries.objects.count() == 1


def test_an_impossible_year_is_refused():
    with pytest.raises(CommandError, match="between 2000 and 2199"):
        seed("--year", "1999")
    assert Roadmap.objects.count() == 0


def test_demo_users_are_made_only_with_debug(settings, tmp_path, client):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = False
    assert "only made with DEBUG=true" in seed("--year", "2011", "--demo-users")
    assert not User.objects.filter(username="convener").exists()

    settings.DEBUG = True
    out = seed("--year", "2011", "--demo-users")
    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert f"password {password}" in out
    convener = User.objects.get(username="convener")
    assert access.is_convener(convener)
    assert convener.is_superuser
    assert access.is_manager(User.objects.get(username="manager"))
    assert access.is_developer(User.objects.get(username="developer"))
    response = client.post("/login/", {"username": "developer", "password": password})
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "developer"
    # A second run prints the same password and changes nobody.
    assert f"password {password}" in seed("--year", "2011", "--demo-users")
    assert User.objects.filter(username__in=["convener", "manager", "developer"]).count() == 3


def test_demo_data_gives_every_persona_something_to_do(settings, tmp_path, client):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    out = seed("--demo-users")
    assert "Demo data:" in out
    today = timezone.localdate()
    developer = User.objects.get(username="developer")
    convener = User.objects.get(username="convener")

    owned = Deliverable.objects.owned_by(developer)
    assert owned.count() >= 4
    roadmap = Roadmap.objects.get(year=today.year)
    now = current_period(roadmap, today)
    assert owned.filter(period=now).open().count() >= 2  # due this period
    assert owned.slipped(on=today).exists()
    assert DeliverableChange.objects.filter(deliverable__in=owned, kind="owners").count() == (
        owned.count()
    )

    series = MeetingSeries.objects.get(slug="adc-dev")
    assert list(series.conveners.all()) == [convener]
    held = Meeting.objects.get(series=series, state=Meeting.State.HELD)
    assert held.start < timezone.now()
    assert held.minutes
    assert held.minutes_published_at
    assert held.action_items.filter(owner=developer, done=False).exists()
    # What the room did: decisions, attendance, how long items ran, one item not reached.
    assert held.outcomes.filter(kind="decision").count() >= 1
    assert held.attendance.filter(status="present").count() >= 2
    assert held.items.filter(not_reached=True).count() == 1
    assert held.items.filter(actual_seconds__gt=0).count() == 4
    # The developer answered for some of the items asked about, not all.
    reports = DeliverableChange.objects.filter(deliverable__in=owned, kind="report")
    assert {r.health for r in reports} == {"on_track", "at_risk"}
    assert owned.open().exclude(changes__kind="report").exists()

    client.force_login(convener)
    upcoming = Meeting.objects.filter(series=series, start__gt=timezone.now()).first()
    builder = client.get(f"/meetings/{upcoming.pk}/edit/").content.decode()
    assert "Multicore queues at the Tier-1s" in builder  # offered to carry forward
    assert "By consent" in builder

    client.force_login(developer)
    mine = client.get("/deliverables/mine/").content.decode()
    assert all(item.title in mine for item in owned.open())

    before = snapshot()
    assert "nothing changed" in seed("--demo-users")
    assert snapshot() == before


def test_demo_data_leaves_owners_people_changed_alone(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    seed("--demo-users")
    developer = User.objects.get(username="developer")
    item = Deliverable.objects.owned_by(developer).first()
    item.owners.clear()
    seed("--demo-users")
    assert not item.owners.exists()
