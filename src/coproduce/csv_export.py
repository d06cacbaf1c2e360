"""CSV downloads that spreadsheets read as people expect: dates and times in local time as
`YYYY-MM-DD HH:MM` (Excel reads them as dates), hours both as `h:mm` and as decimal hours,
a byte-order mark so Excel reads the names as UTF-8, and cells that would run as formulas
neutralised. Streamed, so a large export is never held in memory."""

import csv
import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"


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
    Numbers (and our own '-1:30' style hours, written as numbers' text) are left alone."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if _is_number_like(value):
            return value
        return "'" + value
    return value


def _is_number_like(value: str) -> bool:
    return bool(value) and all(c in "-0123456789.:" for c in value)


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield BOM + writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
