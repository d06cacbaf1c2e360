"""When a report is due, on a working calendar (pure; property-based)."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.pledges import workdays
from coproduce.pledges.workdays import Calendar, due

WEEK = Calendar(holidays=frozenset({datetime.date(2026, 12, 25), datetime.date(2026, 12, 28)}))
# Tuesday 1 December 2026.
TUE = datetime.date(2026, 12, 1)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute))


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        # 24 working hours from Tuesday 10:00 = three 8-hour days: Friday 10:00.
        (at(TUE, 10), 24, "working_hours", at(TUE + datetime.timedelta(days=3), 10)),
        # Reported at night: counting starts at 9 the next working day.
        (at(TUE, 22), 2, "working_hours", at(TUE + datetime.timedelta(days=1), 11)),
        # Friday 16:00 plus 2 working hours: Monday 10:00.
        (
            at(datetime.date(2026, 12, 4), 16),
            2,
            "working_hours",
            at(datetime.date(2026, 12, 7), 10),
        ),
        # 20 working days from Tuesday 1 December, skipping Christmas and the 28th.
        (at(TUE, 10), 20, "working_days", at(datetime.date(2026, 12, 31), 17)),
        (at(TUE, 10), 1, "same_working_day", at(TUE, 17)),
        (at(TUE, 18), 1, "same_working_day", at(TUE + datetime.timedelta(days=1), 17)),
        # Christmas Eve after closing: the next working day is the 29th.
        (
            at(datetime.date(2026, 12, 24), 18),
            1,
            "same_working_day",
            at(datetime.date(2026, 12, 29), 17),
        ),
        (at(TUE, 10), 7, "days", at(TUE + datetime.timedelta(days=7), 10)),
        # An emergency: 24 hours, day and night, even over Christmas.
        (at(datetime.date(2026, 12, 24), 18), 24, "hours", at(datetime.date(2026, 12, 25), 18)),
    ],
)
def test_examples(start, amount, unit, expected):
    assert due(start, amount, unit, WEEK) == expected


def test_words():
    assert workdays.describe(24, "working_hours") == "within 24 working hours"
    assert workdays.describe(1, "working_days") == "within 1 working day"
    assert workdays.describe(1, "same_working_day") == "the same working day"
    assert workdays.describe(24, "hours") == "within 24 hours"


def test_bad_calendars_and_units_are_refused():
    with pytest.raises(ValueError):
        Calendar(working_days=frozenset())
    with pytest.raises(ValueError):
        Calendar(opens=datetime.time(17), closes=datetime.time(9))
    with pytest.raises(ValueError, match="Unknown unit"):
        due(at(TUE, 10), 1, "fortnights", WEEK)


starts = st.datetimes(
    min_value=datetime.datetime(2026, 1, 1), max_value=datetime.datetime(2027, 12, 31)
)
calendars = st.builds(
    Calendar,
    working_days=st.frozensets(st.integers(1, 7), min_size=1),
    opens=st.sampled_from([datetime.time(7), datetime.time(9)]),
    closes=st.sampled_from([datetime.time(12), datetime.time(17, 30)]),
    holidays=st.frozensets(
        st.dates(datetime.date(2026, 1, 1), datetime.date(2028, 6, 30)), max_size=30
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    start=starts, amount=st.integers(1, 200), unit=st.sampled_from(workdays.UNITS), cal=calendars
)
def test_due_is_never_before_the_start_and_grows_with_the_target(start, amount, unit, cal):
    first = due(start, amount, unit, cal)
    assert first > start
    assert due(start, amount + 1, unit, cal) >= first
    # Later reports are never due earlier.
    assert due(start + datetime.timedelta(hours=5), amount, unit, cal) >= first


@settings(max_examples=300, deadline=None)
@given(start=starts, amount=st.integers(1, 200), cal=calendars)
def test_working_targets_fall_due_inside_a_working_day(start, amount, cal):
    for unit in ("working_hours", "working_days", "same_working_day"):
        moment = due(start, amount, unit, cal)
        assert cal.is_working_day(moment.date())
        assert cal.opening(moment.date()) < moment <= cal.closing(moment.date())


@settings(max_examples=200, deadline=None)
@given(start=starts, amount=st.integers(1, 60), cal=calendars)
def test_working_hours_count_exactly_the_working_time_between(start, amount, cal):
    moment = due(start, amount, "working_hours", cal)
    counted = datetime.timedelta()
    day = start.date()
    while day <= moment.date():
        if cal.is_working_day(day):
            lo = max(start, cal.opening(day))
            hi = min(moment, cal.closing(day))
            if hi > lo:
                counted += hi - lo
        day += datetime.timedelta(days=1)
    assert counted == datetime.timedelta(hours=amount)
