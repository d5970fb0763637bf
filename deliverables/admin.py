from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from adcmeet.core.admin import RefusalsAdminMixin, VersionedAdminForm, VersionedAdminMixin
from adcmeet.core.versioning import Refused
from deliverables import status_links
from deliverables.actions import record_owner_change, save_edit
from deliverables.models import (
    Deliverable,
    DeliverableChange,
    Period,
    Project,
    Roadmap,
    StatusLink,
    StatusRequest,
)


class VersionedAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    """Version claims (core.admin) and the audit history (simple_history) together."""


@admin.register(Project)
class ProjectAdmin(RefusalsAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


class PeriodInline(admin.TabularInline):
    model = Period
    extra = 0


@admin.register(Roadmap)
class RoadmapAdmin(VersionedAdmin):
    form = VersionedAdminForm
    list_display = ("name", "year", "state", "agreed_at")
    list_filter = ("state", "year")
    search_fields = ("name",)
    readonly_fields = ("agreed_at", "version")
    inlines = [PeriodInline]


class DeliverableChangeInline(admin.TabularInline):
    model = DeliverableChange
    fields = ("at", "kind", "by", "from_status", "to_status", "from_period", "to_period", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DeliverableAdminForm(VersionedAdminForm):
    """A move here follows the card's rules (Deliverable.plan_move): a reason, never into a
    period that has ended while open, and recorded as a slip or a pull-in."""

    move_reason = forms.CharField(
        required=False,
        max_length=500,
        label="Why it moves",
        help_text="Needed when the period changes; recorded in its history.",
    )

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period")
        if self.instance.pk is None or period is None or period.pk == self.instance.period_id:
            return cleaned
        moving = Deliverable.objects.select_related("period").get(pk=self.instance.pk)
        moving.status = cleaned.get("status", moving.status)
        try:
            moving.plan_move(period)
        except Refused as refusal:
            self.add_error("period", refusal.message)
        if not (cleaned.get("move_reason") or "").strip():
            self.add_error(
                "move_reason", "Say why it moves (for example: waiting for AGIS schema)."
            )
        return cleaned


@admin.register(Deliverable)
class DeliverableAdmin(VersionedAdmin):
    form = DeliverableAdminForm
    list_display = ("title", "project", "period", "status", "tentative", "deadline", "start_by")
    list_filter = ("status", "tentative", "project", "roadmap", "period__label", "task_force")
    search_fields = ("title", "notes", "owners__name", "owners__username")
    filter_horizontal = ("owners",)
    raw_id_fields = ("carried_from",)
    readonly_fields = ("start_by", "version")
    inlines = [DeliverableChangeInline]

    def save_model(self, request, obj, form, change):
        """Changes go through deliverables.actions.save_edit: the version claim and the
        history of a move or a status change, as on the card."""
        if not change:
            return super().save_model(request, obj, form, change)
        save_edit(
            obj,
            version=form.cleaned_data["base_version"],
            by=request.user,
            move_reason=form.cleaned_data["move_reason"],
        )
        return None

    def save_related(self, request, form, formsets, change):
        """Owners are many-to-many, which simple_history does not follow: record the change in
        the deliverable's own history, as deliverables.actions.set_owners does."""
        deliverable = form.instance
        before = list(deliverable.owners.all()) if change else []
        super().save_related(request, form, formsets, change)
        after = list(deliverable.owners.all())
        record_owner_change(deliverable, before=before, after=after, by=request.user)


@admin.register(DeliverableChange)
class DeliverableChangeAdmin(admin.ModelAdmin):
    list_display = ("deliverable", "kind", "at", "by", "is_slip", "reason")
    list_filter = ("kind", "is_slip")
    search_fields = ("deliverable__title", "reason")
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StatusLinkInline(admin.TabularInline):
    model = StatusLink
    fields = ("deliverable", "purpose", "expires_at", "used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StatusRequest)
class StatusRequestAdmin(admin.ModelAdmin):
    """Who was asked for a status when, and what became of each link. Read-only: requests
    are made by the status mail, links used through /status/<token>/."""

    list_display = ("owner", "for_date", "created_at")
    list_filter = ("for_date",)
    search_fields = ("owner__username", "owner__name")
    readonly_fields = ("owner", "for_date", "deliverables", "created_at")
    inlines = [StatusLinkInline]
    actions = ["revoke_owners_links"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke every usable status link of these owners")
    def revoke_owners_links(self, request, queryset):
        owners = {status_request.owner for status_request in queryset.select_related("owner")}
        revoked = sum(status_links.revoke_links(owner=owner) for owner in owners)
        self.message_user(request, f"Revoked {revoked} status link{'s' if revoked != 1 else ''}.")
