"""Writing many rows at once, for imports of thousands of records.

`bulk_create` builds a model instance for every row and prepares every value through
the field machinery; for a time sheet of thousands of exchanges that was four-fifths
of the time spent (see docs/performance.md). `insert_rows` takes plain dicts keyed by
field attname, fills in the model's defaults once per call, prepares only the values
that need it (dates, times, JSON), and writes them a few hundred rows per statement.

It does not call `save()` or send signals, exactly like `bulk_create`. Database
constraints and triggers still apply to every row.
"""

from collections.abc import Sequence

from django.db import connections, models, router

# Values of these fields go to the database as they are.
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
)


def insert_rows(
    model: type[models.Model], rows: Sequence[dict], *, returning_ids: bool = False
) -> list[int]:
    """Insert `rows` (dicts of attname to value; anything missing takes the field's
    default). Returns the new primary keys in row order when `returning_ids`."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    known = {field.attname for field in fields}
    for row in rows:
        unknown = row.keys() - known
        if unknown:
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    defaults = {field.attname: field.get_default() for field in fields}
    preparers = [
        None
        if isinstance(field, _PLAIN) or (field.is_relation and field.attname != field.name)
        else field
        for field in fields
    ]

    def values(row: dict) -> list:
        result = []
        for field, prepare in zip(fields, preparers, strict=True):
            value = row[field.attname] if field.attname in row else defaults[field.attname]
            if prepare is not None:
                value = prepare.get_db_prep_save(value, connection)
            result.append(value)
        return result

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {quote(model._meta.pk.column)}" if returning_ids else ""
    # One multi-row INSERT per chunk. Chunks are all the same size but the last, and
    # short enough (4 KB) for the PostgreSQL driver to parse each statement only once.
    # RETURNING (SQLite 3.35+, PostgreSQL) gives the ids in the order of the rows, as
    # `bulk_create` also relies on.
    head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (names from the model)
    limit = connection.features.max_query_params or 30_000
    per_chunk = max(
        1,
        min(limit // len(fields), (4000 - len(head) - len(returning)) // (len(one_row) + 2)),
    )
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            cursor.execute(
                head + ", ".join([one_row] * len(chunk)) + returning,
                [value for row in chunk for value in values(row)],
            )
            if returning_ids:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids
