"""Reading a time sheet: a CSV file of help already given, one exchange per line.

Coordinators keep paper sheets for members who are not online and type them up in a
spreadsheet. This module only reads the file; who the names refer to and whether the
hours may move is decided in `services.exchanges_import_sheet`.

Columns (in any order, any case): date, giver, receiver, description, and either
minutes (whole minutes) or hours (1.5 or 1:30). Every problem names its line and column,
so a coordinator can fix the sheet and upload it again.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from coproduce.errors import ApplicationError

COLUMNS = ("date", "giver", "receiver", "description")
MAX_LINES = 5000
MAX_PROBLEMS_SHOWN = 20
EXAMPLE = (
    "date,giver,receiver,description,hours\r\n"
    "2026-03-14,ron@example.org,Millbrook Health Centre,"
    "Welcomed patients at the flu clinic,2:30\r\n"
)

# Only the digits 0-9: Python's \d, isdigit() and int() also take other scripts' digits
# (Arabic-Indic ٣, superscript ¹), which a time sheet never means as a number.
_HOURS = re.compile(
    r"^(?P<hours>[0-9]{1,3})(?::(?P<minutes>[0-5][0-9]))?$"  # 2 or 1:30
    r"|^(?P<decimal>[0-9]{1,3}\.[0-9]{1,2})$"  # 1.5
)
_MINUTES = re.compile(r"^[0-9]{1,6}$")
_DATES = (
    (re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"), "%Y-%m-%d"),
    (re.compile(r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"), "%d/%m/%Y"),
)
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


@dataclass(frozen=True)
class SheetLine:
    line: int
    done_on: datetime.date
    giver: str
    receiver: str
    description: str
    minutes: int


def read_sheet(data: bytes) -> tuple[list[SheetLine], list[tuple[int, str]]]:
    """The lines that could be read and the problems with the others, as (line, message),
    so that one upload can show every mistake. A file that is not a time sheet at all is
    an ApplicationError."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ApplicationError("The file is empty.", field="file") from None
    except csv.Error as error:
        raise ApplicationError(f"Line 1: this is not a CSV file ({error}).", field="file") from None
    names = [name.strip().lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    if "minutes" not in names and "hours" not in names:
        missing.append("hours (or minutes)")
    if missing:
        raise ApplicationError(
            f"Line 1: the sheet needs a column called {_and(missing)}. "
            f"The first line should be: {EXAMPLE.splitlines()[0]}",
            field="file",
        )
    duplicates = sorted({name for name in names if name and names.count(name) > 1})
    if duplicates:
        raise ApplicationError(
            f"Line 1: the column {_and(duplicates)} appears twice.", field="file"
        )
    lines, problems = [], []
    try:
        for cells in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(lines) + len(problems) >= MAX_LINES:
                raise ApplicationError(
                    f"The sheet has more than {MAX_LINES} exchanges. Split it into smaller files.",
                    field="file",
                )
            try:
                lines.append(_read_line(number, dict(zip(names, cells, strict=False))))
            except ApplicationError as error:
                problems.append((number, error.message))
    except csv.Error as error:
        number = reader.line_num
        problems.append((number, f"Line {number}: this line cannot be read ({error})."))
    if not lines and not problems:
        raise ApplicationError("The sheet has a heading line but no exchanges.", field="file")
    return lines, problems


def raise_problems(problems: list[tuple[int, str]]) -> None:
    """One error for the form, listing the problems in line order."""
    problems = [message for _, message in sorted(problems, key=lambda p: p[0])]
    shown = problems[:MAX_PROBLEMS_SHOWN]
    if len(problems) > len(shown):
        shown.append(f"… and {len(problems) - len(shown)} more problems.")
    raise ApplicationError(shown[0], field="file", details={"problems": shown})


def _read_line(number: int, row: dict[str, str]) -> SheetLine:
    def cell(name: str) -> str:
        value = (row.get(name) or "").strip()
        if not value:
            raise ApplicationError(f"Line {number}, column '{name}': this is empty.")
        return value

    if row.get("minutes", "").strip():
        minutes = _minutes(number, row["minutes"].strip())
    else:
        minutes = _hours(number, cell("hours"))
    description = cell("description")
    if len(description) > 300:
        raise ApplicationError(
            f"Line {number}, column 'description': keep it under 300 characters."
        )
    return SheetLine(
        line=number,
        done_on=_date(number, cell("date")),
        giver=cell("giver"),
        receiver=cell("receiver"),
        description=description,
        minutes=minutes,
    )


def _date(number: int, value: str) -> datetime.date:
    for shape, pattern in _DATES:
        if not shape.match(value):
            continue
        try:
            day = datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise ApplicationError(
                f"Line {number}, column 'date': '{value}' is not between 1900 and 2100."
            )
        return day
    raise ApplicationError(
        f"Line {number}, column 'date': '{value}' is not a date. "
        "Write it as 2026-03-14 or 14/03/2026."
    )


def _minutes(number: int, value: str) -> int:
    if not _MINUTES.match(value):
        raise ApplicationError(
            f"Line {number}, column 'minutes': '{value}' is not a whole number of minutes."
        )
    return int(value)


def _hours(number: int, value: str) -> int:
    match = _HOURS.match(value)
    if not match:
        raise ApplicationError(
            f"Line {number}, column 'hours': '{value}' is not a time. "
            "Write 1:30 or 1.5 for an hour and a half."
        )
    if match["decimal"]:
        minutes = Decimal(match["decimal"]) * 60
        if minutes != int(minutes):
            raise ApplicationError(
                f"Line {number}, column 'hours': '{value}' is not a whole number of minutes. "
                "Write 1:20 for an hour and twenty minutes."
            )
        return int(minutes)
    return int(match["hours"]) * 60 + int(match["minutes"] or 0)


def _decode(data: bytes) -> str:
    # Spreadsheets save CSV as UTF-8 (often with a byte-order mark) or, in older
    # versions of Excel, as Windows-1252.
    if b"\x00" in data[:1024]:
        raise ApplicationError(
            "This is not a CSV file. In your spreadsheet, choose Save as, then CSV.",
            field="file",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _and(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
