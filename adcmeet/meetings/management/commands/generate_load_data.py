"""manage.py generate_load_data: fill the database with years of realistic, deterministic
history for benchmarks (the generator is adcmeet.meetings.loaddata)."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from adcmeet.meetings.loaddata import (
    CONTENT_MODELS,
    MARKER_PREFIX,
    Generator,
    flush_generated_tables,
    marker_name,
)
from adcmeet.meetings.models import Heartbeat


class Command(BaseCommand):
    help = "Fill the database with years of deterministic benchmark data (see bench/)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 = 15 years, 5,000 deliverables"
        )
        parser.add_argument("--seed", type=int, default=2011)
        parser.add_argument("--flush", action="store_true", help="Replace earlier generated data.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="With --flush, also wipe data this command did not generate.",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="Lay the history out around this date (default: today).",
        )

    def handle(self, *args, scale: float, seed: int, flush: bool, force: bool, today, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        wanted = marker_name(seed, scale)
        marker = Heartbeat.objects.filter(name__startswith=MARKER_PREFIX).first()
        if marker is not None and marker.name == wanted and not flush:
            self.stdout.write(f"Already generated ({wanted}, on {marker.beat_at:%Y-%m-%d}).")
            return
        has_data = any(model.objects.exists() for model in CONTENT_MODELS)
        if has_data and not flush:
            what = f"generated data ({marker.name})" if marker else "data"
            raise CommandError(f"The database already holds {what}; pass --flush to replace it.")
        if has_data and marker is None and not force:
            raise CommandError(
                "The database holds data that generate_load_data did not make; refusing to "
                "delete it. Use another database, or add --force to wipe it."
            )
        started = time.monotonic()
        verbose = options.get("verbosity", 1) >= 1
        with transaction.atomic():
            if has_data or marker is not None:
                self.stdout.write("Flushing earlier data…")
                flush_generated_tables()
                Heartbeat.objects.filter(name__startswith=MARKER_PREFIX).delete()
            self.stdout.write(f"Generating {wanted}:")
            generator = Generator(
                seed=seed,
                scale=scale,
                today=today or timezone.localdate(),
                log=self.stdout.write if verbose else (lambda _msg: None),
            )
            counts = generator.run()
            Heartbeat.objects.create(name=wanted, beat_at=timezone.now())
            if connection.vendor == "postgresql":
                # Planner statistics for the fresh rows, as autovacuum would gather in time;
                # without them PostgreSQL guesses a handful of rows and picks poor plans.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s: {summary}.")
        )
