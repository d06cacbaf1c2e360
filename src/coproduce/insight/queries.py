"""The few aggregate queries behind the insight report: each one GROUP BY in the
database or a values_list of plain tuples, never a query per member, so the report of a
hub of 10,000 members and a million ledger entries takes a handful of queries.

`Window` turns the report's days into the moments queries compare with, in the site's
time zone: from the start of the first day to the start of the day after the last.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from coproduce.deliberation.models import Participant
from coproduce.hubs.models import Hub, Membership
from coproduce.involve.models import Attendance
from coproduce.involve.space.models import Ballot, Idea
from coproduce.pledges.models import Report
from coproduce.referrals.models import Assignment, AssignmentStatus, Escalation, Referral, Slot
from coproduce.timebank.models import (
    Account,
    AccountKind,
    Entry,
    Exchange,
    ExchangeStatus,
    Listing,
    ListingKind,
    Transfer,
    TransferKind,
)

ACTIVE_DAYS = 90  # active: a confirmed exchange in the 90 days before the period's end
SPAN_DAYS = 30  # burnout is judged over three 30-day spans before the period's end


@dataclass(frozen=True)
class Window:
    start: datetime.datetime  # the first moment of the first day
    end: datetime.datetime  # the first moment after the last day

    @classmethod
    def of(cls, start: datetime.date, end: datetime.date) -> "Window":
        zone = timezone.get_current_timezone()
        first = datetime.datetime.combine(start, datetime.time(), zone)
        after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone)
        return cls(first, after)

    def ago(self, days: int) -> datetime.datetime:
        return self.end - datetime.timedelta(days=days)


def members(hub: Hub, window: Window) -> list[tuple]:
    """(person id, account id, neighbourhood id, postcode district, joined in the period)
    for each membership of the hub with a time-bank account that began before the
    period's end and had not ended by then."""
    rows = (
        Membership.objects.filter(hub=hub, joined_at__lt=window.end, account__isnull=False)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=window.end))
        .values_list(
            "person_id", "account__id", "neighbourhood_id", "person__postcode_district", "joined_at"
        )
    )
    return [(p, a, n, d, joined >= window.start) for p, a, n, d, joined in rows]


def hub_accounts(hub: Hub) -> set[int]:
    """The hub's own accounts (its chest and hub account) and its organisations'."""
    return set(
        Account.objects.filter(hub=hub)
        .exclude(kind=AccountKind.MEMBER)
        .values_list("id", flat=True)
    )


def _ledger(hub: Hub, since: datetime.datetime, until: datetime.datetime):
    """Entries of exchanges and chest grants posted from `since` until `until` and not
    reversed since. The transfers are chosen first (by their time's index) and their
    entries found by transfer, rather than every entry of the hub read and its transfer
    looked up: five times faster on SQLite at a million entries."""
    transfers = (
        Transfer.objects.filter(
            hub=hub,
            kind__in=[TransferKind.EXCHANGE, TransferKind.GRANT],
            created_at__gte=since,
            created_at__lt=until,
        )
        .exclude(pk__in=_reversed())
        .values("id")
    )
    return Entry.objects.filter(transfer_id__in=transfers)


def _reversed():
    """The ids of the hub's transfers that a correction reversed: one list the database
    makes once, rather than a look-up for every transfer."""
    # Any hub's corrections: read from the index on `reverses` alone (ids are unique
    # across hubs, so another hub's never match).
    return Transfer.objects.filter(reverses__isnull=False).values("reverses_id")


def ledger(hub: Hub, window: Window) -> list[tuple]:
    """Minutes and entries by (account id, transfer kind, direction, month, span): month is the
    index in `months(window)` of the calendar month of the period, -1 before the period;
    span is 0, 1 or 2 for the three 30-day spans before the period's end, 3 if earlier.
    One GROUP BY over the entries of the period and the 90 days before its end."""
    pieces = _pieces(window)
    return [
        (account, kind, direction, *pieces[piece], minutes, entries)
        for account, kind, direction, piece, minutes, entries in ledger_query(hub, window)
    ]


def _pieces(window: Window) -> list[tuple[int, int]]:
    """The (month, span) of each piece the ledger's query cuts time into: every month's
    start and every span's start is a cut, so each piece lies in one month and one span.
    The database tells pieces apart with one CASE of plain comparisons of time (no date
    function per row), and groups by one small number rather than two."""
    return [(month, span) for _, month, span in _cuts(window)]


def _cuts(window: Window) -> list[tuple[datetime.datetime, int, int]]:
    """(from, month, span) of each piece, latest first."""
    month_starts = [first for _, first in months(window)]
    span_starts = [window.ago(SPAN_DAYS * (n + 1)) for n in range(ACTIVE_DAYS // SPAN_DAYS)]
    since = min(window.start, window.ago(ACTIVE_DAYS))
    cuts = sorted({since, *month_starts, *span_starts}, reverse=True)
    out = []
    for moment in cuts:
        month = max((n for n, first in enumerate(month_starts) if first <= moment), default=-1)
        span = min((n for n, first in enumerate(span_starts) if first <= moment), default=3)
        out.append((moment, month, span))
    return out


def ledger_query(hub: Hub, window: Window):
    """The GROUP BY behind `ledger`, by (account, kind, direction, piece of time)."""
    cuts = _cuts(window)
    piece = Case(
        *[
            When(transfer__created_at__gte=moment, then=Value(n))
            for n, (moment, *_) in enumerate(cuts)
        ],
        default=Value(len(cuts) - 1),
        output_field=IntegerField(),
    )
    return (
        _ledger(hub, cuts[-1][0], window.end)
        .annotate(piece=piece)
        .values_list("account_id", "transfer__kind", "direction", "piece")
        .annotate(minutes=Sum("amount_minutes"), entries=Count("id"))
        .order_by()
    )


def months(window: Window) -> list[tuple[datetime.date, datetime.datetime]]:
    """(first day, first moment counted) of each calendar month the period touches."""
    zone = timezone.get_current_timezone()
    day = window.start.date().replace(day=1)
    found = []
    while (moment := datetime.datetime.combine(day, datetime.time(), zone)) < window.end:
        found.append((day, max(window.start, moment)))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return found


def minutes_by_category(hub: Hub, window: Window) -> dict[str, int]:
    """Minutes exchanged in the period by the kind of help (category id as text, "" when
    no kind is recorded). The kind is the listing's, else that of the referral the
    exchange answered, else that of the project whose rota slot it was."""
    exchange = OuterRef("transfer__exchange")
    by_referral = Referral.objects.filter(exchange=exchange, category__isnull=False).values(
        "category_id"
    )[:1]
    by_rota = Assignment.objects.filter(
        exchange=exchange, slot__project__category__isnull=False
    ).values("slot__project__category_id")[:1]
    rows = (
        _ledger(hub, window.start, window.end)
        .filter(transfer__kind=TransferKind.EXCHANGE, direction=Entry.DEBIT)
        .annotate(
            kind=Coalesce(
                "transfer__exchange__listing__category_id",
                Subquery(by_referral),
                Subquery(by_rota),
                output_field=IntegerField(),
            )
        )
        .values_list("kind")
        .annotate(minutes=Sum("amount_minutes"))
        .order_by()
    )
    found: dict[str, int] = {}
    for category, minutes in rows:
        key = "" if category is None else str(category)
        found[key] = found.get(key, 0) + minutes
    return found


def referrals(hub: Hub, window: Window) -> list[tuple]:
    """(person id, neighbourhood id, postcode district, created, matched or None) for
    each referral made in the period."""
    return list(
        Referral.objects.filter(
            hub=hub, created_at__gte=window.start, created_at__lt=window.end
        ).values_list(
            "person_id", "neighbourhood_id", "postcode_district", "created_at", "matched_at"
        )
    )


def attendance(hub: Hub, window: Window) -> list[tuple]:
    """(person id, status, times) for involvement sessions held in the period."""
    return list(
        Attendance.objects.filter(
            session__opportunity__hub=hub,
            session__starts_at__gte=window.start,
            session__starts_at__lt=window.end,
        )
        .values_list("person_id", "status")
        .annotate(times=Count("id"))
        .order_by()
    )


def conversation_people(hub: Hub, window: Window) -> list[int]:
    """Members who joined one of the hub's conversations in the period."""
    return list(
        Participant.objects.filter(
            conversation__hub=hub,
            joined_at__gte=window.start,
            joined_at__lt=window.end,
            person__isnull=False,
        )
        .values_list("person_id", flat=True)
        .order_by()
        .distinct()
    )


def voters(hub: Hub, window: Window) -> list[int]:
    """People who cast a Your Space ballot in the period."""
    return list(
        Ballot.objects.filter(
            round__hub=hub, cast_at__gte=window.start, cast_at__lt=window.end, voter__isnull=False
        )
        .values_list("voter_id", flat=True)
        .order_by()
        .distinct()
    )


def funded_ideas(hub: Hub, window: Window) -> list[int]:
    """The proposer of each Your Space idea funded by a count made in the period."""
    return list(
        Idea.objects.filter(
            round__hub=hub,
            funded=True,
            round__counted_at__gte=window.start,
            round__counted_at__lt=window.end,
        ).values_list("proposer_id", flat=True)
    )


def reports(hub: Hub, window: Window) -> list[tuple]:
    """(reporter id or None, area (neighbourhood) id or None, pledge title, expected,
    closed or None) for each problem reported in the period."""
    return list(
        Report.objects.filter(
            hub=hub, created_at__gte=window.start, created_at__lt=window.end
        ).values_list(
            "reporter_id", "area_id", "category__pledge__title", "expected_at", "closed_at"
        )
    )


def unmet_requests(hub: Hub, window: Window) -> int:
    """Requests for help posted in the period that no exchange has answered."""
    answered = Exchange.objects.filter(listing=OuterRef("pk")).exclude(
        status=ExchangeStatus.CANCELLED
    )
    return (
        Listing.objects.filter(
            hub=hub,
            kind=ListingKind.REQUEST,
            created_at__gte=window.start,
            created_at__lt=window.end,
        )
        .exclude(Exists(answered))
        .count()
    )


ON_ROTA = [
    AssignmentStatus.ON_ROTA,
    AssignmentStatus.ATTENDED,
    AssignmentStatus.CONFIRMED,
    AssignmentStatus.MISSED,
]


def slots(hub: Hub, window: Window) -> list[tuple]:
    """(places, cancelled, people on the rota, given up, missed) for each rota slot of
    the period."""
    return list(
        Slot.objects.filter(project__hub=hub, starts_at__gte=window.start, starts_at__lt=window.end)
        .annotate(
            filled=Count("assignments", filter=Q(assignments__status__in=ON_ROTA)),
            given_up=Count("assignments", filter=Q(assignments__status=AssignmentStatus.GIVEN_UP)),
            missed=Count("assignments", filter=Q(assignments__status=AssignmentStatus.MISSED)),
        )
        .values_list("places", "cancelled", "filled", "given_up", "missed")
        .order_by()
    )


def escalations(hub: Hub, window: Window) -> list[tuple]:
    """(kind, raised, resolved or None) for each escalation raised in the period."""
    return list(
        Escalation.objects.filter(
            hub=hub, created_at__gte=window.start, created_at__lt=window.end
        ).values_list("kind", "created_at", "resolved_at")
    )
