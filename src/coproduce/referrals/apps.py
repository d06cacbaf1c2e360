from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "coproduce.referrals"
    verbose_name = "Referrals, projects and escalations"

    def ready(self):
        from coproduce.hubs import panels

        from . import selectors

        panels.register_hub_home(selectors.hub_home_counts)
        from . import (
            receivers,  # noqa: F401  (a hub starts with its referral rules)
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )
