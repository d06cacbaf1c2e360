"""A person's membership of a hub is looked up once per request, and never stale: a
request that changes memberships reads the new state afterwards."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.hubs import access, services
from coproduce.hubs.models import ApiToken, Membership, Role
from coproduce.timebank import services as timebank
from tests.conftest import account, make_person

MEMBERSHIP = 'FROM "hubs_membership"'


def lookups(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if MEMBERSHIP in q["sql"]]


def test_outside_a_request_each_lookup_asks_the_database(world):
    with CaptureQueriesContext(connection) as queries:
        access.membership_of(world.staff, world.hub)
        access.membership_of(world.staff, world.hub)
    assert len(lookups(queries)) == 2


def test_within_a_request_the_same_lookup_is_made_once(world):
    with access.memberships_kept(), CaptureQueriesContext(connection) as queries:
        first = access.require_staff(world.staff, world.hub)
        assert access.is_staff(world.staff, world.hub)
        assert access.membership_of(world.staff, world.hub) is first
        assert access.membership_of(world.member, world.hub).role == Role.MEMBER
        assert access.membership_of(world.outsider, world.hub) is None
        assert access.membership_of(world.outsider, world.hub) is None
    assert len(lookups(queries)) == 3  # Dr Amir, Sam and Jean, once each


def test_a_role_changed_within_the_request_is_read_afresh(world):
    with access.memberships_kept():
        assert not access.is_coordinator(world.member, world.hub)
        services.membership_change_role(
            actor=world.coordinator,
            membership=Membership.objects.get(person=world.member, hub=world.hub),
            role=Role.COORDINATOR,
        )
        assert access.is_coordinator(world.member, world.hub)


def test_a_membership_ended_or_added_within_the_request_is_read_afresh(world):
    with access.memberships_kept():
        access.require_member(world.member, world.hub)
        services.membership_end(
            actor=world.member,
            membership=Membership.objects.get(person=world.member, hub=world.hub),
        )
        with pytest.raises(PermissionDenied):
            access.require_member(world.member, world.hub)
        newcomer = make_person("new@example.org", "New Comer")
        assert access.membership_of(newcomer, world.hub) is None
        services.membership_add(actor=world.coordinator, hub=world.hub, person=newcomer)
        assert access.membership_of(newcomer, world.hub) is not None


def test_nothing_is_kept_once_the_request_is_over(world):
    with access.memberships_kept():
        access.membership_of(world.staff, world.hub)
    Membership.objects.filter(person=world.staff, hub=world.hub).update(is_active=False)
    with access.memberships_kept():
        assert access.membership_of(world.staff, world.hub) is None


def test_a_page_and_the_service_it_calls_share_one_lookup(world, bank, client_for):
    exchange = timebank.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.staff,
        title="Shopping",
        minutes=60,
    )
    client = client_for(world.staff)
    url = reverse("exchange-action", args=[world.hub.slug, exchange.pk, "confirm"])
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url).status_code == 302
    assert len(lookups(queries)) == 1, lookups(queries)


def _group_transfer(world, bank, people: int):
    givers = []
    for i in range(people):
        person = make_person(f"giver{people}-{i}@example.org", f"Giver {i}")
        services.membership_add(actor=world.coordinator, hub=world.hub, person=person)
        givers.append((account(world, person), 30))
    exchange = timebank.exchange_record_group(
        actor=world.staff,
        hub=world.hub,
        title=f"Workshop for {people}",
        givers=givers,
        receivers=[(bank.health_centre, 30 * people)],
    )
    return exchange.transfer_id


def test_a_transfer_in_the_api_costs_the_same_however_many_entries(world, bank, client):
    _token, secret = services.api_token_create(person=world.coordinator, hub=world.hub)
    auth = {"Authorization": f"Bearer {secret}"}
    counted = []
    for people in (1, 8):
        transfer_id = _group_transfer(world, bank, people)
        ApiToken.objects.update(last_used_at=timezone.now())  # noted at most once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/transfers/{transfer_id}", headers=auth)
        assert response.status_code == 200
        assert len(response.json()["entries"]) == people + 1
        assert len(lookups(queries)) == 1, lookups(queries)
        counted.append(len(queries.captured_queries))
    assert counted[0] == counted[1], counted
