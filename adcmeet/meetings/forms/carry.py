"""Accepting the carry-forward proposals (adcmeet.meetings.actions.carry) into an agenda."""

from __future__ import annotations

from django import forms

from adcmeet.meetings.forms.base import Form


class CarryForm(Form):
    carry = forms.MultipleChoiceField(
        label="Carried from earlier meetings", widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = list(proposals)
        self.fields["carry"].choices = [(p.key, p.title) for p in self.proposals]
        if not self.is_bound:
            # Ticked: what the domain ticked as fitting the objective (carry.tick_carried).
            self.initial.setdefault("carry", [p.key for p in self.proposals if p.ticked])

    def chosen(self) -> list:
        """The chosen items and actions, in the order the proposals rank them."""
        wanted = set(self.cleaned_data["carry"])
        return [p.source or p.action for p in self.proposals if p.key in wanted]

    def checked(self) -> set[str]:
        return set(self["carry"].value() or [])
