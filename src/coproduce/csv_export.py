"""Every CSV download goes through here, so spreadsheets read it as people expect: dates
and times in local time as `YYYY-MM-DD HH:MM` (Excel reads them as dates), hours both as
`h:mm` and as decimal hours, a byte-order mark so Excel reads the names as UTF-8, and no
cell that can run as a formula. Streamed, so a large export is never held in memory.

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets
skip before reading a formula) is run by Excel, LibreOffice and Google Sheets as a
formula: `=HYPERLINK("http://…")` in a statement or a title would become a link in the
coordinator's spreadsheet. Such text cells get a leading apostrophe, which spreadsheets
show as plain text. Numbers, and hours such as -0:45, are left alone."""

import csv
import datetime
import re

from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def local_time(value: datetime.datetime | None) -> str:
    """2026-11-30 14:05, in the hub's local time; empty for none."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def local_date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def hours_hmm(minutes: int) -> str:
    """90 -> '1:30', -45 -> '-0:45'."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def hours_decimal(minutes: int) -> str:
    """90 -> '1.50'."""
    return f"{minutes / 60:.2f}"


def safe_cell(value):
    """A text cell starting with = + - @ would run as a formula in a spreadsheet: quoted.
    Numbers (and our own hours, '-1:30' or '-1 h 30 min') are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _is_number_like(value):
            return value
        return "'" + value
    return value


# A number or hours ('-2', '-0.75', '-1:30', and hours in words: '-1 h', '-45 min',
# '-1 h 30 min') is data that no spreadsheet runs.
_NUMBER_OR_HOURS = re.compile(
    r"-?[0-9]+(\.[0-9]+)?|-?[0-9]+:[0-5][0-9]|-[0-9]+ h( [0-9]+ min)?|-[0-9]+ min"
)


def _is_number_like(value: str) -> bool:
    return _NUMBER_OR_HOURS.fullmatch(value) is not None


class _Echo:
    def write(self, value):
        return value


def safe_row(row) -> list:
    return [safe_cell(cell) for cell in row]


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """A streamed CSV download, every cell (heading included) made safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield BOM + writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def write_csv_file(out, header: list[str], rows) -> int:
    """Write a CSV to an open text file (`newline=""`, UTF-8) a line at a time, as
    `csv_response` streams one: byte-order mark, every cell made safe. For files written
    by a task (large exports). Returns the number of lines after the heading."""
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow(safe_row(header))
    count = 0
    for row in rows:
        writer.writerow(safe_row(row))
        count += 1
    return count
