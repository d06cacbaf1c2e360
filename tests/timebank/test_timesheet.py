"""The time-sheet reader (a pure module) under hostile cells: any text gives lines or
problems naming the line and column, never an unexpected exception; only the digits 0-9
are read as numbers."""

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.errors import ApplicationError
from coproduce.timebank import timesheet

HEADER = "date,giver,receiver,description,{unit}\n"


def sheet(date="2026-01-02", amount="1", unit="hours") -> bytes:
    return (HEADER.format(unit=unit) + f"{date},a,b,c,{amount}\n").encode()


@pytest.mark.parametrize("unit", ["hours", "minutes"])
@pytest.mark.parametrize("amount", ["\u00b9", "1\u00b2", "\u0663", "\u0661:\u0663\u0660", "\uff11"])
def test_digits_of_other_scripts_are_a_problem_on_their_line_and_column(unit, amount):
    lines, problems = timesheet.read_sheet(sheet(amount=amount, unit=unit))
    assert lines == []
    [(line, message)] = problems
    assert line == 2
    assert message.startswith(f"Line 2, column '{unit}'")


@pytest.mark.parametrize(
    "date", ["\u0662\u0660\u0662\u0666-01-02", "2026-\u00b9-02", "0001-01-01", "31/12/9999"]
)
def test_odd_dates_are_a_problem_on_their_line_and_column(date):
    lines, problems = timesheet.read_sheet(sheet(date=date))
    assert lines == []
    assert problems[0][1].startswith("Line 2, column 'date'")


def test_a_huge_number_of_minutes_is_a_problem_not_a_crash():
    lines, problems = timesheet.read_sheet(sheet(amount="9" * 5000, unit="minutes"))
    assert lines == [] and problems[0][1].startswith("Line 2, column 'minutes'")


cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


@given(date=cells, amount=cells, unit=st.sampled_from(["hours", "minutes"]))
def test_any_cell_is_read_or_named_never_a_crash(date, amount, unit):
    text = HEADER.format(unit=unit)
    row = [date, "a", "b", "c", amount]
    out = io.StringIO()
    csv.writer(out).writerow(row)
    try:
        lines, problems = timesheet.read_sheet((text + out.getvalue()).encode())
    except ApplicationError as error:
        assert error.field == "file"
        return
    for line in lines:
        assert line.minutes >= 0
        assert 1900 <= line.done_on.year <= 2100
    for number, message in problems:
        assert message.startswith(f"Line {number}")


@given(st.binary(max_size=200))
def test_any_bytes_give_lines_problems_or_a_file_error(data):
    try:
        _lines, problems = timesheet.read_sheet(data)
    except ApplicationError as error:
        assert error.field == "file"
        return
    assert all(re.match(r"Line \d+", message) for _, message in problems)


@given(st.integers(0, 999), st.integers(0, 59))
def test_hours_and_minutes_written_with_ascii_digits_are_read(hours, minutes):
    lines, problems = timesheet.read_sheet(sheet(amount=f"{hours}:{minutes:02d}"))
    assert problems == []
    assert lines[0].minutes == hours * 60 + minutes
