"""Whether a pledge is kept: per category and per month, how many reports came in, how many
were closed by their expected date, how long closing took, and how often the person who
reported it said it was not fixed. Pure: plain rows in, plain results out; no Django.

How each report counts (the same rules on the page, in the CSV, the API and the CLI):

- A report belongs to the month it was made (local time), so the months partition the
  reports: every report is in exactly one month and one category.
- It is *kept* when it is closed and its closing time is no later than its expected
  date. The expected date never moves, and a report the reporter reopened ("not fixed")
  has its closing time cleared, so one closed again after its date is late.
- It is *not kept* when it was closed late, or when it is still open and its date has
  passed: an overdue report counts against the pledge in the month it was made, without
  waiting for it to close.
- An open report whose date has not come yet is *pending*: not judged either way.
- The share kept is kept / (kept + not kept). Below MIN_TO_JUDGE judged reports it is
  not given a percentage ("too few to judge"): one report is not "100%".
- The median time to close is in calendar time (from made to closed, nights and
  weekends included), over the reports closed so far.
- Disputed: reports whose closing the reporter disputed (said "not fixed") at least
  once. Reopened: reports reopened at least once.

The users' side of the pledge (what people who use the service promise in return, e.g.
"give access at the agreed time") is recorded by staff as a count per month, per
commitment (for example, appointments missed because nobody was in); those counts are
carried through as given.
"""

import datetime
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

# Below this many judged reports a share says "too few to judge", as the deliberation
# pages do for shares of votes.
MIN_TO_JUDGE = 5

# The open family of report statuses (the same values as pledges.models.OPEN_STATUSES;
# a test keeps them in step). Any other status is closed.
OPEN_STATUSES = frozenset(
    {"new", "acknowledged", "investigating", "in_progress", "action_scheduled"}
)


class Row(NamedTuple):
    """One report, as the scorecard needs it. Datetimes are aware (or all naive)."""

    category: str
    created_at: datetime.datetime
    expected_at: datetime.datetime
    closed_at: datetime.datetime | None
    status: str
    reopened: int  # times reopened
    disputed: bool  # the reporter said "not fixed" at least once


class UserSideRow(NamedTuple):
    """A count staff recorded for one of the users' commitments in one month."""

    commitment: str
    month: datetime.date  # any day of the month
    count: int


@dataclass
class Tally:
    """The counts for one cell of the scorecard (a category in a month, a category over
    all months, the whole pledge in a month, or everything)."""

    reports: int = 0
    closed: int = 0
    on_time: int = 0  # closed no later than expected: kept
    late: int = 0  # closed after the expected date
    overdue: int = 0  # still open, expected date passed
    pending: int = 0  # still open, not yet due
    disputed: int = 0
    reopened: int = 0
    close_seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def kept(self) -> int:
        return self.on_time

    @property
    def not_kept(self) -> int:
        return self.late + self.overdue

    @property
    def judged(self) -> int:
        """Reports whose outcome on the pledge is known: kept or not kept."""
        return self.kept + self.not_kept

    @property
    def open(self) -> int:
        return self.overdue + self.pending

    @property
    def enough_to_judge(self) -> bool:
        return self.judged >= MIN_TO_JUDGE

    @property
    def share_kept(self) -> float | None:
        """kept / judged, or None when nothing has been judged yet."""
        return self.kept / self.judged if self.judged else None

    @property
    def median_close(self) -> datetime.timedelta | None:
        """The median time from made to closed (calendar time), over closed reports."""
        if not self.close_seconds:
            return None
        return datetime.timedelta(seconds=statistics.median(self.close_seconds))


@dataclass
class CategoryCard:
    key: str
    months: dict[datetime.date, Tally]
    total: Tally


@dataclass
class Scorecard:
    months: list[datetime.date]  # first days of the months, oldest first, none missing
    categories: list[CategoryCard]
    by_month: dict[datetime.date, Tally]  # every category together
    total: Tally
    # commitment -> month -> count, for the months of the scorecard; in the order given.
    users: dict[str, dict[datetime.date, int]]
    now: datetime.datetime


def first_of_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, day.month, 1)


def month_span(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from `first` to `last` (first days), oldest first."""
    months, month = [], first_of_month(first)
    last = first_of_month(last)
    while month <= last:
        months.append(month)
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _local_day(moment: datetime.datetime, tz) -> datetime.date:
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.date()


def score(
    rows: Iterable[Sequence],
    *,
    now: datetime.datetime,
    categories: Sequence[str] = (),
    tz: datetime.tzinfo | None = None,
    user_side: Iterable[Sequence] = (),
    commitments: Sequence[str] = (),
) -> Scorecard:
    """The scorecard of these reports (rows shaped like `Row`, plain tuples welcome) as
    things stand at `now`. `categories` lists the category keys in the order to show them
    (categories with no reports still appear; a key not listed is added after them);
    `tz` is the zone whose months are counted; `user_side` rows are `UserSideRow`s, and
    `commitments` the users' commitments in order (each shown even with nothing recorded).
    """
    cards: dict[str, dict[datetime.date, Tally]] = {key: {} for key in categories}
    cat_totals: dict[str, Tally] = {key: Tally() for key in categories}
    by_month: dict[datetime.date, Tally] = {}
    total = Tally()
    open_family = OPEN_STATUSES
    for category, created_at, expected_at, closed_at, status, reopened, disputed in rows:
        day = _local_day(created_at, tz)
        month = datetime.date(day.year, day.month, 1)
        months = cards.get(category)
        if months is None:
            months = cards[category] = {}
            cat_totals[category] = Tally()
        cell = months.get(month)
        if cell is None:
            cell = months[month] = Tally()
        whole = by_month.get(month)
        if whole is None:
            whole = by_month[month] = Tally()
        tallies = (cell, cat_totals[category], whole, total)
        is_closed = closed_at is not None and status not in open_family
        for tally in tallies:
            tally.reports += 1
        if is_closed:
            seconds = (closed_at - created_at).total_seconds()
            on_time = closed_at <= expected_at
            for tally in tallies:
                tally.closed += 1
                if on_time:
                    tally.on_time += 1
                else:
                    tally.late += 1
                tally.close_seconds.append(seconds)
        elif expected_at < now:
            for tally in tallies:
                tally.overdue += 1
        else:
            for tally in tallies:
                tally.pending += 1
        if disputed:
            for tally in tallies:
                tally.disputed += 1
        if reopened:
            for tally in tallies:
                tally.reopened += 1

    users: dict[str, dict[datetime.date, int]] = {key: {} for key in commitments}
    for commitment, month, count in user_side:
        month = first_of_month(month)
        counts = users.setdefault(commitment, {})
        counts[month] = counts.get(month, 0) + count

    seen = set(by_month) | {month for counts in users.values() for month in counts}
    this_month = first_of_month(_local_day(now, tz))
    months = month_span(min(seen), max(max(seen), this_month)) if seen else [this_month]
    for month in months:
        by_month.setdefault(month, Tally())
        for key in cards:
            cards[key].setdefault(month, Tally())
    return Scorecard(
        months=months,
        categories=[
            CategoryCard(
                key=key,
                months={month: cards[key][month] for month in months},
                total=cat_totals[key],
            )
            for key in cards
        ],
        by_month={month: by_month[month] for month in months},
        total=total,
        users={
            key: {month: counts[month] for month in months if month in counts}
            for key, counts in users.items()
        },
        now=now,
    )


def tally_json(tally: Tally) -> dict:
    """A tally as plain JSON: counts, the share kept (null when there is nothing to judge,
    with `enough_to_judge` false below MIN_TO_JUDGE), and the median in hours."""
    median = tally.median_close
    hours = None if median is None else round(median.total_seconds() / 3600, 2)
    share = tally.share_kept
    return {
        "reports": tally.reports,
        "closed": tally.closed,
        "closed_on_time": tally.on_time,
        "closed_late": tally.late,
        "open_overdue": tally.overdue,
        "open_not_yet_due": tally.pending,
        "kept": tally.kept,
        "not_kept": tally.not_kept,
        "share_kept": None if share is None else round(share, 4),
        "enough_to_judge": tally.enough_to_judge,
        "median_hours_to_close": hours,
        "disputed": tally.disputed,
        "reopened": tally.reopened,
    }


def as_json(card: Scorecard, names: dict[str, str] | None = None) -> dict:
    """The whole scorecard as plain JSON (months as YYYY-MM)."""
    names = names or {}

    def month_key(month: datetime.date) -> str:
        return f"{month:%Y-%m}"

    return {
        "rules": {
            "month": "the month the report was made",
            "kept": "closed no later than its expected date",
            "not_kept": "closed late, or still open after its expected date",
            "median": "calendar time from made to closed",
            "min_to_judge": MIN_TO_JUDGE,
        },
        "as_of": card.now.isoformat(),
        "months": [month_key(month) for month in card.months],
        "total": tally_json(card.total),
        "by_month": {month_key(m): tally_json(t) for m, t in card.by_month.items()},
        "categories": [
            {
                "code": category.key,
                "name": names.get(category.key, category.key),
                "total": tally_json(category.total),
                "by_month": {month_key(m): tally_json(t) for m, t in category.months.items()},
            }
            for category in card.categories
        ],
        "users_side": [
            {
                "commitment": commitment,
                "by_month": {month_key(m): count for m, count in counts.items()},
                "total": sum(counts.values()),
            }
            for commitment, counts in card.users.items()
        ],
    }


def describe_share(tally: Tally) -> str:
    """'80% kept (8 of 10)', 'too few to judge (3)' or 'nothing to judge yet'."""
    if not tally.judged:
        return "nothing to judge yet"
    if not tally.enough_to_judge:
        return f"too few to judge ({tally.judged})"
    return f"{round(tally.share_kept * 100)}% kept ({tally.kept} of {tally.judged})"


def describe_duration(span: datetime.timedelta | None) -> str:
    """'3 days 4 hours', '5 hours', 'under an hour'; a dash for none."""
    if span is None:
        return "\u2013"
    hours = int(span.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if not days and not hours:
        return "under an hour"
    parts = []
    if days:
        parts.append(f"{days} day{'' if days == 1 else 's'}")
    if hours:
        parts.append(f"{hours} hour{'' if hours == 1 else 's'}")
    return " ".join(parts)
