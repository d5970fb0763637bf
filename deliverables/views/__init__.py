"""Roadmap pages, one module a page: the board (`roadmap`), a deliverable and its card's actions
(`deliverable`), `mine`, `exports` and the managers' tools (`manage`)."""

# Other apps fill the deliverable page's extra sections through this list (see
# adcmeet.meetings.apps); it lives with the page.
from deliverables.views.deliverable import DELIVERABLE_PANELS

__all__ = ["DELIVERABLE_PANELS"]
