"""Whether a pledge is kept: per category and per month, how many reports came in, how many
were fixed by their expected date, how many were closed without a fix, how long fixing
took, and how often the person who reported it said it was not fixed. Pure: plain rows in,
plain results out; no Django.

How each report counts (the same rules on the page, in the print view, the CSV, the API
and the CLI):

- A report belongs to the month it was made (local time), so the months partition the
  reports: every report is in exactly one month and one category.
- It is *kept* when it is closed as fixed and its closing time is no later than its
  expected date. The expected date never moves, and a report the reporter reopened ("not
  fixed") has its closing time cleared, so one closed again after its date is late.
- It is *not kept* when it was closed as fixed after its date; when it was closed as not
  fixed (staff could not fix it), whenever that was; or when it is still open and its date
  has passed: an overdue report counts against the pledge in the month it was made,
  without waiting for it to close.
- It is *closed without a fix* when it was closed as a duplicate, as not the service's
  responsibility, or as needing no further action. Such a report is neither kept nor not
  kept: it is counted on its own, so a service that closes everything as "no further
  action" shows it plainly, and closing a report without fixing it never raises (or
  lowers) the share kept. A closing status the engine does not know counts as not fixed.
- An open report whose date has not come yet is *pending*: not judged either way.
- So every report is exactly one of: kept, not kept, closed without a fix, pending.
- The share kept is kept / (kept + not kept). Below MIN_TO_JUDGE judged reports it is
  not given a percentage ("too few to judge"): one report is not "100%".
- The median time to close is in calendar time (from made to closed, nights and
  weekends included), over the reports closed as fixed so far.
- Disputed: reports whose closing the reporter disputed (said "not fixed") at least
  once. Reopened: reports reopened at least once.

The users' side of the pledge (what people who use the service promise in return, e.g.
"give access at the agreed time") is recorded by staff as a count per month, per
commitment (for example, appointments missed because nobody was in); those counts are
carried through as given.
"""

import bisect
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
# The closed family, as the scorecard judges it (a test keeps them in step with
# pledges.models.CLOSED_STATUSES): fixed (kept if in time), not fixed (not kept), and
# closed without a fix (not judged).
FIXED = "fixed"
NOT_FIXED = "not_fixed"
WITHOUT_FIX_STATUSES = frozenset({"duplicate", "not_responsible", "no_further_action"})


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
    closed: int = 0  # closed in any way: on_time + late + not_fixed + without_fix
    on_time: int = 0  # closed as fixed no later than expected: kept
    late: int = 0  # closed as fixed after the expected date: not kept
    not_fixed: int = 0  # closed as not fixed, at any time: not kept
    without_fix: int = 0  # closed as a duplicate, not ours, no further action: not judged
    overdue: int = 0  # still open, expected date passed: not kept
    pending: int = 0  # still open, not yet due
    disputed: int = 0
    reopened: int = 0
    close_seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def kept(self) -> int:
        return self.on_time

    @property
    def not_kept(self) -> int:
        return self.late + self.not_fixed + self.overdue

    @property
    def judged(self) -> int:
        """Reports whose outcome on the pledge is known: kept or not kept (neither those
        closed without a fix nor those not yet due)."""
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
        """The median time from made to closed (calendar time), over the reports closed
        as fixed."""
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


def _seconds(moment) -> float | None:
    """POSIX seconds of a moment given as an aware datetime or already as seconds."""
    if moment is None or isinstance(moment, (int, float)):
        return moment
    return moment.timestamp()


def _in_seconds(rows: list) -> list:
    """The rows with their three moments as POSIX seconds. Rows read for a scorecard come
    as seconds already (the database works them out), and are passed through untouched:
    converting a hundred thousand rows one call at a time is a third of the engine's time."""
    number = (int, float)
    if all(
        isinstance(row[1], number)
        and isinstance(row[2], number)
        and (row[3] is None or isinstance(row[3], number))
        for row in rows
    ):
        return rows
    return [
        (row[0], _seconds(row[1]), _seconds(row[2]), _seconds(row[3]), *row[4:]) for row in rows
    ]


def _month_starts(first: float, last: float, tz) -> tuple[list[datetime.date], list[float]]:
    """The months (first days) from the one holding `first` to the one holding `last`,
    local to `tz`, and the POSIX second each begins at."""
    zone = tz or datetime.UTC
    months = month_span(
        datetime.datetime.fromtimestamp(first, zone).date(),
        datetime.datetime.fromtimestamp(last, zone).date(),
    )
    starts = [datetime.datetime.combine(m, datetime.time(), zone).timestamp() for m in months]
    return months, starts


# Columns of the accumulator kept for each (category, month), in Tally's order.
(
    _REPORTS, _CLOSED, _ON_TIME, _LATE, _NOT_FIXED, _WITHOUT_FIX, _OVERDUE, _PENDING,
    _DISPUTED, _REOPENED,
) = range(10)  # fmt: skip
_COLUMNS = 10


def _tally(counts: list[int], seconds: list[float]) -> Tally:
    return Tally(*counts, close_seconds=seconds)


def score(
    rows: Iterable[Sequence],
    *,
    now: datetime.datetime,
    categories: Sequence[str] = (),
    tz: datetime.tzinfo | None = None,
    user_side: Iterable[Sequence] = (),
    commitments: Sequence[str] = (),
) -> Scorecard:
    """The scorecard of these reports (rows shaped like `Row`, plain tuples welcome; the
    moments may be aware datetimes or POSIX seconds) as things stand at `now`.
    `categories` lists the category keys in the order to show them (categories with no
    reports still appear; a key not listed is added after them); `tz` is the zone whose
    months are counted; `user_side` rows are `UserSideRow`s, and `commitments` the users'
    commitments in order (each shown even with nothing recorded).

    One pass over the rows, counting into a cell per category and month (found by
    bisecting the months' starting seconds); totals are sums of the cells.
    """
    rows = _in_seconds(rows if isinstance(rows, list) else list(rows))
    now_s = now.timestamp()
    users: dict[str, dict[datetime.date, int]] = {key: {} for key in commitments}
    for commitment, month, count in user_side:
        month = first_of_month(month)
        counts = users.setdefault(commitment, {})
        counts[month] = counts.get(month, 0) + count

    # The span of months: every report's, every count's, up to the month of `now`.
    zone = tz or now.tzinfo or datetime.UTC
    first_s = last_s = now_s
    if rows:
        made = [row[1] for row in rows]
        first_s = min(first_s, min(made))
        last_s = max(last_s, max(made))
    if users:
        noted = [month for counts in users.values() for month in counts]
        if noted:
            first_s = min(
                first_s, datetime.datetime.combine(min(noted), datetime.time(), zone).timestamp()
            )
    months, starts = _month_starts(first_s, last_s, zone)

    keys = list(dict.fromkeys(categories))
    index = {key: n for n, key in enumerate(keys)}
    cells: dict[tuple[int, int], list[int]] = {}
    durations: dict[tuple[int, int], list[float]] = {}
    open_family, without_fix = OPEN_STATUSES, WITHOUT_FIX_STATUSES
    find = bisect.bisect_right
    for category, created_s, expected_s, closed_s, status, reopened, disputed in rows:
        where = index.get(category)
        if where is None:
            where = index[category] = len(keys)
            keys.append(category)
        key = (where, find(starts, created_s) - 1)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [0] * _COLUMNS
            durations[key] = []
        cell[_REPORTS] += 1
        if closed_s is not None and status not in open_family:
            cell[_CLOSED] += 1
            if status == FIXED:
                cell[_ON_TIME if closed_s <= expected_s else _LATE] += 1
                durations[key].append(closed_s - created_s)
            elif status in without_fix:
                cell[_WITHOUT_FIX] += 1
            else:  # not fixed, or a closing status not known here: never kept
                cell[_NOT_FIXED] += 1
        elif expected_s < now_s:
            cell[_OVERDUE] += 1
        else:
            cell[_PENDING] += 1
        if disputed:
            cell[_DISPUTED] += 1
        if reopened:
            cell[_REOPENED] += 1

    def tally_of(found: list[tuple[int, int]]) -> Tally:
        counts = [0] * _COLUMNS
        seconds: list[float] = []
        for key in found:
            for column, value in enumerate(cells[key]):
                counts[column] += value
            seconds += durations[key]
        return _tally(counts, seconds)

    empty_months = range(len(months))
    category_cards = []
    for where, key in enumerate(keys):
        mine = [cell for cell in cells if cell[0] == where]
        category_cards.append(
            CategoryCard(
                key=key,
                months={
                    months[m]: tally_of([(where, m)] if (where, m) in cells else [])
                    for m in empty_months
                },
                total=tally_of(mine),
            )
        )
    return Scorecard(
        months=months,
        categories=category_cards,
        by_month={
            months[m]: tally_of([cell for cell in cells if cell[1] == m]) for m in empty_months
        },
        total=tally_of(list(cells)),
        users={
            key: {month: counts[month] for month in months if month in counts}
            for key, counts in users.items()
        },
        now=now,
    )


def tally_json(tally: Tally) -> dict:
    """A tally as plain JSON: counts, the share kept (null when there is nothing to judge,
    with `enough_to_judge` false below MIN_TO_JUDGE), and the median in hours (over the
    reports closed as fixed)."""
    median = tally.median_close
    hours = None if median is None else round(median.total_seconds() / 3600, 2)
    share = tally.share_kept
    return {
        "reports": tally.reports,
        "closed": tally.closed,
        "fixed_on_time": tally.on_time,
        "fixed_late": tally.late,
        "closed_not_fixed": tally.not_fixed,
        "closed_without_fix": tally.without_fix,
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
            "kept": "closed as fixed no later than its expected date",
            "not_kept": (
                "closed as fixed after its expected date, closed as not fixed, "
                "or still open after its expected date"
            ),
            "closed_without_fix": (
                "closed as a duplicate, as not the service's responsibility, or as needing "
                "no further action: counted on its own, neither kept nor not kept"
            ),
            "not_yet_due": "still open, and its expected date has not come yet",
            "share_kept": "kept / (kept + not kept)",
            "median": "calendar time from made to closed, over the reports closed as fixed",
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
