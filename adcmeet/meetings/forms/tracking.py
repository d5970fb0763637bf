"""Accepting the deliverable-tracking proposals into an agenda."""

from __future__ import annotations

from django import forms

from adcmeet.meetings.actions.common import TRACKING_MINUTES
from adcmeet.meetings.forms.base import DurationField, Form
from adcmeet.meetings.models import MAX_ITEM_MINUTES


class TrackingForm(Form):
    deliverables = forms.TypedMultipleChoiceField(
        label="Deliverables to track", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = DurationField(
        label="Minutes each",
        min_value=1,
        max_value=MAX_ITEM_MINUTES,
        initial=TRACKING_MINUTES,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ITEM_MINUTES, "size": 4}),
    )

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = list(proposals)
        self.fields["deliverables"].choices = [
            (proposal.deliverable.pk, str(proposal.deliverable)) for proposal in self.proposals
        ]
        if not self.is_bound:
            # Ticked: what the domain ticked as fitting the objective (tick_within_objective).
            self.initial.setdefault(
                "deliverables",
                [proposal.deliverable.pk for proposal in self.proposals if proposal.ticked],
            )

    def chosen(self) -> list:
        """The chosen deliverables in the order the proposals list them."""
        wanted = set(self.cleaned_data["deliverables"])
        return [p.deliverable for p in self.proposals if p.deliverable.pk in wanted]
