"""Cancelling and correcting exchanges: parties cancel until hours are logged; logged or
disputed hours go to a coordinator; confirmed hours are corrected only by a coordinator
reversing the transfer, with a reason, once, and never past an empty chest."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.timebank import access, ledger, services
from coproduce.timebank.models import (
    Account,
    Exchange,
    ExchangeStatus,
    ListingKind,
    Transfer,
    TransferKind,
)


def balance(account):
    return Account.objects.get(pk=account.pk).balance_minutes


@pytest.fixture
def offer(world, bank):
    return services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Help in the garden"
    )


def exchange_in(world, offer, status):
    exchange = _exchange_in(world, offer, status)
    return Exchange.objects.get(pk=exchange.pk)


def _exchange_in(world, offer, status):
    exchange = services.exchange_propose(actor=world.staff, listing=offer)
    if status == ExchangeStatus.PROPOSED:
        return exchange
    services.exchange_agree(actor=world.member, exchange=exchange)
    if status == ExchangeStatus.AGREED:
        return exchange
    services.exchange_log_done(actor=world.member, exchange=exchange, minutes=90)
    if status == ExchangeStatus.DONE:
        return exchange
    if status == ExchangeStatus.DISPUTED:
        return services.exchange_dispute(actor=world.staff, exchange=exchange, reason="One hour")
    return services.exchange_confirm(actor=world.staff, exchange=exchange)


@pytest.mark.parametrize("status", [ExchangeStatus.PROPOSED, ExchangeStatus.AGREED])
@pytest.mark.parametrize("who", ["member", "staff", "coordinator"])
def test_parties_and_coordinators_cancel_before_hours_are_logged(world, offer, status, who):
    exchange = exchange_in(world, offer, status)
    cancelled = services.exchange_cancel(actor=getattr(world, who), exchange=exchange, reason="Ill")
    assert cancelled.status == ExchangeStatus.CANCELLED
    event = AuditEvent.objects.filter(subject_type="exchange", subject_id=exchange.pk).first()
    assert event.event == "exchange.cancelled"
    assert event.new["reason"] == "Ill"


@pytest.mark.parametrize("status", [ExchangeStatus.DONE, ExchangeStatus.DISPUTED])
def test_logged_or_disputed_hours_are_settled_by_a_coordinator_not_cancelled_by_a_party(
    world, offer, status
):
    exchange = exchange_in(world, offer, status)
    for party in (world.member, world.staff):
        with pytest.raises(PermissionDenied, match="coordinator"):
            services.exchange_cancel(actor=party, exchange=exchange)
        assert not access.rights_on_exchange(party, exchange).cancel
    exchange.refresh_from_db()
    assert exchange.status == status
    assert access.rights_on_exchange(world.coordinator, exchange).cancel
    assert services.exchange_cancel(actor=world.coordinator, exchange=exchange).status == (
        ExchangeStatus.CANCELLED
    )


def test_a_done_exchange_cannot_be_cancelled_through_the_api_by_a_party(world, offer, client):
    from coproduce.hubs import services as hubs

    exchange = exchange_in(world, offer, ExchangeStatus.DONE)
    _token, secret = hubs.api_token_create(person=world.staff, hub=world.hub)
    response = client.post(
        f"/api/v1/exchanges/{exchange.pk}/cancel",
        {"reason": "changed my mind"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 403
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.DONE


def test_confirmed_and_cancelled_exchanges_cannot_be_cancelled(world, offer):
    confirmed = exchange_in(world, offer, ExchangeStatus.CONFIRMED)
    with pytest.raises(ApplicationError, match="corrected by a coordinator"):
        services.exchange_cancel(actor=world.coordinator, exchange=confirmed)
    proposed = services.exchange_propose(actor=world.staff, listing=offer)
    services.exchange_cancel(actor=world.member, exchange=proposed)
    with pytest.raises(ApplicationError):
        services.exchange_cancel(actor=world.member, exchange=proposed)


def test_outsiders_cannot_cancel(world, offer):
    exchange = exchange_in(world, offer, ExchangeStatus.PROPOSED)
    for person in (world.outsider, world.other_coordinator, world.assisted):
        with pytest.raises(PermissionDenied):
            services.exchange_cancel(actor=person, exchange=exchange)


def test_a_coordinator_reverses_confirmed_hours_once_with_a_reason(world, bank, offer):
    exchange = exchange_in(world, offer, ExchangeStatus.CONFIRMED)
    assert (balance(bank.member), balance(bank.staff)) == (90, -90)
    for person in (world.member, world.staff, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.exchange_reverse(actor=person, exchange=exchange, reason="Typo")
    with pytest.raises(ApplicationError) as error:
        services.exchange_reverse(actor=world.coordinator, exchange=exchange, reason="  ")
    assert error.value.field == "reason"
    reversal = services.exchange_reverse(
        actor=world.coordinator, exchange=exchange, reason="Logged twice"
    )
    assert reversal.kind == TransferKind.REVERSAL
    assert reversal.reverses_id == exchange.transfer_id
    assert (balance(bank.member), balance(bank.staff)) == (0, 0)
    event = AuditEvent.objects.get(event="transfer.reversed")
    assert event.actor == world.coordinator
    assert event.new["reason"] == "Logged twice"
    assert not access.rights_on_exchange(world.coordinator, exchange).reverse
    with pytest.raises(ApplicationError, match="already been reversed"):
        services.exchange_reverse(actor=world.coordinator, exchange=exchange, reason="Again")
    assert ledger.verify(world.hub).ok


def test_a_reversal_never_empties_the_chest(world, bank):
    donation = services.chest_donate(actor=world.member, account=bank.member, minutes=60)
    services.chest_grant(actor=world.coordinator, account=bank.assisted, minutes=60, reason="Lifts")
    with pytest.raises(ApplicationError, match="chest"):
        services.transfer_reverse(actor=world.coordinator, transfer=donation, reason="Mistake")
    assert balance(bank.chest) == 0
    assert not Transfer.objects.filter(kind=TransferKind.REVERSAL).exists()


def test_the_reverse_button_is_for_coordinators_on_confirmed_exchanges(world, offer, client_for):
    exchange = exchange_in(world, offer, ExchangeStatus.CONFIRMED)
    page = reverse("exchange-detail", args=[world.hub.slug, exchange.pk])
    assert "Reverse the hours" not in client_for(world.member).get(page).text
    client = client_for(world.coordinator)
    assert "Reverse the hours" in client.get(page).text
    url = reverse("exchange-reverse", args=[world.hub.slug, exchange.pk])
    response = client.post(url, {"reverse-reason": ""})
    assert response.status_code == 400
    assert not Transfer.objects.filter(kind=TransferKind.REVERSAL).exists()
    response = client.post(url, {"reverse-reason": "Logged twice"})
    assert response.status_code == 302
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL, reverses=exchange.transfer).exists()
    assert "Reversed on" in client.get(page).text
    # The same form sent again (a retry) changes nothing more.
    client.post(url, {"reverse-reason": "Logged twice"})
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1


def test_the_api_reverses_a_transfer_for_coordinators_only(world, offer, client):
    from coproduce.hubs import services as hubs

    exchange = exchange_in(world, offer, ExchangeStatus.CONFIRMED)
    url = f"/api/v1/transfers/{exchange.transfer_id}/reverse"
    for person, status in ((world.member, 403), (world.coordinator, 201)):
        _token, secret = hubs.api_token_create(person=person, hub=world.hub)
        response = client.post(
            url,
            {"reason": "Logged twice"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == status, response.content
    assert response.json()["kind"] == "reversal"
    _token, secret = hubs.api_token_create(person=world.other_coordinator, hub=world.other_hub)
    response = client.post(
        url,
        {"reason": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 404


def test_nobody_reverses_hours_in_their_own_favour(world, bank):
    """Grace received help and paid an hour: reversing it would give her the hour back.
    Another coordinator (or the admin) makes that correction."""
    listing = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Lift"
    )
    exchange = services.exchange_propose(actor=world.coordinator, listing=listing)
    services.exchange_agree(actor=world.member, exchange=exchange)
    services.exchange_log_done(actor=world.member, exchange=exchange, minutes=60)
    exchange = services.exchange_confirm(actor=world.coordinator, exchange=exchange)
    assert balance(bank.coordinator) == -60
    assert not access.rights_on_exchange(world.coordinator, exchange).reverse
    with pytest.raises(PermissionDenied, match="another coordinator"):
        services.exchange_reverse(actor=world.coordinator, exchange=exchange, reason="Oops")
    with pytest.raises(PermissionDenied, match="another coordinator"):
        services.transfer_reverse(
            actor=world.coordinator, transfer=exchange.transfer, reason="Oops"
        )
    assert balance(bank.coordinator) == -60
    assert access.rights_on_exchange(world.admin, exchange).reverse
    services.exchange_reverse(actor=world.admin, exchange=exchange, reason="Logged twice")
    assert (balance(bank.coordinator), balance(bank.member)) == (0, 0)


def test_staff_of_the_organisation_that_listed_may_answer_its_listing(world, bank, client_for):
    listing = services.listing_create(
        actor=world.coordinator,
        account=bank.health_centre,
        kind=ListingKind.REQUEST,
        title="Greeters for the flu clinic",
    )
    page = client_for(world.staff).get(reverse("listing-detail", args=[world.hub.slug, listing.pk]))
    assert "Offer to help" in page.text
    exchange = services.exchange_propose(actor=world.staff, listing=listing)
    assert exchange.status == ExchangeStatus.PROPOSED
    own = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Gardening"
    )
    page = client_for(world.member).get(reverse("listing-detail", args=[world.hub.slug, own.pk]))
    assert "Ask for this help" not in page.text
