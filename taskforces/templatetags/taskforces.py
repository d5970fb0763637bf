from django import template

register = template.Library()


@register.filter
def days_until(days: int | None) -> str:
    """0 → "today", 1 → "tomorrow", n → "in n days"."""
    if days is None:
        return ""
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"
