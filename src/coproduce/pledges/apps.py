from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "coproduce.pledges"
    verbose_name = "Pledges and reports"

    def ready(self):
        from . import sentences  # noqa: F401  (how the audit log words this app's events)
