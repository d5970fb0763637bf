"""How live mode writes its clock: minutes and seconds, ahead or behind, the level in words,
and the numbers static/js/live.js ticks from."""

from django import template
from django.utils.html import format_html

from adcmeet.lib import live_clock

register = template.Library()

LEVEL_TEXT = {
    live_clock.OK: "On time",
    live_clock.AMBER: "Past the objective",
    live_clock.RED: "Near the hard limit",
}


@register.filter
def mmss(seconds: int | None) -> str:
    return "" if seconds is None else live_clock.mmss(seconds)


@register.filter
def ahead_behind(seconds: int) -> str:
    if abs(seconds) < 60:
        return "on plan"
    words = live_clock.mmss(abs(seconds))
    return f"{words} behind plan" if seconds > 0 else f"{words} ahead of plan"


@register.filter
def level_text(level: str) -> str:
    return LEVEL_TEXT.get(level, "")


@register.simple_tag
def clock_data(clock, as_of: int):
    """The clock's numbers as data attributes: the script counts on from them while the clock
    runs, and each re-rendered region brings fresh ones."""
    if clock is None:
        return ""
    return format_html(
        'data-live-clock data-as-of="{}" data-running="{}" data-item-elapsed="{}" '
        'data-item-planned="{}" data-meeting-elapsed="{}" data-projected="{}" '
        'data-planned="{}" data-target="{}" data-limit="{}" data-red-margin="{}"',
        as_of,
        "1" if clock.running and clock.current_item_id else "0",
        clock.item_elapsed_seconds,
        clock.item_planned_seconds,
        clock.meeting_elapsed_seconds,
        clock.projected_seconds,
        clock.planned_seconds,
        clock.target_seconds,
        clock.limit_seconds,
        live_clock.RED_MARGIN_SECONDS,
    )
