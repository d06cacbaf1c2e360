"""Reading a long `values()` or `values_list()` query with a plain cursor.

Django converts each value it reads: every datetime is parsed and made aware one at a
time, every boolean is checked. Over a page of a thousand Open311 requests or the
hundred thousand reports of a scorecard that costs more than the query itself
(bench/reports.py). These readers run the query Django wrote, as it wrote it, and hand
back the database driver's own values, so they are for columns whose raw values the
caller is ready for: numbers, text, and datetimes that are UTC (naive from SQLite).
"""

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def _run(rows: QuerySet):
    try:
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:  # e.g. a filter on an empty list of ids
        return [], []
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [column[0] for column in cursor.description], cursor.fetchall()


def plain_rows(rows: QuerySet) -> list[tuple]:
    """The rows of a `values_list()` query as tuples, in its columns' order."""
    return _run(rows)[1]


def plain_dicts(rows: QuerySet) -> list[dict]:
    """The rows of a `values()` query as dicts, keyed as the query names its columns."""
    names, found = _run(rows)
    return [dict(zip(names, row, strict=True)) for row in found]
