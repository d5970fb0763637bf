"""Where the agenda builder shows a refusal: beside the form or item that caused it, where
the user is, not at the top of a long page (the builder's presenter, adcmeet.meetings.builder,
asks; moved out of it to keep it one concept under 400 lines)."""

from __future__ import annotations

from collections.abc import Mapping

from adcmeet.meetings.models import AgendaItem, Meeting

Section = AgendaItem.Section

# Which region a refused change came from, by the view that refused it: the refusal is shown
# there, where the user is, not at the top of a long page.
REFUSAL_PLACES = {
    "tracking-accept": "proposals",
    "carry-accept": "carried",
    "items-remove": "bulk",
    # "items-restore" is the Undo in the notice at the top: refused there.
    "item-restore": "removed",
    "meeting-move": "schedule",
    "meeting-place": "schedule",
    "meeting-cancel": "schedule",
    "meeting-publish": "publish",
    "copy-last-week": "publish",
}


def refusal_place(view_name: str, data: Mapping, item_id: int | None) -> str:
    """Where the builder shows a refusal of the view `view_name` (its URL name); "" is the
    top of the builder."""
    if view_name in ("item-edit", "item-move", "item-remove") and item_id is not None:
        return f"item-{item_id}"
    if view_name == "item-add" and data.get("section") in Section.values:
        return f"add-{data['section']}"
    return REFUSAL_PLACES.get(view_name, "")


def shown_place(place: str, meeting: Meeting, items, proposals, carried_now=()) -> str:
    """`place` if the page shows it (a removed item, a cancelled meeting's forms, an empty
    proposal list do not), else "" (the top): a refusal is never left unshown."""
    if place.startswith("item-"):
        return place if any(f"item-{item.pk}" == place for item in items) else ""
    if meeting.is_cancelled and place not in ("removed", ""):
        return ""
    if (place == "proposals" and not proposals) or (place == "carried" and not carried_now):
        return ""
    if place == "bulk" and not items:
        return ""
    return place
