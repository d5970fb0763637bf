"""No bearer token in any log line: Django's request log (a 404 or 500 logs the path) in both
formats, for the personal feed, the private series feed and the unsubscribe link, also when
the address is mistyped around the token. (The gunicorn access log: tests/ops/test_web_server.)
"""

import logging

import pytest

from adcmeet.accounts import mailprefs
from adcmeet.logconfig import JsonFormatter, TextFormatter, redact
from tests import factories

SECRET = "s3cr3tT0kenValue_abc-123"


def _lines(caplog) -> list[str]:
    formatters = (TextFormatter(), JsonFormatter())
    return [f.format(record) for record in caplog.records for f in formatters]


@pytest.mark.parametrize(
    "path",
    [
        f"/calendar/me/{SECRET}.ics",
        f"/calendar/me/{SECRET}.ICS",
        f"/calendar/me/{SECRET}",
        f"/calendar/me/{SECRET}.ics/",
        f"/calendar/adc-internal.ics?token={SECRET}",
        f"/calendar/adc-internal.ics?x=1&token={SECRET}",
        f"/mail/unsubscribe/{SECRET}/",
        f"/mail/unsubscribe/{SECRET}",
    ],
)
def test_a_request_log_line_never_carries_the_token(client, db, caplog, path):
    factories.make_series(name="ADC internal", slug="adc-internal", is_public=False)
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = client.get(path)

    assert response.status_code in (301, 404)
    assert caplog.records or response.status_code == 301
    for line in _lines(caplog):
        assert SECRET not in line


def test_a_real_unsubscribe_token_is_redacted_wherever_it_appears(developer):
    url = mailprefs.unsubscribe_url(developer, next(iter(mailprefs.PREFERENCES.values())))
    token = url.rstrip("/").rsplit("/", 1)[1]

    line = redact(f'"GET {url} HTTP/1.1" 404 and Not Found: /mail/unsubscribe/{token}/')

    assert token not in line
    assert "/mail/unsubscribe/[redacted]" in line
