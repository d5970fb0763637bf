"""Fill TaskForce.last_public_focus_on from the agendas as they stand: the latest live focus
topic of each task force in a public series' meeting that was not cancelled (the rule of
meetings.actions.common.refresh_last_focus, which keeps it from now on)."""

from django.db import migrations
from django.db.models import Max, Q


def fill(apps, schema_editor):
    AgendaItem = apps.get_model("adcmeet", "AgendaItem")
    TaskForce = apps.get_model("taskforces", "TaskForce")
    latest = (
        AgendaItem.objects.filter(section="focus", deleted_at__isnull=True)
        .exclude(meeting__state="cancelled")
        .filter(Q(meeting__series__is_public=True), task_force__isnull=False)
        .values("task_force_id")
        .annotate(latest=Max("meeting__scheduled_for"))
    )
    for row in latest:
        TaskForce.objects.filter(pk=row["task_force_id"]).update(last_public_focus_on=row["latest"])


class Migration(migrations.Migration):
    dependencies = [
        ("adcmeet", "0008_repair_unknown_time_zones"),
        ("taskforces", "0005_taskforce_last_public_focus_on"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
