"""The base form and the fields the meetings forms share."""

from __future__ import annotations

from django import forms

from adcmeet.core import params, text


class Form(text.Form):
    """Labels read as written ("Minutes", not "Minutes:"): the layout separates them. Text
    fields take the one normaliser (core.text)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# A day: longer is no agenda item, and the bound keeps the value far inside the column.
MAX_DURATION = 24 * 60


class DurationField(params.IntegerField):
    """Minutes, also accepting "20 min", "1h", "1h30" or "1:30" as people type them; digits
    are ASCII only and the result at most a day (core.params)."""

    def __init__(self, *, min_value: int | None = 0, max_value: int | None = MAX_DURATION, **kw):
        super().__init__(min_value=min_value, max_value=max_value, **kw)

    def to_python(self, value):
        if isinstance(value, str):
            typed = value.strip().lower().replace(" ", "")
            for suffix in ("minutes", "minute", "mins", "min", "m"):
                if typed.endswith(suffix) and params.parse_int(typed[: -len(suffix)]) is not None:
                    typed = typed[: -len(suffix)]
                    break
            if ":" in typed or "h" in typed:
                hours_text, _, minutes_text = typed.replace(":", "h").partition("h")
                hours = params.parse_int(hours_text, maximum=MAX_DURATION)
                minutes = params.parse_int(minutes_text or "0", maximum=MAX_DURATION)
                if hours is not None and minutes is not None:
                    return hours * 60 + minutes
            value = typed
        return super().to_python(value)
