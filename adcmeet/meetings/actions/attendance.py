"""Who attended a meeting: ADC members (present or sent regrets) and invitees by name and
affiliation.

Setting a member's attendance is idempotent (marking them present twice leaves one row; regrets
after present changes the row). An invitee's name is unique per meeting, case-insensitively;
the database holds that (two conveners typing the same guest at once included) and a clash is
a `Refused` naming the field, never a 500."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from adcmeet.accounts.models import User
from adcmeet.core import text as usertext
from adcmeet.core.versioning import Refused
from adcmeet.meetings.models import Attendance, Meeting

STATUSES = tuple(Attendance.Status.values)
NAME_LENGTH = 200


def set_attendance(
    *,
    meeting: Meeting,
    by: User | None,
    user: User | None = None,
    name: str = "",
    affiliation: str = "",
    status: str = Attendance.Status.PRESENT,
) -> Attendance:
    """`user` (a member) or the invitee `name` (with `affiliation`) is `status` at `meeting`."""
    if status not in STATUSES:
        raise Refused("Choose present or regrets.", field="status")
    if user is not None:
        return _set_member(meeting, user, status)
    name = usertext.accepted(name, label="The name", field="name", max_length=NAME_LENGTH)
    name = " ".join(name.split())
    affiliation = " ".join(
        usertext.accepted(
            affiliation, label="The affiliation", field="affiliation", max_length=NAME_LENGTH
        ).split()
    )
    if not name:
        raise Refused("Pick a member, or type the invitee's name.", field="name")
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                meeting=meeting, name=name, affiliation=affiliation, invitee=True, status=status
            )
    except IntegrityError:
        raise Refused(
            f"“{name}” is already on the attendance list of this meeting.", field="name"
        ) from None


def _set_member(meeting: Meeting, user: User, status: str) -> Attendance:
    # Two conveners marking the same person at once: one inserts, the other's insert clashes
    # on the unique index and becomes an update of that row.
    for _attempt in range(2):
        updated = Attendance.objects.filter(meeting=meeting, user=user).update(status=status)
        if updated:
            return Attendance.objects.get(meeting=meeting, user=user)
        try:
            with transaction.atomic():
                return Attendance.objects.create(
                    meeting=meeting, user=user, name="", invitee=False, status=status
                )
        except IntegrityError:
            continue
    raise Refused("That person is already on the attendance list.", field="member")


def remove_attendance(*, attendance: Attendance, by: User | None) -> None:
    """Take someone off the list (removing them twice is no error: they are off it)."""
    Attendance.objects.filter(pk=attendance.pk).delete()
