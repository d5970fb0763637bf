import pytest

from adcmeet.lib.outline import OutlineError
from adcmeet.meetings.seed import read
from taskforces.importer import (
    import_outline_items,
    import_task_forces,
    infer_kind,
    preview_outline_items,
    preview_task_forces,
)
from taskforces.models import CheckpointGoal, OutlineItem, TaskForce
from tests import factories

pytestmark = pytest.mark.django_db

Kind = OutlineItem.Kind


def outline_of(task_force: TaskForce) -> list[tuple[int, str, str]]:
    """(depth, kind, text) in reading order."""
    rows = list(task_force.outline.order_by("parent_id", "position", "id"))
    children: dict[int | None, list[OutlineItem]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[tuple[int, str, str]] = []

    def visit(parent_id, depth):
        for row in sorted(children.get(parent_id, []), key=lambda r: r.position):
            out.append((depth, row.kind, row.text))
            visit(row.pk, depth + 1)

    visit(None, 0)
    return out


def test_the_seed_task_forces_and_r_and_d_are_created_with_their_kinds():
    result = import_task_forces(read("taskforces.md"))
    assert len(result.new_task_forces) == 7
    kinds = dict(TaskForce.objects.values_list("name", "kind"))
    assert kinds == {
        "Cloud computing evaluation": "rnd",
        "File & event level caching": "rnd",
        "Rucio": "rnd",
        "NoSQL databases": "rnd",
        "Network Monitoring": "taskforce",
        "Multicores": "taskforce",
        "CVMFS": "taskforce",
    }
    rucio = TaskForce.objects.get(name="Rucio")
    assert rucio.scope == "architecture, scope, components, technologies"
    assert rucio.slug == "rucio"
    assert TaskForce.objects.get(name="File & event level caching").slug == (
        "file-and-event-level-caching"
    )
    cvmfs = TaskForce.objects.get(name="CVMFS")
    assert cvmfs.scope == "not really dev, more commissioning and deployment"
    assert outline_of(cvmfs) == [(0, Kind.PLAN, "Stable system by Spring")]


def test_nosql_has_two_testbeds_and_three_use_cases():
    import_task_forces(read("taskforces.md"))
    nosql = TaskForce.objects.get(name="NoSQL databases")
    assert outline_of(nosql) == [
        (0, Kind.TESTBED, "Cassandra testbed at BNL"),
        (0, Kind.TESTBED, "Testbed needed at CERN"),
        (0, Kind.NOTE, "First use cases identified"),
        (1, Kind.USE_CASE, "DDM accounting"),
        (1, Kind.USE_CASE, "Panda Monitoring archive"),
        (1, Kind.USE_CASE, "DDM trace monitoring"),
    ]


def test_nesting_questions_and_notes_are_kept():
    import_task_forces(read("taskforces.md"))
    network = TaskForce.objects.get(name="Network Monitoring")
    assert outline_of(network) == [
        (0, Kind.PLAN, "Extend the USATLAS suite to other clouds (someone?)"),
        (1, Kind.QUESTION, "perfSONAR everywhere?"),
        (
            1,
            Kind.PLAN,
            "Convergence between USATLAS transfer tests and T2D commissioning sonar test",
        ),
        (0, Kind.NOTE, "All this in conjunction with OPN, LHCONE, other exps"),
    ]


def test_focus_topics_become_focus_areas_with_open_questions():
    import_task_forces(read("focus.md"), kind=TaskForce.Kind.TASK_FORCE)
    focus = TaskForce.objects.filter(kind=TaskForce.Kind.FOCUS_AREA)
    assert sorted(focus.values_list("name", flat=True)) == [
        "Coherence and collaboration in monitoring",
        "PanDA evolution",
        "PanDA/site metadata rationalization",
        "Prodsys evolution",
    ]
    panda = TaskForce.objects.get(name="PanDA evolution")
    questions = list(panda.open_questions().values_list("text", flat=True))
    assert questions[0] == "Pilot - can/should we leverage GlideinWMS? If so how?"
    assert len(questions) == 3


def test_a_checkpoint_gives_each_task_force_a_goal_once():
    dubna = factories.make_checkpoint()
    import_task_forces(read("taskforces.md"), checkpoint=dubna)
    import_task_forces(read("taskforces.md"), checkpoint=dubna)
    goals = dict(
        CheckpointGoal.objects.filter(checkpoint=dubna).values_list("task_force__name", "goal")
    )
    assert len(goals) == 7
    assert goals["Cloud computing evaluation"] == "Near term plans"
    assert goals["NoSQL databases"] == ""


def test_importing_twice_changes_nothing_and_new_lines_land_under_their_parent():
    import_task_forces(read("taskforces.md"))
    before = (TaskForce.objects.count(), OutlineItem.objects.count())
    assert import_task_forces(read("taskforces.md")).changes_nothing
    assert (TaskForce.objects.count(), OutlineItem.objects.count()) == before

    result = import_task_forces(
        "- nosql databases\n  - First use cases identified\n    - Rucio catalogue\n"
    )
    assert [i.text for i in result.new_items] == ["Rucio catalogue"]
    nosql = TaskForce.objects.get(name="NoSQL databases")
    assert outline_of(nosql)[-1] == (1, Kind.USE_CASE, "Rucio catalogue")


def test_items_can_be_imported_into_one_task_force():
    rucio = factories.make_task_force("Rucio", kind=TaskForce.Kind.RND)
    factories.make_outline_item(rucio, "Architecture")
    text = "- Architecture\n  - [x] Components chosen\n- Question: which database\n"
    preview = preview_outline_items(text, task_force=rucio)
    assert [i.text for i in preview.new_items] == ["Components chosen", "which database"]
    assert OutlineItem.objects.count() == 1
    import_outline_items(text, task_force=rucio)
    assert outline_of(rucio) == [
        (0, Kind.PLAN, "Architecture"),
        (1, Kind.PLAN, "Components chosen"),
        (0, Kind.QUESTION, "which database"),
    ]
    assert OutlineItem.objects.get(text="Components chosen").done
    assert import_outline_items(text, task_force=rucio).changes_nothing


def test_broken_outlines_name_their_lines_and_save_nothing():
    broken = "- Rucio\n  - a\n      - too deep\n- rucio\n  - b\n"
    with pytest.raises(OutlineError) as caught:
        import_task_forces(broken)
    assert caught.value.errors[0][0] == 3
    with pytest.raises(OutlineError) as caught:
        import_task_forces(broken.replace("      - too deep\n", "  - a\n"))
    assert caught.value.errors == [
        (3, "“a” appears twice here (also line 2)"),
        (4, "task force “rucio” appears twice (also line 1)"),
    ]
    assert (TaskForce.objects.count(), OutlineItem.objects.count()) == (0, 0)


def test_a_document_without_bullets_is_refused():
    with pytest.raises(OutlineError) as caught:
        preview_task_forces("# R&D\nnothing yet\n")
    assert caught.value.errors == [(0, "no task forces found: write each as a top-level bullet")]


@pytest.mark.parametrize(
    ("line", "context", "expected"),
    [
        ("Use case: DDM accounting", {}, (Kind.USE_CASE, "DDM accounting", False)),
        ("[x] Testbed at BNL", {}, (Kind.TESTBED, "Testbed at BNL", True)),
        ("[ ] perfSONAR everywhere?", {}, (Kind.QUESTION, "perfSONAR everywhere?", False)),
        (
            "Messaging & notification",
            {"focus": True},
            (Kind.QUESTION, "Messaging & notification", False),
        ),
        ("Rucio for DDM: overview", {}, (Kind.PLAN, "Rucio for DDM: overview", False)),
        ("Use cases", {"has_children": True}, (Kind.NOTE, "Use cases", False)),
        (
            "DDM accounting",
            {"parent_is_use_case_group": True},
            (Kind.USE_CASE, "DDM accounting", False),
        ),
    ],
)
def test_kinds_are_inferred_from_the_line(line, context, expected):
    assert infer_kind(line, **context) == expected
