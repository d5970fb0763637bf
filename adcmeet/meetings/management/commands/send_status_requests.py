"""Ask owners for a status before their meetings, when due now (for sites using cron)."""

from adcmeet.meetings.mail import status_requests
from adcmeet.meetings.management.commands._due_mail import DueMailCommand
from adcmeet.meetings.models import OutboundMail


class Command(DueMailCommand):
    help = (
        "Mails each owner of a due, slipped or late-starting deliverable one status request "
        "the day before the meeting (MAIL_SEND_HOUR, series time). Idempotent: each owner is "
        "asked once per meeting day however often it runs."
    )
    what = "status request"

    def queue(self, now):
        return status_requests.queue_status_requests(now)

    def handle(self, *args, **options):
        if not options["dry_run"]:
            return super().handle(*args, **options)
        # A dry run writes nothing: the links of a real mail are rows, so list who and what.
        now = self.parse_now(options["at"])
        asks = status_requests.asks_due(now)
        sent = set(
            OutboundMail.objects.filter(key__in=[a.key for a in asks]).values_list("key", flat=True)
        )
        asks = [ask for ask in asks if ask.key not in sent]
        for ask in asks:
            titles = ", ".join(str(item.deliverable) for item in ask.items)
            self.stdout.write(
                f"status_request    {ask.owner.display_name} <{ask.owner.email}> "
                f"for {ask.for_date:%a %d %b}: {titles}"
            )
        self.stdout.write(f"{len(asks)} {self.what}(s) due; nothing queued (dry run).")
        return None
