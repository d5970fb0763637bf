"""Everything the meetings domain mails, one concept a module:

- `outbox`: the transactional outbox (rows written with their cause) and their delivery;
- `meeting_mail`: the agenda, updated agenda and cancellation invites of a meeting;
- `reminders`: the scheduled scans for updated agendas, reminders and draft nudges;
- `digests`: the weekly slip digests to owners and conveners;
- `asked`: who is asked for a status about what now, which the status requests mail and
  the owners' digests leave out (one weekly mail per owner);
- `status_requests`: the status request mail before each meeting;
- `compose`: what the scheduled mails share (send hour, links, personal mail).

Imports run one way: the scans and the meeting mails use the outbox, never the reverse, and
nothing here imports the Celery tasks (they call these modules).
"""
