"""The decisions and information recorded on an agenda item, beside it on the meeting page
(views.outcome_regions.MeetingOutcomes)."""

from django import template

register = template.Library()


@register.filter
def outcomes_of(outcomes, item) -> list:
    """`{{ outcomes|outcomes_of:item }}`: the item's recorded outcomes, or []."""
    return outcomes.of(item) if outcomes else []
