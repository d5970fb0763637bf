from django.apps import AppConfig


class AdcmeetConfig(AppConfig):
    name = "adcmeet"
    verbose_name = "Meetings"
