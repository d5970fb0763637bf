"""Markdown for minutes and notes, rendered safely and in linear time.

The parser is cmark-gfm (GitHub's C implementation of CommonMark with tables, strikethrough and
autolinks), built to run in time linear in its input: python-markdown is super-linear on
unclosed link syntax, and markdown-it-py, though linear, spends ~30 µs a character on
adversarial input (1 MiB → half a minute); cmark spends about one. `bench/markdown_render.py`
measures it.

Two safety layers: raw HTML in the source is shown as typed (every "<" is hidden from the parser
and comes back as "&lt;", inside code too), and the HTML the parser produces is cleaned by nh3
against an allow-list of tags, attributes and URL schemes, so `javascript:` links, images and
event handlers cannot survive either way.

Large texts are rendered once per content: the result is cached under a hash of the text.
"""

from __future__ import annotations

import hashlib

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Line breaks in minutes are meant (one decision a line); invalid UTF-8 never reaches the C code.
OPTIONS = Options.CMARK_OPT_HARDBREAKS | Options.CMARK_OPT_VALIDATE_UTF8
# A private-use character stands in for "<" while parsing: the parser sees no HTML and no
# autolink brackets; the renderer's output gets "&lt;" back in its place.
_HIDDEN_LT = "\ue000"
# Below this, rendering takes microseconds and a cache round trip would cost more.
CACHE_FROM_CHARS = 8_000
# Markdown HTML is about 1-2 times its source; deeply nested lists or quotes blow it up tenfold
# and the sanitiser's time with it. Past this ratio the text is shown plain (escaped): bounded
# time whatever was typed, and nothing is lost to the reader.
MAX_EXPANSION = 6
CACHE_SECONDS = 7 * 24 * 3600


def _render(text: str) -> str:
    # Lone surrogates (never from a decoded request, but from code) must not reach the C side.
    text = text.encode("utf-8", "replace").decode("utf-8")
    source = text.replace(_HIDDEN_LT, "").replace("<", _HIDDEN_LT)
    html = cmarkgfm.github_flavored_markdown_to_html(source, options=OPTIONS)
    if len(html) > MAX_EXPANSION * len(source) + 1024:
        return "<p>" + escape(text).replace("\n", "<br>") + "</p>"
    return nh3.clean(
        html.replace(_HIDDEN_LT, "&lt;"),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render(text: str) -> SafeString:
    """Markdown to sanitised HTML, safe to insert into a page or an HTML mail."""
    if not text or not text.strip():
        return mark_safe("")
    if len(text) < CACHE_FROM_CHARS:
        return mark_safe(_render(text))  # noqa: S308 - nh3 removed everything outside the allow-list
    key = "markdown:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    html = cache.get(key)
    if html is None:
        html = _render(text)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - nh3 removed everything outside the allow-list
