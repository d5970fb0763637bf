from django.urls import path

from taskforces import views

urlpatterns = [
    path("taskforces/", views.taskforce_list, name="taskforces"),
    path("taskforces/<slug:slug>/", views.taskforce_detail, name="taskforce"),
    path("checkpoints/", views.checkpoint_list, name="checkpoints"),
    path("checkpoints/<slug:slug>/", views.checkpoint_detail, name="checkpoint"),
]
