"""Time-bank accounts for the shared personas."""

from dataclasses import dataclass

import pytest

from coproduce.hubs.models import Membership
from coproduce.timebank import services
from coproduce.timebank.ledger import policy_for
from coproduce.timebank.models import Account


@dataclass
class Bank:
    member: Account
    staff: Account
    coordinator: Account
    assisted: Account
    health_centre: Account
    chest: Account
    other_hub_member: Account


def account(world, person, hub=None):
    return services.account_for_membership(
        Membership.objects.get(hub=hub or world.hub, person=person)
    )


@pytest.fixture
def bank(world) -> Bank:
    policy = policy_for(world.hub)
    policy.floor_minutes, policy.ceiling_minutes = -600, 6000
    policy.save()
    return Bank(
        member=account(world, world.member),
        staff=account(world, world.staff),
        coordinator=account(world, world.coordinator),
        assisted=account(world, world.assisted),
        health_centre=services.account_for_organisation(world.hub.host),
        chest=services.chest_of(world.hub),
        other_hub_member=account(world, world.outsider, world.other_hub),
    )
