"""What `send_agenda_mails` and `send_slip_reminders` share: list or queue what is due."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from adcmeet.meetings.mail import outbox


class DueMailCommand(BaseCommand):
    what = "mail"

    def due(self, now: datetime.datetime) -> list[outbox.Draft]:
        raise NotImplementedError

    def queue(self, now: datetime.datetime) -> list[int]:
        return outbox.queue(self.due(now))

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what is due without queueing anything.",
        )
        parser.add_argument(
            "--deliver",
            action="store_true",
            help="Also send every due outbox row from this process (sites without a worker).",
        )
        parser.add_argument(
            "--at",
            metavar="DATETIME",
            help="Pretend it is this moment (ISO 8601, site time zone if none given).",
        )

    def handle(self, *args, **options):
        now = self.parse_now(options["at"])
        if options["dry_run"]:
            drafts = self.due(now)
            for line in outbox.summary(drafts):
                self.stdout.write(line)
            self.stdout.write(f"{len(drafts)} {self.what}(s) due; nothing queued (dry run).")
            return
        with transaction.atomic():
            ids = self.queue(now)
        self.stdout.write(f"Queued {len(ids)} {self.what}(s).")
        if options["deliver"]:
            sent = outbox.deliver_due_now()
            self.stdout.write(f"Sent {sent} mail(s) from the outbox.")

    def parse_now(self, value: str | None) -> datetime.datetime:
        return parse_at(value)


def parse_at(value: str | None) -> datetime.datetime:
    """`--at`: now, or the moment given (ISO 8601, the site's zone if none is given)."""
    if not value:
        return timezone.now()
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"--at {value!r} is not an ISO 8601 date and time.")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
