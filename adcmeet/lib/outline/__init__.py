r"""Markdown outlines, as written on slides: parse them into a tree and write them back.

Plain Python, no Django: the roadmap and task-force importers build on it, and so does the
roadmap's web import/export.

The format
----------
::

    # Priority dev deliverables            <- heading, level 1 ("#" to "######")
    ## Incomplete strawman for discussion  <- heading, level 2: nests under the level-1 heading
    - April                                <- bullet ("-", "*" or "+"), depth 0
      - new looping job killer in pilot    <- bullet, depth 1 (2 or 4 spaces, or a tab, a level)
      - ToA migration to AGIS?             <- trailing "?": tentative=True, text without it
      - Workload sharing? (for efficient usage)   <- parenthesised tail: note="for efficient usage"
    Dubna workshop is the natural checkpoint   <- any other unindented line: a "text" node

* Blank lines are ignored. A heading holds everything after it up to the next heading of the
  same or a higher level (fewer "#").
* Indentation is measured against the first indented bullet: the document's unit is its
  width (1 to 8 spaces, or one tab). Every indentation must be a whole number of units, a
  bullet may be at most one level deeper than the bullet above it, tabs and spaces must not
  be mixed, and the first bullet under a heading is not indented.
* The item text of a line is split by :func:`parse_item_text`: a trailing ``?`` marks it
  tentative and a trailing ``(…)`` with balanced parentheses is its note; both orders are
  read (``"Item? (note)"`` and ``"Item (note)?"``). A ``?`` or ``)`` that is part of the text
  itself is written with a backslash (``"What is it\?"``); only that escape is read.

API
---
``parse_outline(text) -> list[OutlineNode]``
    The top-level nodes. Raises :class:`OutlineError` listing *every* unreadable line as
    ``(line_no, message)`` (1-based line numbers), so nothing half-read is ever returned.
``render_outline(nodes, *, indent=2) -> str``
    Writes nodes in the canonical style ("- " bullets, ``indent`` spaces a level, a blank
    line before each heading but the first). ``parse_outline(render_outline(nodes)) == nodes``
    for every tree it accepts (line numbers are not compared); trees that cannot be written
    so that they read back the same raise ``ValueError`` (see :func:`check_tree`).
``OutlineNode(text, kind, level, children, tentative, note, line_no)``
    ``kind`` is ``"heading"``, ``"bullet"`` or ``"text"``. ``level`` is the number of ``#``
    for a heading, the nesting depth (0 for a top bullet) for a bullet, 0 for text.
    ``walk()`` yields the node and its descendants depth-first; ``display`` is the text as
    written back (with its "?" and note).
``heading(text, level=1, *children, …)``, ``bullet(text, *children, …)``, ``text_line(text)``
    Constructors that compute bullet depths, for building trees by hand.
``parse_item_text(s) -> (text, tentative, note)`` and ``format_item_text(text, tentative, note)``
    The single-line rule, for callers that edit one line at a time.
``MAX_LINE_LENGTH``
    Longest accepted line (characters, indentation included).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Literal

__all__ = [
    "BULLET",
    "HEADING",
    "MAX_LINE_LENGTH",
    "TEXT",
    "OutlineError",
    "OutlineNode",
    "bullet",
    "check_tree",
    "format_item_text",
    "heading",
    "parse_item_text",
    "parse_outline",
    "render_outline",
    "text_line",
]

HEADING: Literal["heading"] = "heading"
BULLET: Literal["bullet"] = "bullet"
TEXT: Literal["text"] = "text"
Kind = Literal["heading", "bullet", "text"]

MAX_LINE_LENGTH = 500
MAX_INDENT_UNIT = 8

_HEADING_RE = re.compile(r"^(#+)(?:[ \t]+(.*))?$")
_BULLET_RE = re.compile(r"^([ \t]*)([-*+])(?:[ \t]+(.*))?$")


class OutlineError(ValueError):
    """Unreadable lines: ``errors`` is a list of ``(line_no, message)``, in line order."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = sorted(errors)
        super().__init__("\n".join(f"line {n}: {message}" for n, message in self.errors))


@dataclasses.dataclass
class OutlineNode:
    text: str
    kind: Kind = BULLET
    level: int = 0
    children: list[OutlineNode] = dataclasses.field(default_factory=list)
    tentative: bool = False
    note: str | None = None
    # Where the node was read; not part of its identity, so a rendered tree compares equal.
    line_no: int = dataclasses.field(default=0, compare=False)

    @property
    def display(self) -> str:
        return format_item_text(self.text, tentative=self.tentative, note=self.note)

    def walk(self) -> Iterator[OutlineNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def __repr__(self) -> str:  # short enough to read in a failing test
        extra = "".join(
            [
                f", level={self.level}" if self.kind == HEADING else "",
                ", tentative" if self.tentative else "",
                f", note={self.note!r}" if self.note is not None else "",
                f", children={self.children!r}" if self.children else "",
            ]
        )
        return f"{self.kind}({self.text!r}{extra})"


# --- constructors ------------------------------------------------------------------------------


def _with_depth(node: OutlineNode, depth: int) -> OutlineNode:
    node.level = depth
    for child in node.children:
        _with_depth(child, depth + 1)
    return node


def heading(
    text: str,
    level: int = 1,
    *children: OutlineNode,
    tentative: bool = False,
    note: str | None = None,
) -> OutlineNode:
    return OutlineNode(text, HEADING, level, list(children), tentative, note)


def bullet(
    text: str, *children: OutlineNode, tentative: bool = False, note: str | None = None
) -> OutlineNode:
    return _with_depth(OutlineNode(text, BULLET, 0, list(children), tentative, note), 0)


def text_line(text: str, *, tentative: bool = False, note: str | None = None) -> OutlineNode:
    return OutlineNode(text, TEXT, 0, [], tentative, note)


# --- one line ----------------------------------------------------------------------------------


def _escaped(s: str, index: int) -> bool:
    # One backslash escapes; the writer escapes every trailing "?" or ")" of a text, so a
    # text that itself ends in a backslash-and-"?" still reads back (see format_item_text).
    return index > 0 and s[index - 1] == "\\"


def _split_note(s: str) -> tuple[str, str] | None:
    if not s.endswith(")") or _escaped(s, len(s) - 1):
        return None
    depth = 0
    for index in range(len(s) - 1, -1, -1):
        char = s[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                head, note = s[:index].rstrip(), s[index + 1 : -1].strip()
                if not head or not note:
                    return None
                return head, note
    return None


def _split_question(s: str) -> str | None:
    if s.endswith("?") and not _escaped(s, len(s) - 1):
        head = s[:-1].rstrip()
        return head or None
    return None


def parse_item_text(s: str) -> tuple[str, bool, str | None]:
    """``"ToA migration to AGIS?"`` -> ``("ToA migration to AGIS", True, None)``;
    ``"Workload sharing? (when athenaMP doesn't fill them)"`` ->
    ``("Workload sharing", True, "when athenaMP doesn't fill them")``."""
    s = s.strip()
    tentative = False
    note: str | None = None
    if (head := _split_question(s)) is not None:
        s, tentative = head, True
    if (split := _split_note(s)) is not None:
        s, note = split
    if not tentative and (head := _split_question(s)) is not None:
        s, tentative = head, True
    if s.endswith(("\\?", "\\)")):
        s = s[:-2] + s[-1]
    return s, tentative, note


def format_item_text(text: str, *, tentative: bool = False, note: str | None = None) -> str:
    """The inverse of :func:`parse_item_text` for a canonical item (see :func:`check_tree`)."""
    out = text
    if out.endswith(("?", ")")):
        out = out[:-1] + "\\" + out[-1]
    if tentative:
        # A text ending in a backslash would otherwise escape the "?".
        out += " ?" if out.endswith("\\") else "?"
    if note is not None:
        out += f" ({note})"
    return out


# --- the document ------------------------------------------------------------------------------


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


def _check_text(node: OutlineNode, where: str) -> None:
    if not node.text or node.text != node.text.strip():
        raise ValueError(f"{where}: text must be non-empty with no surrounding spaces")
    if node.note is not None:
        if not node.note or node.note != node.note.strip():
            raise ValueError(f"{where}: a note must be non-empty with no surrounding spaces")
        if _split_note(f"x ({node.note})") != ("x", node.note):
            raise ValueError(f"{where}: a note's parentheses must balance")
    for value in (node.text, node.note or ""):
        if any(char in value for char in "\r\n\t\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
            raise ValueError(f"{where}: text must be one line without tabs")
    if node.kind == TEXT and (node.text[0] in "#-*+" or node.text.startswith(" ")):
        raise ValueError(f"{where}: a text line must not start like a heading or a bullet")
    written = format_item_text(node.text, tentative=node.tentative, note=node.note)
    if parse_item_text(written) != (node.text, node.tentative, node.note):
        raise ValueError(f"{where}: {written!r} would not read back the same")


def check_tree(nodes: Iterable[OutlineNode], *, parent: OutlineNode | None = None) -> None:
    """Raise ``ValueError`` unless `nodes` can be written and read back unchanged: headings
    come after a container's bullets and text, sibling headings never deepen, sub-headings
    are deeper than their heading, bullets hold only bullets, text holds nothing."""
    seen_heading: OutlineNode | None = None
    for node in nodes:
        where = f"{node.kind} {node.text!r}"
        _check_text(node, where)
        if node.kind == HEADING:
            if not 1 <= node.level <= 6:
                raise ValueError(f"{where}: heading level must be 1 to 6")
            if parent is not None and parent.kind == HEADING and node.level <= parent.level:
                raise ValueError(f"{where}: a sub-heading must be deeper than its heading")
            if parent is not None and parent.kind != HEADING:
                raise ValueError(f"{where}: only headings hold headings")
            if seen_heading is not None and node.level > seen_heading.level:
                raise ValueError(f"{where}: would nest under the heading before it")
            seen_heading = node
        elif seen_heading is not None:
            raise ValueError(f"{where}: would belong to the heading before it")
        if node.kind == BULLET and parent is not None and parent.kind == BULLET:
            if node.level != parent.level + 1:
                raise ValueError(f"{where}: bullet depth must be its parent's plus one")
        elif node.kind == BULLET and node.level != 0:
            raise ValueError(f"{where}: a top bullet has depth 0")
        if node.kind == TEXT and node.level != 0:
            raise ValueError(f"{where}: text has level 0")
        if node.kind != HEADING and any(c.kind != BULLET for c in node.children):
            raise ValueError(f"{where}: only bullets can be nested under a bullet")
        if node.kind == TEXT and node.children:
            raise ValueError(f"{where}: text lines hold nothing")
        check_tree(node.children, parent=node)


def render_outline(nodes: Iterable[OutlineNode], *, indent: int = 2) -> str:
    """Write `nodes` in the canonical style; ``ValueError`` if they cannot read back."""
    if not 1 <= indent <= MAX_INDENT_UNIT:
        raise ValueError(f"indent must be 1 to {MAX_INDENT_UNIT} spaces")
    nodes = list(nodes)
    check_tree(nodes)
    lines: list[str] = []

    def write(node: OutlineNode, depth: int) -> None:
        display = node.display
        if node.kind == HEADING:
            if lines:
                lines.append("")
            lines.append(f"{'#' * node.level} {display}")
        elif node.kind == BULLET:
            lines.append(f"{' ' * (indent * depth)}- {display}")
        else:
            lines.append(display)
        for child in node.children:
            write(child, depth + 1 if node.kind == BULLET else 0)

    for node in nodes:
        write(node, 0)
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_LENGTH:
            raise ValueError(f"line {number} would be longer than {MAX_LINE_LENGTH} characters")
    return "\n".join(lines) + "\n" if lines else ""
