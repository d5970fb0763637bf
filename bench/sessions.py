"""Logging the bench accounts in over HTTP, through the real login form."""

import re
import urllib.parse

from bench.common import HOST
from bench.driver import Request, run_once


def parse_cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    cookies = {}
    for name, value in headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def http_login(port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the real login form, as a browser does: returns the cookies."""
    status, headers, body = run_once(HOST, port, Request("/login/"))
    cookies = parse_cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match:
        raise RuntimeError(f"GET /login/ answered {status} without a CSRF token")
    origin = f"http://{HOST}:{port}"
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    status, headers, body = run_once(
        HOST,
        port,
        Request(
            "/login/",
            "POST",
            headers=(
                ("Cookie", cookie_header(cookies)),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", origin),
                ("Referer", f"{origin}/login/"),
            ),
            body=form,
        ),
    )
    cookies.update(parse_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"logging in as {username} failed ({status}): {body[:300]!r}")
    return cookies
