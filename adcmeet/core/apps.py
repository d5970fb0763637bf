from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: no models; its management commands (backup, restore, the embedded
    development server) and helpers serve every app."""

    name = "adcmeet.core"
    label = "core"
    verbose_name = "Core"
