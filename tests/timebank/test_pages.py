"""Time-bank pages: who can open them, and the flow through real forms."""

import csv
import io

import pytest
from django.urls import reverse

from coproduce.timebank import services
from coproduce.timebank.models import Account, Exchange, ExchangeStatus, ListingKind

PERSONAS = ["anonymous", "member", "staff", "coordinator", "outsider"]
MEMBERS = {"anonymous": 302, "member": 200, "staff": 200, "coordinator": 200, "outsider": 403}
COORDINATORS = {**MEMBERS, "member": 403, "staff": 403}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("timebank", MEMBERS),
        ("listing-new", MEMBERS),
        ("exchange-record", MEMBERS),
        ("statement", MEMBERS),
        ("hub-ledger", COORDINATORS),
    ],
)
def test_who_can_open_each_time_bank_page(world, bank, client_for, persona, name, expected):
    response = client_for(world.persona(persona)).get(reverse(name, args=[world.hub.slug]))
    assert response.status_code == expected[persona]


def test_an_exchange_is_private_to_its_parties_and_coordinators(world, bank, client_for):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="Shopping",
        minutes=60,
    )
    url = reverse("exchange-detail", args=[world.hub.slug, exchange.pk])
    assert client_for(world.staff).get(url).status_code == 200
    assert client_for(world.coordinator).get(url).status_code == 200
    assert client_for(world.assisted).get(url).status_code in (302, 404)
    assert client_for(world.outsider).get(url).status_code == 403
    other_hub_url = reverse("exchange-detail", args=[world.other_hub.slug, exchange.pk])
    assert client_for(world.outsider).get(other_hub_url).status_code == 404


def test_offer_ask_agree_log_confirm_through_the_pages(world, bank, client_for):
    member = client_for(world.member)
    response = member.post(
        reverse("listing-new", args=[world.hub.slug]), {"kind": "offer", "title": "Dog walking"}
    )
    assert response.status_code == 302
    listing = bank.member.listings.get()
    staff = client_for(world.staff)
    response = staff.post(reverse("listing-detail", args=[world.hub.slug, listing.pk]))
    exchange = Exchange.objects.get(listing=listing)
    member = client_for(world.member)
    member.post(reverse("exchange-action", args=[world.hub.slug, exchange.pk, "agree"]))
    response = member.post(
        reverse("exchange-action", args=[world.hub.slug, exchange.pk, "log"]),
        {"hours": "1", "minutes": "30"},
    )
    assert response.status_code == 302
    client_for(world.staff).post(
        reverse("exchange-action", args=[world.hub.slug, exchange.pk, "confirm"])
    )
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CONFIRMED
    assert Account.objects.get(pk=bank.member.pk).balance_minutes == 90
    assert Account.objects.get(pk=bank.staff.pk).balance_minutes == -90


def test_zero_hours_are_refused_next_to_the_field(world, bank, client_for):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="x",
        minutes=30,
    )
    listing = services.listing_create(
        actor=world.staff, account=bank.staff, kind=ListingKind.REQUEST, title="Lift"
    )
    exchange = services.exchange_propose(actor=world.member, listing=listing)
    services.exchange_agree(actor=world.staff, exchange=exchange)
    response = client_for(world.member).post(
        reverse("exchange-action", args=[world.hub.slug, exchange.pk, "log"]),
        {"hours": "0", "minutes": "0"},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.AGREED


def test_a_statement_downloads_as_csv(world, bank, client_for):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="=cmd()",
        minutes=45,
    )
    services.exchange_confirm(actor=world.staff, exchange=exchange)
    response = client_for(world.member).get(
        reverse("statement", args=[world.hub.slug]), {"format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["date", "transfer", "kind", "description", "minutes", "hours"]
    assert rows[1][2:] == ["exchange", "'=cmd()", "45", "0.75"]


def test_the_hub_ledger_csv_balances_to_zero(world, bank, client_for):
    exchange = services.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="Help",
        minutes=45,
    )
    services.exchange_confirm(actor=world.staff, exchange=exchange)
    response = client_for(world.coordinator).get(
        reverse("hub-ledger", args=[world.hub.slug]), {"format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and sum(int(r["minutes"]) for r in rows) == 0


def test_listings_search_and_filter(world, bank, client_for):
    services.listing_create(
        actor=world.member,
        account=bank.member,
        kind="offer",
        title="Gardening help",
        description="Weeding and pruning",
    )
    services.listing_create(
        actor=world.staff, account=bank.staff, kind="request", title="Lifts to clinic"
    )
    client = client_for(world.coordinator)
    page = client.get(reverse("timebank", args=[world.hub.slug]), {"q": "pruning"})
    assert [listing.title for listing in page.context["listings"]] == ["Gardening help"]
    page = client.get(reverse("timebank", args=[world.hub.slug]), {"kind": "request"})
    assert [listing.title for listing in page.context["listings"]] == ["Lifts to clinic"]
