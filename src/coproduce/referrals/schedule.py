"""Rota patterns: when the slots of a project fall. Pure functions, no Django.

- `weekly`: the same time each week (a friend on the phone, a buddy bench day).
- `every`: the same time every so many days, for so many weeks (regular help for one
  person: a call every week for six weeks, a visit every three days for a fortnight).
- `tapering`: a package whose visits per week follow a plan, most at the start
  (reablement: say 7, 5, 4, 3, 2, 1 visits over six weeks).
"""

import datetime
import itertools
from dataclasses import dataclass

DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class Period:
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    def overlaps(self, other: "Period") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def weekly(first: datetime.datetime, *, weeks: int, minutes: int) -> list[Period]:
    length = datetime.timedelta(minutes=minutes)
    return [
        Period(
            first + datetime.timedelta(weeks=week), first + datetime.timedelta(weeks=week) + length
        )
        for week in range(weeks)
    ]


def every(first: datetime.datetime, *, days: int, weeks: int, minutes: int) -> list[Period]:
    """A turn at `first`, then every `days` days while within `weeks` weeks of it."""
    if days < 1 or weeks < 1:
        raise ValueError("Turns come at least a day apart, for at least a week.")
    length = datetime.timedelta(minutes=minutes)
    count = -(-weeks * DAYS_PER_WEEK // days)  # whole turns that start within the weeks
    return [
        Period(
            first + datetime.timedelta(days=n * days),
            first + datetime.timedelta(days=n * days) + length,
        )
        for n in range(count)
    ]


def spread_days(visits: int) -> list[int]:
    """Which days of a week (0-6 from the first) `visits` visits fall on, evenly spaced."""
    if not 0 <= visits <= DAYS_PER_WEEK:
        raise ValueError("A week has between 0 and 7 visits.")
    return [visit * DAYS_PER_WEEK // visits for visit in range(visits)]


def tapering(first: datetime.datetime, *, plan: list[int], minutes: int) -> list[Period]:
    length = datetime.timedelta(minutes=minutes)
    periods = []
    for week, visits in enumerate(plan):
        for day in spread_days(visits):
            start = first + datetime.timedelta(days=week * DAYS_PER_WEEK + day)
            periods.append(Period(start, start + length))
    return periods


def clashes(periods: list[Period]) -> list[tuple[Period, Period]]:
    """Pairs of periods that overlap, for refusing a rota that double-books."""
    ordered = sorted(periods, key=lambda p: p.starts_at)
    return [
        (earlier, later)
        for earlier, later in itertools.pairwise(ordered)
        if earlier.overlaps(later)
    ]
