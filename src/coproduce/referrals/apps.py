from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "coproduce.referrals"
    verbose_name = "Referrals, projects and escalations"

    def ready(self):
        from coproduce.hubs import panels
        from coproduce.timebank import panels as exchange_panels

        from . import selectors

        panels.register_hub_home(selectors.hub_home_counts)
        exchange_panels.register_exchange_panel(selectors.referral_on_exchange)
        from . import (
            access,  # noqa: F401  (who this app's people pickers offer)
            receivers,  # noqa: F401  (a hub starts with its referral rules)
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )
