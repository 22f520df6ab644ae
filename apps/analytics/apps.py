from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "apps.analytics"
    verbose_name = "Analytics"

    def ready(self):
        # Registered in every process, so services can queue a task by its name
        # without importing the edges that call them.
        from apps.analytics import signals, tasks  # noqa: F401

        signals.connect()
