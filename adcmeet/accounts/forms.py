from django import forms

from adcmeet.accounts.models import User


class MailPreferencesForm(forms.ModelForm):
    """The personal mail a person gets; an unticked box is an opt-out."""

    class Meta:
        model = User
        fields = ["wants_slip_digests", "wants_convener_mail"]
        labels = {
            "wants_slip_digests": (
                "The weekly mail about my deliverables (status requests, slips, open actions)"
            ),
            "wants_convener_mail": (
                "Convener mail: the weekly digest of all slips and the nudge about a draft agenda"
            ),
        }
        help_texts = {
            "wants_convener_mail": "Only conveners get these.",
        }
