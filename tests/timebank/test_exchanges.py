"""Exchanges: proposed, agreed, done, confirmed by the other side; hours move only then."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from coproduce.errors import ApplicationError
from coproduce.timebank import ledger, services
from coproduce.timebank.models import Account, Exchange, ExchangeStatus, ListingKind


def balance(account):
    return Account.objects.get(pk=account.pk).balance_minutes


@pytest.fixture
def offer(world, bank):
    return services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Help in the garden"
    )


def agreed_exchange(world, offer):
    exchange = services.exchange_propose(actor=world.staff, listing=offer)
    return services.exchange_agree(actor=world.member, exchange=exchange)


def test_an_offer_taken_up_moves_hours_only_when_the_other_side_confirms(world, bank, offer):
    exchange = agreed_exchange(world, offer)
    services.exchange_log_done(actor=world.member, exchange=exchange, minutes=90)
    assert (balance(bank.member), balance(bank.staff)) == (0, 0)
    with pytest.raises(PermissionDenied):
        services.exchange_confirm(actor=world.member, exchange=exchange)
    exchange = services.exchange_confirm(actor=world.staff, exchange=exchange)
    assert exchange.status == ExchangeStatus.CONFIRMED
    assert (balance(bank.member), balance(bank.staff)) == (90, -90)
    with pytest.raises(ApplicationError, match="already confirmed"):
        services.exchange_confirm(actor=world.staff, exchange=exchange)
    assert (balance(bank.member), balance(bank.staff)) == (90, -90)


def test_the_proposer_cannot_agree_for_the_other_side(world, bank, offer):
    exchange = services.exchange_propose(actor=world.staff, listing=offer)
    with pytest.raises(PermissionDenied):
        services.exchange_agree(actor=world.staff, exchange=exchange)


def test_nobody_exchanges_with_themselves(world, bank, offer):
    with pytest.raises(ApplicationError, match="yourself"):
        services.exchange_propose(actor=world.member, listing=offer)


@pytest.mark.parametrize(
    ("minutes", "message"),
    [(0, "above zero"), (-30, "above zero"), (25 * 60, "at most 24 hours"), ("90", "above zero")],
)
def test_bad_hours_are_refused_and_nothing_changes(world, bank, offer, minutes, message):
    exchange = agreed_exchange(world, offer)
    with pytest.raises(ApplicationError, match=message):
        services.exchange_log_done(actor=world.member, exchange=exchange, minutes=minutes)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.AGREED


def test_a_disputed_exchange_goes_to_the_coordinator(world, bank, offer):
    exchange = agreed_exchange(world, offer)
    services.exchange_log_done(actor=world.member, exchange=exchange, minutes=120)
    services.exchange_dispute(actor=world.staff, exchange=exchange, reason="It was one hour")
    with pytest.raises(PermissionDenied):
        services.exchange_confirm(actor=world.staff, exchange=exchange)
    services.exchange_confirm(actor=world.coordinator, exchange=exchange)
    assert balance(bank.member) == 120


def test_unanswered_hours_confirm_themselves_after_the_hubs_days(world, bank, offer):
    exchange = agreed_exchange(world, offer)
    services.exchange_log_done(actor=world.member, exchange=exchange, minutes=60)
    days = ledger.policy_for(world.hub).auto_confirm_days
    assert services.exchanges_auto_confirm(now=timezone.now()) == 0
    later = timezone.now() + datetime.timedelta(days=days, minutes=1)
    assert services.exchanges_auto_confirm(now=later) == 1
    assert balance(bank.member) == 60
    assert services.exchanges_auto_confirm(now=later) == 0


def test_a_coordinator_records_help_for_someone_not_online(world, bank):
    exchange = services.exchange_record(
        actor=world.coordinator,
        hub=world.hub,
        giver=bank.assisted,
        receiver=bank.member,
        title="Phone call",
        minutes=30,
    )
    services.exchange_confirm(actor=world.member, exchange=exchange)
    assert balance(bank.assisted) == 30


def test_members_cannot_record_exchanges_between_other_people(world, bank):
    with pytest.raises(PermissionDenied):
        services.exchange_record(
            actor=world.member,
            hub=world.hub,
            giver=bank.assisted,
            receiver=bank.staff,
            title="x",
            minutes=30,
        )


def test_the_health_centre_pays_a_group_for_a_workshop(world, bank):
    givers = [(bank.member, 90), (bank.assisted, 90), (bank.coordinator, 90)]
    exchange = services.exchange_record_group(
        actor=world.staff,
        hub=world.hub,
        title="Waiting-room design workshop",
        givers=givers,
        receivers=[(bank.health_centre, 270)],
    )
    assert exchange.status == ExchangeStatus.CONFIRMED
    assert [balance(a) for a, _ in givers] == [90, 90, 90]
    assert balance(bank.health_centre) == -270
    assert ledger.verify().ok


def test_a_group_must_balance_and_only_staff_of_the_payer_or_coordinators_record_it(world, bank):
    with pytest.raises(PermissionDenied):
        services.exchange_record_group(
            actor=world.member,
            hub=world.hub,
            title="x",
            givers=[(bank.member, 60)],
            receivers=[(bank.staff, 60)],
        )
    with pytest.raises(ApplicationError, match="must be equal"):
        services.exchange_record_group(
            actor=world.coordinator,
            hub=world.hub,
            title="x",
            givers=[(bank.member, 60)],
            receivers=[(bank.health_centre, 50)],
        )


def test_help_that_needs_a_check_goes_only_to_checked_helpers(world, bank):
    request = services.listing_create(
        actor=world.member,
        account=bank.member,
        kind=ListingKind.REQUEST,
        title="Home visit",
        needs_check=True,
    )
    with pytest.raises(ApplicationError, match="safeguarding check"):
        services.exchange_propose(actor=world.staff, listing=request)
    from coproduce.hubs import services as hub_services

    today = timezone.localdate()
    hub_services.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=world.staff,
        check_type="dbs_enhanced",
        reference="DBS1",
        issued_on=today - datetime.timedelta(days=10),
        expires_on=today + datetime.timedelta(days=300),
    )
    assert services.exchange_propose(actor=world.staff, listing=request).pk


def test_the_scheduled_command_confirms_what_is_due(world, bank, offer):
    exchange = agreed_exchange(world, offer)
    services.exchange_log_done(actor=world.member, exchange=exchange, minutes=45)
    Exchange.objects.filter(pk=exchange.pk).update(
        confirm_by=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = io.StringIO()
    call_command("timebank", "confirm-due", stdout=out)
    assert out.getvalue().strip() == "Confirmed 1 exchange nobody answered in time."
    assert balance(bank.member) == 45
    call_command("timebank", "confirm-due", stdout=out)
    assert "Confirmed 0 exchanges" in out.getvalue()
