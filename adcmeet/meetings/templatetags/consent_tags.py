"""The owners' status lines beside the agenda's tracking items (actions.tracking.ConsentAgenda)."""

from django import template

register = template.Library()


@register.filter
def status_of(consent, item) -> str:
    """`{{ consent|status_of:item }}`: the status line of the item's deliverable, or ""."""
    return consent.status_of(item.deliverable_id) if consent else ""
