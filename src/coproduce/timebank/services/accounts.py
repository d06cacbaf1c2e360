"""Accounts: the hub's own (the community chest, and the hub account that pays opening
grants), members' and organisations'. They open with the hub, the organisation and the
membership (see `receivers.py`), never when a page is read."""

from django.db import transaction

from coproduce.hubs import access
from coproduce.hubs.models import Hub, Membership, Organisation, Person

from ..ledger import MAX_MINUTES_ANY_LEG, Leg, policy_for, post_transfer
from ..models import Account, AccountKind, TimebankPolicy, TransferKind


def chest_of(hub: Hub) -> Account:
    """The hub's community chest (opened with the hub)."""
    return Account.objects.get(hub=hub, kind=AccountKind.CHEST)


def hub_account_of(hub: Hub) -> Account:
    """The hub's own account, which pays opening grants (opened with the hub)."""
    return Account.objects.get(hub=hub, kind=AccountKind.HUB)


@transaction.atomic
def hub_books_open(hub: Hub) -> None:
    """A new hub's time bank: its rules, its community chest and the hub account that pays
    opening grants."""
    TimebankPolicy.objects.get_or_create(hub=hub)
    for kind in (AccountKind.CHEST, AccountKind.HUB):
        Account.objects.get_or_create(hub=hub, kind=kind)


@transaction.atomic
def account_for_membership(membership: Membership) -> Account:
    """The member's account, opened (with the hub's opening grant) when the membership
    starts; the same account ever after."""
    account = Account.objects.filter(membership=membership).first()
    if account:
        return account
    account, created = Account.objects.get_or_create(
        membership=membership, defaults={"hub_id": membership.hub_id, "kind": AccountKind.MEMBER}
    )
    grant = policy_for(membership.hub).opening_grant_minutes
    if created and grant:
        post_transfer(
            hub=membership.hub,
            kind=TransferKind.OPENING,
            legs=[Leg(hub_account_of(membership.hub), -grant), Leg(account, grant)],
            idempotency_key=f"opening:{membership.pk}",
            memo="Welcome: opening hours",
            max_leg=MAX_MINUTES_ANY_LEG,
        )
        account.refresh_from_db()
    return account


def account_for_organisation(organisation: Organisation) -> Account:
    account, _ = Account.objects.get_or_create(
        organisation=organisation,
        defaults={"hub_id": organisation.hub_id, "kind": AccountKind.ORGANISATION},
    )
    return account


def account_of(person: Person, hub: Hub) -> Account:
    return account_for_membership(access.require_member(person, hub))


def _owner(account: Account) -> Person | None:
    return account.membership.person if account.kind == AccountKind.MEMBER else None


def _on_behalf(actor: Person, account: Account) -> Person | None:
    owner = _owner(account)
    return owner if owner and owner.pk != actor.pk else None
