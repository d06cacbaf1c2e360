"""A new hub starts with the default referral rules (see `hubs/signals.py`); the word
index of "Who could help" (`GiverWord`) follows every saved person and offer."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from coproduce.hubs.models import Person
from coproduce.hubs.signals import hub_created
from coproduce.timebank.models import Listing

from . import candidates
from .services.policy import policy_open


@receiver(hub_created, dispatch_uid="referrals-hub-policy")
def open_referral_policy(sender, hub, **kwargs):
    policy_open(hub)


def _touches(update_fields, field: str) -> bool:
    return update_fields is None or field in update_fields


@receiver(post_save, sender=Person, dispatch_uid="referrals-person-words")
def index_person_words(sender, instance, created, update_fields, **kwargs):
    # Saved in the same transaction as the change (a sign-in that only sets last_login
    # leaves the index alone).
    if (created and instance.assets) or (not created and _touches(update_fields, "assets")):
        candidates.index_person(instance)


@receiver(post_save, sender=Listing, dispatch_uid="referrals-listing-words")
def index_listing_words(sender, instance, created, update_fields, **kwargs):
    if created or _touches(update_fields, "title") or _touches(update_fields, "account"):
        candidates.index_listing(instance)
