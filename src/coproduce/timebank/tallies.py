"""The ledger's kept counts: hours exchanged, exchanges, members who gave, received or
both, and the chest's movements, for each hub all time and month by month.

`record` is called by the ledger inside the transaction that writes the entries, after the
accounts are locked; `recount` computes the same figures from the entries (for `coproduce
ledger verify` and to fill the counts for earlier data); `check` compares the two and
names any count that is wrong. Pages read `totals` and `months`: a row a month.

Race safety: a hub's counts move by `F()` updates, so two writers add, never overwrite.
An account's own counts (which tell whether a member is the month's first giver) are read
and written only while the ledger holds that account's row lock; SQLite's immediate
transactions serialise writers anyway. Rows are created with INSERT .. ON CONFLICT DO
NOTHING and touched in one order (all time first, then months, oldest first), so two
writers never wait on each other in a circle.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

FIELDS = (
    "minutes_exchanged",
    "exchanges",
    "gave",
    "received",
    "both",
    "chest_in",
    "chest_out",
)
LABELS = {
    "minutes_exchanged": "minutes exchanged",
    "exchanges": "exchanges",
    "gave": "members who gave",
    "received": "members who received",
    "both": "members who did both",
    "chest_in": "minutes into the community chest",
    "chest_out": "minutes out of the community chest",
}
EXCHANGE, REVERSAL, MEMBER, CHEST = "exchange", "reversal", "member", "chest"


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the moment's month in the site's time zone (not a visitor's)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


@dataclass(frozen=True)
class Posting:
    """What one new transfer changes: its kind and time, its legs as (account id, account
    kind, signed minutes), and for a correction the kind and time of what it reverses."""

    kind: str
    created_at: datetime.datetime
    legs: list[tuple[int, str, int]]
    reverses: tuple[str, datetime.datetime] | None = None


@dataclass
class _Changes:
    hub: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    accounts: defaultdict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def exchange(self, month, legs, sign: int) -> None:
        for key in (None, month):
            self.hub[key]["minutes_exchanged"] += sign * sum(m for _, _, m in legs if m > 0)
            self.hub[key]["exchanges"] += sign
            for account_id, kind, minutes in legs:
                if kind == MEMBER:
                    self.accounts[(account_id, key)][0 if minutes > 0 else 1] += sign


def _changes(postings: list[Posting]) -> _Changes:
    changes = _Changes()
    for posting in postings:
        month = month_of(posting.created_at)
        for _, kind, minutes in posting.legs:
            if kind == CHEST:
                for key in (None, month):
                    changes.hub[key]["chest_in" if minutes > 0 else "chest_out"] += abs(minutes)
        if posting.kind == EXCHANGE:
            changes.exchange(month, posting.legs, +1)
        elif posting.kind == REVERSAL and posting.reverses and posting.reverses[0] == EXCHANGE:
            undone = [(a, k, -m) for a, k, m in posting.legs]
            changes.exchange(month_of(posting.reverses[1]), undone, -1)
    return changes


def _order(key):
    return (key is not None, key or datetime.date.min)


def record(hub_id: int, postings: list[Posting]) -> None:
    """Count new transfers. Call inside the ledger's transaction, with the accounts locked:
    a few queries, however many transfers."""
    from .models import AccountTally, HubTally

    changes = _changes(postings)
    keys = sorted((k for k, d in changes.accounts.items() if d != [0, 0]), key=_tally_order)
    if keys:
        months = {m for _, m in keys if m is not None}
        rows = {
            (row.account_id, row.month): row
            for row in AccountTally.objects.filter(account_id__in={a for a, _ in keys}).filter(
                Q(month__in=months) | Q(month__isnull=True)
            )
        }
        new, changed = [], []
        for key in keys:
            row = rows.get(key) or AccountTally(account_id=key[0], month=key[1])
            gave, received = changes.accounts[key]
            before = (row.gave > 0, row.received > 0)
            row.gave += gave
            row.received += received
            after = (row.gave > 0, row.received > 0)
            hub = changes.hub[key[1]]
            hub["gave"] += after[0] - before[0]
            hub["received"] += after[1] - before[1]
            hub["both"] += all(after) - all(before)
            (changed if row.pk else new).append(row)
        # The accounts are locked by the ledger, so no one else writes these rows now.
        AccountTally.objects.bulk_create(new)
        if changed:
            AccountTally.objects.bulk_update(changed, ["gave", "received"])
    hub_keys = sorted((k for k, c in changes.hub.items() if any(c.values())), key=_order)
    if not hub_keys:
        return
    HubTally.objects.bulk_create(
        [HubTally(hub_id=hub_id, month=m) for m in hub_keys], ignore_conflicts=True
    )
    moved = {}
    for name in FIELDS:
        whens = [
            When(month__isnull=True, then=Value(changes.hub[key][name]))
            if key is None
            else When(month=key, then=Value(changes.hub[key][name]))
            for key in hub_keys
            if changes.hub[key][name]
        ]
        if whens:
            moved[name] = F(name) + Case(*whens, default=Value(0))
    which = Q(month__in=[k for k in hub_keys if k is not None])
    if None in hub_keys:
        which |= Q(month__isnull=True)
    HubTally.objects.filter(which, hub_id=hub_id).update(**moved)


def _tally_order(key):
    account_id, month = key
    return (account_id, *_order(month))


# --- reading -------------------------------------------------------------------------


def _blank(month=None) -> dict:
    return {"month": month, **dict.fromkeys(FIELDS, 0)}


def totals(hub) -> dict:
    """The hub's all-time counts (zeros before its first transfer). One query."""
    from .models import HubTally

    row = HubTally.objects.filter(hub=hub, month__isnull=True).values("month", *FIELDS).first()
    return row or _blank()


def months(hub, first: datetime.date, last: datetime.date) -> dict[datetime.date, dict]:
    """The counts of each month from `first` to `last` that has any. One query."""
    from .models import HubTally

    found = HubTally.objects.filter(hub=hub, month__gte=first, month__lte=last)
    return {row["month"]: row for row in found.values("month", *FIELDS)}


# --- recounting ----------------------------------------------------------------------


def recount(hub_id: int, entry_model=None) -> tuple[dict, dict]:
    """The counts computed from the entries: (hub counts by month, with None for all time;
    member accounts' (gave, received) by (account id, month)). Reads the whole ledger of
    the hub: for checking and filling, never for a page. `entry_model` lets a migration
    pass its historical model."""
    if entry_model is None:
        from .models import Entry as entry_model
    zone = timezone.get_default_timezone()
    entries = entry_model.objects.filter(transfer__hub_id=hub_id).annotate(
        month=TruncMonth("transfer__created_at", tzinfo=zone)
    )
    live = entries.filter(transfer__kind=EXCHANGE, transfer__reversed_by__isnull=True)
    hub: defaultdict = defaultdict(Counter)
    accounts: defaultdict = defaultdict(lambda: [0, 0])
    for row in (
        live.values("month", "account_id", "account__kind", "direction")
        .annotate(n=Count("id"), minutes=Sum("amount_minutes"))
        .order_by()
    ):
        month = _as_month(row["month"], zone)
        for key in (None, month):
            if row["direction"] == 1:
                hub[key]["minutes_exchanged"] += row["minutes"]
            if row["account__kind"] == MEMBER:
                accounts[(row["account_id"], key)][0 if row["direction"] == 1 else 1] += row["n"]
    for row in live.values("month").annotate(n=Count("transfer_id", distinct=True)).order_by():
        for key in (None, _as_month(row["month"], zone)):
            hub[key]["exchanges"] += row["n"]
    for row in (
        entries.filter(account__kind=CHEST, account__hub_id=hub_id)
        .values("month", "direction")
        .annotate(minutes=Sum("amount_minutes"))
        .order_by()
    ):
        for key in (None, _as_month(row["month"], zone)):
            hub[key]["chest_in" if row["direction"] == 1 else "chest_out"] += row["minutes"]
    for (_, key), (gave, received) in accounts.items():
        hub[key]["gave"] += gave > 0
        hub[key]["received"] += received > 0
        hub[key]["both"] += gave > 0 and received > 0
    counts = {key: {name: hub[key][name] for name in FIELDS} for key in hub}
    return counts, {key: tuple(value) for key, value in accounts.items()}


def _as_month(value, zone) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value, zone).date() if timezone.is_aware(value) else value
        value = value.date() if isinstance(value, datetime.datetime) else value
    return value.replace(day=1)


def rebuild(hub_id: int, hub_tally_model=None, account_tally_model=None, entry_model=None):
    """Replace the hub's kept counts with a recount (filling them for data written before
    they were kept; `coproduce ledger retally`). Run it while nothing writes the hub's
    ledger."""
    if hub_tally_model is None:
        from .models import AccountTally as account_tally_model
        from .models import HubTally as hub_tally_model

        refill_last_activity(hub_id)
    counts, accounts = recount(hub_id, entry_model)
    hub_tally_model.objects.filter(hub_id=hub_id).delete()
    account_tally_model.objects.filter(account__hub_id=hub_id).delete()
    hub_tally_model.objects.bulk_create(
        [
            hub_tally_model(hub_id=hub_id, month=month, **values)
            for month, values in counts.items()
            if any(values.values())
        ],
        batch_size=1000,
    )
    account_tally_model.objects.bulk_create(
        [
            account_tally_model(account_id=a, month=m, gave=g, received=r)
            for (a, m), (g, r) in accounts.items()
            if g or r
        ],
        batch_size=1000,
    )


def refill_last_activity(hub_id: int, account_model=None, entry_model=None) -> None:
    """Set each account's kept last activity to the time of its latest entry's transfer."""
    from django.db.models import Max, OuterRef, Subquery

    if account_model is None:
        from .models import Account as account_model
        from .models import Entry as entry_model
    latest = (
        entry_model.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(at=Max("transfer__created_at"))
        .values("at")
    )
    account_model.objects.filter(hub_id=hub_id).update(last_activity_at=Subquery(latest))


def check(hub) -> list[str]:
    """Each kept count that differs from a recount, in words naming the count."""
    from .models import AccountTally, HubTally

    counts, accounts = recount(hub.pk)
    kept = {
        row["month"]: row
        for row in HubTally.objects.filter(hub=hub).values("month", *FIELDS).iterator()
    }
    problems = []
    for month in sorted(set(counts) | set(kept), key=_order):
        expected = counts.get(month) or _blank()
        found = kept.get(month) or _blank()
        when = month.strftime("%B %Y") if month else "all time"
        for name in FIELDS:
            if found[name] != expected[name]:
                problems.append(
                    f"Hub {hub.slug}, {when}: {LABELS[name]} is kept as {found[name]}, "
                    f"but the entries give {expected[name]}."
                )
    kept_accounts = {
        (a, m): (g, r)
        for a, m, g, r in AccountTally.objects.filter(account__hub=hub)
        .values_list("account_id", "month", "gave", "received")
        .iterator(chunk_size=5000)
    }
    for key in sorted(set(accounts) | set(kept_accounts), key=_tally_order):
        found = kept_accounts.get(key, (0, 0))
        expected = accounts.get(key, (0, 0))
        if found != expected:
            account_id, month = key
            when = month.strftime("%B %Y") if month else "all time"
            problems.append(
                f"Account {account_id}, {when}: exchanges given and received are kept as "
                f"{found[0]} and {found[1]}, but the entries give {expected[0]} and "
                f"{expected[1]}."
            )
    return problems
