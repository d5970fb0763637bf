"""CSV and Markdown outline exports, the web import, and the round trip between them."""

import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from adcmeet.meetings.seed import read
from deliverables import actions
from deliverables.importer import OutlineError, import_roadmap_outline
from deliverables.models import Deliverable, Roadmap
from tests import factories
from tests.deliverables.conftest import period

pytestmark = pytest.mark.django_db

SEED = read("roadmap.md")


def shape(roadmap: Roadmap) -> list:
    """What makes two roadmaps "the same": periods in order with their dates and
    deliverables (the order numbers themselves are bookkeeping)."""
    return [
        (
            (p.label, p.start, p.end),
            [
                (
                    d.title,
                    d.tentative,
                    d.project.name if d.project else None,
                    d.notes,
                    d.status,
                    d.done_on,
                    sorted(d.owners.values_list("username", flat=True)),
                    d.deadline,
                    d.lead_time_days,
                    d.start_by,
                )
                for d in p.deliverables.live().order_by("position", "id")
            ],
        )
        for p in roadmap.periods.order_by("order")
    ]


@pytest.fixture
def seeded(db):
    roadmap = Roadmap.objects.create(name="PanDA+Prodsys", year=2011)
    import_roadmap_outline(SEED, roadmap=roadmap)
    return roadmap


def test_the_markdown_export_reads_like_the_slides(client, seeded):
    response = client.get(f"/roadmaps/{seeded.pk}/export.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert 'filename="roadmap-pandaprodsys-2011.md"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith(
        "# Priority dev deliverables\n\n## PanDA+Prodsys 2011, strawman\n- April\n"
    )
    assert "  - new looping job killer in pilot\n" in text
    assert "  - ToA migration to AGIS?\n" in text
    assert (
        "  - Workload sharing in all-core queues? "
        "(for efficient usage when athenaMP doesn't fill them)\n" in text
    )


def test_export_then_import_into_a_fresh_roadmap_gives_the_same_roadmap(client, seeded, manager):
    exported = client.get(f"/roadmaps/{seeded.pk}/export.md").content.decode()
    fresh = Roadmap.objects.create(name="Copy", year=2011)
    client.force_login(manager)
    preview = client.post(f"/roadmaps/{fresh.pk}/import/", {"text": exported, "action": "preview"})
    digest = preview.context["form"].initial["previewed"]
    version = preview.context["form"].initial["version"]
    client.post(
        f"/roadmaps/{fresh.pk}/import/",
        {"text": exported, "action": "confirm", "previewed": digest, "version": version},
    )
    assert shape(fresh) == shape(seeded)
    assert sum(len(items) for _, items in shape(fresh)) == 21


def test_the_round_trip_keeps_projects_notes_and_awkward_titles(client, roadmap, manager):
    panda = factories.make_project("PanDA")
    ddm = factories.make_project("DDM")
    factories.make_deliverable("LFC registration in the server", period="May", project=panda)
    factories.make_deliverable("pilot heartbeat over DDM (for PanDA)", period="May", project=panda)
    factories.make_deliverable("DDM: new tracer", period="June", project=ddm)
    # Without a project, a title must not name one: the outline reads the first named project
    # as the item's project, and cannot say "none".
    factories.make_deliverable("What is the schema?", period="Summer", tentative=True)
    factories.make_deliverable(
        "job archive back end", period="Summer", notes="testbed at BNL\n- schema\n- loader"
    )
    factories.make_deliverable("Sharing (all-core)", period="Later", notes="when athenaMP idles")
    dropped = factories.make_deliverable("gone", period="Fall", status="dropped")
    exported = client.get(f"/roadmaps/{roadmap.pk}/export.md").content.decode()
    # Dropped work is part of the plan's record: it reads back as dropped.
    assert f"  - {dropped.title}\n    - Status: dropped\n" in exported

    fresh = Roadmap.objects.create(name="Copy", year=2011)
    import_roadmap_outline(exported, roadmap=fresh, by=manager)
    assert shape(fresh) == shape(roadmap)


def test_the_round_trip_keeps_status_owners_deadlines_and_lead_times(
    client, roadmap, manager, developer, convener
):
    factories.make_deliverable(
        "Migration to Oracle 11g",
        period="Fall",
        owners=(developer, convener),
        status="in_progress",
        deadline=datetime.date(2012, 1, 15),
        lead_time_days=282,
        notes="Better start NOW.",
    )
    factories.make_deliverable(
        "T1-T1 PD2P implemented", period="April", status="done", done_on=datetime.date(2011, 4, 28)
    )
    factories.make_deliverable("LFC registration", period="May", status="at_risk", tentative=True)
    factories.make_deliverable(
        "dynamic job definition", period="Fall", deadline=datetime.date(2011, 12, 1)
    )
    exported = client.get(f"/roadmaps/{roadmap.pk}/export.md").content.decode()
    assert (
        "  - Migration to Oracle 11g (Better start NOW.)\n"
        "    - Status: in progress\n"
        "    - Owners: alice, bob\n"
        "    - Deadline: 2012-01-15\n"
        "    - Lead time: 282 days (start by 2011-04-08)\n" in exported
    )
    assert "    - Status: done (2011-04-28)\n" in exported

    fresh = Roadmap.objects.create(name="Copy", year=2011)
    import_roadmap_outline(exported, roadmap=fresh, by=manager)
    assert shape(fresh) == shape(roadmap)
    oracle = fresh.deliverables.get(title="Migration to Oracle 11g")
    assert oracle.changes.filter(kind="owners").count() == 1


def test_an_outline_naming_an_unknown_owner_or_a_bad_date_imports_nothing(roadmap, manager):
    outline = (
        "- May\n"
        "  - LFC registration\n"
        "    - Owners: nobody-here\n"
        "  - Dashboard task monitor\n"
        "    - Deadline: next spring\n"
    )
    fresh = Roadmap.objects.create(name="Copy", year=2011)
    with pytest.raises(OutlineError) as refused:
        import_roadmap_outline(outline, roadmap=fresh, by=manager)
    messages = dict(refused.value.errors)
    assert "no account named nobody-here" in messages[2]
    assert "deadline “next spring” is not a date" in messages[5]
    assert not fresh.deliverables.exists()


def test_the_csv_holds_the_filtered_roadmap(client, roadmap, developer):
    panda = factories.make_project("PanDA")
    item = factories.make_deliverable(
        "analysis output file merging", period="May", project=panda, owners=(developer,)
    )
    factories.make_deliverable("not PanDA", period="May")
    response = client.get("/roadmap/export.csv?project=panda")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["period"], row["title"], row["project"], row["owners"]) == (
        "May",
        "analysis output file merging",
        "PanDA",
        "Bob Developer",
    )
    assert row["status"] == "Planned"
    assert row["url"].endswith(f"/deliverables/{item.pk}/")


def test_csv_cells_never_start_a_spreadsheet_formula(client, roadmap):
    factories.make_deliverable('=HYPERLINK("http://evil")', period="May", notes="+1")
    row = next(csv.DictReader(io.StringIO(client.get("/roadmap/export.csv").content.decode())))
    assert row["title"] == '\'=HYPERLINK("http://evil")'
    assert row["notes"] == "'+1"


def test_the_csv_round_trips_the_roadmap(client, seeded, developer):
    first = Deliverable.objects.get(title="new looping job killer in pilot")
    actions.move_to_period(first, period=period(seeded, "May"), by=developer, version=1, reason="x")
    rows = list(csv.DictReader(io.StringIO(client.get("/roadmap/export.csv").content.decode())))
    from_csv = [(r["period"], r["title"], r["tentative"] == "yes") for r in rows]
    from_db = [
        (d.period.label, d.title, d.tentative)
        for d in Deliverable.objects.select_related("period").order_by(
            "period__order", "position", "id"
        )
    ]
    assert from_csv == from_db
    slipped = next(r for r in rows if r["title"] == first.title)
    assert int(slipped["slips"]) >= 1


# --- web import -----------------------------------------------------------------------------


OUTLINE = (
    "# Priority dev deliverables\n"
    "- June\n"
    "  - pilot production testing moved to Hammercloud\n"
    "  - Hammercloud for Prod queues black/whitelisting?\n"
)


@pytest.fixture
def empty(db):
    return Roadmap.objects.create(name="Fresh", year=2011)


def test_a_preview_shows_what_would_be_added_and_saves_nothing(client, empty, manager):
    client.force_login(manager)
    response = client.post(f"/roadmaps/{empty.pk}/import/", {"text": OUTLINE, "action": "preview"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview: nothing is saved yet" in page
    assert "Importing adds 2 deliverables and 1 period" in page
    assert "Hammercloud for Prod queues black/whitelisting" in page
    assert "pilot production testing moved to Hammercloud" in page  # kept in the textarea too
    assert not Deliverable.objects.exists()
    assert not empty.periods.exists()


def test_confirming_the_previewed_outline_imports_it(client, empty, manager):
    client.force_login(manager)
    preview = client.post(f"/roadmaps/{empty.pk}/import/", {"text": OUTLINE, "action": "preview"})
    digest = preview.context["form"].initial["previewed"]
    version = preview.context["form"].initial["version"]
    response = client.post(
        f"/roadmaps/{empty.pk}/import/",
        {
            "text": OUTLINE.replace("\n", "\r\n"),
            "action": "confirm",
            "previewed": digest,
            "version": version,
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/roadmaps/{empty.pk}/", 302)]
    assert "Imported 2 deliverables and 1 periods" in response.content.decode()
    assert empty.deliverables.count() == 2
    change = Deliverable.objects.get(tentative=True).changes.get()
    assert (change.kind, change.by) == ("created", manager)


def test_confirming_an_outline_edited_after_its_preview_previews_it_again(client, empty, manager):
    client.force_login(manager)
    preview = client.post(f"/roadmaps/{empty.pk}/import/", {"text": OUTLINE, "action": "preview"})
    digest = preview.context["form"].initial["previewed"]
    version = preview.context["form"].initial["version"]
    edited = OUTLINE + "  - one more thing\n"
    response = client.post(
        f"/roadmaps/{empty.pk}/import/",
        {"text": edited, "action": "confirm", "previewed": digest, "version": version},
    )
    page = response.content.decode()
    assert "changed since its preview" in page
    assert "Importing adds 3 deliverables" in page
    assert not Deliverable.objects.exists()


def test_a_bad_outline_lists_its_lines_and_saves_nothing(client, empty, manager):
    client.force_login(manager)
    bad = "- June\n  - fine item\n- not a period at all\n    - too deep\n"
    response = client.post(f"/roadmaps/{empty.pk}/import/", {"text": bad, "action": "confirm"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert re.search(r"<li>Line \d+: ", page)
    assert "fine item" in page  # the text is kept for fixing
    assert not Deliverable.objects.exists()
    assert not empty.periods.exists()


def test_an_empty_outline_is_refused_with_a_message(client, empty, manager):
    client.force_login(manager)
    response = client.post(f"/roadmaps/{empty.pk}/import/", {"text": "  ", "action": "preview"})
    assert response.status_code == 422
    assert "Paste an outline or choose a file." in response.content.decode()


def test_an_outline_can_be_uploaded(client, empty, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile("roadmap.md", OUTLINE.encode(), content_type="text/markdown")
    response = client.post(
        f"/roadmaps/{empty.pk}/import/", {"file": upload, "text": "", "action": "preview"}
    )
    assert "Importing adds 2 deliverables" in response.content.decode()
    assert response.context["form"].initial["text"] == OUTLINE


def test_an_upload_that_is_not_utf8_text_is_refused(client, empty, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile(
        "slides.pptx", b"\xff\xfe\x00binary", content_type="application/octet-stream"
    )
    response = client.post(f"/roadmaps/{empty.pk}/import/", {"file": upload, "action": "preview"})
    assert response.status_code == 422
    assert "not UTF-8 text" in response.content.decode()


def test_a_manager_starts_a_new_roadmap_then_imports_into_it(client, manager):
    client.force_login(manager)
    response = client.post("/roadmaps/new/", {"name": "Rucio", "year": 2012})
    created = Roadmap.objects.get(name="Rucio")
    assert response["Location"] == f"/roadmaps/{created.pk}/import/"
    assert created.state == "strawman"
    again = client.post("/roadmaps/new/", {"name": "Rucio", "year": 2012})
    assert again.status_code == 422
    assert "already a roadmap" in again.content.decode()
