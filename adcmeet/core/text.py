"""The one normaliser for text people type: what every form, action, importer and the admin
store.

- Line ends become "\\n" (browsers send CRLF from a textarea; pasted text may carry a lone CR).
- C0 control characters other than tab and newline, and DEL, are removed: they have no
  meaning in a title or a note, and written raw into a page, a mail header or a calendar line
  they break it or hide content.
- Text with no visible character at all (only spaces, zero-width or other invisible or format
  characters) is refused with a message naming the field: it would look like an empty title
  everywhere it is shown.
- Length limits per field (`LIMITS`) keep a stored value renderable in well under a second
  (Markdown fields especially) and say so in words.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import pretty_name
from django.utils.deconstruct import deconstructible

from adcmeet.core.versioning import Refused

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Categories with no glyph: separators (Z*), controls (Cc), format characters such as the
# zero-width space and joiners (Cf), unassigned and private-use (Cn, Co), and surrogates (Cs).
_INVISIBLE_CATEGORIES = ("Z", "C")
# Characters Unicode files as letters or symbols that still render as nothing.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

# Long-text limits, in characters, for the fields rendered as Markdown or stored as long
# text. Generous for real use (a meeting's minutes rarely pass 20,000), small enough that the
# public pages that render them stay fast.
MEETING_MINUTES = 100_000
ITEM_TEXT = 20_000  # an agenda item's notes and minutes
LONG_TEXT = 20_000  # descriptions, scopes, checkpoint descriptions, deliverable notes
OUTLINE_TEXT = 100_000  # a whole task-force outline pasted at once


@deconstructible
class LengthLimit(MaxLengthValidator):
    """A model field's length limit, said in words (a model's TextField has no max_length
    check of its own)."""

    message = "This text is too long: at most %(limit_value)s characters (it has %(show_value)s)."


@deconstructible
class Clean:
    """A model field's check that its text is what the normaliser stores: no control
    characters, not invisible-only (for writes that skip the forms: the admin, imports)."""

    def __call__(self, value: str) -> None:
        validate(value, field="This text")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Clean)


def limits(max_length: int) -> list:
    """The validators of a long-text model field: the length limit and the normaliser."""
    return [LengthLimit(max_length), Clean()]


def clean(text: str | None) -> str:
    """`text` with line ends normalised and control characters removed (no other change)."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def is_visible(text: str) -> bool:
    """True when at least one character of `text` would show on the page."""
    for char in text:
        if char in _BLANK_GLYPHS:
            continue
        if not unicodedata.category(char).startswith(_INVISIBLE_CATEGORIES):
            return True
    return False


def normalise(text: str | None, *, field: str, max_length: int | None = None) -> str:
    """The stored form of user text for `field`: cleaned, then refused (ValidationError naming
    the field) when it is non-empty but shows nothing, or longer than `max_length`."""
    cleaned = clean(text)
    if cleaned.strip() and not is_visible(cleaned):
        raise ValidationError(
            f"{field} has no visible characters: type some text or leave it empty.",
            code="invisible",
        )
    if max_length is not None and len(cleaned) > max_length:
        raise ValidationError(
            f"{field} is too long: at most {max_length:,} characters (it has {len(cleaned):,}).",
            code="max_length",
        )
    return cleaned


def validate(text: str | None, *, field: str, max_length: int | None = None) -> None:
    """Model-level check: the value is already what `normalise` would store."""
    if text and normalise(text, field=field, max_length=max_length) != text:
        raise ValidationError(f"{field} contains control characters.", code="control")


def accepted(value: str | None, *, label: str, field: str, max_length: int | None = None) -> str:
    """For actions: the normalised text, or `Refused` with the message on `field` of the form.

    The forms check the same first; this holds the rule for every other caller (an htmx
    request built by hand, an importer, a script)."""
    try:
        return normalise(value, field=label, max_length=max_length)
    except ValidationError as error:
        raise Refused(error.messages[0], field=field) from None


class CharField(forms.CharField):
    """A form text field that stores the normalised text (see module doc).

    Empty-after-cleaning text is empty (so `required` says "This field is required.");
    invisible-only text and text over `max_length` are errors naming the field."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return normalise(value, field=str(self.label or "This field"), max_length=self.max_length)


def normalise_form_text(form: forms.BaseForm) -> None:
    """Swap every plain CharField of `form` for the normalising one, keeping its settings.

    Used by the shared form bases of the three apps, so every text field of every form takes
    the same path without each form declaring it (ModelForms generate their fields)."""
    for name, field in form.fields.items():
        if type(field) in (forms.CharField,):
            field.__class__ = CharField
            if field.label is None:
                field.label = pretty_name(name)


class Form(forms.Form):
    """A form whose text fields all take the normaliser."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        normalise_form_text(self)


class ModelForm(forms.ModelForm):
    """A model form whose text fields (generated ones included) all take the normaliser."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        normalise_form_text(self)
