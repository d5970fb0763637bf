"""Choice lists shared by every form of a page (people, focus topics), written once."""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from adcmeet.accounts.models import User
from taskforces.models import OutlineItem, TaskForce


class SharedChoices(BaseChoiceIterator):
    """Choices shared by several `<select>`s of one page, their options written once.

    A `BaseChoiceIterator` is kept as it is by Django's choice normalisation, so every field
    given this object holds the same one (and validates against it as against a list).
    """

    def __init__(self, choices) -> None:
        self.choices = list(choices)
        self._html: SafeString | None = None

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def options_html(self) -> SafeString:
        if self._html is None:
            self._html = _options_html(self.choices, None)
        return self._html


def _options_html(choices, selected: str | None) -> SafeString:
    """The <option>s (and <optgroup>s), the one whose value is `selected` marked (None: none)."""
    parts = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            parts.append(
                format_html(
                    '<optgroup label="{}">{}</optgroup>', value, _options_html(label, selected)
                )
            )
        else:
            value = "" if value is None else str(value)
            mark = " selected" if value == selected else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', value, mark, label))
    # Every part came out of format_html, so their concatenation is safe as well.
    return SafeString("".join(parts))


class FastSelect(forms.Select):
    """A `<select>` written in one pass instead of one widget template per `<option>`."""

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        selected = "" if value is None else str(value)
        if isinstance(self.choices, SharedChoices):
            options = self.choices.options_html()
            if selected:
                plain = f'<option value="{escape(selected)}">'
                # Both the options and the escaped value are safe; so is the substitution.
                options = SafeString(options.replace(plain, plain[:-1] + " selected>", 1))
        else:
            options = _options_html(self.choices, selected)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


def share_choices(form, *, people=None, topics=None) -> None:
    """Give a form (e.g. one bound to posted data) the page's shared choice lists."""
    if people is not None and "presenter" in form.fields:
        form.fields["presenter"].choices = people
    if topics is not None and "topic" in form.fields:
        form.fields["topic"].choices = topics


def people_choices() -> SharedChoices:
    """Everybody active, by their display name (as User.display_name, from plain rows: a
    model instance per person was most of an "add item" round trip's database time)."""
    people = User.objects.filter(is_active=True).values_list(
        "pk", "name", "first_name", "last_name", "username"
    )
    return SharedChoices(
        [("", "—")]
        + [
            (str(pk), name or f"{first} {last}".strip() or username)
            for pk, name, first, last, username in people
        ]
    )


def topic_choices() -> SharedChoices:
    """Focus topics: each active task force, and under it its open questions."""
    task_forces = (
        TaskForce.objects.active()
        .prefetch_related(
            Prefetch(
                "outline",
                queryset=OutlineItem.objects.filter(
                    kind=OutlineItem.Kind.QUESTION, done=False
                ).order_by("position", "id"),
                to_attr="focus_questions",
            )
        )
        .order_by("name")
    )
    groups: list = [("", "— type a topic below, or pick one —")]
    for task_force in task_forces:
        options = [(f"tf:{task_force.pk}", f"{task_force.name} (the whole activity)")]
        options += [
            (f"q:{question.pk}", f"{task_force.name}: {question.text}")
            for question in task_force.focus_questions
        ]
        groups.append((task_force.name, options))
    return SharedChoices(groups)
