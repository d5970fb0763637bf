"""manage.py generate_load_data: see adcmeet.meetings.loaddata."""

from adcmeet.meetings.loaddata import (  # noqa: F401 (the names bench/ and the tests import)
    BENCH_OWNED_DELIVERABLES,
    BENCH_PASSWORD,
    MARKER_PREFIX,
    SERIES_SLUG,
    Command,
    marker_name,
)
