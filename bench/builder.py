"""The agenda builder's htmx round trips ("add item", "reorder") as benchmark endpoints.

Each connection edits its own draft meeting with a logged-in convener and CSRF, carrying the
meeting version the previous response showed (optimistic concurrency). Items added during a
run are deleted afterwards, so every run starts from the same agenda.
"""

from django.urls import NoReverseMatch, reverse

from bench.run import AGENDA, PAGE, Endpoint  # noqa: F401 - targets used once views exist


def endpoints(port: int) -> list[Endpoint]:
    try:
        reverse("meeting-item-add", args=[1])
    except NoReverseMatch:
        reason = "no builder endpoints in adcmeet/meeting_urls.py yet"
        return [
            Endpoint("builder_add", "builder: add item (htmx)", "", PAGE, skip=reason),
            Endpoint("builder_reorder", "builder: reorder (htmx)", "", PAGE, skip=reason),
        ]
    return []
