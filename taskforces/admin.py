from django.contrib import admin

from adcmeet.core.admin import RefusalsAdminMixin, VersionedAdminForm, VersionedAdminMixin
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce


class OutlineItemInline(admin.TabularInline):
    """Shown on the task force for orientation; edited on its own versioned change page, so an
    admin edit can never silently overwrite a newer edit made in the outline editor."""

    model = OutlineItem
    fields = ("parent", "kind", "text", "done", "position", "checkpoint")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TaskForce)
class TaskForceAdmin(RefusalsAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "status", "last_focus_on")
    list_filter = ("kind", "status")
    search_fields = ("name", "scope")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("conveners", "members")
    inlines = [OutlineItemInline]


@admin.register(OutlineItem)
class OutlineItemAdmin(VersionedAdminMixin, admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ("text", "task_force", "kind", "done", "parent")
    list_filter = ("kind", "done", "task_force")
    search_fields = ("text",)
    raw_id_fields = ("parent",)
    readonly_fields = ("version",)


class CheckpointGoalInline(admin.TabularInline):
    """Read-only here for the same reason as outline items: goals are versioned."""

    model = CheckpointGoal
    fields = ("task_force", "goal", "version")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Checkpoint)
class CheckpointAdmin(VersionedAdminMixin, admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ("name", "date", "end_date", "location")
    search_fields = ("name", "description", "location")
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("version",)
    inlines = [CheckpointGoalInline]


@admin.register(CheckpointGoal)
class CheckpointGoalAdmin(VersionedAdminMixin, admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ("checkpoint", "task_force", "goal")
    list_filter = ("checkpoint",)
    search_fields = ("goal",)
    readonly_fields = ("version",)
