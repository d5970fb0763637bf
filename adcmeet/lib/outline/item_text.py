r"""The single-line rule: a trailing ``?`` marks an item tentative, a trailing ``(…)`` with
balanced parentheses is its note, and a backslash escapes a ``?`` or ``)`` that is text."""

from __future__ import annotations


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
