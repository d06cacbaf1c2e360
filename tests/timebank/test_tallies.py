"""The ledger's kept counts (hours exchanged, members who gave...) always equal a recount
of the entries, whatever is posted or reversed, in whichever month, by however many
writers at once; `ledger verify` names a count that is wrong; pages read them."""

import contextlib
import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.errors import ApplicationError
from coproduce.timebank import ledger, selectors, services, tallies
from coproduce.timebank.ledger import Leg, NewTransfer, post_transfer, post_transfers
from coproduce.timebank.models import AccountTally, HubTally, Transfer, TransferKind

from .test_concurrency import run_at_once

ACCOUNTS = ["member", "staff", "coordinator", "assisted", "health_centre"]
# Backdated postings (imports, the demo's history) land in earlier months, and reversals
# take an exchange out of its own month, not the month of the correction.
when = st.sampled_from([None, 1, 40, 75, 400])

operation = st.one_of(
    st.tuples(
        st.just("pay"),
        st.sampled_from(ACCOUNTS),
        st.sampled_from(ACCOUNTS),
        st.integers(1, 300),
        when,
    ),
    st.tuples(
        st.just("batch"),
        st.lists(
            st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS), st.integers(1, 99)),
            min_size=1,
            max_size=4,
        ),
        when,
    ),
    st.tuples(st.just("donate"), st.sampled_from(ACCOUNTS), st.integers(1, 300)),
    st.tuples(st.just("grant"), st.sampled_from(ACCOUNTS[:4]), st.integers(1, 300)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


@pytest.fixture
def open_limits(world, bank):
    policy = ledger.policy_for(world.hub)
    policy.floor_minutes, policy.ceiling_minutes = -100_000, 100_000
    policy.save()
    return bank


def _at(days_ago):
    return None if days_ago is None else timezone.now() - datetime.timedelta(days=days_ago)


def _apply(world, bank, op, key):
    if op[0] == "pay":
        _, payer, payee, minutes, days_ago = op
        return post_transfer(
            hub=world.hub,
            kind=TransferKind.EXCHANGE,
            idempotency_key=key,
            legs=[Leg(getattr(bank, payer), -minutes), Leg(getattr(bank, payee), minutes)],
            created_at=_at(days_ago),
        )
    if op[0] == "batch":
        _, rows, days_ago = op
        post_transfers(
            hub=world.hub,
            transfers=[
                NewTransfer(
                    kind=TransferKind.EXCHANGE,
                    legs=[Leg(getattr(bank, a), -m), Leg(getattr(bank, b), m)],
                    idempotency_key=f"{key}:{n}",
                    created_at=_at(days_ago),
                )
                for n, (a, b, m) in enumerate(rows)
            ],
        )
        return None
    if op[0] == "donate":
        _, giver, minutes = op
        return services.chest_donate(
            actor=world.coordinator, account=getattr(bank, giver), minutes=minutes, key=key
        )
    if op[0] == "grant":
        _, receiver, minutes = op
        return services.chest_grant(
            actor=world.admin if receiver == "coordinator" else world.coordinator,
            account=getattr(bank, receiver),
            minutes=minutes,
            reason="need",
            key=key,
        )
    posted = list(Transfer.objects.filter(hub=world.hub).exclude(kind=TransferKind.REVERSAL))
    if posted:
        ledger.reverse_transfer(
            transfer=posted[op[1] % len(posted)], actor=world.coordinator, reason="mistake"
        )
    return None


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=20))
def test_any_postings_and_reversals_leave_the_counts_equal_to_a_recount(
    world, open_limits, operations
):
    run = uuid.uuid4().hex
    for step, op in enumerate(operations):
        # A refusal (the same account twice, a chest too poor, done already) moves nothing.
        with contextlib.suppress(ApplicationError):
            _apply(world, open_limits, op, f"{run}:{step}")
    assert tallies.check(world.hub) == []
    counts, _ = tallies.recount(world.hub.pk)
    totals = selectors.hub_totals(world.hub)
    expected = counts.get(None) or dict.fromkeys(tallies.FIELDS, 0)
    assert totals["minutes_exchanged"] == expected["minutes_exchanged"]
    assert totals["members_both"] == expected["both"]


def test_a_reversed_exchange_leaves_its_month_and_the_members_who_gave(world, open_limits):
    bank = open_limits
    march = timezone.now() - datetime.timedelta(days=75)
    exchange = post_transfer(
        hub=world.hub,
        kind=TransferKind.EXCHANGE,
        idempotency_key="k1",
        legs=[Leg(bank.staff, -90), Leg(bank.member, 90)],
        created_at=march,
    )
    month = tallies.month_of(march)
    kept = tallies.months(world.hub, month, month)[month]
    assert (kept["minutes_exchanged"], kept["gave"], kept["received"], kept["both"]) == (
        90,
        1,
        1,
        0,
    )
    ledger.reverse_transfer(transfer=exchange, actor=world.coordinator, reason="typo")
    kept = tallies.months(world.hub, month, month)[month]
    assert (kept["minutes_exchanged"], kept["exchanges"], kept["gave"], kept["received"]) == (
        0,
        0,
        0,
        0,
    )
    assert selectors.hub_totals(world.hub)["members_gave"] == 0
    assert tallies.check(world.hub) == []


def test_verify_names_the_count_that_is_wrong(world, open_limits):
    post_transfer(
        hub=world.hub,
        kind=TransferKind.EXCHANGE,
        idempotency_key="k1",
        legs=[Leg(open_limits.staff, -60), Leg(open_limits.member, 60)],
    )
    HubTally.objects.filter(hub=world.hub, month__isnull=True).update(gave=5)
    AccountTally.objects.filter(account=open_limits.member, month__isnull=True).update(gave=0)
    errors = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("ledger", "verify", "--hub", world.hub.slug, stderr=errors)
    said = errors.getvalue()
    assert "Hub millbrook, all time: members who gave is kept as 5, but the entries give 1" in said
    assert f"Account {open_limits.member.pk}, all time: exchanges given" in said
    assert "Ledger NOT OK" in said
    call_command("ledger", "retally", "--hub", world.hub.slug, stdout=io.StringIO())
    assert ledger.verify(world.hub).ok


def test_the_hub_ledger_page_reads_the_same_queries_however_long_the_ledger(
    world, open_limits, client_for
):
    client = client_for(world.coordinator)
    url = reverse("hub-ledger", args=[world.hub.slug])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries), [q["sql"] for q in queries.captured_queries]

    before, _ = count()
    for n in range(30):
        post_transfer(
            hub=world.hub,
            kind=TransferKind.EXCHANGE,
            idempotency_key=f"more:{n}",
            legs=[Leg(open_limits.staff, -10), Leg(open_limits.member, 10)],
            created_at=timezone.now() - datetime.timedelta(days=13 * n),
        )
    after, statements = count()
    assert after == before
    assert not [s for s in statements if 'FROM "timebank_entry"' in s]
    response = client.get(url)
    assert "5 h" in response.content.decode()  # 30 exchanges of 10 min since the start


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_keep_the_counts(world, open_limits):
    bank = open_limits
    pairs = [(bank.member, bank.staff), (bank.coordinator, bank.assisted)]

    def work(index):
        giver, receiver = pairs[index]
        for n in range(12):
            transfer = post_transfer(
                hub=world.hub,
                kind=TransferKind.EXCHANGE,
                idempotency_key=f"w{index}:{n}",
                legs=[Leg(giver, -(n + 1)), Leg(receiver, n + 1)],
            )
            if n % 4 == 3:
                ledger.reverse_transfer(transfer=transfer, actor=world.coordinator, reason="x")

    assert run_at_once(work, 2) == []
    assert tallies.check(world.hub) == []
    totals = selectors.hub_totals(world.hub)
    assert totals["exchanges"] == 2 * 9
    assert totals["minutes_exchanged"] == 2 * (78 - 4 - 8 - 12)
    assert (totals["members_gave"], totals["members_received"]) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_counts_a_ledger_written_before_counts_were_kept(world, open_limits):
    from django.db.migrations.executor import MigrationExecutor

    for n in range(3):
        post_transfer(
            hub=world.hub,
            kind=TransferKind.EXCHANGE,
            idempotency_key=f"old:{n}",
            legs=[Leg(open_limits.staff, -30), Leg(open_limits.member, 30)],
            created_at=timezone.now() - datetime.timedelta(days=40 * n),
        )
    kept = list(HubTally.objects.filter(hub=world.hub).values().order_by("month"))
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("timebank", "0007_ledger_tallies")])
        assert not HubTally.objects.exists()
        executor = MigrationExecutor(connection)
        executor.migrate([("timebank", "0008_fill_ledger_tallies")])
        refilled = list(HubTally.objects.filter(hub=world.hub).values().order_by("month"))
        assert [dict(r, id=0) for r in refilled] == [dict(r, id=0) for r in kept]
    finally:
        # Back to the latest schema, so later tests in this process find every table.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert tallies.check(world.hub) == []
