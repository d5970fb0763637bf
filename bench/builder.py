"""The agenda builder's htmx round trips ("add item", "reorder") as benchmark endpoints.

A logged-in convener posts with the CSRF header and the htmx header, carrying the meeting
version the previous response showed (optimistic concurrency: a stale one would answer 409).
Each connection edits its own draft meeting, as conveners do; two people editing one agenda
at the same moment is the rare case the 409 exists for. Items added during a run are deleted
afterwards and the number of adds is bounded, so every run starts from the same agenda.
"""

from django.urls import NoReverseMatch, reverse

from bench.endpoints import PAGE, Endpoint

BENCH_TITLE = "Bench item (deleted after the run)"
VERSION = (("version", rb'name="version" value="(\d+)"'),)
# Bounded so the agenda grows by at most this many items per connection during one run.
MAX_ADDS = 40


def _drafts():
    from adcmeet.meetings.loaddata import SERIES_SLUG
    from adcmeet.meetings.models import Meeting

    return list(
        Meeting.objects.filter(series__slug=SERIES_SLUG, state=Meeting.State.DRAFT).order_by(
            "start"
        )
    )


def _add_variants() -> list[dict[str, str]]:
    return [{"meeting": str(m.pk), "version": str(m.version)} for m in _drafts()]


def _move_variants() -> list[dict[str, str]]:
    from adcmeet.meetings.models import AgendaItem

    variants = []
    for meeting in _drafts():
        hot = list(meeting.items.live().filter(section=AgendaItem.Section.HOT).order_by("position"))
        if len(hot) >= 2:
            variants.append(
                {
                    "meeting": str(meeting.pk),
                    "version": str(meeting.version),
                    "item": str(hot[1].pk),
                }
            )
    return variants


def _cleanup() -> None:
    from adcmeet.meetings.models import AgendaItem

    AgendaItem.objects.filter(title=BENCH_TITLE).delete()


def endpoints(port: int) -> list[Endpoint]:
    try:
        reverse("item-add", args=[1])
        reverse("item-move", args=[1, 1])
    except NoReverseMatch:
        reason = "no builder endpoints in adcmeet/meeting_urls.py"
        return [
            Endpoint("builder_add", "builder: add item (htmx)", "", PAGE, skip=reason),
            Endpoint("builder_reorder", "builder: reorder (htmx)", "", PAGE, skip=reason),
        ]
    htmx = {"HX-Request": "true"}
    return [
        Endpoint(
            "builder_add",
            "builder: add item (htmx)",
            "/meetings/{meeting}/items/add/",
            PAGE,
            method="POST",
            user="convener",
            headers=dict(htmx),
            form=[
                {
                    "version": "{version}",
                    "section": "hot",
                    "add-hot-title": BENCH_TITLE,
                    "add-hot-duration_minutes": "5",
                }
            ],
            captures=VERSION,
            variants=_add_variants,
            max_requests=MAX_ADDS,
            cleanup=_cleanup,
            note=f"draft meeting; at most {MAX_ADDS} adds per connection, removed afterwards",
        ),
        Endpoint(
            "builder_reorder",
            "builder: reorder (htmx)",
            "/meetings/{meeting}/items/{item}/move/",
            PAGE,
            method="POST",
            user="convener",
            headers=dict(htmx),
            form=[
                {"version": "{version}", "direction": "up"},
                {"version": "{version}", "direction": "down"},
            ],
            captures=VERSION,
            variants=_move_variants,
            note="a hot topic moved up, then down again, on a draft meeting",
        ),
    ]
