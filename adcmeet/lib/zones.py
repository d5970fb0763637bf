"""Time-zone names people type (a series' zone, a person's own), checked where they are stored.

A misspelled zone must be a form error (the admin's included), never a stored value that
makes every page showing it fail; `zone_or_default` reads a value stored before the check
existed without failing the page.
"""

from __future__ import annotations

import logging
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    # ZoneInfo raises ValueError for names that are not relative paths ("../x", "/etc/x")
    # and ZoneInfoNotFoundError (a KeyError) for unknown ones.
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


def validate_time_zone(value: str) -> None:
    """A model-field validator: `value` names an IANA time zone ("Europe/Zurich")."""
    if value and (value.strip() != value or _zone(value) is None):
        raise ValidationError(
            "“%(value)s” is not a time zone; use an IANA name such as “Europe/Zurich” or "
            "“America/Chicago”.",
            code="invalid_time_zone",
            params={"value": value[:64]},
        )


def zone_or_default(name: str) -> zoneinfo.ZoneInfo:
    """The zone `name`, or the site's zone (logged) for a name stored before validation."""
    zone = _zone(name) if name else None
    if zone is None:
        logger.warning("Unknown time zone %r stored; using %s instead", name, settings.TIME_ZONE)
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return zone
