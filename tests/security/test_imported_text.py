"""Imported outlines take the one text normaliser: no control character reaches a title."""

from deliverables.importer import import_roadmap_outline
from tests import factories


def test_control_characters_in_an_imported_outline_never_reach_a_title(db):
    roadmap = factories.make_roadmap()

    import_roadmap_outline("- April\r\n  - Pilot\x00 \x1b[31mkiller\x7f\r\n", roadmap=roadmap)

    titles = list(roadmap.deliverables.values_list("title", flat=True))
    assert titles == ["Pilot [31mkiller"]
