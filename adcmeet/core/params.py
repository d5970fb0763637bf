"""The one way a number from a request becomes an int: form fields and the address bar alike.

Python's `int()` and `str.isdigit()` accept far more than people mean by a number: Unicode
digits (Arabic-Indic, fullwidth), superscripts and circled digits (`isdigit()` is true,
`int()` then raises), thousands of digits (slow to convert, and past 2^63 no database column
holds it). Every number a view or form reads goes through `parse_int`: ASCII digits only,
optionally one leading minus where the caller allows negatives, bounded by the column it
lands in. Anything else is `None` for the caller to answer (a 400, a form error naming the
field, or "no such object").
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import BadRequest

# Ids, positions and versions are 32-bit integer columns on every backend we run.
MAX_INT = 2**31 - 1
# The longest number worth reading: "2147483647" has ten digits; leading zeros are harmless
# but a 5,000-digit string is not a number anyone typed.
MAX_DIGITS = 12


def parse_int(
    value: Any, *, minimum: int = 0, maximum: int = MAX_INT, negative: bool = False
) -> int | None:
    """`value` as an int when it is plain ASCII digits within [minimum, maximum], else None.

    Surrounding whitespace is ignored (browsers and people add it); a leading "-" is read
    only when `negative` is true (a move to "the end minus one")."""
    if value is None:
        return None
    text = str(value).strip()
    sign = 1
    if negative and text.startswith("-"):
        sign, text = -1, text[1:]
    if not text or len(text) > MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = sign * int(text)
    if number < minimum or number > maximum:
        return None
    return number


def query_int(request: Any, name: str, default: int, *, maximum: int = MAX_INT) -> int:
    """A non-negative number from the query string: `default` when absent or empty, a 400
    naming the parameter when it is anything but a number in range."""
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    number = parse_int(raw, maximum=maximum)
    if number is None:
        raise BadRequest(f"“{name}” must be a whole number from 0 to {maximum}.")
    return number


def optional_id(value: Any) -> int | None:
    """A primary key from a form or the address bar; None when it is not one (no such row)."""
    return parse_int(value, minimum=1)


class IntegerField(forms.IntegerField):
    """Django's IntegerField with the one number rule: ASCII digits, bounded by the column.

    Django's own accepts any Unicode digit and any length, which then overflows the column
    (a 500) instead of a form error naming the field."""

    default_error_messages = {"invalid": "Enter a whole number, using the digits 0 to 9."}

    def __init__(self, *, min_value: int | None = 0, max_value: int | None = MAX_INT, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits or not (digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(digits) > MAX_DIGITS:
            # Past any bound: a stand-in beyond it, so the min/max validators say the range
            # instead of converting thousands of digits.
            digits = "1" + "0" * MAX_DIGITS
        return -int(digits) if text.startswith("-") else int(digits)
