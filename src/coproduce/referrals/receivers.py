"""A new hub starts with the default referral rules (see `hubs/signals.py`)."""

from django.dispatch import receiver

from coproduce.hubs.signals import hub_created

from .services.policy import policy_open


@receiver(hub_created, dispatch_uid="referrals-hub-policy")
def open_referral_policy(sender, hub, **kwargs):
    policy_open(hub)
