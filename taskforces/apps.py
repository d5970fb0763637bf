from django.apps import AppConfig


class TaskforcesConfig(AppConfig):
    name = "taskforces"
    verbose_name = "Task forces and R&D"
