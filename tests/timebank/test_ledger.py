"""The ledger never loses or invents an hour, and refuses bad transfers whole."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from coproduce.errors import ApplicationError
from coproduce.timebank import ledger
from coproduce.timebank.ledger import Leg, post_transfer
from coproduce.timebank.models import Account, Entry, Transfer, TransferKind


def balances(*accounts):
    return [Account.objects.get(pk=a.pk).balance_minutes for a in accounts]


def pay(world, payer, payee, minutes, key="k1", **kwargs):
    return post_transfer(
        hub=world.hub,
        kind=TransferKind.EXCHANGE,
        legs=[Leg(payer, -minutes), Leg(payee, minutes)],
        idempotency_key=key,
        **kwargs,
    )


def test_a_transfer_moves_minutes_and_balances_equal_their_entries(world, bank):
    transfer = pay(world, bank.member, bank.staff, 90)
    assert balances(bank.member, bank.staff) == [-90, 90]
    assert sorted(e.signed_minutes for e in transfer.entries.all()) == [-90, 90]
    assert transfer.sealed
    assert ledger.verify().ok


@pytest.mark.parametrize(
    ("legs", "message"),
    [
        (lambda b: [Leg(b.member, 0), Leg(b.staff, 0)], "above zero"),
        (lambda b: [Leg(b.member, -60), Leg(b.staff, 30)], "must be equal"),
        (lambda b: [Leg(b.member, -60), Leg(b.member, 60)], "cannot pay itself"),
        (lambda b: [Leg(b.member, -60), Leg(b.other_hub_member, 60)], "same hub"),
        (lambda b: [Leg(b.member, -60)], "paying and an account receiving"),
        (lambda b: [Leg(b.member, -25 * 60), Leg(b.staff, 25 * 60)], "more than one transfer"),
        (lambda b: [Leg(b.member, -1.5), Leg(b.staff, 1.5)], "whole minutes"),
    ],
    ids=["zero", "unbalanced", "self", "other-hub", "one-leg", "absurd", "fractional"],
)
def test_bad_transfers_are_refused_and_write_nothing(world, bank, legs, message):
    before = (Transfer.objects.count(), Entry.objects.count())
    with pytest.raises(ApplicationError, match=message):
        post_transfer(
            hub=world.hub, kind=TransferKind.EXCHANGE, legs=legs(bank), idempotency_key="bad"
        )
    assert (Transfer.objects.count(), Entry.objects.count()) == before
    assert balances(bank.member, bank.staff) == [0, 0]


def test_the_same_key_twice_posts_once(world, bank):
    first = pay(world, bank.member, bank.staff, 60, key="retry")
    again = pay(world, bank.member, bank.staff, 60, key="retry")
    assert again.pk == first.pk
    assert balances(bank.member, bank.staff) == [-60, 60]


def test_a_reused_key_with_different_content_is_refused(world, bank):
    pay(world, bank.member, bank.staff, 60, key="once")
    with pytest.raises(ApplicationError, match="already used") as error:
        pay(world, bank.member, bank.staff, 61, key="once")
    assert error.value.field == "idempotency_key"
    assert balances(bank.member, bank.staff) == [-60, 60]


def test_a_hard_floor_refuses_and_names_the_member(world, bank):
    with pytest.raises(ApplicationError, match="Sam Member would go below"):
        pay(world, bank.member, bank.staff, 601)
    assert balances(bank.member) == [0]


def test_a_soft_limit_allows_and_flags(world, bank):
    policy = ledger.policy_for(world.hub)
    policy.limits_are_hard = False
    policy.save()
    transfer = pay(world, bank.member, bank.staff, 601)
    assert transfer.over_limit
    assert balances(bank.member) == [-601]


def test_the_community_chest_cannot_give_what_it_has_not_got(world, bank):
    from coproduce.timebank import services

    with pytest.raises(ApplicationError, match="community chest"):
        services.chest_grant(
            actor=world.coordinator, account=bank.member, minutes=60, reason="Help with shopping"
        )
    services.chest_donate(actor=world.staff, account=bank.staff, minutes=120)
    services.chest_grant(
        actor=world.coordinator, account=bank.member, minutes=60, reason="Help with shopping"
    )
    assert balances(bank.staff, bank.chest, bank.member) == [-120, 60, 60]


def test_only_coordinators_grant_and_members_donate_only_their_own_hours(world, bank):
    from django.core.exceptions import PermissionDenied

    from coproduce.timebank import services

    with pytest.raises(PermissionDenied):
        services.chest_grant(actor=world.member, account=bank.member, minutes=60, reason="me")
    with pytest.raises(PermissionDenied):
        services.chest_donate(actor=world.member, account=bank.staff, minutes=60)


def test_a_reversal_puts_balances_back_and_happens_once(world, bank):
    transfer = pay(world, bank.member, bank.staff, 45)
    correction = ledger.reverse_transfer(
        transfer=transfer, actor=world.coordinator, reason="Logged twice"
    )
    assert correction.reverses == transfer
    assert balances(bank.member, bank.staff) == [0, 0]
    with pytest.raises(ApplicationError, match="already been reversed"):
        ledger.reverse_transfer(transfer=transfer, actor=world.coordinator, reason="again")
    assert Entry.objects.filter(transfer=transfer).count() == 2  # the original stays


# --- the database's own rules ------------------------------------------------------------


def refused(sql_or_callable, params=()):
    try:
        with transaction.atomic():
            if callable(sql_or_callable):
                sql_or_callable()
            else:
                with connection.cursor() as cursor:
                    cursor.execute(sql_or_callable, params)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except (IntegrityError, DatabaseError):
        return True
    return False


def test_entries_cannot_be_changed(world, bank):
    transfer = pay(world, bank.member, bank.staff, 30)
    entry = transfer.entries.first()
    assert refused("UPDATE timebank_entry SET amount_minutes = 999 WHERE id = %s", [entry.pk])
    assert Entry.objects.get(pk=entry.pk).amount_minutes == 30


def test_entries_cannot_be_deleted(world, bank):
    transfer = pay(world, bank.member, bank.staff, 30)
    with pytest.raises(TypeError):
        transfer.entries.first().delete()
    if connection.vendor == "postgresql":
        assert refused("DELETE FROM timebank_entry WHERE transfer_id = %s", [transfer.pk])
    assert transfer.entries.count() == 2


def test_a_zero_or_negative_entry_is_refused(world, bank):
    transfer = Transfer.objects.create(hub=world.hub, kind="exchange", idempotency_key="raw")
    for amount in (0, -5):
        assert refused(
            lambda a=amount: Entry.objects.create(
                transfer=transfer, account=bank.member, amount_minutes=a, direction=1
            )
        )


def test_an_unbalanced_transfer_cannot_be_sealed_or_committed(world, bank):
    def write_unbalanced():
        transfer = Transfer.objects.create(hub=world.hub, kind="exchange", idempotency_key="u")
        Entry.objects.create(
            transfer=transfer, account=bank.member, amount_minutes=60, direction=-1
        )
        Entry.objects.create(transfer=transfer, account=bank.staff, amount_minutes=50, direction=1)
        transfer.sealed = True
        transfer.save(update_fields=["sealed"])

    assert refused(write_unbalanced)
    assert not Transfer.objects.filter(idempotency_key="u").exists()


def test_entries_cannot_be_added_to_a_sealed_transfer(world, bank):
    transfer = pay(world, bank.member, bank.staff, 30)
    assert refused(
        lambda: Entry.objects.create(
            transfer=transfer, account=bank.coordinator, amount_minutes=5, direction=1
        )
    )


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="deferred trigger")
def test_postgres_checks_every_transfer_sums_to_zero_at_commit(world, bank):
    def unsealed_but_unbalanced():
        transfer = Transfer.objects.create(hub=world.hub, kind="exchange", idempotency_key="d")
        Entry.objects.create(
            transfer=transfer, account=bank.member, amount_minutes=60, direction=-1
        )

    assert refused(unsealed_but_unbalanced)


# --- verification ------------------------------------------------------------------------


def test_verify_finds_a_balance_that_disagrees_with_its_entries(world, bank, capsys):
    pay(world, bank.member, bank.staff, 30)
    Account.objects.filter(pk=bank.staff.pk).update(balance_minutes=31)
    report = ledger.verify()
    assert not report.ok
    assert (
        f"Account {bank.staff.pk}: balance 31 minutes, but its entries sum to 30"
        in (report.problems[0])
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("ledger", "verify")
    assert exit_.value.code == 1
    assert "Ledger NOT OK" in capsys.readouterr().err


def test_verify_passes_a_sound_ledger(world, bank, capsys):
    pay(world, bank.member, bank.staff, 30)
    call_command("ledger", "verify", "--hub", world.hub.slug)
    assert "Ledger OK" in capsys.readouterr().out
