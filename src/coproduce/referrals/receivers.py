"""A new hub starts with the default referral rules (see `hubs/signals.py`); the word
index of "Who could help" (`GiverWord`) follows every saved person and offer, and its
kept rows (`GiverRow`) every saved membership, person and neighbourhood."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from coproduce.hubs.models import Membership, Neighbourhood, Person
from coproduce.hubs.signals import hub_created
from coproduce.timebank.models import Listing

from . import candidates
from .services.policy import policy_open


@receiver(hub_created, dispatch_uid="referrals-hub-policy")
def open_referral_policy(sender, hub, **kwargs):
    policy_open(hub)


def _touches(update_fields, *fields: str) -> bool:
    return update_fields is None or any(field in update_fields for field in fields)


@receiver(post_save, sender=Person, dispatch_uid="referrals-person-words")
def index_person_words(sender, instance, created, update_fields, **kwargs):
    # Saved in the same transaction as the change (a sign-in that only sets last_login
    # leaves the index alone).
    if (created and instance.assets) or (not created and _touches(update_fields, "assets")):
        candidates.index_person(instance)
    if not created and _touches(update_fields, "availability", "postcode_district"):
        candidates.keep_rows(Membership.objects.filter(person=instance))


@receiver(post_save, sender=Listing, dispatch_uid="referrals-listing-words")
def index_listing_words(sender, instance, created, update_fields, **kwargs):
    if created or _touches(update_fields, "title") or _touches(update_fields, "account"):
        candidates.index_listing(instance)


@receiver(post_save, sender=Membership, dispatch_uid="referrals-membership-row")
def keep_membership_row(sender, instance, created, update_fields, **kwargs):
    if created or _touches(update_fields, "is_active", "neighbourhood", "hub", "person"):
        candidates.keep_rows(Membership.objects.filter(pk=instance.pk))


@receiver(post_save, sender=Neighbourhood, dispatch_uid="referrals-neighbourhood-rows")
def keep_neighbourhood_rows(sender, instance, created, update_fields, **kwargs):
    if not created and _touches(update_fields, "name"):
        candidates.keep_rows(Membership.objects.filter(neighbourhood=instance))


@receiver(pre_delete, sender=Neighbourhood, dispatch_uid="referrals-neighbourhood-gone")
def note_neighbourhood_members(sender, instance, **kwargs):
    # Its members are left without one (SET_NULL, written without `save()`): their
    # rows are kept again once it is gone, from their postcode districts.
    instance._members = list(
        Membership.objects.filter(neighbourhood=instance).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=Neighbourhood, dispatch_uid="referrals-neighbourhood-rows-gone")
def keep_rows_without_neighbourhood(sender, instance, **kwargs):
    members = getattr(instance, "_members", [])
    if members:
        candidates.keep_rows(Membership.objects.filter(pk__in=members))
