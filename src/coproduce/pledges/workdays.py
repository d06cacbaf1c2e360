"""When a report is due: a target ("within 24 working hours", "within 20 working days",
"the same working day", "within 7 days", "within 24 hours") counted from when it came
in, on the hub's working calendar. Pure: local (naive) datetimes in, local datetime out; no Django.

- Working hours run only inside the working day of a working day that is not a holiday;
  a report that comes in overnight starts counting at the next opening.
- Working days end at the close of the Nth working day after the day it came in.
- The same working day is the close of that day, or of the next working day when it came
  in after closing or on a day off.
- Calendar days are plain days, and hours are plain hours, day and night (for what
  cannot wait for opening time: no heating, no water, something unsafe). The caller
  adds hours to the moment itself, not to a local time, so a change of the clocks
  neither gains nor loses one.
"""

import datetime
from dataclasses import dataclass, field

WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
DAYS = "days"
HOURS = "hours"
SAME_WORKING_DAY = "same_working_day"
UNITS = (HOURS, WORKING_HOURS, WORKING_DAYS, DAYS, SAME_WORKING_DAY)
# A target must be reachable: no calendar may have no working day for longer than this.
SEARCH_DAYS = 366 * 3


@dataclass(frozen=True)
class Calendar:
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays
    opens: datetime.time = datetime.time(9)
    closes: datetime.time = datetime.time(17)
    holidays: frozenset[datetime.date] = field(default_factory=frozenset)

    def __post_init__(self):
        if not self.working_days or not self.working_days <= {1, 2, 3, 4, 5, 6, 7}:
            raise ValueError("A calendar needs at least one working day (1 to 7).")
        if self.closes <= self.opens:
            raise ValueError("The working day must close after it opens.")

    def is_working_day(self, day: datetime.date) -> bool:
        return day.isoweekday() in self.working_days and day not in self.holidays

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day after `day`."""
        for _ in range(SEARCH_DAYS):
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("No working day within three years: check the holidays.")

    def opening(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, self.opens)

    def closing(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, self.closes)


def due(start: datetime.datetime, amount: int, unit: str, calendar: Calendar) -> datetime.datetime:
    """When a report that came in at `start` (local, naive) is due."""
    if start.tzinfo is not None:
        raise ValueError("Give a local time without a zone.")
    if unit == DAYS:
        return start + datetime.timedelta(days=amount)
    if unit == HOURS:
        return start + datetime.timedelta(hours=amount)
    if unit == SAME_WORKING_DAY:
        day = start.date()
        if calendar.is_working_day(day) and start < calendar.closing(day):
            return calendar.closing(day)
        return calendar.closing(calendar.next_working_day(day))
    if unit == WORKING_DAYS:
        day = start.date()
        for _ in range(amount):
            day = calendar.next_working_day(day)
        return calendar.closing(day)
    if unit == WORKING_HOURS:
        return _add_working_time(start, datetime.timedelta(hours=amount), calendar)
    raise ValueError(f"Unknown unit {unit!r}: one of {', '.join(UNITS)}.")


def _add_working_time(start, left: datetime.timedelta, calendar: Calendar):
    day = start.date()
    if not calendar.is_working_day(day) or start >= calendar.closing(day):
        day = calendar.next_working_day(day)
        start = calendar.opening(day)
    start = max(start, calendar.opening(day))
    while True:
        available = calendar.closing(day) - start
        if left <= available:
            return start + left
        left -= available
        day = calendar.next_working_day(day)
        start = calendar.opening(day)


def describe(amount: int, unit: str) -> str:
    """The target in words: "within 24 working hours", "the same working day"."""
    if unit == SAME_WORKING_DAY:
        return "the same working day"
    words = {
        HOURS: "hour",
        WORKING_HOURS: "working hour",
        WORKING_DAYS: "working day",
        DAYS: "day",
    }[unit]
    return f"within {amount} {words}{'' if amount == 1 else 's'}"
