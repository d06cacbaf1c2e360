from django.apps import AppConfig


class TimebankConfig(AppConfig):
    name = "coproduce.timebank"
    verbose_name = "Time bank"

    def ready(self):
        from . import (
            access,  # noqa: F401  (who this app's people pickers offer)
            receivers,  # noqa: F401  (opens accounts with hubs and memberships)
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )
