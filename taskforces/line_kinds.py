"""What kind of outline item a line is (plan, open question, use case, testbed, note), and
which kind of activity a heading introduces; the rules are in taskforces.importer."""

from __future__ import annotations

import re

from taskforces.models import OutlineItem, TaskForce

Kind = OutlineItem.Kind

PREFIXES = {
    "question": Kind.QUESTION,
    "q": Kind.QUESTION,
    "open question": Kind.QUESTION,
    "use case": Kind.USE_CASE,
    "testbed": Kind.TESTBED,
    "plan": Kind.PLAN,
    "note": Kind.NOTE,
}
_PREFIX_RE = re.compile(r"^(?P<prefix>[a-z ]{1,20}):\s+(?P<rest>\S.*)$", re.IGNORECASE)
_CHECKBOX_RE = re.compile(r"^\[(?P<mark>[ xX])\]\s+(?P<rest>\S.*)$")
USE_CASE_GROUP_RE = re.compile(r"^(?:\w+\s+)?use\s+cases?\b", re.IGNORECASE)
_TESTBED_RE = re.compile(r"\btest\s?beds?\b", re.IGNORECASE)
KIND_HEADINGS = {
    "r&d": TaskForce.Kind.RND,
    "r & d": TaskForce.Kind.RND,
    "r&d activities": TaskForce.Kind.RND,
    "research and development": TaskForce.Kind.RND,
    "task force": TaskForce.Kind.TASK_FORCE,
    "task forces": TaskForce.Kind.TASK_FORCE,
}


def infer_kind(
    text: str,
    *,
    has_children: bool = False,
    parent_is_use_case_group: bool = False,
    focus: bool = False,
) -> tuple[str, str, bool]:
    """(kind, text without its markers, done) for one outline line (see the module doc)."""
    done = False
    if match := _CHECKBOX_RE.match(text):
        done, text = match["mark"] != " ", match["rest"]
    if (match := _PREFIX_RE.match(text)) and (kind := PREFIXES.get(match["prefix"].lower())):
        return kind, match["rest"], done
    if parent_is_use_case_group:
        return Kind.USE_CASE, text, done
    if has_children and USE_CASE_GROUP_RE.match(text):
        return Kind.NOTE, text, done
    if text.endswith("?") or focus:
        return Kind.QUESTION, text, done
    if _TESTBED_RE.search(text):
        return Kind.TESTBED, text, done
    return Kind.PLAN, text, done


def heading_kind(text: str) -> str | None:
    key = " ".join(text.lower().split())
    if "focus" in key:
        return TaskForce.Kind.FOCUS_AREA
    return KIND_HEADINGS.get(key)
