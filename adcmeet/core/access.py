"""Who may see and do what, in one place. The matrix is written down in docs/security.md.

Views call these predicates (or the decorators) instead of testing roles themselves, so the
matrix test in tests/test_access_matrix.py checks one implementation against the table in
docs/security.md.

Roles: anonymous, Developer, Convener, Manager (groups of those names, the constants below)
and staff (admin). Superusers hold every role. A developer's rights come from what they own:
deliverables they own, task forces they belong to, agenda items they present.
"""

import functools
import secrets

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

# The role names are defined with the User (accounts is below core: SSO maps its groups onto
# them); every rule about what a role may do is here.
from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER, ROLES

__all__ = ["CONVENER", "DEVELOPER", "MANAGER", "ROLES"]  # and the predicates below


def login_redirect(request: HttpRequest) -> HttpResponse:
    """Send an anonymous visitor to the login page and back here afterwards.

    An htmx request would swap the login page into a fragment of the current page, so it gets
    a client-side redirect of the whole page instead (to the page the fragment belongs to).
    """
    if getattr(request, "htmx", False):
        back = request.htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(redirect_to_login(back).url)
    return redirect_to_login(request.get_full_path())


def site_visible(view):
    """Anonymous visitors may read public pages unless the whole site is private."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.SITE_PRIVATE and not request.user.is_authenticated:
            return login_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def login_required(view):
    """Like Django's, but htmx-aware (see `login_redirect`)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return login_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def has_role(user, role: str) -> bool:
    """`user` holds `role`: a member of its group, or a superuser (who holds every role)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or role in user.role_names()


def is_convener(user) -> bool:
    return has_role(user, CONVENER)


def is_developer(user) -> bool:
    return has_role(user, DEVELOPER)


def is_manager(user) -> bool:
    return has_role(user, MANAGER)


def reads_every_meeting(user) -> bool:
    """True when `visible_meetings` hides nothing from `user` (then figures kept over every
    series, such as TaskForce.last_focus_on, may be shown to them as stored)."""
    return user.is_authenticated


def visible_meetings(user, meetings):
    """The meetings of the queryset `meetings` that `user` may read: all when logged in;
    anonymous visitors those of public series, none on a private site."""
    if reads_every_meeting(user):
        return meetings
    if settings.SITE_PRIVATE:
        return meetings.none()
    return meetings.filter(series__is_public=True)


def convenes_series(user, series) -> bool:
    """Conveners of the site (the role) and of this series (its conveners)."""
    if is_convener(user):
        return True
    return user.is_authenticated and series.conveners.filter(pk=user.pk).exists()


def series_convened_by(user, series):
    """The series of the queryset `series` that `user` convenes (the rule of
    `convenes_series`, for many at once)."""
    if is_convener(user):
        return series
    if not user.is_authenticated:
        return series.none()
    return series.filter(conveners=user)


def can_edit_meeting(user, meeting) -> bool:
    """Agendas, publishing, moving and cancelling: conveners (site-wide role or of the series)."""
    return convenes_series(user, meeting.series)


def can_create_meetings(user, series) -> bool:
    """Drafting a series' next meetings: its conveners."""
    return convenes_series(user, series)


def can_take_minutes(user, meeting, item=None) -> bool:
    """Conveners; a developer may write the minutes notes of an item they present."""
    if can_edit_meeting(user, meeting):
        return True
    return item is not None and user.is_authenticated and item.presenter_id == user.pk


def can_record_outcomes(user, meeting) -> bool:
    """Decisions, actions and information of a meeting, and who attended: its conveners (they
    chair it; presenters minute their own items' notes only)."""
    return can_edit_meeting(user, meeting)


def can_run_meeting(user, meeting) -> bool:
    """Live mode (the clock, notes, ending and closing the meeting): whoever edits its agenda
    and minutes, its conveners; everybody who may read the meeting watches it."""
    return can_edit_meeting(user, meeting)


def presents_in(user, meeting) -> bool:
    """`user` presents one of the meeting's (live) items, so may minute it (the meeting page
    links them to the minutes sheet)."""
    return user.is_authenticated and meeting.items.live().filter(presenter=user).exists()


def can_complete_action(user, action) -> bool:
    """An action item's owner ticks it off; conveners of its meeting too."""
    if user.is_authenticated and action.owner_id == user.pk:
        return True
    return can_edit_meeting(user, action.meeting)


def can_edit_deliverable(user, deliverable) -> bool:
    """Owners, conveners and managers."""
    if is_convener(user) or is_manager(user):
        return True
    if not user.is_authenticated:
        return False
    # Lists prefetch owners; answering from them keeps a page of cards free of N+1.
    if "owners" in getattr(deliverable, "_prefetched_objects_cache", {}):
        return any(owner.pk == user.pk for owner in deliverable.owners.all())
    return deliverable.owners.filter(pk=user.pk).exists()


def can_report_status(user, deliverable) -> bool:
    """A deliverable's status (health and a line): its owners, conveners and managers, as for
    editing it; a signed status link acts as the owner it was mailed to."""
    return not deliverable.is_deleted and can_edit_deliverable(user, deliverable)


def can_see_health(user) -> bool:
    """The roadmap's health over time and who has not reported: managers and conveners."""
    return is_manager(user) or is_convener(user)


def can_delete_deliverable(user, deliverable) -> bool:
    """Taking a deliverable off the roadmap (and restoring it): conveners and managers; owners
    drop their work instead, which comparisons report."""
    return is_convener(user) or is_manager(user)


def can_assign_owners(user, deliverable) -> bool:
    """Saying who owns a deliverable: conveners and managers."""
    return not deliverable.is_deleted and (is_convener(user) or is_manager(user))


def can_take_deliverable(user, deliverable) -> bool:
    """ "I'll take it": anyone with a role in ADC (developers above all) may offer to own a
    deliverable; the action refuses one that is owned or closed by then."""
    return (
        user.is_authenticated
        and not deliverable.is_deleted
        and (is_developer(user) or is_convener(user) or is_manager(user))
    )


def can_manage_roadmap(user) -> bool:
    """Roadmap lifecycle, baselines, approval, imports: managers (and superusers)."""
    return is_manager(user)


def can_edit_outline(user, task_force) -> bool:
    """A task force's members and conveners, and meeting conveners."""
    if is_convener(user):
        return True
    if not user.is_authenticated:
        return False
    return (
        task_force.members.filter(pk=user.pk).exists()
        or task_force.conveners.filter(pk=user.pk).exists()
    )


def task_forces_editable_by(user, task_forces):
    """The task forces of the queryset `task_forces` whose outline and goals `user` may write
    (the rule of `can_edit_outline`, for many at once)."""
    if is_convener(user):
        return task_forces
    if not user.is_authenticated:
        return task_forces.none()
    return task_forces.filter(Q(members=user) | Q(conveners=user)).distinct()


def can_manage_checkpoints(user) -> bool:
    """Creating and editing checkpoints (workshops, deadlines): conveners and managers."""
    return is_convener(user) or is_manager(user)


def can_see_outbox(user) -> bool:
    """A meeting's outgoing mail: conveners and staff."""
    return user.is_authenticated and (user.is_staff or is_convener(user))


def can_see_mail_health(user) -> bool:
    """The banner about mail not going out: those who can act on it, as for the outbox."""
    return can_see_outbox(user)


def can_see_audit(user) -> bool:
    """The audit trail (who changed what): managers and staff."""
    return user.is_authenticated and (user.is_staff or is_manager(user))


def client_ip(request: HttpRequest) -> str:
    """The address login throttling counts failures against.

    Behind our reverse proxy REMOTE_ADDR is the proxy itself, so with TRUSTED_PROXY_COUNT=n
    the n-th address from the right of X-Forwarded-For is taken: the one our own proxy saw.
    Addresses further left are written by the client and never trusted.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def can_read_series_feed(series, token: str | None) -> bool:
    """A series' calendar feed: anyone for a public series on a public site; otherwise only
    with the series' feed token (calendar clients carry no session)."""
    if token and secrets.compare_digest(token.encode(), series.feed_token.encode()):
        return True
    return series.is_public and not settings.SITE_PRIVATE
