import datetime

import pytest

from adcmeet.lib.outline import OutlineError
from adcmeet.meetings.seed import read
from deliverables.importer import (
    import_roadmap_outline,
    preview_roadmap_outline,
    resolve_period,
)
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from tests import factories

pytestmark = pytest.mark.django_db

SEED = read("roadmap.md")


@pytest.fixture
def roadmap():
    return Roadmap.objects.create(name="PanDA+Prodsys", year=2011)


def titles(period: Period) -> list[str]:
    return list(period.deliverables.order_by("position").values_list("title", flat=True))


def import_errors(text: str, roadmap: Roadmap) -> list[tuple[int, str]]:
    with pytest.raises(OutlineError) as caught:
        import_roadmap_outline(text, roadmap=roadmap)
    return caught.value.errors


def test_the_seed_strawman_gives_21_deliverables_in_six_periods(roadmap, manager):
    result = import_roadmap_outline(SEED, roadmap=roadmap, by=manager)
    assert result.saved
    assert len(result.new_deliverables) == 21
    counts = {p.label: p.deliverables.count() for p in roadmap.periods.order_by("order")}
    assert counts == {"April": 3, "May": 5, "June": 3, "Summer": 5, "Fall": 3, "Later": 2}
    assert titles(roadmap.periods.get(label="April")) == [
        "T1-T1 PD2P implemented & under test",
        "new looping job killer in pilot",
        "post-Graeme support for autopsyfactory defined",
    ]


def test_periods_get_dates_from_the_roadmap_year_and_later_never_ends(roadmap):
    import_roadmap_outline(SEED, roadmap=roadmap)
    spans = [(p.label, p.start, p.end) for p in roadmap.periods.order_by("order")]
    d = datetime.date
    assert spans == [
        ("April", d(2011, 4, 1), d(2011, 4, 30)),
        ("May", d(2011, 5, 1), d(2011, 5, 31)),
        ("June", d(2011, 6, 1), d(2011, 6, 30)),
        ("Summer", d(2011, 7, 1), d(2011, 8, 31)),  # June is taken: summer starts in July
        ("Fall", d(2011, 9, 1), d(2011, 12, 31)),
        ("Later", d(2012, 1, 1), None),
    ]


def test_question_marks_make_tentative_deliverables_and_parentheses_notes(roadmap):
    import_roadmap_outline(SEED, roadmap=roadmap)
    tentative = Deliverable.objects.filter(roadmap=roadmap, tentative=True)
    assert tentative.count() == 8
    assert set(tentative.filter(period__label="Fall").values_list("title", flat=True)) == {
        "task support reworked to support analysis as well as production",
        "prodsys dynamic job definition",
        "AKTR de-cronified",
    }
    # A "?" inside the title is not a trailing one.
    affinity = Deliverable.objects.get(title__startswith="PanDA Tier3 WN data affinity")
    assert affinity.title.endswith("at 2+? interested sites")
    assert not affinity.tentative
    sharing = Deliverable.objects.get(title="Workload sharing in all-core queues")
    assert sharing.tentative
    assert sharing.notes == "for efficient usage when athenaMP doesn't fill them"
    control = Deliverable.objects.get(title__startswith="Active analysis job control")
    assert (control.tentative, control.notes) == (True, "kill, retry, peek")


def test_the_first_known_project_named_in_a_title_sets_its_project(roadmap):
    import_roadmap_outline(SEED, roadmap=roadmap)

    def project_of(title):
        return Deliverable.objects.get(title=title).project.name

    assert project_of("new looping job killer in pilot") == "Pilot"
    assert project_of("LFC registration in Panda server") == "PanDA"
    assert project_of("post-Graeme support for autopsyfactory defined") == "AutoPyFactory"
    assert project_of("Hammercloud for Prod queues black/whitelisting") == "HammerCloud"
    assert project_of("AKTR de-cronified") == "Prodsys"
    assert Deliverable.objects.get(title="T1-T1 PD2P implemented & under test").project is None


def test_a_project_prefix_sets_the_project_and_leaves_the_title(roadmap):
    text = "- May\n  - DDM: consistency service\n  - Note: this is not a project\n"
    import_roadmap_outline(text, roadmap=roadmap)
    consistency = Deliverable.objects.get(title="consistency service")
    assert consistency.project.name == "DDM"
    assert Deliverable.objects.get(title="Note: this is not a project").project is None


def test_known_projects_are_created_once_and_unknown_names_never(roadmap):
    factories.make_project("PanDA")
    import_roadmap_outline(
        "- May\n  - AGIS topology\n  - PanDA server\n  - Foo bar\n", roadmap=roadmap
    )
    assert sorted(Project.objects.values_list("name", flat=True)) == ["AGIS", "PanDA"]


def test_every_new_deliverable_gets_a_created_history_entry(roadmap, manager):
    import_roadmap_outline(SEED, roadmap=roadmap, by=manager)
    changes = DeliverableChange.objects.filter(deliverable__roadmap=roadmap)
    assert changes.count() == 21
    assert set(changes.values_list("kind", "by", "to_status")) == {
        (DeliverableChange.Kind.CREATED, manager.pk, "planned")
    }
    assert all(c.to_period_id == c.deliverable.period_id for c in changes)


def test_importing_the_same_outline_again_changes_nothing(roadmap):
    import_roadmap_outline(SEED, roadmap=roadmap)
    before = (
        Deliverable.objects.count(),
        Period.objects.count(),
        DeliverableChange.objects.count(),
    )
    again = import_roadmap_outline(SEED, roadmap=roadmap)
    assert again.changes_nothing
    assert len(again.existing_deliverables) == 21
    after = (Deliverable.objects.count(), Period.objects.count(), DeliverableChange.objects.count())
    assert after == before


def test_a_slipped_or_deleted_deliverable_is_not_imported_again(roadmap):
    import_roadmap_outline(SEED, roadmap=roadmap)
    killer = Deliverable.objects.get(title="new looping job killer in pilot")
    killer.period = roadmap.periods.get(label="May")
    killer.save()
    Deliverable.objects.filter(title="Dashboard based task monitor").update(
        deleted_at=datetime.datetime(2011, 5, 2, tzinfo=datetime.UTC)
    )
    assert import_roadmap_outline(SEED, roadmap=roadmap).changes_nothing
    assert Deliverable.objects.filter(title="new looping job killer in pilot").count() == 1


def test_new_lines_are_added_after_the_existing_ones(roadmap):
    import_roadmap_outline(SEED, roadmap=roadmap)
    result = import_roadmap_outline(
        "- April\n  - new looping job killer in pilot\n  - pilot release 46?\n", roadmap=roadmap
    )
    assert [d.title for d in result.new_deliverables] == ["pilot release 46"]
    assert titles(roadmap.periods.get(label="April"))[-1] == "pilot release 46"


def test_periods_can_be_headings(roadmap):
    import_roadmap_outline(
        "# Roadmap\n## April\n- one\n- two\n## Later\n- three?\n", roadmap=roadmap
    )
    assert titles(roadmap.periods.get(label="April")) == ["one", "two"]
    assert roadmap.periods.get(label="Later").deliverables.get().tentative


def test_months_after_december_roll_into_the_next_year(roadmap):
    import_roadmap_outline("- November\n  - a\n- January\n  - b\n- Q2\n  - c\n", roadmap=roadmap)
    spans = {p.label: (p.start, p.end) for p in roadmap.periods.all()}
    assert spans["January"] == (datetime.date(2012, 1, 1), datetime.date(2012, 1, 31))
    assert spans["Q2"] == (datetime.date(2012, 4, 1), datetime.date(2012, 6, 30))


def test_sub_bullets_of_a_deliverable_become_its_notes(roadmap):
    import_roadmap_outline(
        "- June\n  - pilot release (with the new killer)\n    - tested on HammerCloud\n",
        roadmap=roadmap,
    )
    release = Deliverable.objects.get(title="pilot release")
    assert release.notes == "with the new killer\n- tested on HammerCloud"


def test_existing_periods_are_reused_and_new_ones_kept_in_date_order(roadmap):
    for order, (label, month) in enumerate([("April", 4), ("June", 6)]):
        Period.objects.create(
            roadmap=roadmap,
            label=label,
            order=order,
            start=datetime.date(2011, month, 1),
            end=datetime.date(2011, month, 30),
        )
    import_roadmap_outline("- May\n  - x\n- June\n  - y\n", roadmap=roadmap)
    labels = list(roadmap.periods.order_by("order").values_list("label", flat=True))
    assert labels == ["April", "May", "June"]
    assert list(roadmap.periods.order_by("order").values_list("order", flat=True)) == [0, 1, 2]


def test_a_new_period_overlapping_an_existing_one_is_refused():
    roadmap = factories.make_roadmap(2031)
    errors = import_errors("- July\n  - x\n", roadmap)
    assert errors == [
        (
            1,
            "“July” (1 Jul 2031 to 31 Jul 2031) overlaps the roadmap's “Summer” "
            "(1 Jul 2031 to 31 Aug 2031)",
        )
    ]


def test_broken_outlines_report_line_numbers_and_save_nothing(roadmap):
    broken = (
        "# Priority dev deliverables\n"  # 1
        "- stray item outside any period\n"  # 2
        "- April\n"  # 3
        "  - fine\n"  # 4
        "     - five spaces\n"  # 5
        "  - fine too\n"  # 6
        "- May\n"  # 7
        "  - " + "x" * 301 + "\n"  # 8
        "  -\n"  # 9
    )
    errors = import_errors(broken, roadmap)
    assert [line for line, _ in errors] == [5, 9]  # unreadable lines come first
    assert Deliverable.objects.count() == 0
    # Once the lines read, the outline's meaning is checked, all at once.
    broken = broken.replace("     - five spaces\n", "    - sub\n").replace("  -\n", "")
    errors = import_errors(broken, roadmap)
    assert errors == [
        (
            2,
            "“stray item outside any period” is not under a period: put it under a month, "
            "a season, a quarter or “Later”",
        ),
        (8, "deliverable title is 301 characters; at most 300"),
    ]
    assert (Deliverable.objects.count(), Period.objects.count(), Project.objects.count()) == (
        0,
        0,
        0,
    )
    assert DeliverableChange.objects.count() == 0


def test_duplicates_and_periods_after_later_are_refused(roadmap):
    errors = import_errors("- Later\n  - a\n  - A\n- Fall\n  - b\n- Later\n", roadmap)
    assert errors == [
        (3, "“A” appears twice (also line 2)"),
        (4, "“Fall” comes after the open-ended “Later”"),
        (6, "period “Later” appears twice (also line 1)"),
    ]


def test_an_outline_without_periods_is_refused(roadmap):
    assert import_errors("# Just a title\nsome text\n", roadmap) == [
        (0, "no periods found: write them as headings or top-level bullets")
    ]


def test_preview_says_what_would_be_created_and_saves_nothing(roadmap):
    import_roadmap_outline("- April\n  - new looping job killer in pilot\n", roadmap=roadmap)
    preview = preview_roadmap_outline(SEED, roadmap)
    assert not preview.saved
    assert len(preview.new_deliverables) == 20
    assert [d.title for d in preview.existing_deliverables] == ["new looping job killer in pilot"]
    assert [p.label for p in preview.new_periods] == ["May", "June", "Summer", "Fall", "Later"]
    assert "AGIS" in preview.new_projects
    assert Deliverable.objects.count() == 1
    assert Period.objects.count() == 1


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("April", (4, 4, None, False)),
        ("sept", (9, 9, None, False)),
        ("Summer:", (6, 8, None, False)),
        ("Autumn", (9, 12, None, False)),
        ("Winter", (1, 2, None, False)),
        ("Q3", (7, 9, None, False)),
        ("Spring 2012", (3, 5, 2012, False)),
        ("Later", (1, 12, None, True)),
        ("Longer term", (1, 12, None, True)),
    ],
)
def test_period_names_resolve_to_buckets(label, expected):
    bucket = resolve_period(label)
    assert (bucket.first, bucket.last, bucket.year, bucket.open_ended) == expected


@pytest.mark.parametrize("label", ["PanDA", "April fools", "Later 2012", "", "Q5"])
def test_other_words_are_not_periods(label):
    assert resolve_period(label) is None
