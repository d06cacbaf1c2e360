"""The periods insight is shown for (pure: no Django): quarters of the calendar year,
the last full quarter before a day, the year so far, and a quarter written "2026-Q3"."""

import datetime
import re

QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_dates(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a quarter: (2026, 3) -> 1 July, 30 September 2026."""
    start = datetime.date(year, 3 * quarter - 2, 1)
    if quarter == 4:
        end = datetime.date(year, 12, 31)
    else:
        end = datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)
    return start, end


def last_full_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The quarter before the one `today` falls in."""
    year, quarter = quarter_of(today)
    if quarter == 1:
        return quarter_dates(year - 1, 4)
    return quarter_dates(year, quarter - 1)


def this_year(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From 1 January to `today`."""
    return datetime.date(today.year, 1, 1), today


def quarter_name(start: datetime.date) -> str:
    """'2026-Q3' for any day of that quarter."""
    year, quarter = quarter_of(start)
    return f"{year}-Q{quarter}"


def quarter_words(start: datetime.date) -> str:
    """'July to September 2026'."""
    year, quarter = quarter_of(start)
    first, last = quarter_dates(year, quarter)
    return f"{first:%B} to {last:%B} {year}"


def parse_quarter(text: str) -> tuple[datetime.date, datetime.date] | None:
    """'2026-Q3' -> its first and last day; None if it is not a quarter so written (or
    its year is outside EARLIEST_YEAR to LATEST_YEAR)."""
    found = QUARTER.match(text.strip())
    if found is None:
        return None
    year, quarter = int(found.group(1)), int(found.group(2))
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    return quarter_dates(year, quarter)


def quarters_to(today: datetime.date, back: int = 8) -> list[tuple[str, str]]:
    """The quarter `today` is in and the `back` before it, newest first, as
    ("2026-Q3", "July to September 2026") for a chooser."""
    year, quarter = quarter_of(today)
    found = []
    for _ in range(back + 1):
        start, _end = quarter_dates(year, quarter)
        found.append((quarter_name(start), quarter_words(start)))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return found
