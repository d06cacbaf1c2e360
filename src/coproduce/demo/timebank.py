"""A year of the Millbrook time bank: listings, a few thousand exchanges, the health
centre's workshops, chest donations and grants. Deterministic, and loaded only once."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Membership, Role
from coproduce.timebank import services
from coproduce.timebank.ledger import Leg, post_transfer
from coproduce.timebank.models import (
    Exchange,
    ExchangeParty,
    ExchangeStatus,
    ListingKind,
    Transfer,
    TransferKind,
)

CATEGORIES = [
    "Befriending",
    "Lifts",
    "Gardening",
    "Shopping",
    "Tech help",
    "Cooking",
    "Reading",
    "Odd jobs",
    "Walking",
]
HELP = {
    "Befriending": ["A weekly phone call", "A cup of tea and a chat", "Company on a walk"],
    "Lifts": ["Lift to the health centre", "Lift to the hospital", "Lift to the shops"],
    "Gardening": ["Weeding the front garden", "Mowing the lawn", "Planting bulbs"],
    "Shopping": ["Weekly food shop", "Collecting a prescription"],
    "Tech help": ["Setting up video calls", "Help with the NHS App", "Online forms"],
    "Cooking": ["Batch cooking for the freezer", "Baking for the coffee morning"],
    "Reading": ["Reading with a child", "Reading letters aloud"],
    "Odd jobs": ["Changing light bulbs", "Putting up shelves", "Hanging curtains"],
    "Walking": ["Dog walking", "Walking group leader"],
}
EXCHANGES = 2400
DAYS = 365


def _when(rng: random.Random, start: datetime.datetime) -> datetime.datetime:
    return start + datetime.timedelta(days=rng.randrange(DAYS), hours=rng.randint(9, 19))


def rules(hub: Hub, coordinator):
    """The hub's rules for hours, set before anyone joins so that every member's account
    opens with the hub's opening hour."""
    return services.policy_update(
        actor=coordinator,
        hub=hub,
        floor_minutes=-20 * 60,
        ceiling_minutes=200 * 60,
        limits_are_hard=True,
        opening_grant_minutes=60,
        auto_confirm_days=14,
    )


@transaction.atomic
def load(hub: Hub, coordinator, staff) -> None:
    if Transfer.objects.filter(hub=hub, kind=TransferKind.EXCHANGE).exists():
        return  # the story is told once
    rng = random.Random(311)
    policy = rules(hub, coordinator)  # set already by data.load; here for a hub loaded alone
    categories = {
        name: services.category_create(actor=coordinator, hub=hub, name=name)
        for name in CATEGORIES
        if not hub.categories.filter(name=name).exists()
    } or {c.name: c for c in hub.categories.all()}
    members = list(
        Membership.objects.filter(hub=hub, is_active=True, role=Role.MEMBER).select_related(
            "person"
        )
    )
    accounts = [services.account_for_membership(m) for m in members]
    health_centre = services.account_for_organisation(hub.host)
    start = timezone.now() - datetime.timedelta(days=DAYS)

    for account in accounts[:30]:
        category = rng.choice(CATEGORIES)
        services.listing_create(
            actor=coordinator,
            account=account,
            kind=rng.choice([ListingKind.OFFER, ListingKind.OFFER, ListingKind.REQUEST]),
            title=rng.choice(HELP[category]),
            category=categories[category],
            postcode_district=account.membership.person.postcode_district,
            needs_check=category in ("Reading",),
        )

    balances = {a.pk: a.balance_minutes for a in accounts}
    times = sorted(_when(rng, start) for _ in range(EXCHANGES))
    for at in times:
        giver, receiver = rng.sample(accounts, 2)
        minutes = rng.choice([30, 45, 60, 60, 60, 90, 120])
        if (
            balances[receiver.pk] - minutes < policy.floor_minutes
            or balances[giver.pk] + minutes > policy.ceiling_minutes
        ):
            continue
        category = rng.choice(CATEGORIES)
        exchange = Exchange.objects.create(
            hub=hub,
            title=rng.choice(HELP[category]),
            proposed_by=giver.membership.person,
            status=ExchangeStatus.DONE,
            created_at=at,
            done_on=at.date(),
            logged_by=giver.membership.person,
            logged_at=at,
        )
        ExchangeParty.objects.bulk_create(
            [
                ExchangeParty(exchange=exchange, account=giver, side="gives", minutes=minutes),
                ExchangeParty(
                    exchange=exchange, account=receiver, side="receives", minutes=minutes
                ),
            ]
        )
        transfer = post_transfer(
            hub=hub,
            kind=TransferKind.EXCHANGE,
            legs=[Leg(giver, minutes), Leg(receiver, -minutes)],
            idempotency_key=f"exchange:{exchange.pk}",
            memo=exchange.title,
            created_at=at,
        )
        Exchange.objects.filter(pk=exchange.pk).update(
            transfer=transfer,
            status=ExchangeStatus.CONFIRMED,
            confirmed_by=receiver.membership.person,
            confirmed_at=at,
        )
        balances[giver.pk] += minutes
        balances[receiver.pk] -= minutes

    # The health centre pays members for a co-design workshop each month.
    for month in range(12):
        group = rng.sample(accounts, rng.randint(5, 8))
        services.exchange_record_group(
            actor=staff,
            hub=hub,
            title=f"Patient panel workshop {month + 1}",
            givers=[(a, 90) for a in group],
            receivers=[(health_centre, 90 * len(group))],
            done_on=(start + datetime.timedelta(days=30 * month)).date(),
        )

    # Members with plenty give to the chest; the coordinator grants to those who need it.
    for account in accounts:
        account.refresh_from_db()
    donors = [a for a in accounts if a.balance_minutes > 240][:25]
    for account in donors:
        services.chest_donate(
            actor=account.membership.person,
            account=account,
            minutes=120,
            key=f"demo-donation:{account.pk}",
        )
    needy = [a for a in accounts if a.balance_minutes < 0][:15]
    for account in needy:
        try:
            services.chest_grant(
                actor=coordinator,
                account=account,
                minutes=60,
                reason="Housebound: cannot earn hours at the moment",
                key=f"demo-grant:{account.pk}",
            )
        except ApplicationError:
            break  # the chest is empty
