import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adcmeet.lib.outline import (
    BULLET,
    HEADING,
    MAX_LINE_LENGTH,
    TEXT,
    OutlineError,
    OutlineNode,
    bullet,
    format_item_text,
    heading,
    parse_item_text,
    parse_outline,
    render_outline,
    text_line,
)

STRAWMAN = """\
# Priority dev deliverables

## Incomplete strawman for discussion

- April
  - T1-T1 PD2P implemented & under test
  - new looping job killer in pilot
- June
  - Hammercloud for Prod queues black/whitelisting?
- Later
  - Workload sharing in all-core queues? (for efficient usage when athenaMP doesn't fill them)
  - Active analysis job control via web monitoring interface (kill, retry, peek)?
"""


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(OutlineError) as caught:
        parse_outline(text)
    return caught.value.errors


def test_headings_nest_by_level_and_bullets_by_indentation():
    [top] = parse_outline(STRAWMAN)
    assert top.kind == HEADING
    assert top.level == 1
    [sub] = top.children
    assert (sub.text, sub.level) == ("Incomplete strawman for discussion", 2)
    assert [p.text for p in sub.children] == ["April", "June", "Later"]
    april = sub.children[0]
    assert [c.text for c in april.children] == [
        "T1-T1 PD2P implemented & under test",
        "new looping job killer in pilot",
    ]
    assert april.children[0].level == 1
    assert april.children[0].line_no == 6


def test_a_trailing_question_mark_is_tentative_and_a_parenthesised_tail_is_a_note():
    later = parse_outline(STRAWMAN)[0].children[0].children[2]
    sharing, control = later.children
    assert sharing.text == "Workload sharing in all-core queues"
    assert sharing.tentative
    assert sharing.note == "for efficient usage when athenaMP doesn't fill them"
    assert control.text == "Active analysis job control via web monitoring interface"
    assert control.tentative
    assert control.note == "kill, retry, peek"
    june = parse_outline(STRAWMAN)[0].children[0].children[1]
    assert june.children[0].tentative
    assert june.children[0].note is None


def test_a_question_mark_inside_the_text_is_not_tentative():
    assert parse_item_text("PanDA Tier3 WN data affinity deployment at 2+? interested sites") == (
        "PanDA Tier3 WN data affinity deployment at 2+? interested sites",
        False,
        None,
    )


def test_escaped_trailing_characters_are_part_of_the_text():
    assert parse_item_text(r"Why not GlideinWMS\?") == ("Why not GlideinWMS?", False, None)
    assert parse_item_text(r"Timing (UTC\)") == ("Timing (UTC)", False, None)
    assert format_item_text("Why?", tentative=True) == r"Why\??"


def test_four_space_and_tab_indentation_are_read():
    four = "- May\n    - LFC registration in Panda server\n        - at CERN first\n"
    [may] = parse_outline(four)
    assert may.children[0].children[0].text == "at CERN first"
    tabs = "- May\n\t- LFC registration in Panda server\n"
    assert parse_outline(tabs)[0].children[0].text == "LFC registration in Panda server"


def test_star_and_plus_bullets_and_blank_lines_and_crlf_are_accepted():
    outline = parse_outline("* May\r\n\r\n  + Dashboard based task monitor\r\n")
    assert outline == [bullet("May", bullet("Dashboard based task monitor"))]


def test_plain_lines_become_text_nodes_under_their_heading():
    [section] = parse_outline("# Task Force and R&D\nDubna workshop is the natural checkpoint\n")
    assert section.children == [text_line("Dubna workshop is the natural checkpoint")]
    assert section.children[0].kind == TEXT


def test_inconsistent_indentation_is_reported_with_its_line_number():
    errors = errors_of("- April\n  - one\n   - two\n")
    assert errors == [(3, "indented by 3 spaces, not a multiple of 2 (the indentation of line 2)")]


def test_a_bullet_two_levels_deeper_than_its_parent_is_refused():
    errors = errors_of("- April\n  - one\n      - too deep\n")
    assert errors[0][0] == 3
    assert "2 levels deeper" in errors[0][1]


def test_an_indented_first_bullet_has_no_parent():
    errors = errors_of("# May\n  - orphan\n")
    assert errors == [(2, "bullet is indented but has no bullet above it to belong to")]


def test_mixed_tabs_and_spaces_are_refused():
    assert "mixed" in errors_of("- April\n \t- one\n")[0][1]
    errors = errors_of("- April\n  - one\n\t- two\n")
    assert errors == [(3, "indented with tabs, but line 2 is indented with spaces")]


def test_empty_bullets_and_headings_are_refused():
    assert errors_of("- April\n  -\n  - fine\n#\n") == [
        (2, "empty bullet: write the item after the dash"),
        (4, "empty heading: write its title after the '#'"),
    ]


def test_overlong_lines_are_refused():
    errors = errors_of("- " + "x" * MAX_LINE_LENGTH + "\n")
    assert errors == [(1, f"line is {MAX_LINE_LENGTH + 2} characters long; the limit is 500")]


def test_indented_plain_text_is_refused():
    errors = errors_of("- April\n  continued on the next line\n")
    assert errors[0][0] == 2
    assert "not a bullet" in errors[0][1]


def test_every_unreadable_line_is_reported_at_once():
    errors = errors_of("- a\n  - b\n   - c\n-\n####### x\n")
    assert [n for n, _ in errors] == [3, 4, 5]
    assert str(OutlineError(errors)).startswith("line 3: ")


def test_render_writes_the_canonical_style():
    tree = [
        heading(
            "Priority dev deliverables",
            1,
            heading("Strawman", 2, bullet("Later", bullet("Role for glideinWMS", tentative=True))),
        )
    ]
    assert render_outline(tree) == (
        "# Priority dev deliverables\n\n## Strawman\n- Later\n  - Role for glideinWMS?\n"
    )
    assert render_outline(tree, indent=4).endswith("\n    - Role for glideinWMS?\n")


def test_render_refuses_a_tree_that_would_not_read_back():
    with pytest.raises(ValueError, match="would belong to the heading before it"):
        render_outline([heading("A"), bullet("b")])
    with pytest.raises(ValueError, match="would nest under"):
        render_outline([heading("A", 1), heading("B", 2)])
    with pytest.raises(ValueError, match="parentheses"):
        render_outline([bullet("x", note="a) (b")])
    with pytest.raises(ValueError, match="one line"):
        render_outline([bullet("two\nlines")])


def test_the_seed_strawman_round_trips():
    nodes = parse_outline(STRAWMAN)
    assert parse_outline(render_outline(nodes)) == nodes


# --- property: render then parse gives the same tree ---------------------------------------

_words = st.text(
    alphabet=st.sampled_from("abcXYZ019 ?()\\&/:;.,=>-*+#'\"é"), min_size=1, max_size=30
).map(str.strip)
_text = _words.filter(bool)
_plain_note = _text.map(
    lambda n: n.replace("(", "[").replace(")", "]").rstrip("\\").strip()
).filter(bool)
# Notes may hold balanced parentheses: "(kill, retry (and peek))".
_note = st.one_of(
    st.none(),
    _plain_note,
    st.builds(lambda a, b: f"{a} ({b})", _plain_note, _plain_note),
)


def _bullets(depth: int = 0):
    leaf = st.builds(
        lambda t, q, n: OutlineNode(t, BULLET, depth, [], q, n), _text, st.booleans(), _note
    )
    if depth >= 3:
        return leaf
    return st.builds(
        lambda t, q, n, kids: OutlineNode(t, BULLET, depth, kids, q, n),
        _text,
        st.booleans(),
        _note,
        st.lists(st.deferred(lambda: _bullets(depth + 1)), max_size=3),
    )


_texts = st.builds(
    lambda t, q, n: text_line(t, tentative=q, note=n),
    _text.filter(lambda t: t[0] not in "#-*+"),
    st.booleans(),
    _note,
)


def _body():
    return st.lists(st.one_of(_bullets(), _texts), max_size=3)


def _headings(level: int):
    """Sibling headings at one level; a level-`level` heading holds deeper ones."""
    body = _body()
    subs = st.just([]) if level >= 3 else st.deferred(lambda: _headings(level + 1))
    node = st.builds(
        lambda t, q, n, b, s: OutlineNode(t, HEADING, level, b + s, q, n),
        _text,
        st.booleans(),
        _note,
        body,
        subs,
    )
    return st.lists(node, max_size=3)


_trees = st.builds(lambda body, heads: body + heads, _body(), _headings(1))


@settings(max_examples=200, deadline=None)
@given(_trees, st.sampled_from([1, 2, 4]))
def test_parse_of_render_is_the_identity(tree, indent):
    assert parse_outline(render_outline(tree, indent=indent)) == tree


@settings(max_examples=200, deadline=None)
@given(_text, st.booleans(), _note)
def test_format_then_parse_item_text_round_trips(text, tentative, note):
    assert parse_item_text(format_item_text(text, tentative=tentative, note=note)) == (
        text,
        tentative,
        note,
    )
