"""A year of the Millbrook time bank: listings, a few thousand exchanges, the health
centre's workshops, chest donations and grants; and Northfield's young time bank, told
step by step through the services. Deterministic, and loaded only once.

Millbrook's year of one-to-one exchanges is written in bulk (thousands of them, each
proposed, done, logged and confirmed on its own day, with its transfer in the ledger);
everything else goes through the services at the story's time (demo/clock.py)."""

import datetime
import random

from django.db import transaction

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
FOUNDED_DAY = 400  # as data.FOUNDED["millbrook"]
DAYS = 365
QUIET_DAYS = 7  # the one-to-one exchanges stop a week ago, before the chest's round
CHEST_DAY = 6


LISTINGS_DAYS = 6  # Millbrook's current offers and requests are from the last days


def _when(rng: random.Random, start: datetime.datetime) -> datetime.datetime:
    return start + datetime.timedelta(
        days=rng.randrange(DAYS - QUIET_DAYS), hours=rng.randint(9, 19)
    )


def _joined(account) -> datetime.datetime:
    return account.membership.joined_at


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
def load(hub: Hub, coordinator, staff, clock) -> None:
    if Transfer.objects.filter(hub=hub, kind=TransferKind.EXCHANGE).exists():
        return  # the story is told once
    rng = random.Random(311)
    clock.ago(FOUNDED_DAY, 15)
    policy = rules(hub, coordinator)  # set already by data.load; here for a hub loaded alone
    categories = {
        name: services.category_create(actor=coordinator, hub=hub, name=name)
        for name in CATEGORIES
        if not hub.categories.filter(name=name).exists()
    } or {c.name: c for c in hub.categories.all()}
    members = list(
        Membership.objects.filter(hub=hub, is_active=True, role=Role.MEMBER)
        .select_related("person")
        .order_by("joined_at", "id")
    )
    accounts = [services.account_for_membership(m) for m in members]
    health_centre = services.account_for_organisation(hub.host)
    start = clock.moment(DAYS, 0)

    # What members offer and need now: posted in the last week, so no request has waited
    # long enough to be escalated.
    # (Not those who are not online: they are helped through referrals and the rotas.)
    listers = [a for a in accounts if not a.membership.person.is_assisted_digital]
    for number, account in enumerate(listers[:30]):
        clock.ago(LISTINGS_DAYS - number % LISTINGS_DAYS, 9 + number % 10)
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

    # One-to-one help: proposed a day or two before, done and logged on the day, and
    # confirmed by the receiver that evening; only between people who had joined.
    balances = {a.pk: a.balance_minutes for a in accounts}
    times = sorted(_when(rng, start) for _ in range(EXCHANGES))
    for at in times:
        giver, receiver = rng.sample(accounts, 2)
        proposed = at - datetime.timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 3))
        if _joined(giver) >= proposed or _joined(receiver) >= proposed:
            continue
        minutes = rng.choice([30, 45, 60, 60, 60, 90, 120])
        if (
            balances[receiver.pk] - minutes < policy.floor_minutes
            or balances[giver.pk] + minutes > policy.ceiling_minutes
        ):
            continue
        confirmed = at + datetime.timedelta(hours=rng.randint(1, 3))
        category = rng.choice(CATEGORIES)
        exchange = Exchange.objects.create(
            hub=hub,
            title=rng.choice(HELP[category]),
            proposed_by=giver.membership.person,
            status=ExchangeStatus.DONE,
            created_at=proposed,
            done_on=at.date(),
            logged_by=giver.membership.person,
            logged_at=at,
            confirm_by=at + datetime.timedelta(days=policy.auto_confirm_days),
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
            created_at=confirmed,
        )
        Exchange.objects.filter(pk=exchange.pk).update(
            transfer=transfer,
            status=ExchangeStatus.CONFIRMED,
            confirmed_by=receiver.membership.person,
            confirmed_at=confirmed,
        )
        balances[giver.pk] += minutes
        balances[receiver.pk] -= minutes

    # The health centre pays members for a co-design workshop each month, recorded by
    # Dr Shah the evening after.
    for month in range(12):
        day = start + datetime.timedelta(days=30 * month + 15)
        clock.at(day + datetime.timedelta(days=1, hours=18))
        present = [a for a in accounts if _joined(a) < day]
        group = rng.sample(present, rng.randint(5, 8))
        services.exchange_record_group(
            actor=staff,
            hub=hub,
            title=f"Patient panel workshop {month + 1}",
            givers=[(a, 90) for a in group],
            receivers=[(health_centre, 90 * len(group))],
            done_on=day.date(),
        )

    # Members with plenty give to the chest; the coordinator grants to those who need it.
    for account in accounts:
        account.refresh_from_db()
    donors = [a for a in accounts if a.balance_minutes > 240][:25]
    for number, account in enumerate(donors):
        clock.ago(CHEST_DAY, 9 + number // 4)
        services.chest_donate(
            actor=account.membership.person,
            account=account,
            minutes=120,
            key=f"demo-donation:{account.pk}",
        )
    needy = [a for a in accounts if a.balance_minutes < 0][:15]
    clock.ago(CHEST_DAY - 1, 10)
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


# Northfield's time bank, five months old: tenants swap small jobs, the housing office
# pays for a clean-up day, and the chest helps Maureen, who is not online.
NORTHFIELD_CATEGORIES = ["Repairs", "Sewing", "Tech help", "Lifts", "Shopping", "Clearing"]
# (days ago, person, kind, title, category)
NORTHFIELD_LISTINGS = [
    (100, "Ben Baker", ListingKind.OFFER, "Putting up shelves and curtain rails", "Repairs"),
    (99, "Jean Walker", ListingKind.OFFER, "Sewing and mending", "Sewing"),
    (99, "Dev Doyle", ListingKind.OFFER, "Help with phones and tablets", "Tech help"),
    (98, "Sam Patel", ListingKind.OFFER, "Bike repairs", "Repairs"),
    (97, "Farid Fraser", ListingKind.REQUEST, "Help clearing a balcony", "Clearing"),
    (96, "Hassan Hughes", ListingKind.REQUEST, "A lift to the eye clinic", "Lifts"),
    (9, "Jean Walker", ListingKind.REQUEST, "Changing a light on the landing", "Repairs"),
    (8, "Maureen Hill", ListingKind.REQUEST, "Help with the weekly shop", "Shopping"),
]
# (listing title, who answers it, days ago: proposed, agreed, done and logged, confirmed;
# minutes). None: that step has not happened yet.
NORTHFIELD_EXCHANGES = [
    ("Putting up shelves and curtain rails", "Farid Fraser", (90, 89, 85, 84), 90),
    ("Help with phones and tablets", "Jean Walker", (70, 69, 65, 65), 60),
    ("Help clearing a balcony", "Sam Patel", (60, 60, 55, 54), 120),
    ("Sewing and mending", "Hassan Hughes", (40, 39, 35, 34), 60),
    ("A lift to the eye clinic", "Ben Baker", (30, 29, 26, 25), 90),
    ("Sewing and mending", "Dev Doyle", (20, 19, 12, 11), 45),
    # Ben has changed Jean's landing light and logged it: Jean is asked to confirm.
    ("Changing a light on the landing", "Ben Baker", (6, 5, 2, None), 30),
    # Sam will do Maureen's shop; Tunde agreed it for her.
    ("Help with the weekly shop", "Sam Patel", (4, 3, None, None), 60),
]
# One-off requests are closed once someone has said yes (Jean) or the help is done.
CLOSED_WHEN_AGREED = {"Changing a light on the landing"}
CLOSED_WHEN_DONE = {"Help clearing a balcony", "A lift to the eye clinic"}
NORTHFIELD_CLEAN_UP = (75, ["Ben Baker", "Farid Fraser", "Jean Walker", "Hassan Hughes"], 120)
NORTHFIELD_CHEST = {"donors": (50, ["Ben Baker", "Dev Doyle"], 60), "grant": (45, 60)}


@transaction.atomic
def northfield(hub: Hub, coordinator, clock) -> None:
    if Exchange.objects.filter(hub=hub).exists():
        return  # the story is told once

    def account(name):
        return services.account_for_membership(
            Membership.objects.get(hub=hub, person__display_name=name)
        )

    def person(name):
        return account(name).membership.person

    clock.ago(NORTHFIELD_LISTINGS[0][0] + 1, 10)
    categories = {
        name: services.category_create(actor=coordinator, hub=hub, name=name)
        for name in NORTHFIELD_CATEGORIES
    }
    listings = {}
    for days_ago, name, kind, title, category in NORTHFIELD_LISTINGS:
        clock.ago(days_ago, 18)
        holder = account(name)
        actor = coordinator if holder.membership.person.is_assisted_digital else person(name)
        listings[title] = services.listing_create(
            actor=actor,
            account=holder,
            kind=kind,
            title=title,
            category=categories[category],
            postcode_district=holder.membership.person.postcode_district,
        )
    for title, name, days, minutes in NORTHFIELD_EXCHANGES:
        proposed, agreed, logged, confirmed = days
        listing = listings[title]
        clock.ago(proposed, 19)
        exchange = services.exchange_propose(
            actor=person(name), listing=listing, note="Would this week suit you?"
        )
        clock.ago(agreed, 20)
        holder = listing.account.membership.person
        services.exchange_agree(
            actor=coordinator if holder.is_assisted_digital else holder, exchange=exchange
        )
        if title in CLOSED_WHEN_AGREED:
            services.listing_close(actor=holder, listing=listing)
        if logged is None:
            continue
        giver = listing.account if listing.kind == ListingKind.OFFER else account(name)
        receiver = account(name) if listing.kind == ListingKind.OFFER else listing.account
        clock.ago(logged, 17)
        services.exchange_log_done(
            actor=giver.membership.person,
            exchange=exchange,
            minutes=minutes,
            done_on=clock.now.date(),
        )
        if confirmed is None:
            continue
        clock.ago(confirmed, 21)
        services.exchange_confirm(actor=receiver.membership.person, exchange=exchange)
        if title in CLOSED_WHEN_DONE:
            clock.ago(confirmed, 21, 30)
            services.listing_close(actor=listing.account.membership.person, listing=listing)

    # The housing office pays tenants for the spring clean-up day (these steps are placed
    # among the exchanges above by their days, and the clock only needs each to be right).
    days_ago, names, minutes = NORTHFIELD_CLEAN_UP
    clock.ago(days_ago - 1, 10)
    staff = Membership.objects.get(hub=hub, person__email="priya@northfield.example").person
    services.exchange_record_group(
        actor=staff,
        hub=hub,
        title="Estate clean-up day",
        givers=[(account(name), minutes) for name in names],
        receivers=[(services.account_for_organisation(hub.host), minutes * len(names))],
        done_on=clock.moment(days_ago).date(),
    )
    days_ago, donors, minutes = NORTHFIELD_CHEST["donors"]
    for name in donors:
        clock.ago(days_ago, 12)
        services.chest_donate(
            actor=person(name),
            account=account(name),
            minutes=minutes,
            key=f"demo-donation:{hub.slug}:{name}",
        )
    days_ago, minutes = NORTHFIELD_CHEST["grant"]
    clock.ago(days_ago, 11)
    services.chest_grant(
        actor=coordinator,
        account=account("Maureen Hill"),
        minutes=minutes,
        reason="Housebound: cannot earn hours yet",
        key=f"demo-grant:{hub.slug}:maureen",
    )
