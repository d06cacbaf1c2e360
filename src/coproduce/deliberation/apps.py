from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "coproduce.deliberation"
    verbose_name = "Deliberation"

    def ready(self):
        from . import (
            access,  # noqa: F401  (who this app's people pickers offer)
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )
