from django.urls import path

from deliverables import views

urlpatterns = [
    path("roadmap/", views.roadmap, name="roadmap"),
    path("roadmaps/<int:roadmap_id>/", views.roadmap, name="roadmap-detail"),
    path("deliverables/mine/", views.my_deliverables, name="my-deliverables"),
    path("deliverables/<int:deliverable_id>/", views.deliverable_detail, name="deliverable"),
]
