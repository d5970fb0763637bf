"""Outline editing rules: ordering, nesting, no cycles, indent/outdent, delete."""

import pytest

from adcmeet.core.versioning import Conflict, Refused
from taskforces import actions
from taskforces.models import OutlineItem
from tests.factories import make_checkpoint, make_task_force

pytestmark = pytest.mark.django_db


def tree(task_force) -> list:
    """The outline as nested (text, [children]) pairs, in display order."""
    items = list(OutlineItem.objects.filter(task_force=task_force))

    def grow(parent_id):
        level = sorted(
            (i for i in items if i.parent_id == parent_id), key=lambda i: (i.position, i.pk)
        )
        return [(i.text, grow(i.pk)) for i in level]

    return grow(None)


def positions(task_force, parent=None) -> list[int]:
    return list(
        OutlineItem.objects.filter(task_force=task_force, parent=parent)
        .order_by("position")
        .values_list("position", flat=True)
    )


@pytest.fixture
def caching():
    tf = make_task_force("File and event level caching", slug="caching")
    plans = actions.add_item(task_force=tf, text="Near term activities")
    for text in (
        "Relationship and commonalities between the two",
        "Event level caching approach & protocol",
        "Testing plan, performance for representative use cases",
    ):
        actions.add_item(task_force=tf, text=text, parent_id=plans.pk)
    return tf


def item(tf, text) -> OutlineItem:
    return OutlineItem.objects.get(task_force=tf, text=text)


def test_added_items_go_to_the_end_of_their_level(caching):
    assert tree(caching) == [
        (
            "Near term activities",
            [
                ("Relationship and commonalities between the two", []),
                ("Event level caching approach & protocol", []),
                ("Testing plan, performance for representative use cases", []),
            ],
        )
    ]
    assert positions(caching, item(caching, "Near term activities")) == [0, 1, 2]


def test_text_is_one_line_and_never_empty(caching):
    added = actions.add_item(task_force=caching, text="  Brokering  for\nreuse  ")
    assert added.text == "Brokering for reuse"
    with pytest.raises(Refused, match="cannot be empty"):
        actions.add_item(task_force=caching, text=" \n ")


def test_moving_up_and_down_swaps_neighbours_and_keeps_positions_dense(caching):
    protocol = item(caching, "Event level caching approach & protocol")
    protocol = actions.move_item(item=protocol, direction="up", version=protocol.version)
    children = [text for text, _ in tree(caching)[0][1]]
    assert children == [
        "Event level caching approach & protocol",
        "Relationship and commonalities between the two",
        "Testing plan, performance for representative use cases",
    ]
    protocol = actions.move_item(item=protocol, direction="down", version=protocol.version)
    protocol = actions.move_item(item=protocol, direction="down", version=protocol.version)
    children = [text for text, _ in tree(caching)[0][1]]
    assert children[-1] == "Event level caching approach & protocol"
    assert positions(caching, item(caching, "Near term activities")) == [0, 1, 2]


def test_the_first_item_cannot_move_up_nor_the_last_down(caching):
    first = item(caching, "Relationship and commonalities between the two")
    last = item(caching, "Testing plan, performance for representative use cases")
    with pytest.raises(Refused, match="already first"):
        first = actions.move_item(item=first, direction="up", version=first.version)
    with pytest.raises(Refused, match="already last"):
        last = actions.move_item(item=last, direction="down", version=last.version)


def test_indent_nests_under_the_item_above_and_outdent_puts_it_back_after_its_parent(caching):
    protocol = item(caching, "Event level caching approach & protocol")
    protocol = actions.move_item(item=protocol, direction="indent", version=protocol.version)
    assert tree(caching)[0][1] == [
        (
            "Relationship and commonalities between the two",
            [("Event level caching approach & protocol", [])],
        ),
        ("Testing plan, performance for representative use cases", []),
    ]
    protocol = actions.move_item(item=protocol, direction="outdent", version=protocol.version)
    assert [text for text, _ in tree(caching)[0][1]] == [
        "Relationship and commonalities between the two",
        "Event level caching approach & protocol",
        "Testing plan, performance for representative use cases",
    ]
    assert positions(caching, item(caching, "Near term activities")) == [0, 1, 2]


def test_outdenting_a_top_level_item_or_indenting_the_first_one_is_refused(caching):
    top = item(caching, "Near term activities")
    with pytest.raises(Refused, match="already at the top level"):
        top = actions.move_item(item=top, direction="outdent", version=top.version)
    with pytest.raises(Refused, match="no item above"):
        top = actions.move_item(item=top, direction="indent", version=top.version)
    first_child = item(caching, "Relationship and commonalities between the two")
    with pytest.raises(Refused, match="no item above"):
        first_child = actions.move_item(
            item=first_child, direction="indent", version=first_child.version
        )


def test_outdenting_a_child_places_it_right_after_its_parent_among_its_new_siblings(caching):
    later = actions.add_item(task_force=caching, text="Brokering for reuse")
    testing = item(caching, "Testing plan, performance for representative use cases")
    testing = actions.move_item(item=testing, direction="outdent", version=testing.version)
    assert [text for text, _ in tree(caching)] == [
        "Near term activities",
        "Testing plan, performance for representative use cases",
        "Brokering for reuse",
    ]
    assert positions(caching) == [0, 1, 2]
    assert OutlineItem.objects.get(pk=later.pk).position == 2


def test_an_item_cannot_be_nested_inside_itself_or_its_descendants(caching):
    top = item(caching, "Near term activities")
    child = item(caching, "Relationship and commonalities between the two")
    grandchild = actions.add_item(task_force=caching, text="Shared index", parent_id=child.pk)
    for parent in (top, child, grandchild):
        with pytest.raises(Refused, match="inside itself"):
            actions.edit_item(
                item=top,
                version=top.version,
                text=top.text,
                kind=top.kind,
                checkpoint=None,
                parent_id=parent.pk,
            )
    top.refresh_from_db()
    assert top.parent_id is None


def test_a_parent_from_another_task_force_is_refused():
    rucio = make_task_force("Rucio")
    nosql = make_task_force("NoSQL databases", slug="nosql")
    theirs = actions.add_item(task_force=nosql, text="Cassandra testbed at BNL")
    with pytest.raises(Refused, match="not in this task force"):
        actions.add_item(task_force=rucio, text="Rucio for DDM", parent_id=theirs.pk)
    mine = actions.add_item(task_force=rucio, text="Rucio for DDM")
    with pytest.raises(Refused, match="not in this task force"):
        actions.edit_item(
            item=mine,
            version=mine.version,
            text=mine.text,
            kind=mine.kind,
            checkpoint=None,
            parent_id=theirs.pk,
        )
    assert OutlineItem.objects.filter(task_force=rucio, parent__isnull=False).count() == 0


def test_editing_moves_an_item_under_a_new_parent_at_the_end(caching):
    brokering = actions.add_item(task_force=caching, text="Brokering for reuse")
    dubna = make_checkpoint()
    edited = actions.edit_item(
        item=brokering,
        version=brokering.version,
        text="Brokering for reuse: strategy and tools",
        kind=OutlineItem.Kind.QUESTION,
        checkpoint=dubna,
        parent_id=item(caching, "Near term activities").pk,
    )
    assert edited.kind == "question"
    assert edited.checkpoint == dubna
    assert edited.version == brokering.version + 1
    assert tree(caching)[0][1][-1] == ("Brokering for reuse: strategy and tools", [])
    assert positions(caching) == [0]


def test_a_stale_edit_is_refused_and_the_newer_text_kept(caching):
    protocol = item(caching, "Event level caching approach & protocol")
    stale_version = protocol.version
    actions.edit_item(
        item=protocol,
        version=stale_version,
        text="Event level caching: approach and protocol",
        kind=protocol.kind,
        checkpoint=None,
        parent_id=protocol.parent_id,
    )
    with pytest.raises(Conflict, match="Someone else changed"):
        actions.edit_item(
            item=protocol,
            version=stale_version,
            text="Overwritten",
            kind=protocol.kind,
            checkpoint=None,
            parent_id=protocol.parent_id,
        )
    protocol.refresh_from_db()
    assert protocol.text == "Event level caching: approach and protocol"


def test_ticking_done_twice_is_harmless(caching):
    testing = item(caching, "Testing plan, performance for representative use cases")
    seen = testing.version
    actions.set_done(item=testing, done=True, version=seen)
    # The double click comes with the version the page showed: nothing to refuse, nothing lost.
    again = actions.set_done(item=testing, done=True, version=seen)
    assert (again.done, again.version) == (True, seen + 1)
    reopened = actions.set_done(item=testing, done=False, version=again.version)
    assert reopened.done is False
    # Reopening from a page that still shows it open is a conflict: someone ticked it since.
    with pytest.raises(Conflict):
        actions.set_done(item=testing, done=True, version=again.version)


def test_deleting_an_item_keeps_its_sub_items_in_its_place(caching):
    after = actions.add_item(task_force=caching, text="Brokering for reuse")
    near_term = item(caching, "Near term activities")
    actions.delete_item(item=near_term, version=near_term.version)
    assert [text for text, _ in tree(caching)] == [
        "Relationship and commonalities between the two",
        "Event level caching approach & protocol",
        "Testing plan, performance for representative use cases",
        "Brokering for reuse",
    ]
    assert positions(caching) == [0, 1, 2, 3]
    assert OutlineItem.objects.get(pk=after.pk).position == 3
