from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "coproduce.hubs"
    verbose_name = "Hubs and people"

    def ready(self):
        from . import sentences  # noqa: F401  (how the audit log words this app's events)
