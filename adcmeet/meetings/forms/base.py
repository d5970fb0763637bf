"""The base form and the fields the meetings forms share."""

from __future__ import annotations

from django import forms


class Form(forms.Form):
    """Labels read as written ("Minutes", not "Minutes:"): the layout separates them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DurationField(forms.IntegerField):
    """Minutes, also accepting "20 min", "1h", "1h30" or "1:30" as people type them."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().lower().replace(" ", "")
            for suffix in ("minutes", "minute", "mins", "min", "m"):
                if text.endswith(suffix) and text[: -len(suffix)].isdigit():
                    text = text[: -len(suffix)]
                    break
            if ":" in text or "h" in text:
                hours, _, minutes = text.replace(":", "h").partition("h")
                if hours.isdigit() and (minutes.isdigit() or minutes == ""):
                    return int(hours) * 60 + int(minutes or 0)
            value = text
        return super().to_python(value)
