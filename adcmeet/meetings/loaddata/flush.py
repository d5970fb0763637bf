"""--flush: empty every table the generator writes, and what points at users."""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from adcmeet.accounts.models import User
from adcmeet.meetings.models import Meeting, MeetingSeries
from deliverables.models import Deliverable, Roadmap
from taskforces.models import Checkpoint, TaskForce

# Tables emptied by --flush: everything the generator writes, and what points at users.
FLUSH_APPS = ("accounts", "taskforces", "deliverables", "adcmeet", "admin", "sessions", "axes")
CONTENT_MODELS = (User, MeetingSeries, Meeting, TaskForce, Checkpoint, Roadmap, Deliverable)


def flush_generated_tables() -> None:
    """Empty every table of the apps the generator writes (groups and permissions stay)."""
    tables = []
    for label in FLUSH_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        tables += [model._meta.db_table for model in config.get_models(include_auto_created=True)]
    existing = set(connection.introspection.table_names())
    sql = connection.ops.sql_flush(
        no_style(), [t for t in tables if t in existing], reset_sequences=True, allow_cascade=True
    )
    if connection.vendor == "postgresql":
        # Rows written earlier in this transaction leave deferred foreign-key checks pending,
        # and PostgreSQL refuses to TRUNCATE a table with pending trigger events: run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        connection.ops.execute_sql_flush(sql)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        connection.ops.execute_sql_flush(sql)
