import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from adcmeet.lib import zones

# Role names are part of the contract with SSO group mapping and the permission matrix; what
# each may do is decided in adcmeet.core.access (which re-exports them).
CONVENER = "Convener"
DEVELOPER = "Developer"
MANAGER = "Manager"
ROLES = (CONVENER, DEVELOPER, MANAGER)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class User(AbstractUser):
    name = models.CharField("full name", max_length=200, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    is_adc_member = models.BooleanField(
        "ADC member", default=True, help_text="Off for external invitees (non-ADC presenters)."
    )
    # SSO users are keyed on the identity provider's stable UPN claim, never on email.
    cern_upn = models.CharField("CERN UPN", max_length=150, null=True, blank=True, unique=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="Shown beside CERN time where it differs.",
        validators=[zones.validate_time_zone],
    )
    # Personal mail (docs/notifications.md, "Opting out"); lists' mail is not affected.
    wants_slip_digests = models.BooleanField(
        "weekly digest of my slipped deliverables", default=True
    )
    wants_convener_mail = models.BooleanField(
        "convener mail (slip digest, draft agenda nudge)", default=True
    )

    class Meta:
        ordering = ["name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(calendar_token=""), name="user_calendar_token_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username

    def role_names(self) -> frozenset[str]:
        """The names of the role groups the user is in, read once per instance (pages ask
        repeatedly). What a role may do is decided in adcmeet.core.access only."""
        if not hasattr(self, "_role_names"):
            self._role_names = frozenset(self.groups.values_list("name", flat=True))
        return self._role_names

    def rotate_calendar_token(self) -> str:
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])
        return self.calendar_token
