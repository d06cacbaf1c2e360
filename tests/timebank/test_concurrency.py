"""Several writers at once, each on its own database connection: no hour lost or doubled."""

import contextlib
import random
import threading

import pytest
from django.db import connections

from coproduce.errors import ApplicationError
from coproduce.timebank import ledger
from coproduce.timebank.ledger import Leg, post_transfer
from coproduce.timebank.models import Account, Transfer, TransferKind

WRITERS = 6
TRANSFERS_EACH = 15


def run_at_once(work, count):
    start = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            start.wait()
            work(index)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.fixture
def open_limits(world, bank):
    policy = ledger.policy_for(world.hub)
    policy.floor_minutes, policy.ceiling_minutes = -100_000, 100_000
    policy.save()
    return [bank.member, bank.staff, bank.coordinator, bank.assisted, bank.health_centre]


@pytest.mark.django_db(transaction=True)
def test_concurrent_transfers_lose_and_duplicate_nothing(world, bank, open_limits):
    accounts = open_limits
    planned = {}

    def work(index):
        rng = random.Random(index)
        for n in range(TRANSFERS_EACH):
            payer, payee = rng.sample(accounts, 2)
            minutes = rng.randint(1, 120)
            planned[(index, n)] = (payer.pk, payee.pk, minutes)
            post_transfer(
                hub=world.hub,
                kind=TransferKind.EXCHANGE,
                legs=[Leg(payer, -minutes), Leg(payee, minutes)],
                idempotency_key=f"w{index}:{n}",
            )

    assert run_at_once(work, WRITERS) == []
    expected = {a.pk: 0 for a in accounts}
    for payer, payee, minutes in planned.values():
        expected[payer] -= minutes
        expected[payee] += minutes
    actual = dict(Account.objects.filter(pk__in=expected).values_list("pk", "balance_minutes"))
    assert actual == expected
    assert Transfer.objects.filter(kind="exchange").count() == WRITERS * TRANSFERS_EACH
    assert ledger.verify().ok


@pytest.mark.django_db(transaction=True)
def test_the_same_key_from_many_requests_at_once_posts_once(world, bank, open_limits):
    results = []

    def work(index):
        results.append(
            post_transfer(
                hub=world.hub,
                kind=TransferKind.EXCHANGE,
                legs=[Leg(bank.member, -60), Leg(bank.staff, 60)],
                idempotency_key="double-click",
            ).pk
        )

    assert run_at_once(work, 4) == []
    assert len(set(results)) == 1
    assert Account.objects.get(pk=bank.staff.pk).balance_minutes == 60


@pytest.mark.django_db(transaction=True)
def test_a_hard_floor_holds_when_many_spend_at_once(world, bank):
    policy = ledger.policy_for(world.hub)
    policy.floor_minutes = -100
    policy.save()

    def work(index):
        with contextlib.suppress(ApplicationError):
            post_transfer(
                hub=world.hub,
                kind=TransferKind.EXCHANGE,
                legs=[Leg(bank.member, -30), Leg(bank.staff, 30)],
                idempotency_key=f"spend{index}",
            )

    assert run_at_once(work, 6) == []
    # Three 30-minute spends fit above -100; a fourth would not, whatever the timing.
    assert Account.objects.get(pk=bank.member.pk).balance_minutes == -90
    assert ledger.verify().ok
