"""Walk every URL pattern the app serves, with real objects in the path, as every role.

Used by tests/test_access_matrix.py (who gets what) and tests/test_security_headers.py (CSP
and inline markup on every page). The expected matrix is read from the table in
docs/security.md, so the document and the code cannot drift apart: a URL missing from the
table, a table row for a URL that no longer exists, or a path argument the walker cannot fill
fails the test with a message saying what to add.
"""

import dataclasses
import datetime
import html.parser
import re
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, SlugConverter, StringConverter
from django.utils import timezone

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER
from adcmeet.meetings.models import Attendance, Meeting, Outcome
from tests import factories

DOC = Path(__file__).resolve().parent.parent / "docs" / "security.md"
ROLES = ("anonymous", "outsider", "developer", "convener", "manager", "staff")
# Served by other machinery, each with its own protection: Django's admin (staff login) and
# static files.
SKIPPED_PREFIXES = ("admin/", "static/", "__debug__/")

# Strings that must only reach the people allowed to see them.
PRIVATE_MEETING_TITLE = "Privatemeetingsentinel internal review"
PUBLIC_MEETING_TITLE = "Publicmeetingsentinel weekly"
PUBLIC_DELIVERABLE_TITLE = "Publicdeliverablesentinel pilot killer"


@dataclasses.dataclass
class World:
    users: dict
    series: object
    private_series: object
    meeting: object
    previous_meeting: object
    private_meeting: object
    item: object
    action: object
    roadmap: object
    period: object
    deliverable: object
    task_force: object
    outline_item: object
    checkpoint: object
    project: object
    # The day of a focus topic scheduled in the non-public series only.
    private_focus_day: datetime.date | None = None
    outcome: object = None
    attendance: object = None

    def private_focus_dates(self) -> list[str]:
        """The private focus day as the pages would write it."""
        day = self.private_focus_day
        return [f"{day:%a %d %b}", f"{day.day} {day:%b %Y}", day.isoformat()] if day else []

    def user(self, role: str):
        return self.users[role]


def build_world() -> World:
    """One of everything, with the developer owning, presenting and belonging where a
    developer can, so that "developer" in the matrix means "acting on their own things"."""
    outsider = factories.make_user("dave", name="Dave Outsider", is_adc_member=False)
    developer = factories.make_user("bob", roles=(DEVELOPER,), name="Bob Developer")
    convener = factories.make_user("alice", roles=(CONVENER,), name="Alice Convener")
    manager = factories.make_user("carol", roles=(MANAGER,), name="Carol Manager")
    staff = factories.make_user("root", name="Root Admin", is_staff=True, is_superuser=True)
    users = {
        "anonymous": AnonymousUser(),
        "outsider": outsider,
        "developer": developer,
        "convener": convener,
        "manager": manager,
        "staff": staff,
    }
    series = factories.make_series()
    series.conveners.add(convener)
    private_series = factories.make_series(
        name="ADC internal", slug="adc-internal", is_public=False, mailing_list=""
    )
    now = timezone.now()
    day = timezone.localdate() + datetime.timedelta(days=7)
    published = {"state": Meeting.State.PUBLISHED, "revision": 1, "published_at": now}
    previous_meeting = factories.make_meeting(
        series, on=day - datetime.timedelta(days=7), title="Last week", **published
    )
    meeting = factories.make_meeting(series, on=day, title=PUBLIC_MEETING_TITLE, **published)
    private_meeting = factories.make_meeting(
        private_series, on=day, title=PRIVATE_MEETING_TITLE, **published
    )
    factories.make_item(private_meeting, "Privatemeetingsentinel item")
    # A task force that is a focus topic in the non-public series only, on a day no public
    # meeting has: its date must reach only the people who may read that series.
    private_focus_day = day + datetime.timedelta(days=3)
    private_later = factories.make_meeting(
        private_series, on=private_focus_day, title=PRIVATE_MEETING_TITLE + " later", **published
    )
    hidden = factories.make_task_force("Hiddenfocus")
    factories.make_item(private_later, "Hiddenfocus", section="focus", task_force=hidden)
    # As actions.refresh_last_focus keeps them: counted over every series, and public only.
    hidden.last_focus_on = private_focus_day
    hidden.save(update_fields=["last_focus_on"])
    roadmap = factories.make_roadmap(day.year)
    period = roadmap.periods.get(label="April")
    task_force = factories.make_task_force("Rucio")
    task_force.members.add(developer)
    outline_item = factories.make_outline_item(task_force, "Architecture")
    checkpoint = factories.make_checkpoint()
    project = factories.make_project()
    deliverable = factories.make_deliverable(
        PUBLIC_DELIVERABLE_TITLE,
        roadmap=roadmap,
        owners=(developer,),
        task_force=task_force,
        project=project,
    )
    factories.make_item(previous_meeting, "Open floor", recurring=True, section="open_floor")
    item = factories.make_item(meeting, "Pilot news", presenter=developer, deliverable=deliverable)
    action = factories.make_action(meeting, "Send the slides", owner=developer, agenda_item=item)
    return World(
        users=users,
        series=series,
        private_series=private_series,
        meeting=meeting,
        previous_meeting=previous_meeting,
        private_meeting=private_meeting,
        item=item,
        action=action,
        roadmap=roadmap,
        period=period,
        deliverable=deliverable,
        task_force=task_force,
        outline_item=outline_item,
        checkpoint=checkpoint,
        project=project,
        private_focus_day=private_focus_day,
        outcome=Outcome.objects.create(
            meeting=meeting, agenda_item=item, kind="decision", text="Ship the pilot killer"
        ),
        attendance=Attendance.objects.create(meeting=meeting, user=developer),
    )


# (route prefix, argument name) -> how to fill it from the world. The first match wins; a
# path argument with no rule fails the walk, so every new URL gets a real object.
FILL_RULES: list[tuple[str, str, object]] = [
    (r"^meetings/series/", "slug", lambda w: w.series.slug),
    (r"^calendar/", "slug", lambda w: w.series.slug),
    (r"^calendar/me/", "token", lambda w: w.user("developer").calendar_token),
    (r"^mail/unsubscribe/", "token", lambda w: _unsubscribe_token(w.user("developer"))),
    (r"^status/", "token", lambda w: _status_token(w)),
    (r"^taskforces/", "slug", lambda w: w.task_force.slug),
    (r"^checkpoints/", "slug", lambda w: w.checkpoint.slug),
    (r"^projects/", "slug", lambda w: w.project.slug),
    (r"^meetings/", "item_id", lambda w: w.item.pk),
    (r"^taskforces/", "item_id", lambda w: w.outline_item.pk),
    (r"", "meeting_id", lambda w: w.meeting.pk),
    (r"", "action_id", lambda w: w.action.pk),
    (r"", "outcome_id", lambda w: w.outcome.pk),
    (r"", "attendance_id", lambda w: w.attendance.pk),
    (r"", "roadmap_id", lambda w: w.roadmap.pk),
    (r"", "period_id", lambda w: w.period.pk),
    (r"", "deliverable_id", lambda w: w.deliverable.pk),
    (r"", "outline_item_id", lambda w: w.outline_item.pk),
    (r"", "checkpoint_slug", lambda w: w.checkpoint.slug),
    (r"", "series_slug", lambda w: w.series.slug),
    (r"", "project_slug", lambda w: w.project.slug),
]


def _unsubscribe_token(user) -> str:
    from adcmeet.accounts import mailprefs

    return mailprefs.make_token(user, mailprefs.SLIP_DIGESTS)


def _status_token(world) -> str:
    """A "mark done" link mailed to the developer about their deliverable."""
    from deliverables import status_links
    from deliverables.models import StatusRequest

    request, _ = StatusRequest.objects.get_or_create(
        owner=world.user("developer"), for_date=world.meeting.scheduled_for
    )
    request.deliverables.add(world.deliverable)
    tokens = status_links.issue_links(request, expires_at=status_links.default_expiry())
    return tokens[(world.deliverable.pk, "done")]


KNOWN_CONVERTERS = (IntConverter, SlugConverter, StringConverter)


@dataclasses.dataclass(frozen=True)
class Route:
    name: str
    route: str  # "meetings/<int:meeting_id>/"
    converters: dict

    def url(self, world: World) -> str:
        def fill(match: re.Match) -> str:
            arg = match.group("arg")
            converter = self.converters.get(arg)
            if not isinstance(converter, KNOWN_CONVERTERS):
                raise AssertionError(
                    f"{self.route}: converter {converter!r} for <{arg}> is new to the URL "
                    "walker; teach tests/urlwalk.py what values it takes."
                )
            for prefix, name, value in FILL_RULES:
                if name == arg and re.match(prefix, self.route):
                    return converter.to_url(value(world))
            raise AssertionError(
                f"{self.route}: no object for <{arg}>; add a rule to FILL_RULES in "
                "tests/urlwalk.py."
            )

        return "/" + re.sub(r"<(?:(?P<conv>[^>:]+):)?(?P<arg>[^>]+)>", fill, self.route)


def _walk(patterns, prefix: str = "", converters: dict | None = None):
    converters = converters or {}
    for entry in patterns:
        pattern = entry.pattern
        route = getattr(pattern, "_route", None)
        if route is None:  # a regular expression pattern (re_path)
            raw = str(pattern)
            if (prefix + raw.lstrip("^")).startswith(SKIPPED_PREFIXES):
                continue
            raise AssertionError(f"re_path {raw!r} is not walkable; use path() with converters")
        full = prefix + route
        if full.startswith(SKIPPED_PREFIXES):
            continue
        merged = {**converters, **getattr(pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, full, merged)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                raise AssertionError(f"{full}: every URL needs a name for the access matrix")
            yield Route(name=entry.name, route=full, converters=merged)


def routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


# --- the matrix in docs/security.md ---------------------------------------------------------

ALLOWED_CELLS = {"✓", "own", "public", "token"}
REFUSED_CELLS = {"—", "-"}


@dataclasses.dataclass(frozen=True)
class Rule:
    name: str
    method: str
    cells: dict  # role -> cell text

    def allows(self, role: str, *, site_private: bool = False) -> bool:
        cell = self.cells[role]
        if cell == "public":
            return not site_private
        return cell in ALLOWED_CELLS


def matrix() -> dict[tuple[str, str], Rule]:
    """Rows of the table under "## Permission matrix": | `name` | path | METHOD | six cells |."""
    text = DOC.read_text()
    section = text.split("## Permission matrix", 1)[1].split("\n## ", 1)[0]
    rules = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 + len(ROLES) or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        for method in cells[2].split("/"):
            method = method.strip().upper()
            role_cells = dict(zip(ROLES, cells[3:], strict=True))
            for role, cell in role_cells.items():
                assert cell in ALLOWED_CELLS | REFUSED_CELLS, (
                    f"docs/security.md: {name} {method} {role}: unknown cell {cell!r}"
                )
            rules[(name, method)] = Rule(name=name, method=method, cells=role_cells)
    assert rules, "docs/security.md has no permission matrix rows"
    return rules


# --- inline markup --------------------------------------------------------------------------


class InlineMarkupFinder(html.parser.HTMLParser):
    """What a strict CSP would block: inline scripts, event-handler attributes, style
    attributes, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            data_block = kind in {"application/json", "application/ld+json"}
            if not attributes.get("src") and not data_block:
                self._in_script = True
                self.problems.append("<script> without src")
        for name, value in attrs:
            if re.fullmatch(r"on[a-z]+", name):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> attribute")
            link = name in {"href", "src", "action", "formaction"} and value
            if link and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def inline_markup_problems(page: str) -> list[str]:
    finder = InlineMarkupFinder()
    finder.feed(page)
    finder.close()
    return finder.problems


@dataclasses.dataclass
class PageForm:
    """A POST form found on a page: where it goes and the fields it would send."""

    action: str
    fields: dict[str, str]
    numeric: list[str]  # number and hidden inputs, and selects: where numbers travel
    text: list[str]  # text inputs and textareas: where people type


class FormFinder(html.parser.HTMLParser):
    """The POST forms of a page, with the values a browser would send unchanged."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = PageForm(attrs.get("action") or self.page_url, {}, [], [])
            return
        form, name = self._form, attrs.get("name")
        if form is None or not name or name == "csrfmiddlewaretoken":
            return
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        if tag == "input" and kind not in ("submit", "button", "file"):
            form.fields[name] = attrs.get("value") or ""
            (form.numeric if kind in ("number", "hidden") else form.text).append(name)
        elif tag == "select":
            form.fields.setdefault(name, "")
            form.numeric.append(name)
        elif tag == "textarea":
            form.fields[name] = ""
            form.text.append(name)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def post_forms(page_url: str, body: str) -> list[PageForm]:
    finder = FormFinder(page_url)
    finder.feed(body)
    return finder.forms
