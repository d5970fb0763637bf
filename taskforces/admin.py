from django.contrib import admin

from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce


class OutlineItemInline(admin.TabularInline):
    model = OutlineItem
    fields = ("parent", "kind", "text", "done", "position", "checkpoint")
    extra = 0
    show_change_link = True


@admin.register(TaskForce)
class TaskForceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "last_focus_on")
    list_filter = ("kind", "status")
    search_fields = ("name", "scope")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("conveners", "members")
    inlines = [OutlineItemInline]


@admin.register(OutlineItem)
class OutlineItemAdmin(admin.ModelAdmin):
    list_display = ("text", "task_force", "kind", "done", "parent")
    list_filter = ("kind", "done", "task_force")
    search_fields = ("text",)
    raw_id_fields = ("parent",)


class CheckpointGoalInline(admin.TabularInline):
    model = CheckpointGoal
    extra = 0


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ("name", "date", "end_date", "location")
    search_fields = ("name", "description", "location")
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CheckpointGoalInline]
