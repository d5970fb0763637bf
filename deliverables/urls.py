from django.urls import path

from deliverables import views

urlpatterns = [
    path("roadmap/", views.roadmap, name="roadmap"),
    path("roadmap/export.csv", views.roadmap_csv, name="roadmap-csv-current"),
    path("roadmap/export.md", views.roadmap_markdown, name="roadmap-md-current"),
    path("roadmaps/new/", views.roadmap_new, name="roadmap-new"),
    path("roadmaps/<int:roadmap_id>/", views.roadmap, name="roadmap-detail"),
    path("roadmaps/<int:roadmap_id>/export.csv", views.roadmap_csv, name="roadmap-csv"),
    path("roadmaps/<int:roadmap_id>/export.md", views.roadmap_markdown, name="roadmap-md"),
    path(
        "roadmaps/<int:roadmap_id>/periods/<int:period_id>/",
        views.roadmap_period,
        name="roadmap-period",
    ),
    path("roadmaps/<int:roadmap_id>/state/", views.roadmap_state, name="roadmap-state"),
    path(
        "roadmaps/<int:roadmap_id>/carry-over/",
        views.roadmap_carry_over,
        name="roadmap-carry-over",
    ),
    path("roadmaps/<int:roadmap_id>/import/", views.roadmap_import, name="roadmap-import"),
    path("deliverables/mine/", views.my_deliverables, name="my-deliverables"),
    path("deliverables/<int:deliverable_id>/", views.deliverable_detail, name="deliverable"),
    path(
        "deliverables/<int:deliverable_id>/status/",
        views.deliverable_status,
        name="deliverable-status",
    ),
    path(
        "deliverables/<int:deliverable_id>/move/", views.deliverable_move, name="deliverable-move"
    ),
    path(
        "deliverables/<int:deliverable_id>/delete/",
        views.deliverable_delete,
        name="deliverable-delete",
    ),
    path(
        "deliverables/<int:deliverable_id>/restore/",
        views.deliverable_restore,
        name="deliverable-restore",
    ),
]
