"""Filters for meeting pages and mails: safe Markdown and clock times."""

from django import template
from django.utils import dateformat
from django.utils.safestring import SafeString

from adcmeet.lib import markdown as markdown_lib

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """`{{ text|markdown }}`: Markdown rendered to sanitised HTML."""
    return markdown_lib.render(text or "")


@register.filter
def minutes(value: int) -> str:
    """75 → "1 h 15 min", 20 → "20 min"."""
    hours, rest = divmod(abs(int(value)), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


@register.filter
def left(value: int) -> str:
    """Minutes remaining: 25 → "25 min", -5 → "5 min over"."""
    value = int(value)
    return minutes(value) if value >= 0 else f"{minutes(value)} over"


@register.filter
def wall(value, fmt: str = "H:i") -> str:
    """Format a datetime on its own wall clock (the built-in date/time filters would first
    convert it to the site's zone, hiding a series' or viewer's own zone)."""
    if not value:
        return ""
    return dateformat.format(value, fmt)
