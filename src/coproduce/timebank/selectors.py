"""Reads shared by the time-bank pages, the API and the exports."""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, F, Prefetch, Q
from django.db.models.functions import Coalesce, Lower
from django.shortcuts import get_object_or_404

from coproduce.hubs.models import Hub, Membership

from . import tallies
from .models import (
    Account,
    AccountKind,
    Entry,
    Exchange,
    ExchangeParty,
    ExchangeStatus,
    Listing,
    Transfer,
    TransferKind,
    format_minutes,
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
    """The exchanges this account takes part in, not cancelled (their titles and states:
    see `with_parties` for who took part)."""
    return (
        Exchange.objects.filter(parties__account=account)
        .exclude(status=ExchangeStatus.CANCELLED)
        .distinct()
    )


def with_parties(exchanges):
    """Exchanges with their parties' accounts and holders, read in one query more."""
    return exchanges.prefetch_related(
        Prefetch(
            "parties",
            queryset=ExchangeParty.objects.select_related(
                "account__membership__person", "account__organisation"
            ),
        )
    )


def hub_totals(hub: Hub) -> dict:
    """Hours exchanged, and how many members gave, received, or did both: the counts the
    ledger keeps as it writes (timebank/tallies.py), so two queries however long the
    ledger."""
    kept = tallies.totals(hub)
    return {
        "minutes_exchanged": kept["minutes_exchanged"],
        "exchanges": kept["exchanges"],
        "members_gave": kept["gave"],
        "members_received": kept["received"],
        "members_both": kept["both"],
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


BALANCE_ORDERS = {
    "name": (Lower("holder_name").asc(), "pk"),
    "-name": (Lower("holder_name").desc(), "-pk"),
    "balance": ("balance_minutes", "pk"),
    "-balance": ("-balance_minutes", "-pk"),
    "activity": (F("last_activity_at").asc(nulls_first=True), "pk"),
    "-activity": (F("last_activity_at").desc(nulls_last=True), "-pk"),
}


def balances(hub: Hub, order: str = "name"):
    """Every current member's and organisation's account with its balance and the date of
    its last movement, in the order asked for (name, balance or last activity; a leading
    '-' reverses). One query for a page, whatever the number of members."""
    accounts = (
        Account.objects.filter(hub=hub)
        .filter(
            Q(kind=AccountKind.MEMBER, membership__is_active=True)
            | Q(kind=AccountKind.ORGANISATION)
        )
        .select_related("membership__person", "organisation", "hub")
        .annotate(
            holder_name=Coalesce("membership__person__display_name", "organisation__name"),
            last_activity=F("last_activity_at"),
        )
    )
    return accounts.order_by(*BALANCE_ORDERS.get(order, BALANCE_ORDERS["name"]))


def balances_count(hub: Hub) -> int:
    """How many accounts `balances` lists."""
    return (
        Account.objects.filter(hub=hub)
        .filter(
            Q(kind=AccountKind.MEMBER, membership__is_active=True)
            | Q(kind=AccountKind.ORGANISATION)
        )
        .count()
    )


def _month_start(day):
    return day.replace(day=1)


def add_months(month, count: int):
    """The first day of the month `count` months after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + count
    return month.replace(year=index // 12, month=index % 12 + 1, day=1)


def month_summaries(hub: Hub, last, count: int = 12) -> list[dict]:
    """For each of `count` months ending with the month of `last` (newest first): hours
    exchanged, how many members gave, received or both, hours into and out of the
    community chest (the ledger's kept counts: a row a month), and new members. Two
    queries, however many months, members or entries."""
    import datetime

    from django.utils import timezone

    newest = _month_start(last)
    oldest = add_months(newest, -(count - 1))
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(oldest, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(add_months(newest, 1), datetime.time(), tzinfo=zone)
    kept = tallies.months(hub, oldest, newest)
    # A count a month by plain comparisons on an index (no per-row month function).
    months_asked = [add_months(oldest, n) for n in range(count + 1)]
    edges = [datetime.datetime.combine(m, datetime.time(), tzinfo=zone) for m in months_asked]
    counted = Membership.objects.filter(hub=hub, joined_at__gte=start, joined_at__lt=end).aggregate(
        **{
            f"m{n}": Count("id", filter=Q(joined_at__gte=edges[n], joined_at__lt=edges[n + 1]))
            for n in range(count)
        }
    )
    joined = {months_asked[n]: counted[f"m{n}"] or 0 for n in range(count)}
    summaries = []
    for month in (add_months(newest, -n) for n in range(count)):
        row = kept.get(month) or tallies._blank(month)
        summaries.append(
            {
                "month": month,
                "minutes": row["minutes_exchanged"],
                "gave": row["gave"],
                "received": row["received"],
                "both": row["both"],
                "chest_in": row["chest_in"],
                "chest_out": row["chest_out"],
                "new_members": joined.get(month, 0),
                "hours": format_minutes(row["minutes_exchanged"]),
                "chest_in_display": format_minutes(row["chest_in"]),
                "chest_out_display": format_minutes(row["chest_out"]),
            }
        )
    return summaries
