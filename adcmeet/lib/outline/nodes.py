"""The outline tree: OutlineNode, its kinds, the limits, and constructors for building by hand."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Literal

from adcmeet.lib.outline.item_text import format_item_text

HEADING: Literal["heading"] = "heading"
BULLET: Literal["bullet"] = "bullet"
TEXT: Literal["text"] = "text"
Kind = Literal["heading", "bullet", "text"]

MAX_LINE_LENGTH = 500
MAX_INDENT_UNIT = 8


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
