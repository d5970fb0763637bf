from django.urls import path

from taskforces import views

# The task force page (/taskforces/<slug>/) is served by adcmeet.taskforce_urls, which knows
# deliverables and meetings; this app serves the list, the outline editing and checkpoints.
urlpatterns = [
    path("taskforces/", views.taskforce_list, name="taskforces"),
    path("taskforces/<slug:slug>/outline/", views.outline_view, name="outline"),
    path("taskforces/<slug:slug>/outline/add/", views.outline_add, name="outline-add"),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/edit/",
        views.outline_edit,
        name="outline-edit",
    ),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/done/",
        views.outline_done,
        name="outline-done",
    ),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/move/",
        views.outline_move,
        name="outline-move",
    ),
    path(
        "taskforces/<slug:slug>/outline/<int:item_id>/delete/",
        views.outline_delete,
        name="outline-delete",
    ),
    path("checkpoints/", views.checkpoint_list, name="checkpoints"),
    path("checkpoints/new/", views.checkpoint_new, name="checkpoint-new"),
    path("checkpoints/<slug:slug>/", views.checkpoint_detail, name="checkpoint"),
    path("checkpoints/<slug:slug>/goal/", views.checkpoint_goal, name="checkpoint-goal"),
    path("checkpoints/<slug:slug>/edit/", views.checkpoint_edit, name="checkpoint-edit"),
]
