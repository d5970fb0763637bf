from django.apps import AppConfig


class AdcmeetConfig(AppConfig):
    name = "adcmeet"
    verbose_name = "Meetings"

    def ready(self) -> None:
        from adcmeet import panels
        from deliverables import views as deliverable_views

        if panels.deliverable_meetings not in deliverable_views.DELIVERABLE_PANELS:
            deliverable_views.DELIVERABLE_PANELS.append(panels.deliverable_meetings)
