"""The load generator behind `manage.py generate_load_data` (being split by concept)."""

from adcmeet.meetings.loaddata.generator import (
    BENCH_OWNED_DELIVERABLES,
    BENCH_PASSWORD,
    MARKER_PREFIX,
    SERIES_SLUG,
    Command,
    marker_name,
)

__all__ = [
    "BENCH_OWNED_DELIVERABLES",
    "BENCH_PASSWORD",
    "MARKER_PREFIX",
    "SERIES_SLUG",
    "Command",
    "marker_name",
]
