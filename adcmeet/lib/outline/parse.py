"""Reading an outline into a tree (the format is described in the package docstring)."""

from __future__ import annotations

import dataclasses
import re

from adcmeet.lib.outline.item_text import parse_item_text
from adcmeet.lib.outline.nodes import (
    BULLET,
    HEADING,
    MAX_INDENT_UNIT,
    MAX_LINE_LENGTH,
    TEXT,
    OutlineError,
    OutlineNode,
)

_HEADING_RE = re.compile(r"^(#+)(?:[ \t]+(.*))?$")
_BULLET_RE = re.compile(r"^([ \t]*)([-*+])(?:[ \t]+(.*))?$")


@dataclasses.dataclass
class _Indent:
    """The document's indentation unit, fixed by its first indented bullet."""

    char: str = ""
    width: int = 0
    line_no: int = 0

    def depth(self, line_no: int, lead: str) -> tuple[int | None, str | None]:
        if not lead:
            return 0, None
        if " " in lead and "\t" in lead:
            return None, "tabs and spaces are mixed in the indentation; indent with spaces only"
        char = lead[0]
        if not self.char:
            if char == " " and len(lead) > MAX_INDENT_UNIT:
                return None, f"indented by {len(lead)} spaces; a level is 2 or 4 spaces"
            self.char, self.width, self.line_no = char, (1 if char == "\t" else len(lead)), line_no
        if char != self.char:
            this, used = ("tabs", "spaces") if char == "\t" else ("spaces", "tabs")
            return None, f"indented with {this}, but line {self.line_no} is indented with {used}"
        if len(lead) % self.width:
            return None, (
                f"indented by {len(lead)} spaces, not a multiple of {self.width} "
                f"(the indentation of line {self.line_no})"
            )
        return len(lead) // self.width, None


def parse_outline(text: str) -> list[OutlineNode]:
    """Read an outline; raise :class:`OutlineError` listing every unreadable line."""
    roots: list[OutlineNode] = []
    errors: list[tuple[int, str]] = []
    headings: list[OutlineNode] = []  # the open headings, outermost first
    bullets: list[OutlineNode | None] = []  # the open bullets by depth (None: an unreadable one)
    indent = _Indent()

    def container() -> list[OutlineNode]:
        return headings[-1].children if headings else roots

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if len(line) > MAX_LINE_LENGTH:
            errors.append(
                (line_no, f"line is {len(line)} characters long; the limit is {MAX_LINE_LENGTH}")
            )
            continue

        if match := _BULLET_RE.match(line):
            lead, _marker, content = match.groups()
            depth, problem = indent.depth(line_no, lead)
            if problem is None and depth is not None and depth > len(bullets):
                problem = (
                    "bullet is indented but has no bullet above it to belong to"
                    if not bullets
                    else f"bullet is nested {depth - len(bullets) + 1} levels deeper than the "
                    "bullet above it (at most one level at a time)"
                )
                depth = len(bullets)  # read on as if nested one level, to avoid cascades
            if depth is None:
                errors.append((line_no, problem or "unreadable indentation"))
                continue
            del bullets[depth:]
            if problem:
                errors.append((line_no, problem))
                bullets.append(None)
                continue
            content = (content or "").strip()
            if not content:
                errors.append((line_no, "empty bullet: write the item after the dash"))
                bullets.append(None)
                continue
            item, tentative, note = parse_item_text(content)
            node = OutlineNode(item, BULLET, depth, [], tentative, note, line_no)
            if depth == 0:
                container().append(node)
            else:
                parent = bullets[depth - 1]
                if parent is not None:
                    parent.children.append(node)
            bullets.append(node)
            continue

        if line[0] in " \t":
            errors.append(
                (
                    line_no,
                    "indented text that is not a bullet: start it with '- ' or join it to the "
                    "line above",
                )
            )
            continue

        bullets.clear()
        if match := _HEADING_RE.match(line):
            hashes, content = match.groups()
            level = len(hashes)
            content = (content or "").strip()
            if level > 6:
                errors.append((line_no, f"heading with {level} '#'; at most 6"))
                continue
            if not content:
                errors.append((line_no, "empty heading: write its title after the '#'"))
                continue
            item, tentative, note = parse_item_text(content)
            node = OutlineNode(item, HEADING, level, [], tentative, note, line_no)
            while headings and headings[-1].level >= level:
                headings.pop()
            container().append(node)
            headings.append(node)
            continue

        item, tentative, note = parse_item_text(line)
        container().append(OutlineNode(item, TEXT, 0, [], tentative, note, line_no))

    if errors:
        raise OutlineError(errors)
    return roots
