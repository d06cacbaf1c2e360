"""The time bank's books open with the hub, each organisation and each membership, so
that reading a page never has to open them (see `hubs/signals.py`)."""

from django.dispatch import receiver

from coproduce.hubs.signals import hub_created, membership_started, organisation_created

from . import services


@receiver(hub_created, dispatch_uid="timebank-hub-books")
def open_hub_books(sender, hub, **kwargs):
    services.hub_books_open(hub)


@receiver(organisation_created, dispatch_uid="timebank-organisation-account")
def open_organisation_account(sender, organisation, **kwargs):
    services.account_for_organisation(organisation)


@receiver(membership_started, dispatch_uid="timebank-member-account")
def open_member_account(sender, membership, **kwargs):
    services.account_for_membership(membership)
