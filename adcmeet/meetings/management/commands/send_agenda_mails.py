"""Queue the updated agendas, reminders and draft nudges that are due now (for sites using
cron)."""

from django.db import transaction

from adcmeet.meetings.mail.reminders import agenda_mails_due, queue_agenda_mails
from adcmeet.meetings.management.commands._due_mail import DueMailCommand


class Command(DueMailCommand):
    help = (
        "Queues the updated agendas whose quiet period is over, the reminders to the series' "
        "lists and the nudges to conveners of draft agendas that are due now. Idempotent: run "
        "it as often as you like (e.g. every 5 min)."
    )
    what = "agenda mail"

    def handle(self, *args, **options):
        if not options["dry_run"]:
            return super().handle(*args, **options)
        # Rendering a meeting's mail can store its series' first organizer (invites
        # .organizer_for): a look at what is due must leave the database as it found it.
        with transaction.atomic():
            super().handle(*args, **options)
            transaction.set_rollback(True)

    def due(self, now):
        return agenda_mails_due(now)

    def queue(self, now):
        # Updated agendas also mark their revision announced, in the same transaction.
        return queue_agenda_mails(now)
