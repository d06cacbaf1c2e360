from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "coproduce.notify"
    verbose_name = "Notifications"

    def ready(self):
        from . import (
            receivers,  # noqa: F401  (tells people what the hubs app announces)
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )
