from django.apps import AppConfig


class DebriefingsConfig(AppConfig):
    name = "apps.debriefings"
    verbose_name = "Debriefings"
