from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "adcmeet.meetings"
    # The label the app had when it was the project package: tables (adcmeet_meeting…),
    # migration history, content types, permissions and history rows keep their names, so the
    # move to its own package migrates nothing.
    label = "adcmeet"
    verbose_name = "Meetings"

    def ready(self) -> None:
        from adcmeet.meetings import panels
        from deliverables import views as deliverable_views

        if panels.deliverable_meetings not in deliverable_views.DELIVERABLE_PANELS:
            deliverable_views.DELIVERABLE_PANELS.append(panels.deliverable_meetings)
        if panels.deliverable_decisions not in deliverable_views.DELIVERABLE_PANELS:
            deliverable_views.DELIVERABLE_PANELS.append(panels.deliverable_decisions)
