"""The builder's "Carried from earlier meetings" region as a presenter: the proposals of
adcmeet.meetings.actions.carry, which of them are ticked, and what the ticked ones add.

It is asked first: the carried proposals are ticked on the minutes the agenda leaves to the
objective, and the tracking proposals on what the carried ones leave after them
(`carried_minutes`), so the two ticked lists together never plan past the objective."""

from __future__ import annotations

from collections.abc import Mapping

from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings.actions import carry
from adcmeet.meetings.forms.carry import CarryForm
from adcmeet.meetings.models import Meeting


def carried_context(
    meeting: Meeting, plan: agenda_lib.Budget, *, keep: frozenset[str], bound: Mapping
) -> dict:
    """The region's context; empty proposals (no query) when the answer keeps both this region
    and the tracking proposals as the browser has them."""
    keep_carried = "carried" in keep
    needed = not keep_carried or "proposals" not in keep
    proposals = carry.propose_carried_items(meeting=meeting) if needed else []
    ticked = carry.tick_carried(proposals, minutes_left=plan.remaining_to_target)
    form = bound.get("carry") or CarryForm(proposals=proposals)
    checked = form.checked()
    minutes = sum(p.duration_minutes for p in proposals if p.key in checked)
    return {
        "carried": [] if keep_carried else proposals,
        "keep_carried": keep_carried,
        "carry_form": form,
        "carry_checked": checked,
        "carried_minutes": ticked,
        "carry_sum": {
            "count": len(checked),
            "minutes": minutes,
            "left": plan.remaining_to_target,
            "over": minutes > plan.remaining_to_target,
        },
    }


def bind(data: Mapping, meeting: Meeting) -> CarryForm:
    """The carry form a refused POST filled in, to show it again as the user left it."""
    return CarryForm(data, proposals=carry.propose_carried_items(meeting=meeting))


def changed(change) -> bool:
    """Whether an agenda change alters what is carried (an item carried, its carried copy
    removed or restored): the region is then redrawn."""
    touched = (*change.added, *change.removed, *change.restored)
    return any(item.carried_from_id or item.action_item_id for item in touched)
