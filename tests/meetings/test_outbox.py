"""The outbox: rows written in the publishing transaction, enqueued after commit, claimed,
sent to a real SMTP server, retried with backoff, swept, and watched by the health banner."""

import datetime
import json
import logging

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from adcmeet.meetings import health
from adcmeet.meetings.mail import meeting_mail, outbox
from adcmeet.meetings.models import Heartbeat, OutboundMail
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db

Kind = OutboundMail.Kind
LIST = "atlas-adc-dev@example.org"
BOB = "bob@example.org"


@pytest.fixture
def series(convener):
    series = make_series()
    series.conveners.add(convener)
    return series


@pytest.fixture
def meeting(series, developer, outsider):
    meeting = make_meeting(series, state="published", revision=1, published_at=timezone.now())
    make_item(meeting, "PanDA news", presenter=developer, duration_minutes=15)
    make_item(
        meeting,
        "Rucio at Dubna",
        presenter_name="Eve External",
        presenter_email="eve@uni.example",
        presenter_affiliation="JINR",
    )
    make_item(meeting, "Monitoring", presenter=outsider)
    return meeting


def queued(meeting) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(meeting=meeting).order_by("recipient"))


def make_row(**fields) -> OutboundMail:
    fields.setdefault("key", f"test:{OutboundMail.objects.count()}")
    fields.setdefault("kind", Kind.REMINDER)
    fields.setdefault("recipient", "bob@example.org")
    fields.setdefault("recipient_name", "Bob Developer")
    fields.setdefault("subject", "Reminder")
    fields.setdefault("body_text", "Tomorrow.\n")
    fields.setdefault("message_id", "<test@example.org>")
    return OutboundMail.objects.create(**fields)


def deliver_messages(broker) -> list[dict]:
    return [json.loads(raw)["headers"] for raw in broker.queued()]


# --- queueing ---------------------------------------------------------------------------------


def test_publishing_queues_one_mail_for_the_list_and_each_presenter(meeting):
    with transaction.atomic():
        meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    rows = queued(meeting)
    # Bob (ADC) and Dave (not ADC) have accounts, Eve has none: each is invited by name,
    # the list gets the published agenda.
    assert [r.recipient for r in rows] == [LIST, BOB, "dave@example.org", "eve@uni.example"]
    assert [r.ics_method for r in rows] == ["PUBLISH", "REQUEST", "REQUEST", "REQUEST"]
    assert {r.kind for r in rows} == {Kind.AGENDA}
    assert all(r.state == "queued" and r.message_id for r in rows)


def test_the_key_names_the_kind_meeting_revision_and_recipient(meeting):
    meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    row = OutboundMail.objects.get(recipient=LIST)
    assert row.key == f"agenda:meeting:{meeting.pk}:rev1:{LIST}"


def test_an_invitee_listed_twice_or_with_a_bad_address_gets_one_mail_or_none(meeting):
    make_item(meeting, "Follow-up", presenter_name="Eve", presenter_email="EVE@uni.example")
    make_item(meeting, "Mystery", presenter_name="X", presenter_email="not an address")
    meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    assert [r.recipient for r in queued(meeting)] == [
        LIST,
        BOB,
        "dave@example.org",
        "eve@uni.example",
    ]


def test_queueing_the_same_revision_twice_adds_nothing(meeting):
    first = meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    second = meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    mislabelled = meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA_UPDATE)
    assert len(first) == 4
    assert second == []
    assert mislabelled == []
    assert len(queued(meeting)) == 4


def test_a_new_revision_queues_an_updated_agenda(meeting):
    meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    meeting.revision = 2
    meeting.save()
    meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    update = OutboundMail.objects.get(key__contains=":rev2:" + LIST)
    assert update.kind == Kind.AGENDA_UPDATE
    assert update.subject.startswith("Updated agenda:")
    assert "SEQUENCE:2" in update.ics


def test_the_content_is_frozen_at_the_revision_queued(meeting):
    meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    meeting.items.filter(title="PanDA news").update(title="Something else entirely")
    row = OutboundMail.objects.get(recipient=LIST)
    assert "PanDA news" in row.body_text
    assert "PanDA news" in row.ics


def test_a_series_without_list_or_presenters_with_addresses_queues_nothing():
    series = make_series(slug="quiet", mailing_list="")
    meeting = make_meeting(series, state="published", revision=1)
    make_item(meeting, "Internal only", presenter_name="Someone", presenter_email="")
    assert meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA) == []


def test_a_series_without_a_list_still_invites_its_presenters(convener):
    series = make_series(slug="quiet", mailing_list="")
    meeting = make_meeting(series, state="published", revision=1)
    make_item(meeting, "Internal only", presenter=convener)
    meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    assert [(r.recipient, r.ics_method) for r in queued(meeting)] == [(convener.email, "REQUEST")]


def test_only_meeting_mail_kinds_are_accepted(meeting):
    with pytest.raises(ValueError, match="not a meeting mail kind"):
        meeting_mail.queue_meeting_mail(meeting, Kind.SLIP_DIGEST)


def test_rows_reach_the_broker_only_after_commit(
    meeting, celery_on_redis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        ids = meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
        assert celery_on_redis.queued() == []
    assert len(callbacks) == 1
    assert celery_on_redis.queued() == []
    callbacks[0]()
    headers = deliver_messages(celery_on_redis)
    assert [h["task"] for h in headers] == ["adcmeet.tasks.deliver"] * 4
    assert sorted(h["argsrepr"] for h in headers) == sorted(f"({pk},)" for pk in ids)


def test_a_rolled_back_publish_leaves_no_rows_and_enqueues_nothing(
    meeting, django_capture_on_commit_callbacks
):
    def publish_then_fail():
        with transaction.atomic():
            meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
            raise RuntimeError("the publish failed after queueing")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        publish_then_fail()
    assert callbacks == []
    assert queued(meeting) == []


def test_a_broker_that_is_down_at_commit_loses_nothing(
    meeting, celery_on_redis, django_capture_on_commit_callbacks, caplog
):
    celery_on_redis.go_down()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ids = meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    rows = queued(meeting)
    assert len(rows) == 4
    assert all(r.state == "queued" for r in rows)
    assert any("the sweep will send them" in r.getMessage() for r in caplog.records)
    # Back up: the sweep hands every row to the workers.
    celery_on_redis.come_back()
    result = outbox.sweep()
    assert result.enqueued == 4
    assert sorted(h["argsrepr"] for h in deliver_messages(celery_on_redis)) == sorted(
        f"({pk},)" for pk in ids
    )


# --- delivery ---------------------------------------------------------------------------------


def test_a_sent_row_is_marked_and_a_second_delivery_does_nothing(smtp_server):
    row = make_row()
    assert outbox.send_one(row.pk).outcome is outbox.Outcome.SENT
    assert outbox.send_one(row.pk).outcome is outbox.Outcome.SKIPPED
    row.refresh_from_db()
    assert row.state == "sent"
    assert row.attempts == 1
    assert row.claimed_at is None
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == "<test@example.org>"
    assert smtp_server.handler.envelopes[0][1] == ["bob@example.org"]


def test_a_refusal_is_recorded_and_retried_later_with_backoff(smtp_server, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    smtp_server.refuse_next(2)
    row = make_row()
    before = timezone.now()
    result = outbox.send_one(row.pk)
    assert result.outcome is outbox.Outcome.RETRY
    assert result.retry_in == datetime.timedelta(seconds=30)
    row.refresh_from_db()
    assert row.state == "retrying"
    assert row.attempts == 1
    assert row.claimed_at is None
    assert row.last_error == "SMTP 451: 4.3.0 Try again later"
    assert row.next_attempt_at >= before + datetime.timedelta(seconds=30)
    # Not due yet: an early duplicate task does not hammer the server.
    assert outbox.send_one(row.pk).outcome is outbox.Outcome.SKIPPED
    later = row.next_attempt_at
    assert outbox.send_one(row.pk, now=later).outcome is outbox.Outcome.RETRY
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at - later >= datetime.timedelta(seconds=60)  # doubled
    assert outbox.send_one(row.pk, now=row.next_attempt_at).outcome is outbox.Outcome.SENT
    assert len(smtp_server.messages) == 1


def test_a_permanent_refusal_fails_at_once(smtp_server):
    smtp_server.refuse_next(1, "550 5.1.1 No such user")
    row = make_row()
    assert outbox.send_one(row.pk).outcome is outbox.Outcome.FAILED
    row.refresh_from_db()
    assert row.state == "failed"
    assert row.last_error == "SMTP 550: 5.1.1 No such user"


def test_it_gives_up_after_the_last_attempt(smtp_server, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    smtp_server.refuse_next(5)
    row = make_row()
    outbox.send_one(row.pk)
    far = timezone.now() + datetime.timedelta(hours=1)
    assert outbox.send_one(row.pk, now=far).outcome is outbox.Outcome.FAILED
    row.refresh_from_db()
    assert row.state == "failed"
    assert row.attempts == 2
    assert smtp_server.handler.refused == 2
    assert smtp_server.messages == []


def test_an_unreachable_server_is_retried(settings):
    from tests.meetings.mailservers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    row = make_row()
    result = outbox.send_one(row.pk)
    assert result.outcome is outbox.Outcome.RETRY
    assert result.error.startswith("ConnectionRefusedError")


def test_a_row_held_by_a_live_worker_is_left_alone_and_a_stale_claim_taken_over(
    smtp_server, settings
):
    settings.OUTBOX_CLAIM_SECONDS = 300
    now = timezone.now()
    held = make_row(claimed_at=now - datetime.timedelta(seconds=60))
    abandoned = make_row(claimed_at=now - datetime.timedelta(seconds=301), attempts=1)
    assert outbox.send_one(held.pk).outcome is outbox.Outcome.SKIPPED
    assert outbox.send_one(abandoned.pk).outcome is outbox.Outcome.SENT
    abandoned.refresh_from_db()
    assert abandoned.attempts == 2
    assert len(smtp_server.messages) == 1


def test_the_sweep_releases_dead_claims_gives_up_and_enqueues_what_is_due(
    celery_on_redis, settings
):
    settings.OUTBOX_CLAIM_SECONDS = 300
    settings.OUTBOX_MAX_ATTEMPTS = 3
    now = timezone.now()
    due = make_row()
    dead = make_row(claimed_at=now - datetime.timedelta(minutes=10), attempts=1)
    exhausted = make_row(attempts=3, last_error="SMTP 451: busy")
    later = make_row(next_attempt_at=now + datetime.timedelta(minutes=5), attempts=1)
    make_row(sent_at=now)
    result = outbox.sweep(now=now + datetime.timedelta(seconds=1))
    assert (result.released, result.given_up, result.enqueued) == (1, 1, 2)
    assert sorted(h["argsrepr"] for h in deliver_messages(celery_on_redis)) == sorted(
        [f"({due.pk},)", f"({dead.pk},)"]
    )
    dead.refresh_from_db()
    exhausted.refresh_from_db()
    later.refresh_from_db()
    assert dead.claimed_at is None
    assert "stopped before finishing" in dead.last_error
    assert exhausted.state == "failed"
    assert exhausted.last_error == "SMTP 451: busy"
    assert later.state == "retrying"


def test_deliver_due_now_sends_from_this_process(smtp_server):
    make_row(recipient="a@example.org")
    make_row(recipient="b@example.org")
    make_row(recipient="c@example.org", next_attempt_at=timezone.now() + datetime.timedelta(1))
    assert outbox.deliver_due_now() == 2
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == [
        "a@example.org",
        "b@example.org",
    ]


# --- health, banner, /healthz, the outbox on the meeting page --------------------------------


def test_mail_is_healthy_with_a_fresh_heartbeat_and_nothing_waiting():
    health.beat()
    make_row(sent_at=timezone.now())
    assert health.mail_health().ok


def test_a_stale_heartbeat_old_unsent_mail_and_failures_are_reported(settings):
    settings.BEAT_STALE_MINUTES = 10
    settings.OUTBOX_STALE_MINUTES = 10
    now = timezone.now()
    health.beat(now - datetime.timedelta(minutes=11))
    stuck = make_row()
    OutboundMail.objects.filter(pk=stuck.pk).update(created_at=now - datetime.timedelta(minutes=15))
    make_row(failed_at=now, last_error="SMTP 550: no")
    state = health.mail_health(now)
    assert not state.ok
    assert "scheduler (Celery beat) last reported" in state.message
    assert "is unsent" in state.message
    assert "1 mail could not be delivered" in state.message


def test_a_scheduler_that_never_ran_is_reported():
    assert Heartbeat.objects.count() == 0
    assert "never reported" in health.mail_health().message


def test_conveners_see_the_banner_when_mail_is_not_going_out(client, convener, developer):
    client.force_login(convener)
    assert "Mail is not going out." in client.get("/").text
    health.beat()
    assert "Mail is not going out." not in client.get("/").text


def test_developers_and_visitors_never_see_the_mail_banner(client, developer):
    assert "Mail is not going out." not in client.get("/").text
    client.force_login(developer)
    assert "Mail is not going out." not in client.get("/").text


def test_healthz_reports_mail_trouble_as_degraded(client):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert "never reported" in body["mail"]
    health.beat()
    body = client.get("/healthz").json()
    assert body["mail"] == "ok"


def test_the_outbox_partial_shows_kind_recipient_state_attempts_and_error():
    sent = make_row(kind=Kind.AGENDA, recipient=LIST, recipient_name="ADC dev")
    OutboundMail.objects.filter(pk=sent.pk).update(sent_at=timezone.now(), attempts=1)
    make_row(
        kind=Kind.AGENDA,
        recipient="eve@uni.example",
        attempts=2,
        last_error="SMTP 451: 4.3.0 Try again later",
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=2),
    )
    html = render_to_string(
        "meetings/_outbox.html", {"outbox": list(OutboundMail.objects.order_by("pk"))}
    )
    assert "Outbox" in html
    assert "ADC dev" in html
    assert "&lt;atlas-adc-dev@example.org&gt;" in html
    assert "Sent" in html
    assert "Retrying" in html
    assert "SMTP 451: 4.3.0 Try again later" in html
    assert "Next try" in html


def test_conveners_see_the_meeting_outbox_and_developers_do_not(
    client, meeting, convener, developer
):
    meeting_mail.queue_meeting_mail(meeting, Kind.AGENDA)
    client.force_login(convener)
    page = client.get(f"/meetings/{meeting.pk}/").text
    assert 'id="outbox-heading"' in page
    assert "eve@uni.example" in page
    client.force_login(developer)
    assert 'id="outbox-heading"' not in client.get(f"/meetings/{meeting.pk}/").text


def test_enqueue_failures_are_logged_not_raised(celery_on_redis, caplog):
    celery_on_redis.go_down()
    with caplog.at_level(logging.WARNING, logger="adcmeet.meetings.outbox"):
        assert outbox.enqueue([1, 2, 3]) == 0
    assert "(and 2 more)" in caplog.text
