"""The agenda builder as a presenter: what the builder page shows, and which of its regions
an answer re-renders. Views call it and render; actions say what changed (`AgendaChange`).

A successful htmx change of the agenda answers with the regions it can alter (the budget as
the swap target; the notice, the sections' item lists, the publish row, the removed items and
every version input out of band: the template's `changes` partial), not the whole builder.
The add forms, the move/cancel forms and the tracking proposals show nothing most changes
alter but their version: they stay as the browser has them, with whatever the convener was
typing or ticking. They are most of the builder's bytes and time (the presenter and topic
<select>s, a proposal list that is long on a busy roadmap; issue 7). Moving or cancelling the
meeting, a refusal (422) and a stale version (409) answer with the whole builder.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from adcmeet.accounts.models import User
from adcmeet.core import fragments, params
from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings import actions, actuals, carried, forms
from adcmeet.meetings.actions import AgendaChange
from adcmeet.meetings.builder_places import shown_place
from adcmeet.meetings.mail import reminders
from adcmeet.meetings.models import MAX_ITEM_MINUTES, AgendaItem, Meeting
from taskforces.models import OutlineItem, TaskForce

Section = AgendaItem.Section
ADD_FORMS = frozenset(f"add-{section}" for section in Section.values)
# Every region an answer may leave as the browser has it.
KEEP_FORMS = ADD_FORMS | {"schedule", "proposals", "carried", "removed"}


@dataclass(frozen=True)
class Regions:
    """Which regions of the builder an answer re-renders.

    `keep`: the regions left as the browser has them ("publish": the publish row, which an
    agenda change of a draft rarely alters); without "schedule" the answer is the whole
    builder. `before`: the agenda before the change; given, a section is redrawn only if
    its items or their move buttons changed, re-timed if only its clock moved, and rows added
    at its end are appended. `redraw`: sections redrawn whatever the comparison says."""

    keep: frozenset[str] = frozenset()
    before: list[AgendaItem] | None = None
    redraw: frozenset[str] = frozenset()

    @property
    def whole(self) -> bool:
        return "schedule" not in self.keep


# The whole builder: a page load, a refusal, or a change of the meeting's date or state that
# every region depends on (moving it changes the proposals and the move form's date).
WHOLE = Regions()
# A change of the meeting's state alone (publishing): the sections, the budget and the publish
# row; the forms and lists stay.
STATE_CHANGE = Regions(keep=KEEP_FORMS)


def regions_for(change: AgendaChange, *, used: str | None = None) -> Regions:
    """The regions `change` alters. `used` names the add form the change was typed into: it
    comes back empty, ready for the next item."""
    keep = set(KEEP_FORMS)
    if used:
        keep.discard(used)
    if change.removed or change.restored:
        keep.discard("removed")
    if change.tracking_changed:
        keep.discard("proposals")  # they leave out the deliverables on the agenda
    if carried.changed(change):
        keep.discard("carried")
    if _publish_row_unchanged(change):
        keep.add("publish")
    # An edited row changes in ways the order and the clock do not show (title, presenter).
    redraw = frozenset(item.section for item in change.edited)
    return Regions(keep=frozenset(keep), before=change.before, redraw=redraw)


def _publish_row_unchanged(change: AgendaChange) -> bool:
    """Whether the publish row shows the same after `change`: on a draft (whose revision an
    agenda change does not move, so nothing is "changed since it was mailed") it shows the
    state, the Publish button, the copy from the previous meeting and, without a focus topic,
    the publish-without-it box: only that box can come or go. Kept, the answer also spares
    reading the previous meeting."""
    if change.meeting.state != Meeting.State.DRAFT:
        return False

    def has_focus(items: list[AgendaItem]) -> bool:
        return any(item.section == Section.FOCUS for item in items)

    return has_focus(change.before) == has_focus(change.agenda)


def agenda_sections(plan: agenda_lib.Budget) -> list[dict]:
    """The planned items grouped by section, every section present (empty ones too), with
    whether each item can step up or down (hot topics and tracking items cross over)."""
    grouped: dict[str, list] = {section: [] for section in Section.values}
    for planned in plan.items:
        grouped[planned.item.section].append(planned)
    sections = []
    for key, label in Section.choices:
        planned_items = grouped[key]
        rows = []
        for index, planned in enumerate(planned_items):
            first, last = index == 0, index == len(planned_items) - 1
            # The last hot topic steps down into tracking, the first tracking item up.
            can_up = not first or key == Section.TRACKING
            can_down = not last or key == Section.HOT
            rows.append({"planned": planned, "can_up": can_up, "can_down": can_down})
        sections.append(
            {
                "key": key,
                "label": label,
                "items": planned_items,
                "rows": rows,
                "minutes": sum(planned.item.duration_minutes for planned in planned_items),
            }
        )
    return sections


def _shapes(sections: list[dict]) -> dict[str, tuple[tuple, tuple]]:
    """Per section, which items in which order (with their move buttons) and their clock
    times: what a move, an add or a removal can change in the builder's lists."""
    return {
        section["key"]: (
            tuple(
                (row["planned"].item.pk, row["can_up"], row["can_down"]) for row in section["rows"]
            ),
            tuple(
                (row["planned"].start, row["planned"].end, row["planned"].viewer_start)
                for row in section["rows"]
            ),
        )
        for section in sections
    }


def _mark_redraws(meeting: Meeting, sections: list[dict], regions: Regions, zone) -> None:
    """Which sections the answer redraws, re-times or appends to (see `Regions`)."""
    before = None
    if regions.before is not None:
        plan = actions.budget(meeting, regions.before, viewer_zone=zone)
        before = _shapes(agenda_sections(plan))
    after = _shapes(sections)
    for section in sections:
        rows, times = after[section["key"]]
        old_rows, old_times = (before or {}).get(section["key"], (None, None))
        section["redraw"] = before is None or rows != old_rows or section["key"] in regions.redraw
        section["retime"] = times != old_times
        section["appended"] = []
        if (
            section["redraw"]
            and section["key"] not in regions.redraw
            and old_rows
            and rows[: len(old_rows)] == old_rows
        ):
            # Items added at the end, the others unchanged (an add to a section whose last
            # item keeps its buttons): only the new rows are sent, appended out of band.
            section["redraw"] = False
            section["retime"] = times[: len(old_times)] != old_times
            section["appended"] = section["rows"][len(old_rows) :]
        if not section["redraw"] and not section["appended"]:
            continue
        for row in section["appended"] or section["rows"]:
            args = [meeting.pk, row["planned"].item.pk]
            row["move_url"] = reverse("item-move", args=args)
            row["edit_url"] = reverse("item-edit", args=args)
            row["remove_url"] = reverse("item-remove", args=args)


# --- the forms --------------------------------------------------------------------------------


# What the item forms' lists (and an empty add form's fields) are made of: every person, task
# force and outline item (adcmeet.core.fragments).
ITEM_CHOICES = fragments.Sources("item-choices", User, TaskForce, OutlineItem)


def shared_choices(choices: fragments.Bound) -> tuple[forms.SharedChoices, forms.SharedChoices]:
    """The presenter and topic lists of the item forms, their <option>s written: from the
    fragment cache under a one-query stamp of the rows they come from (every person, task
    force and outline item), built on a miss. Every add answers with an emptied add form;
    building the two lists (400 people, every open question) was a third of its time."""

    def build():
        people, topics = forms.people_choices(), forms.topic_choices()
        people.options_html(), topics.options_html()  # cached written
        return people, topics

    return fragments.cached(choices, ("lists",), build)


def edit_form(item: AgendaItem, data=None, **kwargs) -> forms.ItemForm:
    return forms.ItemForm(
        data,
        section=item.section,
        initial=forms.ItemForm.initial_for(item),
        prefix=f"item-{item.pk}",
        **kwargs,
    )


def posted_forms(
    data: Mapping, meeting: Meeting, *, item: AgendaItem | None = None
) -> tuple[dict, tuple[int, forms.ItemForm] | None]:
    """The builder's forms a POST filled in, bound again to show a refused change with the
    user's input (and, for an invalid form, its errors): (`bound`, `editing`)."""
    bound: dict = {}
    section = data.get("section", "")
    if section in Section.values and any(key.startswith(f"add-{section}-") for key in data):
        bound[section] = forms.ItemForm(data, section=section, prefix=f"add-{section}")
    if "deliverables" in data:
        proposals = actions.propose_tracking_items(meeting=meeting)
        bound["tracking"] = forms.TrackingForm(data, proposals=proposals)
    if "carry" in data:
        bound["carry"] = carried.bind(data, meeting)
    if any(key.startswith("cancel-") for key in data):
        bound["cancel"] = forms.CancelForm(data, prefix="cancel")
    if any(key.startswith("move-") for key in data):
        bound["move"] = forms.MoveMeetingForm(data, meeting=meeting, prefix="move")
    if any(key.startswith("place-") for key in data):
        bound["place"] = forms.PlaceForm(data, meeting=meeting, prefix="place")
    editing = None
    if item is not None and any(key.startswith(f"item-{item.pk}-") for key in data):
        editing = (item.pk, edit_form(item, data))
    for form in (*bound.values(), editing[1] if editing else None):
        if form is not None:
            form.is_valid()  # its errors, as the view found them
    return bound, editing


def checked_proposals(form: forms.TrackingForm) -> set[int]:
    if "deliverables" not in form.fields:  # the section's plain add form, refused
        return set()
    values = form["deliverables"].value() or []
    return {pk for value in values if (pk := params.optional_id(value)) is not None}


def tracking_sum(form: forms.TrackingForm, checked: set[int], plan: agenda_lib.Budget) -> dict:
    """What the ticked proposals would add, shown before adding (static/js/agenda.js keeps it
    live as boxes are ticked; this is the page without JavaScript, or as it loads)."""
    each = params.parse_int(form["duration_minutes"].value(), maximum=MAX_ITEM_MINUTES)
    each = each if each is not None else actions.TRACKING_MINUTES
    minutes = len(checked) * each
    left = plan.remaining_to_target
    return {
        "count": len(checked),
        "minutes": minutes,
        "left": left,
        "over_target_by": max(0, -left),
        "over": minutes > left,
    }


# --- the page -----------------------------------------------------------------------------------


def builder_context(
    meeting: Meeting,
    *,
    zone: datetime.tzinfo | None,
    agenda: list[AgendaItem] | None = None,
    regions: Regions = WHOLE,
    notice: str = "",
    level: str = "success",
    undo: list[AgendaItem] | None = None,
    notice_at: str = "",
    bound: dict | None = None,
    editing: tuple[int, forms.ItemForm] | None = None,
    stale_item: int | None = None,
) -> dict:
    """What the builder shows: the whole page, or the regions `regions` re-renders.

    `agenda` is the live agenda in running order when the caller has it (a change returns
    it); `bound` the forms refilled with the user's input; `stale_item` the item whose edit
    was refused as stale (its form shows what is saved now)."""
    bound = bound or {}
    keep = regions.keep
    items = actions.agenda_items(meeting) if agenda is None else agenda
    plan = actions.budget(meeting, items, viewer_zone=zone)
    kept = {section for section in Section.values if f"add-{section}" in keep}
    people = topics = choices = None
    if len(kept) < len(Section.values) or editing:
        # One list each, whose <option>s are written once for every <select> showing them.
        choices = ITEM_CHOICES.of()
        people, topics = shared_choices(choices)
    add_forms = {
        section: bound.get(section)
        or forms.ItemForm(section=section, people=people, topics=topics, prefix=f"add-{section}")
        for section in Section.values
        if section not in kept
    }
    for form in (*add_forms.values(), editing[1] if editing else None):
        if form is not None:
            forms.share_choices(form, people=people, topics=topics)
    keep_proposals = "proposals" in keep
    proposals = [] if keep_proposals else actions.propose_tracking_items(meeting=meeting)
    # What is ticked by default fits in the time left to the objective (the domain's rule),
    # together with the carried proposals, ticked first (adcmeet.meetings.carried).
    carry = carried.carried_context(meeting, plan, keep=keep, bound=bound)
    left = plan.remaining_to_target - carry["carried_minutes"]
    actions.tick_within_objective(
        proposals, minutes_left=left, minutes_each=actions.TRACKING_MINUTES
    )
    tracking_form = bound.get("tracking") or forms.TrackingForm(proposals=proposals)
    sections = agenda_sections(plan)
    _mark_redraws(meeting, sections, regions, zone)
    for section in sections:
        section["form"] = form = add_forms.get(section["key"])
        # An empty add form's fields are the same for everybody until a person, task force
        # or outline item changes: cached under the lists' stamp (no CSRF token in them).
        section["fields_html"] = (
            fragments.cached(
                choices,
                ("fields", section["key"]),
                lambda form=form: fragments.render_fragment(
                    "meetings/_item_fields.html", {"form": form}
                ),
            )
            if form is not None and not form.is_bound and choices and choices.stamp()
            else None
        )
    keep_schedule = "schedule" in keep
    changes_unsent = (
        meeting.state == Meeting.State.PUBLISHED and meeting.announced_revision < meeting.revision
    )
    # All of them: a list that silently stopped at ten hid what could still be restored.
    removed = (
        []
        if "removed" in keep
        else list(meeting.items.filter(deleted_at__isnull=False).order_by("-deleted_at", "-id"))
    )
    tracking_checked = checked_proposals(tracking_form)
    shown = (notice_at, meeting, items, proposals, carry["carried"])
    notice_at = shown_place(*shown) if level == "error" else ""
    return {
        "meeting": meeting,
        "plan": plan,
        "sections": sections,
        "proposals": proposals,
        # Reported on track or done: listed in one line, not ticked (actions.tracking).
        "consent": [proposal for proposal in proposals if proposal.consent],
        "tracking_form": tracking_form,
        "tracking_checked": tracking_checked,
        "tracking_sum": tracking_sum(tracking_form, tracking_checked, plan),
        "cancel_form": None
        if keep_schedule
        else bound.get("cancel") or forms.CancelForm(prefix="cancel"),
        "move_form": None
        if keep_schedule
        else bound.get("move") or forms.MoveMeetingForm(meeting=meeting, prefix="move"),
        "place_form": None
        if keep_schedule
        else bound.get("place") or forms.PlaceForm(meeting=meeting, prefix="place"),
        "keep": keep,
        "keep_proposals": keep_proposals,
        "previous": None if "publish" in keep else actions.previous_meeting(meeting),
        "removed": removed,
        "notice": notice,
        "level": level,
        # Where a refusal is shown: beside the form or item that caused it (`refusal_place`).
        "notice_at": notice_at,
        "refusal_item": int(notice_at[5:]) if notice_at.startswith("item-") else None,
        # The forms the error summary links into, field by field (no-JS answers).
        "summary_forms": [
            form
            for form in (*bound.values(), editing[1] if editing else None)
            if form is not None and form.errors
        ],
        "undo": undo,
        "undo_ids": ",".join(str(item.pk) for item in undo) if undo else "",
        "editing_id": editing[0] if editing else None,
        "editing_form": editing[1] if editing else None,
        "stale_item": stale_item,
        "people": people,
        "topics": topics,
        "changes_unsent": changes_unsent,
        # When the unsent changes go out by themselves (series time), None if they will not.
        "update_due": reminders.agenda_update_due_at(meeting) if changes_unsent else None,
        "update_quiet_minutes": settings.AGENDA_UPDATE_QUIET_MINUTES,
        **carry,
        **actuals.builder_suggestions(meeting, sections, whole=regions.whole),
    }
