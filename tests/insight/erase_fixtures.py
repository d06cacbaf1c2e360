"""Shared for the erasure tests: the demo story loaded once per module (as tests/demo
does), and a dump of every table of the database to search for an erased person."""

import json

import pytest
from django.db import connection, transaction
from django.test import override_settings

from coproduce.hubs.models import Person


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    from coproduce.demo import data

    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        patch.setattr("coproduce.demo.timebank.EXCHANGES", 60)
        assert not Person.objects.exists(), "the demo must first load on an empty database"
        yield data.load()
        transaction.set_rollback(True)


def dump_database() -> str:
    """Every row of every table, as text (raw SQL, so nothing the models hide is missed)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.append(table + " " + " | ".join(_text(value) for value in row))
    return "\n".join(parts)


def _text(value) -> str:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def found_in(dump: str, *words: str) -> list[str]:
    """The lines of `dump` holding any of `words` (case-insensitive, also JSON-escaped)."""
    needles = set()
    for word in words:
        needles.add(word.lower())
        needles.add(json.dumps(word)[1:-1].lower())
    return [line[:300] for line in dump.lower().splitlines() if any(n in line for n in needles)]
