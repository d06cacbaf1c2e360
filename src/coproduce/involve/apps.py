from django.apps import AppConfig


class InvolveConfig(AppConfig):
    name = "coproduce.involve"
    verbose_name = "Involvement"

    def ready(self):
        from coproduce.hubs import panels
        from coproduce.referrals.escalations import register_finder

        from . import (
            access,  # noqa: F401  (who this app's people pickers offer)
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )
        from .failsafe import short_of_mix
        from .panels import hub_home_counts
        from .space import access as space_access  # noqa: F401  (Your Space's pickers)
        from .space import sentences as space_sentences  # noqa: F401

        panels.register_hub_home(hub_home_counts)

        # The hourly sweep of the failsafe also catches opportunities short of their mix.
        register_finder(short_of_mix)
