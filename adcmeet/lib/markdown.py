"""Markdown for minutes and notes, rendered safely.

Two layers: raw HTML in the source is escaped (shown as typed, never interpreted), and the
HTML Markdown produces is then cleaned by nh3 against an allow-list of tags, attributes and
URL schemes, so `javascript:` links and event handlers cannot survive either way.
"""

from __future__ import annotations

import markdown as _markdown
import nh3
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
EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]


def _converter() -> _markdown.Markdown:
    md = _markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    # Raw HTML is treated as text: the registered processors would pass it through verbatim.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render(text: str) -> SafeString:
    """Markdown to sanitised HTML, safe to insert into a page or an HTML mail."""
    if not text or not text.strip():
        return mark_safe("")
    html = _converter().convert(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 removed everything outside the allow-list
