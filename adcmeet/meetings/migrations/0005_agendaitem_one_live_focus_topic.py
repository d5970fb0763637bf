"""One live focus topic a meeting, backed by a partial unique index.

Agendas written before the rule may hold several: the first (in running order) stays the
focus topic, the others become the first hot topics, so the meeting's running order and
every item are kept."""

from django.db import migrations, models


def demote_extra_focus_topics(apps, schema_editor):
    AgendaItem = apps.get_model("adcmeet", "AgendaItem")
    crowded = (
        AgendaItem.objects.filter(section="focus", deleted_at__isnull=True)
        .values("meeting")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("meeting", flat=True)
    )
    for meeting_id in list(crowded):
        extra = AgendaItem.objects.filter(
            meeting_id=meeting_id, section="focus", deleted_at__isnull=True
        ).order_by("position", "id")[1:]
        # Positions run through the meeting, focus topics first: as the first hot topics
        # they keep their place.
        AgendaItem.objects.filter(pk__in=[item.pk for item in extra]).update(section="hot")


class Migration(migrations.Migration):
    dependencies = [
        ("adcmeet", "0004_item_action_minutes_versions"),
    ]

    operations = [
        migrations.RunPython(demote_extra_focus_topics, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="agendaitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("deleted_at__isnull", True), ("section", "focus")),
                fields=("meeting",),
                name="one_live_focus_topic",
                violation_error_message="This meeting already has a focus topic: a meeting "
                "has one. Remove it first, or edit it instead.",
            ),
        ),
    ]
