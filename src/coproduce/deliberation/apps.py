from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "coproduce.deliberation"
    verbose_name = "Deliberation"

    def ready(self):
        from django.core import signals

        from . import (
            access,  # noqa: F401  (who this app's people pickers offer)
            later,
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )

        # A refresh of the analysis asked for in a request runs after its response.
        signals.request_started.connect(later.request_started, dispatch_uid="refresh-later")
        signals.request_finished.connect(later.request_finished, dispatch_uid="refresh-later")
