"""Series saved with a time zone that does not exist (before the model checked it) take the
default zone, so their pages, feeds and mail work again; people's own unknown zones are
cleared (they are optional: times then show in CERN time only)."""

import zoneinfo

from django.db import migrations

DEFAULT_ZONE = "Europe/Zurich"


def _known(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def repair(apps, schema_editor):
    series = apps.get_model("adcmeet", "MeetingSeries")
    for row in series.objects.only("pk", "time_zone"):
        if not _known(row.time_zone):
            series.objects.filter(pk=row.pk).update(time_zone=DEFAULT_ZONE)
    user = apps.get_model("accounts", "User")
    for row in user.objects.exclude(time_zone="").only("pk", "time_zone"):
        if not _known(row.time_zone):
            user.objects.filter(pk=row.pk).update(time_zone="")


class Migration(migrations.Migration):
    dependencies = [
        ("adcmeet", "0007_alter_agendaitem_minutes_alter_agendaitem_notes_and_more"),
        ("accounts", "0004_alter_user_time_zone"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
