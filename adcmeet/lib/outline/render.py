"""Writing a tree back in the canonical style, after checking that it would read back the same."""

from __future__ import annotations

from collections.abc import Iterable

from adcmeet.lib.outline.item_text import _split_note, format_item_text, parse_item_text
from adcmeet.lib.outline.nodes import (
    BULLET,
    HEADING,
    MAX_INDENT_UNIT,
    MAX_LINE_LENGTH,
    TEXT,
    OutlineNode,
)


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
