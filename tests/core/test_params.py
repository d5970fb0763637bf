"""The one number rule: ASCII digits, bounded; everything else is no number."""

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from adcmeet.core.params import MAX_INT, IntegerField, parse_int
from adcmeet.core.versioning import parse_version


@pytest.mark.parametrize(
    "value",
    ["", " ", "-1", "+1", "1.0", "1e3", "0x10", "²", "①", "٣", "\uff13", "1_000", "9" * 5000,
     str(2**31), str(2**63), str(2**64 + 1), None, "1 2"],
)  # fmt: skip
def test_anything_but_plain_ascii_digits_in_range_is_no_number(value):
    assert parse_int(value) is None
    assert parse_version(value) is None


def test_plain_numbers_are_read_with_surrounding_spaces():
    assert parse_int(" 42 ") == 42
    assert parse_int(str(MAX_INT)) == MAX_INT
    assert parse_int("-3", negative=True, minimum=-10) == -3


@given(st.text(max_size=30))
def test_any_text_is_a_number_in_range_or_none(text):
    number = parse_int(text)
    assert number is None or (0 <= number <= MAX_INT and text.strip().isascii())


class _Form(forms.Form):
    minutes = IntegerField(label="Minutes", min_value=1, max_value=240)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("²", "using the digits 0 to 9"),
        ("٣", "using the digits 0 to 9"),
        ("9" * 5000, "less than or equal to 240"),
        (str(2**63), "less than or equal to 240"),
        ("-" + "9" * 40, "greater than or equal to 1"),
    ],
)
def test_a_form_number_out_of_bounds_or_in_other_digits_is_an_error_on_its_field(value, message):
    form = _Form({"minutes": value})
    assert not form.is_valid()
    assert message in form.errors["minutes"][0]
