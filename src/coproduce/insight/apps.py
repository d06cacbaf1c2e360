from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "coproduce.insight"
    verbose_name = "Insight and people's data"

    def ready(self):
        from . import sentences  # noqa: F401  (how the audit log words this app's events)
