"""What is due when: reminders, draft nudges and slip digests, with the clock injected (`now`)
or moved with time-machine for the management commands."""

import datetime
import email
import email.policy
import io
import re
import zoneinfo
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from adcmeet.accounts import mailprefs
from adcmeet.accounts.models import CONVENER, User
from adcmeet.meetings.mail import digests, meeting_mail, outbox, reminders, status_requests
from adcmeet.meetings.models import OutboundMail
from deliverables.actions import carry_over
from deliverables.models import Deliverable, DeliverableChange
from tests.factories import (
    make_deliverable,
    make_item,
    make_meeting,
    make_roadmap,
    make_series,
    make_user,
)

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
Kind = OutboundMail.Kind
LIST = "atlas-adc-dev@example.org"
WEDNESDAY = datetime.date(2031, 1, 15)


def zurich(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime.datetime:
    return datetime.datetime(2031, month, day, hour, minute, tzinfo=ZURICH)


MONDAY_9 = zurich(13, 9)
TUESDAY_9 = zurich(14, 9)


@pytest.fixture
def series(convener):
    series = make_series()
    series.conveners.add(convener)
    return series


@pytest.fixture
def published(series, developer):
    meeting = make_meeting(
        series,
        on=WEDNESDAY,
        state="published",
        revision=1,
        announced_revision=1,
        published_at=zurich(9, 12),
    )
    make_item(meeting, "PanDA news", presenter=developer, duration_minutes=15)
    return meeting


@pytest.fixture
def draft(series):
    meeting = make_meeting(series, on=WEDNESDAY)
    make_item(meeting, "Rucio news")
    return meeting


def kinds(drafts) -> list[tuple[str, str]]:
    return sorted((d.kind, d.recipient[1]) for d in drafts)


# --- reminders --------------------------------------------------------------------------------


def test_the_list_is_reminded_the_day_before_from_nine_zurich_time(published):
    assert reminders.agenda_mails_due(TUESDAY_9 - datetime.timedelta(minutes=1)) == []
    (due,) = reminders.agenda_mails_due(TUESDAY_9)
    assert (due.kind, due.recipient[1]) == (Kind.REMINDER, LIST)
    assert due.rendered.subject == "Reminder: ADC development meeting, Wed 15 Jan 2031 17:00"
    assert "meets tomorrow at 17:00" in due.rendered.text
    assert "17:00  PanDA news — Bob Developer (15 min)" in due.rendered.text
    assert due.headers["List-Id"].endswith("<adc-dev-meeting.adcmeet.local>")
    assert "List-Unsubscribe" not in due.headers


def test_a_reminder_goes_out_once(published):
    assert len(reminders.queue_agenda_mails(TUESDAY_9)) == 1
    assert reminders.queue_agenda_mails(TUESDAY_9 + datetime.timedelta(hours=2)) == []
    assert OutboundMail.objects.filter(kind=Kind.REMINDER).count() == 1


def test_drafts_and_cancelled_meetings_get_no_reminder(published, series):
    published.state = "cancelled"
    published.save()
    make_item(make_meeting(series, on=WEDNESDAY + datetime.timedelta(days=1)), "Draft item")
    assert [d.kind for d in reminders.agenda_mails_due(TUESDAY_9)] == [Kind.DRAFT_NUDGE]


def test_an_agenda_published_after_the_reminder_time_is_the_reminder(published):
    published.published_at = TUESDAY_9 + datetime.timedelta(hours=3)
    published.save()
    assert reminders.agenda_mails_due(TUESDAY_9 + datetime.timedelta(hours=4)) == []


def test_the_reminder_day_is_the_series_setting_and_zero_turns_it_off(series, published):
    series.reminder_days_before = 2
    series.save()
    assert len(reminders.agenda_mails_due(MONDAY_9)) == 1
    series.reminder_days_before = 0
    series.save()
    assert reminders.agenda_mails_due(TUESDAY_9) == []


def test_a_late_run_still_reminds_before_the_meeting_but_never_after_it_began(published):
    assert len(reminders.agenda_mails_due(zurich(15, 16, 59))) == 1
    assert reminders.agenda_mails_due(zurich(15, 17, 1)) == []


# --- draft nudges -----------------------------------------------------------------------------


def test_conveners_are_nudged_on_monday_when_wednesdays_agenda_is_a_draft(draft, convener):
    assert reminders.agenda_mails_due(MONDAY_9 - datetime.timedelta(minutes=1)) == []
    (nudge,) = reminders.agenda_mails_due(MONDAY_9)
    assert (nudge.kind, nudge.recipient) == (Kind.DRAFT_NUDGE, ("Alice Convener", convener.email))
    assert nudge.rendered.subject == "The agenda of Wed 15 Jan 2031 17:00 is still a draft"
    assert "is still a draft" in nudge.rendered.text
    assert f"http://127.0.0.1:8000/meetings/{draft.pk}/" in nudge.rendered.text
    unsubscribe = mailprefs.unsubscribe_url(convener, mailprefs.CONVENER_MAIL)
    assert nudge.headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert nudge.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Unsubscribe: {unsubscribe}" in nudge.rendered.text
    assert "Your mail settings: http://127.0.0.1:8000/me/" in nudge.rendered.text
    assert reminders.queue_agenda_mails(MONDAY_9)
    assert reminders.agenda_mails_due(TUESDAY_9) == []


def test_a_published_agenda_needs_no_nudge(published):
    assert reminders.agenda_mails_due(MONDAY_9) == []


def test_without_series_conveners_the_site_conveners_are_nudged(db):
    make_series(slug="orphan")
    meeting = make_meeting(on=WEDNESDAY)
    make_item(meeting, "Something")
    other = make_user("erin", roles=(CONVENER,), name="Erin Convener")
    make_user("frank", roles=(CONVENER,), email="")
    assert kinds(reminders.agenda_mails_due(MONDAY_9)) == [(Kind.DRAFT_NUDGE, other.email)]


# --- slip digests ------------------------------------------------------------------------------


@pytest.fixture
def slips(published, developer, manager):
    """Bob owns three items of 2030 left open and one whose start-by date passed; Carol one;
    a done item, a "Later" item and one moved to a later period last week are not late.
    All of them are last year's, which the meeting's tracking does not read: nobody is asked
    for a status, so each owner's weekly mail is the digest (tests/meetings/
    test_one_weekly_mail.py has the owners who are asked)."""
    old = make_roadmap(2030)
    make_roadmap(2031)
    late = [
        make_deliverable(title, roadmap=old, period=period, owners=(developer,))
        for title, period in [
            ("looping job killer", "April"),
            ("pilot 2 rollout", "May"),
            ("jedi brokerage", "Fall"),
        ]
    ]
    start_by = make_deliverable(
        "DDM deletion campaign",
        roadmap=old,
        period="Later",
        owners=(developer,),
        deadline=datetime.date(2031, 2, 1),
        lead_time_days=30,
    )
    carol = make_deliverable("cost model", roadmap=old, period="June", owners=(manager,))
    make_deliverable(
        "done already",
        roadmap=old,
        period="April",
        owners=(developer,),
        status="done",
        done_on=datetime.date(2030, 4, 20),
    )
    make_deliverable("some day", roadmap=old, period="Later", owners=(developer,))
    moved = make_deliverable("event service", roadmap=old, period="Later", owners=(manager,))
    DeliverableChange.objects.create(
        deliverable=moved,
        kind=DeliverableChange.Kind.MOVE,
        at=zurich(10, 11),
        from_period=old.periods.get(label="April"),
        to_period=old.periods.get(label="Later"),
        is_slip=True,
        reason="waiting for the new Harvester",
    )
    return {"late": late, "start_by": start_by, "carol": carol, "moved": moved}


def test_each_owner_gets_one_digest_listing_all_their_late_items(slips, developer, manager):
    due = digests.slip_digests_due(TUESDAY_9)
    owner_mail = {d.recipient[1]: d for d in due if d.kind == Kind.SLIP_DIGEST}
    assert sorted(owner_mail) == [developer.email, manager.email]
    bob = owner_mail[developer.email]
    assert bob.rendered.subject == (
        "4 deliverables of yours need attention before Wednesday 15 Jan"
    )
    text = bob.rendered.text
    for item in [*slips["late"], slips["start_by"]]:
        assert item.title in text
        assert f"Mark done or move: http://127.0.0.1:8000/deliverables/{item.pk}/" in text
    assert "April ended on 30 Apr 2030 and it is open" in text
    assert "it should have started by 02 Jan 2031 (deadline 01 Feb 2031)" in text
    assert "done already" not in text
    assert "some day" not in text
    assert "All your deliverables: http://127.0.0.1:8000/deliverables/mine/" in text
    unsubscribe = mailprefs.unsubscribe_url(developer, mailprefs.SLIP_DIGESTS)
    assert bob.headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert f'href="{unsubscribe}"' in bob.rendered.html
    assert 'href="http://127.0.0.1:8000/me/"' in bob.rendered.html
    assert f'href="http://127.0.0.1:8000/deliverables/{slips["start_by"].pk}/"' in (
        bob.rendered.html
    )
    carol = owner_mail[manager.email]
    assert carol.rendered.subject.startswith("1 deliverable of yours needs attention")
    # A move made with a reason is done; Carol is not asked about it again.
    assert "event service" not in carol.rendered.text


def test_conveners_get_every_slip_grouped_by_owner_with_recent_moves(slips, convener):
    (digest,) = [d for d in digests.slip_digests_due(TUESDAY_9) if d.kind == Kind.CONVENER_DIGEST]
    assert digest.recipient[1] == convener.email
    assert digest.rendered.subject == "Slips before Wednesday 15 Jan: 6 deliverables"
    text = digest.rendered.text
    assert text.index("Bob Developer") < text.index("looping job killer")
    assert text.index("Carol Manager") < text.index("cost model")
    assert "moved from April to Later on 10 Jan: waiting for the new Harvester" in text


def test_digests_fall_due_tuesday_morning_before_the_wednesday_meeting(slips):
    assert digests.slip_digests_due(TUESDAY_9 - datetime.timedelta(minutes=1)) == []
    assert digests.slip_digests_due(TUESDAY_9)
    # After the meeting began, the next digest waits for next week's meeting.
    assert digests.slip_digests_due(zurich(15, 17, 1)) == []


def test_a_digest_goes_out_once_a_week(slips, series, developer):
    first = digests.queue_slip_digests(TUESDAY_9)
    assert len(first) == 3  # Bob, Carol, Alice (convener)
    assert digests.queue_slip_digests(TUESDAY_9 + datetime.timedelta(minutes=15)) == []
    next_week = make_meeting(series, on=WEDNESDAY + datetime.timedelta(weeks=1))
    assert next_week.pk
    again = digests.queue_slip_digests(TUESDAY_9 + datetime.timedelta(weeks=1))
    assert len(again) == 3
    keys = OutboundMail.objects.filter(recipient=developer.email).values_list("key", flat=True)
    assert sorted(keys) == [
        f"slip_digest:2031-W03:user{developer.pk}",
        f"slip_digest:2031-W04:user{developer.pk}",
    ]


def test_no_meeting_that_week_means_no_digest(slips, published):
    published.state = "cancelled"
    published.save()
    assert digests.slip_digests_due(TUESDAY_9) == []


def test_nothing_late_means_no_digest(published):
    make_deliverable("on track", roadmap=make_roadmap(2031), period="June")
    assert digests.slip_digests_due(TUESDAY_9) == []


def test_items_carried_into_a_newer_roadmap_are_chased_only_through_their_copies(
    slips, developer, manager, convener
):
    """Carried from 2030 into 2031, the April-to-Fall items are no longer late (their copies'
    periods are this year's); the copy of one whose start-by date passed is listed once."""
    old = slips["late"][0].roadmap
    agis = make_deliverable(
        "AGIS migration",
        roadmap=old,
        period="Fall",
        owners=(developer,),
        deadline=datetime.date(2031, 1, 20),
        lead_time_days=30,
    )
    new = carry_over(old, name="PanDA+Prodsys (carried)", year=2031, by=None)
    copy = Deliverable.objects.get(carried_from=agis)

    due = digests.slip_digests_due(TUESDAY_9)

    # The copies are this year's, which the meeting tracks: Bob is asked about them, so his
    # status request is his weekly mail; Carol's only late item was carried.
    assert [d for d in due if d.kind == Kind.SLIP_DIGEST] == []
    status_requests.queue_status_requests(TUESDAY_9)
    (row,) = OutboundMail.objects.filter(kind=Kind.STATUS_REQUEST, recipient=developer.email)
    text, html = row.body_text, row.body_html
    assert text.count("AGIS migration") == 1
    assert f'href="http://127.0.0.1:8000/deliverables/{copy.pk}/"' in html
    assert new.deliverables.filter(pk=copy.pk).exists()
    for item in [agis, *slips["late"], slips["carol"]]:
        assert f"http://127.0.0.1:8000/deliverables/{item.pk}/" not in text + html
    (digest,) = [d for d in due if d.kind == Kind.CONVENER_DIGEST]
    assert digest.recipient[1] == convener.email
    assert "looping job killer" not in digest.rendered.text
    assert digest.rendered.text.count("AGIS migration") == 1


def test_an_old_item_that_was_not_carried_over_is_still_chased(slips, developer):
    """Carry-over takes every open item; one added to (or reopened in) the old roadmap
    afterwards has no copy anywhere, so it stays on its owner's list until it is closed."""
    old = slips["late"][0].roadmap
    carry_over(old, name="PanDA+Prodsys (carried)", year=2031, by=None)
    left = make_deliverable("left behind", roadmap=old, period="May", owners=(developer,))

    due = digests.slip_digests_due(TUESDAY_9)

    # Asked about his carried items, Bob gets the old one in his status request, among the
    # late items the meeting's tracking does not cover, instead of in a digest of its own.
    assert [
        d for d in due if d.kind == Kind.SLIP_DIGEST and d.recipient[1] == developer.email
    ] == []
    status_requests.queue_status_requests(TUESDAY_9)
    (row,) = OutboundMail.objects.filter(kind=Kind.STATUS_REQUEST, recipient=developer.email)
    also_late = row.body_text.split("Also late")[1]
    assert "* left behind (" in also_late
    assert f"Mark done or move: http://127.0.0.1:8000/deliverables/{left.pk}/" in also_late
    assert "May ended on 31 May 2030 and it is open" in also_late
    assert f"http://127.0.0.1:8000/deliverables/{slips['late'][0].pk}/" not in row.body_text


def test_the_slip_scan_takes_a_fixed_number_of_queries(
    published, convener, django_assert_max_num_queries
):
    """5,000 deliverables, 400 owners: the scan and 400 digests in a handful of queries.
    Last year's items, this year's roadmap tracked: nobody is asked for a status instead."""
    old = make_roadmap(2030)
    make_roadmap(2031)
    periods = list(old.periods.exclude(label="Later"))
    owners = User.objects.bulk_create(
        User(username=f"owner{n}", name=f"Owner {n:03}", email=f"owner{n}@example.org")
        for n in range(400)
    )
    items = Deliverable.objects.bulk_create(
        Deliverable(roadmap=old, period=periods[n % len(periods)], title=f"item {n}", position=n)
        for n in range(5000)
    )
    Through = Deliverable.owners.through
    Through.objects.bulk_create(
        Through(deliverable_id=item.pk, user_id=owners[n % 400].pk) for n, item in enumerate(items)
    )
    # The digest's own eight, and four for who is asked for a status (asked.asks_due: the
    # meetings, the roadmap, its tracking candidates; and this week's requests).
    with django_assert_max_num_queries(12):
        due = digests.slip_digests_due(TUESDAY_9)
    owner_digests = [d for d in due if d.kind == Kind.SLIP_DIGEST]
    assert len(owner_digests) == 400
    assert owner_digests[0].rendered.subject.startswith("13 deliverables")
    assert [d.recipient[1] for d in due if d.kind == Kind.CONVENER_DIGEST] == [convener.email]


# --- opting out -------------------------------------------------------------------------------


def test_an_owner_who_opted_out_gets_no_digest_and_the_others_still_do(
    slips, developer, manager, convener
):
    User.objects.filter(pk=developer.pk).update(wants_slip_digests=False)

    due = digests.slip_digests_due(TUESDAY_9)

    assert kinds(due) == [(Kind.CONVENER_DIGEST, convener.email), (Kind.SLIP_DIGEST, manager.email)]
    # The conveners still hear about Bob's slips.
    (digest,) = [d for d in due if d.kind == Kind.CONVENER_DIGEST]
    assert "looping job killer" in digest.rendered.text


def test_opting_out_of_slip_digests_keeps_convener_mail(slips, convener):
    User.objects.filter(pk=convener.pk).update(wants_slip_digests=False)
    assert (Kind.CONVENER_DIGEST, convener.email) in kinds(digests.slip_digests_due(TUESDAY_9))


def test_a_convener_who_opted_out_gets_no_convener_digest(slips, convener, developer):
    User.objects.filter(pk=convener.pk).update(wants_convener_mail=False)
    due = digests.slip_digests_due(TUESDAY_9)
    assert [d.kind for d in due if d.recipient[1] == convener.email] == []
    assert (Kind.SLIP_DIGEST, developer.email) in kinds(due)


def test_a_convener_who_opted_out_gets_no_draft_nudge(draft, series, convener):
    other = make_user("erin", roles=(CONVENER,), name="Erin Convener")
    series.conveners.add(other)
    User.objects.filter(pk=convener.pk).update(wants_convener_mail=False)

    assert kinds(reminders.agenda_mails_due(MONDAY_9)) == [(Kind.DRAFT_NUDGE, other.email)]


def test_when_the_series_conveners_opted_out_nobody_else_is_nudged_in_their_place(draft, convener):
    make_user("erin", roles=(CONVENER,), name="Erin Convener")  # a site convener
    User.objects.filter(pk=convener.pk).update(wants_convener_mail=False)
    assert reminders.agenda_mails_due(MONDAY_9) == []


def test_site_conveners_who_opted_out_are_not_nudged_for_a_series_without_conveners(db):
    make_series(slug="orphan")
    meeting = make_meeting(on=WEDNESDAY)
    make_item(meeting, "Something")
    keen = make_user("erin", roles=(CONVENER,), name="Erin Convener")
    make_user("gina", roles=(CONVENER,), name="Gina Convener", wants_convener_mail=False)
    assert kinds(reminders.agenda_mails_due(MONDAY_9)) == [(Kind.DRAFT_NUDGE, keen.email)]


def test_mail_to_the_mailing_list_ignores_personal_settings(published, series, convener):
    User.objects.update(wants_slip_digests=False, wants_convener_mail=False)

    (reminder,) = reminders.agenda_mails_due(TUESDAY_9)
    agenda = meeting_mail.meeting_mail_drafts(published, Kind.AGENDA_UPDATE, now=TUESDAY_9)

    assert (reminder.kind, reminder.recipient[1]) == (Kind.REMINDER, LIST)
    assert LIST in [d.recipient[1] for d in agenda]
    for draft_mail in [reminder, *agenda]:
        assert "List-Unsubscribe" not in draft_mail.headers
        assert "List-Unsubscribe-Post" not in draft_mail.headers
        assert draft_mail.headers["List-Id"]


def test_the_one_click_header_of_a_sent_digest_unsubscribes_its_recipient(
    slips, developer, manager, client
):
    """The message as it leaves the outbox, parsed as a mail client would, then the RFC 8058
    POST a client makes: no session, no CSRF token."""
    digests.queue_slip_digests(TUESDAY_9)
    row = OutboundMail.objects.get(kind=Kind.SLIP_DIGEST, recipient=developer.email)
    parsed = email.message_from_bytes(
        outbox.build(row).message().as_bytes(), policy=email.policy.default
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (url,) = re.fullmatch(r"<(https?://[^>\s]+)>", str(parsed["List-Unsubscribe"]).strip()).groups()
    path = urlsplit(url).path
    assert path.startswith("/mail/unsubscribe/")

    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "no longer gets the weekly mail about your deliverables" in (response.content.decode())
    developer.refresh_from_db()
    manager.refresh_from_db()
    assert (developer.wants_slip_digests, developer.wants_convener_mail) == (False, True)
    assert manager.wants_slip_digests is True
    # Next week Bob is left alone; Carol still gets hers.
    next_week = digests.slip_digests_due(TUESDAY_9 + datetime.timedelta(days=7))
    assert developer.email not in [d.recipient[1] for d in next_week]


def test_opted_out_owners_cost_no_extra_queries(published, convener, django_assert_max_num_queries):
    old = make_roadmap(2030)
    make_roadmap(2031)
    period = old.periods.get(label="April")
    owners = User.objects.bulk_create(
        User(
            username=f"owner{n}",
            name=f"Owner {n:03}",
            email=f"owner{n}@example.org",
            wants_slip_digests=n % 2 == 0,
        )
        for n in range(60)
    )
    items = Deliverable.objects.bulk_create(
        Deliverable(roadmap=old, period=period, title=f"item {n}", position=n) for n in range(60)
    )
    Through = Deliverable.owners.through
    Through.objects.bulk_create(
        Through(deliverable_id=item.pk, user_id=owner.pk)
        for item, owner in zip(items, owners, strict=True)
    )
    # The digest's own eight, and four for who is asked for a status (asked.asks_due: the
    # meetings, the roadmap, its tracking candidates; and this week's requests).
    with django_assert_max_num_queries(12):
        due = digests.slip_digests_due(TUESDAY_9)
    owner_digests = sorted(d.recipient[1] for d in due if d.kind == Kind.SLIP_DIGEST)
    assert owner_digests == sorted(f"owner{n}@example.org" for n in range(0, 60, 2))


# --- management commands ----------------------------------------------------------------------


def test_send_slip_reminders_dry_run_lists_without_queueing(slips):
    out = io.StringIO()
    with time_machine.travel(TUESDAY_9, tick=False):
        call_command("send_slip_reminders", "--dry-run", stdout=out)
    assert "slip_digest" in out.getvalue()
    assert "Bob Developer <bob@example.org>: 4 deliverables of yours" in out.getvalue()
    assert "3 slip digest(s) due; nothing queued (dry run)." in out.getvalue()
    assert OutboundMail.objects.count() == 0


def test_send_slip_reminders_queues_what_is_due_once(slips):
    out = io.StringIO()
    with time_machine.travel(TUESDAY_9, tick=False):
        call_command("send_slip_reminders", stdout=out)
        call_command("send_slip_reminders", stdout=out)
    assert "Queued 3 slip digest(s)." in out.getvalue()
    assert "Queued 0 slip digest(s)." in out.getvalue()
    assert OutboundMail.objects.filter(kind=Kind.SLIP_DIGEST).count() == 2


def test_send_agenda_mails_queues_the_monday_nudge_at_the_given_time(draft):
    out = io.StringIO()
    call_command("send_agenda_mails", "--dry-run", "--at", "2031-01-13T08:00", stdout=out)
    assert "0 agenda mail(s) due" in out.getvalue()
    call_command("send_agenda_mails", "--at", "2031-01-13T09:30", stdout=out)
    assert "Queued 1 agenda mail(s)." in out.getvalue()
    assert OutboundMail.objects.get().kind == Kind.DRAFT_NUDGE


def test_a_bad_time_is_refused_clearly():
    with pytest.raises(CommandError, match="not an ISO 8601 date and time"):
        call_command("send_agenda_mails", "--at", "next tuesday")


def test_cron_sites_can_send_from_the_command_itself(published, smtp_server):
    out = io.StringIO()
    call_command("send_agenda_mails", "--at", "2031-01-14T10:00", "--deliver", stdout=out)
    assert "Sent 1 mail(s) from the outbox." in out.getvalue()
    (message,) = smtp_server.messages
    assert message["Subject"] == "Reminder: ADC development meeting, Wed 15 Jan 2031 17:00"
    assert OutboundMail.objects.get().state == "sent"
