"""Roadmap workflows that write history: one keyword-only function each, one transaction each,
one concept a module (`deliverable`: one deliverable; `roadmap`: a roadmap as a whole).

The package exports each workflow, so callers write `actions.move_to_period(...)`.
"""

from deliverables.actions.deliverable import (
    delete_deliverable,
    move_to_period,
    record_owner_change,
    restore_deliverable,
    save_edit,
    set_owners,
    set_status,
    take_deliverable,
)
from deliverables.actions.roadmap import (
    AGREEMENT_UNDO_WINDOW,
    advance_roadmap,
    agree_roadmap,
    agreement_undo_deadline,
    carry_over,
    create_roadmap,
    undo_agreement,
)

__all__ = [
    "AGREEMENT_UNDO_WINDOW",
    "advance_roadmap",
    "agree_roadmap",
    "agreement_undo_deadline",
    "carry_over",
    "create_roadmap",
    "delete_deliverable",
    "move_to_period",
    "record_owner_change",
    "restore_deliverable",
    "save_edit",
    "set_owners",
    "set_status",
    "take_deliverable",
    "undo_agreement",
]
