from django.urls import path

from deliverables.views import deliverable, exports, health, manage, mine, roadmap, status

urlpatterns = [
    path("roadmap/", roadmap.roadmap, name="roadmap"),
    path("roadmap/health/", health.roadmap_health, name="roadmap-health"),
    path("roadmap/export.csv", exports.roadmap_csv, name="roadmap-csv-current"),
    path("roadmap/export.md", exports.roadmap_markdown, name="roadmap-md-current"),
    path("roadmaps/new/", manage.roadmap_new, name="roadmap-new"),
    path("roadmaps/<int:roadmap_id>/", roadmap.roadmap, name="roadmap-detail"),
    path("roadmaps/<int:roadmap_id>/export.csv", exports.roadmap_csv, name="roadmap-csv"),
    path("roadmaps/<int:roadmap_id>/export.md", exports.roadmap_markdown, name="roadmap-md"),
    path(
        "roadmaps/<int:roadmap_id>/periods/<int:period_id>/",
        roadmap.roadmap_period,
        name="roadmap-period",
    ),
    path("roadmaps/<int:roadmap_id>/state/", manage.roadmap_state, name="roadmap-state"),
    path(
        "roadmaps/<int:roadmap_id>/agree/undo/",
        manage.roadmap_agree_undo,
        name="roadmap-agree-undo",
    ),
    path(
        "roadmaps/<int:roadmap_id>/carry-over/",
        manage.roadmap_carry_over,
        name="roadmap-carry-over",
    ),
    path("roadmaps/<int:roadmap_id>/import/", manage.roadmap_import, name="roadmap-import"),
    path("deliverables/mine/", mine.my_deliverables, name="my-deliverables"),
    path(
        "deliverables/mine/status-links/revoke/",
        status.revoke_my_links,
        name="status-links-revoke",
    ),
    path("status/<str:token>/", status.status_link, name="status-link"),
    path("status/<str:token>/done/", status.status_link_done, name="status-link-done"),
    path(
        "deliverables/<int:deliverable_id>/",
        deliverable.deliverable_detail,
        name="deliverable",
    ),
    path(
        "deliverables/<int:deliverable_id>/status/",
        deliverable.deliverable_status,
        name="deliverable-status",
    ),
    path(
        "deliverables/<int:deliverable_id>/report/",
        status.deliverable_report,
        name="deliverable-report",
    ),
    path(
        "deliverables/<int:deliverable_id>/move/",
        deliverable.deliverable_move,
        name="deliverable-move",
    ),
    path(
        "deliverables/<int:deliverable_id>/owners/",
        deliverable.deliverable_owners,
        name="deliverable-owners",
    ),
    path(
        "deliverables/<int:deliverable_id>/take/",
        deliverable.deliverable_take,
        name="deliverable-take",
    ),
    path(
        "deliverables/<int:deliverable_id>/delete/",
        deliverable.deliverable_delete,
        name="deliverable-delete",
    ),
    path(
        "deliverables/<int:deliverable_id>/restore/",
        deliverable.deliverable_restore,
        name="deliverable-restore",
    ),
]
