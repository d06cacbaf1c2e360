"""Query budgets for the busiest actions: a regression here is a page that got slower."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.timebank import services
from coproduce.timebank.models import ExchangeStatus, ListingKind


def logged_exchange(world, bank):
    offer = services.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Help in the garden"
    )
    exchange = services.exchange_propose(actor=world.staff, listing=offer)
    services.exchange_agree(actor=world.member, exchange=exchange)
    return services.exchange_log_done(actor=world.member, exchange=exchange, minutes=90)


def test_confirming_an_exchange_from_its_page_stays_within_its_query_budget(
    world, bank, client_for
):
    exchange = logged_exchange(world, bank)
    client = client_for(world.staff)
    url = reverse("exchange-action", args=[world.hub.slug, exchange.pk, "confirm"])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url)
    assert response.status_code == 302
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CONFIRMED
    statements = [q["sql"] for q in queries.captured_queries]
    print(f"confirming an exchange: {len(statements)} queries")
    membership_lookups = [s for s in statements if 'FROM "hubs_membership"' in s]
    print(f"membership lookups: {len(membership_lookups)}")
    # 31 queries and 5 membership lookups before the access module; 24 and 2 after
    # (one in the view, one in the service, which may be called without a view); 25 with
    # four eyes (settling withdraws any request for a second coordinator: one UPDATE); 27
    # now the other side is told (their choice for that kind, and the notification); 31
    # with the ledger's kept counts (the members' rows read, written, made; the hub's rows
    # made if new and moved in one UPDATE), however long the ledger. One membership lookup
    # since it is kept for the request (the view and the service share it).
    assert len(membership_lookups) == 1
    assert len(statements) <= 30
