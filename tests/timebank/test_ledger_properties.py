"""Any sequence of postings, reversals, donations and grants keeps every invariant."""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.errors import ApplicationError
from coproduce.idempotency import replayed
from coproduce.timebank import ledger, services
from coproduce.timebank.ledger import Leg, post_transfer
from coproduce.timebank.models import Account, Transfer, TransferKind

ACCOUNTS = ["member", "staff", "coordinator", "assisted", "health_centre"]

operation = st.one_of(
    st.tuples(
        st.just("pay"),
        st.sampled_from(ACCOUNTS),
        st.sampled_from(ACCOUNTS),
        st.integers(min_value=-30, max_value=900),
    ),
    st.tuples(st.just("donate"), st.sampled_from(ACCOUNTS), st.integers(1, 300)),
    st.tuples(st.just("grant"), st.sampled_from(ACCOUNTS[:4]), st.integers(1, 300)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("retry"), st.integers(0, 50)),
)


def current_balances(bank):
    return {
        name: Account.objects.get(pk=getattr(bank, name).pk).balance_minutes
        for name in [*ACCOUNTS, "chest"]
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=25))
def test_every_sequence_keeps_the_ledger_whole(world, bank, operations):
    expected = current_balances(bank)
    posted: list[Transfer] = list(Transfer.objects.filter(hub=world.hub))
    run = uuid.uuid4().hex  # keys unique to this example: the database lives across examples
    for step, op in enumerate(operations):
        key = f"{run}:{step}"
        before = current_balances(bank)
        try:
            if op[0] == "pay":
                _, payer, payee, minutes = op
                transfer = post_transfer(
                    hub=world.hub,
                    kind=TransferKind.EXCHANGE,
                    idempotency_key=key,
                    legs=[Leg(getattr(bank, payer), -minutes), Leg(getattr(bank, payee), minutes)],
                )
                delta = {payer: -minutes, payee: minutes}
            elif op[0] == "donate":
                _, giver, minutes = op
                actor = world.coordinator
                transfer = services.chest_donate(
                    actor=actor, account=getattr(bank, giver), minutes=minutes, key=key
                )
                delta = {giver: -minutes, "chest": minutes}
            elif op[0] == "grant":
                _, receiver, minutes = op
                # Grace's grant to herself would wait for a second coordinator (four
                # eyes): the admin grants those.
                transfer = services.chest_grant(
                    actor=world.admin if receiver == "coordinator" else world.coordinator,
                    account=getattr(bank, receiver),
                    minutes=minutes,
                    reason="need",
                    key=key,
                )
                delta = {"chest": -minutes, receiver: minutes}
            elif op[0] == "reverse":
                if not posted:
                    continue
                original = posted[op[1] % len(posted)]
                transfer = ledger.reverse_transfer(
                    transfer=original, actor=world.coordinator, reason="mistake"
                )
                names = {getattr(bank, n).pk: n for n in [*ACCOUNTS, "chest"]}
                delta = {names[e.account_id]: -e.signed_minutes for e in original.entries.all()}
            else:  # retry an earlier key with the same content: nothing changes
                if not posted:
                    continue
                original = posted[op[1] % len(posted)]
                legs = [Leg(e.account, e.signed_minutes) for e in original.entries.all()]
                again = post_transfer(
                    hub=world.hub,
                    kind=original.kind,
                    legs=legs,
                    idempotency_key=original.idempotency_key,
                    memo=original.memo,
                    reverses=original.reverses,
                    max_leg=ledger.MAX_MINUTES_ANY_LEG,
                )
                assert again.pk == original.pk
                continue
        except ApplicationError:
            assert current_balances(bank) == before  # refused whole: nothing moved
            continue
        if replayed(transfer):
            # The same gift or grant again within minutes, with a new key (the form sent
            # again after going back): the first one, and nothing moves.
            assert transfer.kind in (TransferKind.DONATION, TransferKind.GRANT)
            assert Transfer.objects.filter(pk=transfer.pk, hub=world.hub).exists()
            assert current_balances(bank) == before
            continue
        posted.append(transfer)
        for name, minutes in delta.items():
            expected[name] += minutes
        assert current_balances(bank) == expected
        assert expected["chest"] >= 0
    report = ledger.verify(world.hub)
    assert report.ok, report.problems
    assert (
        sum(current_balances(bank).values())
        + sum(
            Account.objects.filter(hub=world.hub)
            .exclude(pk__in=[getattr(bank, n).pk for n in [*ACCOUNTS, "chest"]])
            .values_list("balance_minutes", flat=True)
        )
        == 0
    )
