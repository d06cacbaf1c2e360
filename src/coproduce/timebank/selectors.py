"""Reads shared by the time-bank pages, the API and the exports."""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404

from coproduce.hubs.models import Hub, Membership

from .models import (
    Account,
    AccountKind,
    Entry,
    Exchange,
    ExchangeStatus,
    Listing,
    Transfer,
    TransferKind,
)


def account_of(membership: Membership) -> Account:
    """A member's account: opened when the membership starts, so reading never writes."""
    return get_object_or_404(
        Account.objects.select_related("hub", "membership__person"), membership=membership
    )


def chest_of(hub: Hub) -> Account:
    """The hub's community chest, opened with the hub."""
    return get_object_or_404(Account, hub=hub, kind=AccountKind.CHEST)


def reversal_of(exchange: Exchange) -> Transfer | None:
    """The correction that reversed a confirmed exchange's hours, if any."""
    if exchange.transfer_id is None:
        return None
    return Transfer.objects.filter(reverses_id=exchange.transfer_id).first()


def listings(hub: Hub, *, q: str = "", kind: str = "", category=None, area: str = ""):
    """Open listings, newest first. PostgreSQL full-text search; a word match on SQLite."""
    found = Listing.objects.filter(hub=hub, is_active=True).select_related(
        "category", "account__membership__person", "account__organisation"
    )
    found = found.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=_today()))
    if kind:
        found = found.filter(kind=kind)
    if category:
        found = found.filter(category=category)
    if area:
        found = found.filter(postcode_district__iexact=area.replace(" ", ""))
    q = q.strip()
    if q and connection.vendor == "postgresql":
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "description", weight="B", config="english"
        )
        found = found.annotate(search=vector).filter(
            search=SearchQuery(q, config="english", search_type="websearch")
        )
    elif q:
        for word in q.split()[:8]:
            found = found.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return found


def member_accounts(hub: Hub):
    """Accounts of the hub's current members, by name (for choosing people in a form)."""
    return (
        Account.objects.filter(hub=hub, kind=AccountKind.MEMBER, membership__is_active=True)
        .select_related("membership__person")
        .order_by("membership__person__display_name")
    )


def my_listings(account: Account):
    """Everything this account has offered or asked for, open ones first."""
    return account.listings.select_related("category").order_by("-is_active", "-created_at")


def _today():
    from django.utils import timezone

    return timezone.localdate()


def statement(account: Account):
    """The account's entries, newest first, each with its transfer."""
    return (
        Entry.objects.filter(account=account)
        .select_related("transfer", "transfer__exchange")
        .order_by("-transfer__created_at", "-id")
    )


def exchanges_for(account: Account):
    return (
        Exchange.objects.filter(parties__account=account)
        .exclude(status=ExchangeStatus.CANCELLED)
        .prefetch_related("parties__account__membership__person", "parties__account__organisation")
        .distinct()
    )


def hub_totals(hub: Hub) -> dict:
    """Hours exchanged, and how many members gave, received, or did both."""
    exchange_entries = Entry.objects.filter(
        transfer__hub=hub, transfer__kind="exchange", transfer__reversed_by__isnull=True
    )
    member_entries = exchange_entries.filter(account__kind=AccountKind.MEMBER)
    gave = set(member_entries.filter(direction=Entry.CREDIT).values_list("account", flat=True))
    received = set(member_entries.filter(direction=Entry.DEBIT).values_list("account", flat=True))
    minutes = (
        exchange_entries.filter(direction=Entry.CREDIT).aggregate(total=Sum("amount_minutes"))[
            "total"
        ]
        or 0
    )
    return {
        "minutes_exchanged": minutes,
        "exchanges": exchange_entries.values("transfer").distinct().count(),
        "members_gave": len(gave),
        "members_received": len(received),
        "members_both": len(gave & received),
        "accounts": Account.objects.filter(hub=hub).aggregate(n=Count("id"))["n"],
    }


def chest_grants(hub: Hub):
    """Hours granted from the chest, newest first: who received them, how many, why."""
    return (
        Entry.objects.filter(
            transfer__hub=hub, transfer__kind=TransferKind.GRANT, direction=Entry.CREDIT
        )
        .select_related("transfer", "account__membership__person")
        .order_by("-transfer__created_at", "-id")
    )
