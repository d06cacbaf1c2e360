"""Every CSV download goes through here, so no cell can run as a spreadsheet formula.

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets
skip before reading a formula) is run by Excel, LibreOffice and Google Sheets as a
formula: `=HYPERLINK("http://…")` in a statement or a title would become a link in the
coordinator's spreadsheet. Such text cells get a leading apostrophe, which spreadsheets
show as plain text. Numbers are left alone: -90 minutes stays a number.
"""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, made safe to open in a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [safe_cell(cell) for cell in row]


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]):
    """A streamed CSV download, every cell (heading included) made safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
