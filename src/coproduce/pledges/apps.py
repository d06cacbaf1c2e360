from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "coproduce.pledges"
    verbose_name = "Pledges and reports"

    def ready(self):
        from coproduce.hubs import panels
        from coproduce.referrals.escalations import register_finder

        from . import (
            access,  # noqa: F401  (who this app's people pickers offer)
            sentences,  # noqa: F401  (how the audit log words this app's events)
        )
        from .report_selectors import hub_home_counts
        from .services import overdue_reports

        # The hourly sweep of the failsafe also catches reports past their expected date.
        register_finder(overdue_reports)
        panels.register_hub_home(hub_home_counts)
