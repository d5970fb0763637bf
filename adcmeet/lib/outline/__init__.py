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

Modules
-------
``nodes`` (the tree, its kinds and limits, constructors), ``item_text`` (the single-line
rule), ``parse`` (reading), ``render`` (checking and writing). Callers import from here.
"""

from adcmeet.lib.outline.item_text import format_item_text, parse_item_text
from adcmeet.lib.outline.nodes import (
    BULLET,
    HEADING,
    MAX_LINE_LENGTH,
    TEXT,
    OutlineError,
    OutlineNode,
    bullet,
    heading,
    text_line,
)
from adcmeet.lib.outline.parse import parse_outline
from adcmeet.lib.outline.render import check_tree, render_outline

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
