"""Queue the updated agendas, reminders and draft nudges that are due now (for sites using
cron)."""

from adcmeet.meetings.mail.reminders import agenda_mails_due, queue_agenda_mails
from adcmeet.meetings.management.commands._due_mail import DueMailCommand


class Command(DueMailCommand):
    help = (
        "Queues the updated agendas whose quiet period is over, the reminders to the series' "
        "lists and the nudges to conveners of draft agendas that are due now. Idempotent: run "
        "it as often as you like (e.g. every 5 min)."
    )
    what = "agenda mail"

    def due(self, now):
        return agenda_mails_due(now)

    def queue(self, now):
        # Updated agendas also mark their revision announced, in the same transaction.
        return queue_agenda_mails(now)
