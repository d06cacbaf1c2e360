"""The demo story, loaded once for the tests in this folder.

Loading it takes several seconds, and most tests here only read it, so each test module
loads it once inside an outer transaction that is rolled back when the module ends. Each
test still runs in its own savepoint (pytest-django's usual `db` fixture, nested inside
the outer transaction), so what one test writes is gone before the next one starts.
"""

import pytest
from django.db import transaction
from django.test import override_settings

from coproduce.demo import data
from coproduce.hubs.models import Person


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> dict:
    """The counts the first `data.load()` returned, on a database that held nothing."""
    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        # The fast hasher of tests/conftest.py (its fixture is per test, so not yet in
        # force here): the personas' passwords must be checkable inside the tests.
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        # CI loads the full year (and verifies the ledger); here a shorter story is
        # enough. The patch lasts for the whole module, so tests that load again load
        # the same story.
        patch.setattr("coproduce.demo.timebank.EXCHANGES", 150)
        assert not Person.objects.exists(), "the demo must first load on an empty database"
        yield data.load()
        transaction.set_rollback(True)
