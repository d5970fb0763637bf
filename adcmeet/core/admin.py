"""Admin pieces every app uses: change pages that claim the version they were built from.

The admin is one more door to the same rows the app's forms edit; a save from a stale change
page must be refused like a stale form (adcmeet.core.versioning), not silently win.
"""

from django import forms
from django.contrib import admin, messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect

from adcmeet.core.versioning import Conflict, Refused, claim, parse_version


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the change page was built from, so a save over someone else's
    change is refused (the admin's own copy of what the app's forms do)."""

    base_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("base_version", self.instance.version)

    def clean_base_version(self) -> int | None:
        version = parse_version(self.cleaned_data.get("base_version"))
        if self.instance.pk is not None and version != self.instance.version:
            raise forms.ValidationError(Conflict.DEFAULT_MESSAGE)
        return version


class RefusalsAdminMixin(admin.ModelAdmin):
    """A refusal from the domain comes back to the change page as a message, never a 500; so
    does a unique name or short name that a concurrent save took after this form checked it
    (the insert is tried in a savepoint and the constraint's error turned into a refusal). Put
    it before other admin bases."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
        except IntegrityError:
            raise Refused(
                f"Another {obj._meta.verbose_name} with the same name or short name was saved "
                "at the same moment; nothing was saved. Choose another one and save again."
            ) from None


class VersionedAdminMixin(RefusalsAdminMixin):
    """Saves claim the version the page showed (adcmeet.core.versioning); one that lost a race
    after its form was checked comes back to the change page with the refusal's message. Use
    with `form = VersionedAdminForm` (or a subclass); put it before other admin bases."""

    def save_model(self, request, obj, form, change):
        if change:
            stored = claim(type(obj)(pk=obj.pk), form.cleaned_data["base_version"])
            obj.version = stored.version
        obj._history_user = request.user
        super().save_model(request, obj, form, change)
