"""Every invariant the database enforces, checked twice: model validation (what the admin's
and every ModelForm's validation runs) refuses the bad row with a message, and the database
itself refuses it when validation is bypassed. The last test fails when a new constraint
lands without a case here."""

import datetime
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory

from adcmeet.accounts.models import User
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Heartbeat,
    LiveSession,
    Meeting,
    MeetingSeries,
    OutboundMail,
    Outcome,
)
from deliverables.models import (
    Deliverable,
    DeliverableChange,
    Period,
    Project,
    Roadmap,
    StatusLink,
    StatusRequest,
)
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2031, 1, 15, 16, 0, tzinfo=datetime.UTC)
DAY = datetime.date(2031, 1, 15)
DAY_1 = datetime.timedelta(days=1)


@pytest.fixture
def w(db) -> SimpleNamespace:
    """One of everything, valid, for the cases to clash with or point at."""
    # No password: hashing one would cost more than the rest of the test.
    user = User.objects.create(username="alice", cern_upn="alice@CERN.CH")
    roadmap = factories.make_roadmap(2031)
    task_force = factories.make_task_force("Rucio")
    series = factories.make_series()
    meeting = factories.make_meeting(series, on=DAY)
    return SimpleNamespace(
        user=user,
        task_force=task_force,
        item=factories.make_outline_item(task_force),
        checkpoint=factories.make_checkpoint(),
        project=factories.make_project("PanDA"),
        roadmap=roadmap,
        april=roadmap.periods.get(label="April"),
        deliverable=factories.make_deliverable(roadmap=roadmap),
        series=series,
        meeting=meeting,
        agenda_item=factories.make_item(meeting),
        mail=OutboundMail.objects.create(
            key="agenda:1:1:a@example.org",
            kind="agenda",
            recipient="a@example.org",
            subject="Agenda",
            body_text="…",
        ),
        heartbeat=Heartbeat.objects.create(name="beat", beat_at=NOW),
    )


def _deliverable(w, **fields) -> Deliverable:
    fields.setdefault("title", "AGIS integration")
    return Deliverable(roadmap=w.roadmap, period=w.april, **fields)


def _save(obj) -> None:
    obj.save()


def _start_by_after_deadline(w) -> None:
    w.deliverable.deadline = datetime.date(2031, 12, 1)
    w.deliverable.save()
    Deliverable.objects.filter(pk=w.deliverable.pk).update(start_by=datetime.date(2031, 12, 2))


def _second_focus_topic(w) -> AgendaItem:
    factories.make_item(w.meeting, "Rucio", section="focus")
    return AgendaItem(meeting=w.meeting, section="focus", title="Multicores")


def _second_live_session(w) -> LiveSession:
    LiveSession.objects.create(meeting=w.meeting, started_at=NOW)
    return LiveSession(meeting=w.meeting, started_at=NOW)


def _second_attendance(w) -> Attendance:
    Attendance.objects.create(meeting=w.meeting, user=w.user)
    return Attendance(meeting=w.meeting, user=w.user, status="regrets")


def _second_invitee(w) -> Attendance:
    Attendance.objects.create(meeting=w.meeting, name="Ian Bird", invitee=True)
    return Attendance(meeting=w.meeting, name="ian bird", invitee=True)


def _status_request(w) -> StatusRequest:
    return StatusRequest.objects.get_or_create(owner=w.user, for_date=DAY)[0]


def _second_status_request(w) -> StatusRequest:
    _status_request(w)
    return StatusRequest(owner=w.user, for_date=DAY)


def _second_status_link(w) -> StatusLink:
    request = _status_request(w)
    StatusLink.objects.create(
        request=request, deliverable=w.deliverable, purpose="done", expires_at=NOW
    )
    return StatusLink(request=request, deliverable=w.deliverable, purpose="done", expires_at=NOW)


# name -> (the bad object, how to write it past validation)
CASES: dict[str, tuple[Callable, Callable]] = {
    # accounts
    "user_calendar_token_not_empty": (lambda w: User(username="bob", calendar_token=""), _save),
    "accounts.User.username": (lambda w: User(username="alice", password="x"), _save),
    "accounts.User.cern_upn": (
        lambda w: User(username="bob", password="x", cern_upn="alice@CERN.CH"),
        _save,
    ),
    "accounts.User.calendar_token": (
        lambda w: User(username="bob", password="x", calendar_token=w.user.calendar_token),
        _save,
    ),
    # taskforces
    "taskforce_kind_valid": (lambda w: TaskForce(name="X", slug="x", kind="club"), _save),
    "taskforce_status_valid": (lambda w: TaskForce(name="X", slug="x", status="asleep"), _save),
    "taskforce_slug_not_empty": (lambda w: TaskForce(name="X", slug=""), _save),
    "taskforces.TaskForce.name": (lambda w: TaskForce(name="Rucio", slug="rucio-2"), _save),
    "taskforces.TaskForce.slug": (lambda w: TaskForce(name="Rucio 2", slug="rucio"), _save),
    "outline_not_own_parent": (
        lambda w: setattr(w.item, "parent_id", w.item.pk) or w.item,
        _save,
    ),
    "outline_text_not_empty": (lambda w: OutlineItem(task_force=w.task_force, text=""), _save),
    "outline_kind_valid": (
        lambda w: OutlineItem(task_force=w.task_force, text="x", kind="wish"),
        _save,
    ),
    "checkpoint_ends_after_start": (
        lambda w: Checkpoint(
            name="CHEP", slug="chep", date=DAY, end_date=DAY - datetime.timedelta(days=1)
        ),
        _save,
    ),
    "taskforces.Checkpoint.slug": (
        lambda w: Checkpoint(name="Other", slug=w.checkpoint.slug, date=DAY),
        _save,
    ),
    "one_goal_per_taskforce_checkpoint": (
        lambda w: (
            CheckpointGoal.objects.create(checkpoint=w.checkpoint, task_force=w.task_force)
            and CheckpointGoal(checkpoint=w.checkpoint, task_force=w.task_force)
        ),
        _save,
    ),
    # deliverables
    "deliverables.Project.name": (lambda w: Project(name="PanDA", slug="panda-2"), _save),
    "deliverables.Project.slug": (lambda w: Project(name="PanDA 2", slug="panda"), _save),
    "roadmap_name_year_unique": (lambda w: Roadmap(name="PanDA+Prodsys", year=2031), _save),
    "roadmap_state_valid": (lambda w: Roadmap(name="R", year=2031, state="done"), _save),
    "agreed_roadmap_has_baseline": (lambda w: Roadmap(name="R", year=2031, state="agreed"), _save),
    "roadmap_year_plausible": (lambda w: Roadmap(name="R", year=1999), _save),
    "period_order_unique": (
        lambda w: Period(roadmap=w.roadmap, label="Q1", order=0, start=DAY),
        _save,
    ),
    "period_label_unique": (
        lambda w: Period(roadmap=w.roadmap, label="April", order=9, start=DAY),
        _save,
    ),
    "period_ends_after_start": (
        lambda w: Period(
            roadmap=w.roadmap,
            label="Q1",
            order=9,
            start=DAY,
            end=DAY - datetime.timedelta(days=1),
        ),
        _save,
    ),
    "period_label_not_empty": (
        lambda w: Period(roadmap=w.roadmap, label="", order=9, start=DAY),
        _save,
    ),
    "deliverable_status_valid": (lambda w: _deliverable(w, status="stuck"), _save),
    "deliverable_done_on_iff_done": (lambda w: _deliverable(w, status="done"), _save),
    "deliverable_done_on_iff_done (open item with a done date)": (
        lambda w: _deliverable(w, status="planned", done_on=DAY),
        _save,
    ),
    "deliverable_lead_time_needs_deadline": (lambda w: _deliverable(w, lead_time_days=30), _save),
    "deliverable_start_by_before_deadline": (
        lambda w: _deliverable(
            w, deadline=datetime.date(2031, 12, 1), start_by=datetime.date(2031, 12, 2)
        ),
        lambda obj: None,  # replaced below: save() recomputes start_by, so update() bypasses it
    ),
    "deliverable_title_not_empty": (lambda w: _deliverable(w, title=""), _save),
    "move_has_target_period": (
        lambda w: DeliverableChange(deliverable=w.deliverable, kind="move", to_period=None),
        _save,
    ),
    "only_moves_are_slips": (
        lambda w: DeliverableChange(deliverable=w.deliverable, kind="status", is_slip=True),
        _save,
    ),
    # meetings
    "series_target_within_limit": (
        lambda w: MeetingSeries(name="S", slug="s", target_minutes=100, limit_minutes=90),
        _save,
    ),
    "series_target_within_limit (zero target)": (
        lambda w: MeetingSeries(name="S", slug="s", target_minutes=0),
        _save,
    ),
    "series_limit_plausible": (
        lambda w: MeetingSeries(name="S", slug="s", limit_minutes=9 * 60),
        _save,
    ),
    "series_weekday_valid": (lambda w: MeetingSeries(name="S", slug="s", weekday=7), _save),
    "adcmeet.MeetingSeries.slug": (lambda w: MeetingSeries(name="S", slug="adc-dev"), _save),
    "adcmeet.MeetingSeries.feed_token": (
        lambda w: MeetingSeries(name="S", slug="s", feed_token=w.series.feed_token),
        _save,
    ),
    "one_meeting_per_series_date": (
        lambda w: Meeting(series=w.series, start=NOW, scheduled_for=DAY),
        _save,
    ),
    "meeting_state_valid": (
        lambda w: Meeting(series=w.series, start=NOW, scheduled_for=DAY + DAY_1, state="gone"),
        _save,
    ),
    "published_meeting_has_revision": (
        lambda w: Meeting(
            series=w.series, start=NOW, scheduled_for=DAY + DAY_1, state="published", revision=0
        ),
        _save,
    ),
    "agenda_section_valid": (
        lambda w: AgendaItem(meeting=w.meeting, section="aob", title="x"),
        _save,
    ),
    "agenda_duration_sane": (
        lambda w: AgendaItem(meeting=w.meeting, section="hot", title="x", duration_minutes=0),
        _save,
    ),
    "agenda_duration_sane (over four hours)": (
        lambda w: AgendaItem(meeting=w.meeting, section="hot", title="x", duration_minutes=241),
        _save,
    ),
    "agenda_title_not_empty": (
        lambda w: AgendaItem(meeting=w.meeting, section="hot", title=""),
        _save,
    ),
    "one_live_focus_topic": (_second_focus_topic, _save),
    "action_text_not_empty": (lambda w: ActionItem(meeting=w.meeting, text=""), _save),
    "done_action_has_time": (
        lambda w: ActionItem(meeting=w.meeting, text="Send slides", done=True),
        _save,
    ),
    "outbox_sent_or_failed": (
        lambda w: OutboundMail(
            key="k",
            kind="agenda",
            recipient="a@example.org",
            subject="s",
            body_text="b",
            sent_at=NOW,
            failed_at=NOW,
        ),
        _save,
    ),
    "adcmeet.OutboundMail.key": (
        lambda w: OutboundMail(
            key=w.mail.key, kind="agenda", recipient="a@example.org", subject="s", body_text="b"
        ),
        _save,
    ),
    "adcmeet.Heartbeat.name": (lambda w: Heartbeat(name="beat", beat_at=NOW), _save),
    # live clock, outcomes, attendance
    "live_ends_after_start": (
        lambda w: LiveSession(meeting=w.meeting, started_at=NOW, ended_at=NOW - DAY_1),
        _save,
    ),
    "adcmeet.LiveSession.meeting": (_second_live_session, _save),
    "outcome_kind_valid": (lambda w: Outcome(meeting=w.meeting, kind="rumour", text="x"), _save),
    "outcome_text_not_empty": (
        lambda w: Outcome(meeting=w.meeting, kind="decision", text=""),
        _save,
    ),
    "attendance_status_valid": (
        lambda w: Attendance(meeting=w.meeting, user=w.user, status="asleep"),
        _save,
    ),
    "attendance_names_someone": (lambda w: Attendance(meeting=w.meeting, name=""), _save),
    "attendance_once_per_member": (_second_attendance, _save),
    "attendance_once_per_invitee": (_second_invitee, _save),
    # status reports
    "report_has_health": (
        lambda w: DeliverableChange(deliverable=w.deliverable, kind="report", health=""),
        _save,
    ),
    "report_has_health (health on another kind)": (
        lambda w: DeliverableChange(deliverable=w.deliverable, kind="status", health="at_risk"),
        _save,
    ),
    "one_status_request_a_day": (_second_status_request, _save),
    "status_link_purpose_valid": (
        lambda w: StatusLink(
            request=_status_request(w),
            deliverable=w.deliverable,
            purpose="delete",
            expires_at=NOW,
        ),
        _save,
    ),
    "one_link_per_purpose": (_second_status_link, _save),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_validation_refuses_it(case, w):
    bad, _ = CASES[case]
    obj = bad(w)
    with pytest.raises(ValidationError):
        obj.full_clean()


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_database_refuses_it(case, w):
    bad, write = CASES[case]
    if case == "deliverable_start_by_before_deadline":
        obj, write = w, _start_by_after_deadline
    else:
        obj = bad(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        write(obj)


def test_every_constraint_and_unique_field_has_a_case():
    covered = {name.split(" (")[0] for name in CASES}
    declared = set()
    for label in ("accounts", "taskforces", "deliverables", "adcmeet"):
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            declared |= {c.name for c in model._meta.constraints}
            declared |= {
                f"{model._meta.label}.{field.name}"
                for field in model._meta.local_fields
                if field.unique and not field.primary_key
            }
    assert declared - covered == set(), "add a case for each new invariant"


def test_start_by_is_always_computed_from_deadline_and_lead_time(w):
    d = w.deliverable
    d.deadline, d.lead_time_days = datetime.date(2032, 1, 15), 282
    d.save()
    d.refresh_from_db()
    assert d.start_by == datetime.date(2031, 4, 8)
    d.deadline, d.lead_time_days = None, None
    d.save(update_fields=["deadline", "lead_time_days"])
    d.refresh_from_db()
    assert d.start_by is None


def test_deliverable_history_is_append_only(w):
    change = w.deliverable.changes.get()
    change.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    with pytest.raises(ValueError, match="append-only"):
        change.delete()
    change.refresh_from_db()
    assert change.reason == ""
    assert DeliverableChange.objects.count() == 1


def test_an_outline_item_cannot_be_nested_under_its_own_descendant(w):
    child = factories.make_outline_item(w.task_force, "Child", parent=w.item)
    w.item.parent = child
    with pytest.raises(ValidationError, match="inside itself"):
        w.item.full_clean()


def test_a_deliverable_period_must_belong_to_its_roadmap(w):
    other = factories.make_roadmap(2032, name="Other")
    bad = Deliverable(roadmap=w.roadmap, period=other.periods.first(), title="x")
    with pytest.raises(ValidationError, match="another roadmap"):
        bad.full_clean()


# --- the application's own forms refuse the same values -------------------------------------


def test_outline_item_form_refuses_empty_text_and_unknown_kinds(w):
    from taskforces.forms import OutlineItemForm

    form = OutlineItemForm({"kind": "wish", "text": "   "}, nodes=[], checkpoints=[])
    assert not form.is_valid()
    assert set(form.errors) == {"kind", "text"}


def test_new_roadmap_form_refuses_implausible_years_and_duplicates(w):
    from deliverables.forms import NewRoadmapForm

    assert "year" in NewRoadmapForm({"name": "R", "year": 1999}).errors
    assert "name" in NewRoadmapForm({"name": "PanDA+Prodsys", "year": 2031}).errors


def test_agenda_item_form_refuses_silly_durations_and_empty_titles(w):
    from adcmeet.meetings.forms import ItemForm

    for minutes in ("0", "241"):
        form = ItemForm({"title": "x", "duration_minutes": minutes}, section="hot", people=[])
        assert "duration_minutes" in form.errors
    form = ItemForm({"title": " ", "duration_minutes": "10"}, section="hot", people=[])
    assert "title" in form.errors


def test_action_item_form_refuses_empty_text(w):
    from adcmeet.meetings.forms import ActionItemForm

    assert "text" in ActionItemForm({"text": ""}, meeting=w.meeting, people=[]).errors


def test_status_form_refuses_unknown_statuses(w):
    from deliverables.forms import StatusForm

    assert "status" in StatusForm({"version": 1, "status": "stuck"}).errors


def test_an_admin_modelform_refuses_what_the_database_refuses(w):
    series_form = modelform_factory(
        MeetingSeries, fields=["name", "slug", "weekday", "target_minutes", "limit_minutes"]
    )
    form = series_form(
        {"name": "S", "slug": "s", "weekday": 2, "target_minutes": 100, "limit_minutes": 90}
    )
    assert not form.is_valid()
    assert form.non_field_errors() == ["Constraint “series_target_within_limit” is violated."]
    assert MeetingSeries.objects.count() == 1
