"""`{% calendar_links meeting %}`: the "Add to calendar" and subscription block of a meeting
page, rendered from templates/meetings/_calendar_links.html."""

from django import template

from adcmeet.lib.ical import webcal_url
from adcmeet.meetings.views.feeds import meeting_ics_url, series_feed_url

register = template.Library()


def calendar_links_context(meeting) -> dict:
    """The partial's context, for views that prefer `{% include %}` with these variables."""
    feed_url = series_feed_url(meeting.series)
    return {
        "meeting": meeting,
        "feed_url": feed_url,
        "webcal_url": webcal_url(feed_url),
        "ics_url": meeting_ics_url(meeting),
    }


@register.inclusion_tag("meetings/_calendar_links.html")
def calendar_links(meeting) -> dict:
    return calendar_links_context(meeting)
