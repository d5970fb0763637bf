"""The hostile-input classes of issue 13, walked over every page: numbers that are not plain
numbers (Unicode digits, superscripts, 5,000 digits, past 2^63) in every numeric form field and
query string, control characters and invisible-only text in every text field. Zero 5xx, on
PostgreSQL and on SQLite (`DATABASE_URL=sqlite:///…`). The rest of the suite:
tests/test_hostile_input.py (markup, broken input), tests/core/test_request_limits.py
(non-UTF-8 and multipart bodies), tests/security/ (races, zones, private pages, logs).
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from adcmeet.meetings.forms.base import DurationField
from tests import urlwalk

NUMBERS = {
    "superscript": "²",
    "arabic-indic": "\u0663",
    "fullwidth": "\uff13",
    "circled": "\u2460",
    "5000-digits": "9" * 5000,
    "past-2^63": str(2**63 + 1),
    "negative-past-2^63": "-" + str(2**63 + 1),
    "past-2^31": str(2**31),
}
TEXTS = {
    "c0-controls": "Title\x00\x01\x1b[31m\x7f",
    "invisible-only": "\u200b\u200c\u2060\ufeff",
    "hangul-filler": "\u3164",
}
QUERY_NAMES = ("edit", "offset", "page", "meeting", "version", "year", "period")


@pytest.fixture
def world(db):
    return urlwalk.build_world()


def _staff(world) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.user("staff"))  # a superuser: every form on every page
    return client


def _pages(world, client) -> list[tuple[str, str]]:
    rules = urlwalk.matrix()
    pages = []
    for route in urlwalk.routes():
        if (route.name, "GET") not in rules or route.route.startswith("admin"):
            continue
        url = route.url(world)
        response = client.get(url)
        if response.status_code == 200 and not response.streaming:
            pages.append((url, response.content.decode(errors="replace")))
    return pages


def _post(client, url: str, data: dict) -> int:
    with transaction.atomic():  # every payload against the same world
        status = client.post(url, data).status_code
        transaction.set_rollback(True)
    return status


@pytest.mark.django_db(transaction=False)
def test_odd_numbers_in_every_query_string_never_answer_5xx(world):
    client = _staff(world)
    failures = []
    for url, _body in _pages(world, client):
        for label, value in NUMBERS.items():
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            status = client.get(f"{url}?{query}").status_code
            if status >= 500:
                failures.append(f"GET {url} {label}: {status}")
    print("\n".join(failures))  # shown when the test fails
    assert failures == []


def test_odd_numbers_in_every_numeric_form_field_never_answer_5xx(world):
    client = _staff(world)
    failures, tried = [], 0
    for url, body in _pages(world, client):
        for form in urlwalk.post_forms(url, body):
            for name in form.numeric:
                for label, value in NUMBERS.items():
                    tried += 1
                    status = _post(client, form.action, form.fields | {name: value})
                    if status >= 500:
                        failures.append(f"POST {form.action} {name}={label}: {status}")
    assert tried > 100  # the walk reached the forms
    print("\n".join(failures))  # shown when the test fails
    assert failures == []


def test_control_characters_and_invisible_text_in_every_text_field_never_answer_5xx(world):
    client = _staff(world)
    failures, tried = [], 0
    for url, body in _pages(world, client):
        for form in urlwalk.post_forms(url, body):
            for name in form.text:
                for label, value in TEXTS.items():
                    tried += 1
                    status = _post(client, form.action, form.fields | {name: value})
                    if status >= 500:
                        failures.append(f"POST {form.action} {name}={label}: {status}")
    assert tried > 50
    print("\n".join(failures))  # shown when the test fails
    assert failures == []


@given(st.text(max_size=40))
def test_a_duration_is_minutes_within_a_day_or_a_form_error(typed):
    field = DurationField(min_value=1, max_value=240, required=False)
    try:
        minutes = field.clean(typed)
    except ValidationError:  # anything else fails the test
        return
    assert minutes is None or 1 <= minutes <= 240


def test_file_parts_and_foreign_charsets_posted_to_every_form_never_answer_5xx(world):
    client = _staff(world)
    client.cookies["csrftoken"] = "x" * 32  # any cookie: the charset is read before CSRF
    actions = sorted(
        {
            form.action
            for url, body in _pages(world, client)
            for form in urlwalk.post_forms(url, body)
        }
    )
    failures = []
    for action in actions:
        upload = SimpleUploadedFile("evil.txt", b"\x00" * 2048, content_type="text/plain")
        with transaction.atomic():
            file_status = client.post(action, {"version": "1", "file": upload}).status_code
            latin1_status = client.generic(
                "POST",
                action,
                "title=caf\xe9&version=1".encode("latin-1"),
                content_type="application/x-www-form-urlencoded; charset=latin-1",
            ).status_code
            transaction.set_rollback(True)
        if file_status >= 500 or latin1_status >= 500:
            failures.append(f"POST {action}: file {file_status}, latin-1 {latin1_status}")
    assert len(actions) > 20
    print("\n".join(failures))  # shown when the test fails
    assert failures == []
