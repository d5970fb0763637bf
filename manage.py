#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adcmeet.settings")
    # A checkout with no configuration is a developer's: management commands then run with the
    # development defaults. Anything configured (SECRET_KEY set) is left exactly as configured,
    # and the web and Celery processes never take this path, so they still fail loudly.
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
