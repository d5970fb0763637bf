from django.urls import path

from taskforces.views import checkpoints, listing, outline

# The task force page (/taskforces/<slug>/) is served by adcmeet.meetings.urls, which knows
# deliverables and meetings; this app serves the list, the outline editing and checkpoints.
urlpatterns = [
    path("taskforces/", listing.taskforce_list, name="taskforces"),
    path("taskforces/<slug:slug>/outline/", outline.outline_view, name="outline"),
    path("taskforces/<slug:slug>/outline/add/", outline.outline_add, name="outline-add"),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/edit/",
        outline.outline_edit,
        name="outline-edit",
    ),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/done/",
        outline.outline_done,
        name="outline-done",
    ),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/move/",
        outline.outline_move,
        name="outline-move",
    ),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/delete/",
        outline.outline_delete,
        name="outline-delete",
    ),
    path("checkpoints/", checkpoints.checkpoint_list, name="checkpoints"),
    path("checkpoints/new/", checkpoints.checkpoint_new, name="checkpoint-new"),
    path("checkpoints/<slug:slug>/", checkpoints.checkpoint_detail, name="checkpoint"),
    path("checkpoints/<slug:slug>/goal/", checkpoints.checkpoint_goal, name="checkpoint-goal"),
    path("checkpoints/<slug:slug>/edit/", checkpoints.checkpoint_edit, name="checkpoint-edit"),
]
