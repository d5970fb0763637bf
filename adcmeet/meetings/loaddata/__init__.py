"""Fill the database with years of realistic, deterministic history for benchmarks.

At --scale 1: 400 users in roles, 15 years of weekly meetings (~780) with 8-12 agenda items
each, minutes and action items on the held ones, 60 task forces with nested outlines and
checkpoints, 15 yearly roadmaps with 5,000 deliverables, their owners and their histories
(status changes and slips). Everything comes from `random.Random(seed)`, so two runs with the
same seed (on the same day: dates are laid out around today) write the same rows.

Rows are written with bulk_create, so model save() hooks do not run: what they compute
(Deliverable.start_by) is computed here, and no django-simple-history rows are written.

Three well-known accounts with the password BENCH_PASSWORD drive the benchmark:
bench-convener, bench-developer (owns 15 deliverables) and bench-manager.

Modules, one concept each: ``shape`` (the version marker, the bench accounts, the sizes),
``vocabulary`` (the words rows are made of), ``people``, ``taskforces`` (with checkpoints and
outlines), ``roadmaps`` (deliverables, owners, slips), ``meetings`` (agendas, minutes, action
items), ``generator`` (the shared state and the order of the steps), ``flush`` (--flush).
"""

from adcmeet.meetings.loaddata.flush import CONTENT_MODELS, FLUSH_APPS, flush_generated_tables
from adcmeet.meetings.loaddata.generator import Generator
from adcmeet.meetings.loaddata.shape import (
    BATCH,
    BENCH_OWNED_DELIVERABLES,
    BENCH_PASSWORD,
    BENCH_USERS,
    GENERATOR_VERSION,
    MARKER_PREFIX,
    SERIES_SLUG,
    Sizes,
    aware,
    marker_name,
)

__all__ = [
    "BATCH",
    "BENCH_OWNED_DELIVERABLES",
    "BENCH_PASSWORD",
    "BENCH_USERS",
    "CONTENT_MODELS",
    "FLUSH_APPS",
    "GENERATOR_VERSION",
    "MARKER_PREFIX",
    "SERIES_SLUG",
    "Generator",
    "Sizes",
    "aware",
    "flush_generated_tables",
    "marker_name",
]
