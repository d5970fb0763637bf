from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deliverables.actions import record_owner_change
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


class PeriodInline(admin.TabularInline):
    model = Period
    extra = 0


@admin.register(Roadmap)
class RoadmapAdmin(SimpleHistoryAdmin):
    list_display = ("name", "year", "state", "agreed_at")
    list_filter = ("state", "year")
    search_fields = ("name",)
    readonly_fields = ("agreed_at",)
    inlines = [PeriodInline]


class DeliverableChangeInline(admin.TabularInline):
    model = DeliverableChange
    fields = ("at", "kind", "by", "from_status", "to_status", "from_period", "to_period", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deliverable)
class DeliverableAdmin(SimpleHistoryAdmin):
    list_display = ("title", "project", "period", "status", "tentative", "deadline", "start_by")
    list_filter = ("status", "tentative", "project", "roadmap", "period__label", "task_force")
    search_fields = ("title", "notes", "owners__name", "owners__username")
    filter_horizontal = ("owners",)
    raw_id_fields = ("carried_from",)
    readonly_fields = ("start_by", "version")
    inlines = [DeliverableChangeInline]

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
