"""The demo story, loaded once for the tests in this folder.

Loading it takes several seconds, and most tests here only read it, so each test module
loads it once inside an outer transaction that is rolled back when the module ends. Each
test still runs in its own savepoint (pytest-django's usual `db` fixture, nested inside
the outer transaction), so what one test writes is gone before the next one starts.
"""

import datetime
import hashlib

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from coproduce.demo import data
from coproduce.hubs.models import AuditEvent, Membership, Person

# What each module's build of the demo looked like (see `fingerprint`): every module here
# builds the demo afresh, so two modules in one run are two builds to compare.
BUILDS: list[tuple[datetime.date, str]] = []


def fingerprint() -> str:
    """What the demo holds, by names and texts rather than ids, and with every moment as
    its distance from the start of today: two builds on one day must give the same."""
    from coproduce.deliberation.models import Vote
    from coproduce.referrals.models import Assignment, Referral
    from coproduce.timebank.models import Entry, Exchange

    today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))

    def at(moment):
        if isinstance(moment, datetime.datetime):
            return (moment - today).total_seconds()
        return moment.isoformat() if moment else None

    rows = [
        sorted((p.display_name, p.email or "", at(p.date_joined)) for p in Person.objects.all()),
        sorted(
            (m.person.display_name, m.hub.slug, m.role, at(m.joined_at))
            for m in Membership.objects.select_related("person", "hub")
        ),
        sorted(
            (
                e.transfer.kind,
                e.transfer.memo,
                at(e.transfer.created_at),
                str(e.account),
                e.amount_minutes,
            )
            for e in Entry.objects.select_related(
                "transfer", "account__membership__person", "account__organisation", "account__hub"
            )
        ),
        sorted(
            (
                x.title,
                x.status,
                at(x.created_at),
                at(x.done_on),
                at(x.logged_at),
                at(x.confirmed_at),
            )
            for x in Exchange.objects.all()
        ),
        sorted(
            (r.person.display_name, r.status, at(r.created_at), at(r.matched_at))
            for r in Referral.objects.select_related("person")
        ),
        sorted(
            (a.person.display_name, at(a.slot.starts_at), a.status, at(a.created_at))
            for a in Assignment.objects.select_related("person", "slot")
        ),
        sorted(
            (v.statement.text, v.value, at(v.cast_at))
            for v in Vote.objects.select_related("statement")
        ),
        sorted(
            (e.event, e.actor.display_name if e.actor else "", at(e.created_at))
            for e in AuditEvent.objects.select_related("actor")
        ),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


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
        counts = data.load()
        BUILDS.append((timezone.localdate(), fingerprint()))
        yield counts
        transaction.set_rollback(True)
