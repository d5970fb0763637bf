"""The one text normaliser: line ends, control characters, invisible-only text, limits."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from adcmeet.core import text
from adcmeet.core.versioning import Refused


def test_line_ends_become_newlines_and_control_characters_go():
    assert text.clean("a\r\nb\rc\x00d\x1b[31me\x7f\tf\n") == "a\nb\ncd[31me\tf\n"


@pytest.mark.parametrize(
    "value", [" ", "\u200b", "\u200b\u200c\u200d\ufeff", "\u3164", "\u2800 \u00a0", "\x00\x01"]
)
def test_text_with_no_visible_character_is_refused_naming_the_field(value):
    with pytest.raises(ValidationError, match="Title has no visible characters"):
        text.normalise(value + "\u200b", field="Title")


def test_text_over_the_limit_says_the_limit():
    with pytest.raises(ValidationError, match="at most 10 characters"):
        text.normalise("x" * 11, field="Notes", max_length=10)


def test_an_action_refuses_bad_text_on_the_form_field():
    with pytest.raises(Refused) as refused:
        text.accepted("\u200b", label="The minutes", field="text")
    assert refused.value.field == "text"


@given(st.text())
def test_normalised_text_has_no_control_characters_but_tab_and_newline(value):
    try:
        cleaned = text.normalise(value, field="Text")
    except ValidationError:
        return
    assert not any((ord(c) < 32 and c not in "\t\n") or c == "\x7f" for c in cleaned)


class _Form(text.Form):
    title = forms.CharField(label="Title", max_length=20)
    notes = forms.CharField(required=False)


def test_every_text_field_of_a_form_takes_the_normaliser():
    form = _Form({"title": "Rucio\x00 news\r\n", "notes": "a\r\nb"})
    assert form.is_valid()
    assert form.cleaned_data == {"title": "Rucio news", "notes": "a\nb"}

    form = _Form({"title": "\u200b\u200b", "notes": "\u2060"})
    assert not form.is_valid()
    assert "Title has no visible characters" in form.errors["title"][0]
    assert "Notes has no visible characters" in form.errors["notes"][0]
