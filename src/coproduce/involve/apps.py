from django.apps import AppConfig


class InvolveConfig(AppConfig):
    name = "coproduce.involve"
    verbose_name = "Involvement"

    def ready(self):
        from coproduce.referrals.escalations import register_finder

        from . import sentences  # noqa: F401  (how the audit log words this app's events)
        from .failsafe import short_of_mix

        # The hourly sweep of the failsafe also catches opportunities short of their mix.
        register_finder(short_of_mix)
