"""A small hub whose insight figures are counted by hand in the tests (test_metrics_*).

Dates are relative to today, so the tests pass on any day: the period is the 60 days
ending today."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from coproduce.hubs.models import ConsentRecord, Membership, Neighbourhood
from coproduce.insight.models import AreaKind, AreaStat
from coproduce.referrals.models import Referral
from coproduce.timebank.ledger import Leg, post_transfer, reverse_transfer


@dataclass
class Period:
    start: datetime.date
    end: datetime.date


def days_ago(days: int, hour: int = 12) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())


def exchange(world, giver, taker, minutes, days, hub=None, kind="exchange"):
    hub = hub or world.hub
    return post_transfer(
        hub=hub,
        kind=kind,
        legs=[Leg(giver, -minutes), Leg(taker, minutes)],
        idempotency_key=f"t-{giver.pk}-{taker.pk}-{minutes}-{days}-{kind}",
        actor=world.coordinator,
        created_at=days_ago(days),
    )


def build_small_world(world, bank) -> Period:
    """What the tests count by hand:

    - members of the time bank: admin, coordinator, staff, member, assisted (5); all but
      the assisted person joined 200 days ago;
    - member lives in district MB1 (decile 2, population 1,000); coordinator in the hub's
      neighbourhood Hillside (decile 8, population 3,000); the others' areas unknown;
    - in the period: member gives coordinator 60 min (10 days ago), coordinator gives
      member 45 (20 days ago), the health centre gives member 100 (3 days ago), the chest
      grants the assisted person 45 (5 days ago); member gives staff 40 (7 days ago) but
      it is reversed; staff gave assisted 120 long before (100 days ago);
    - two referrals of the assisted person in the period, one matched after two days;
    - in the other hub, an exchange that must never count here."""
    Membership.objects.filter(hub=world.hub).exclude(person=world.assisted).update(
        joined_at=days_ago(200)
    )
    AreaStat.objects.create(
        kind=AreaKind.DISTRICT, code="MB1", deprivation_decile=2, population=1000, source="test"
    )
    hillside = Neighbourhood.objects.create(
        hub=world.hub, name="Hillside", deprivation_decile=8, population=3000
    )
    Membership.objects.filter(hub=world.hub, person=world.coordinator).update(
        neighbourhood=hillside
    )
    exchange(world, bank.member, bank.coordinator, 60, 10)
    exchange(world, bank.coordinator, bank.member, 45, 20)
    exchange(world, bank.health_centre, bank.member, 100, 3)
    exchange(world, bank.staff, bank.chest, 45, 50, kind="donation")  # not an exchange
    exchange(world, bank.chest, bank.assisted, 45, 5, kind="grant")
    reversed_one = exchange(world, bank.member, bank.staff, 40, 7)
    reverse_transfer(transfer=reversed_one, actor=world.coordinator, reason="Entered twice")
    exchange(world, bank.staff, bank.assisted, 120, 100)
    consent = ConsentRecord.objects.create(
        person=world.assisted, hub=world.hub, purpose="Referral", given=True, method="phone"
    )
    for days, matched in ((30, 2), (15, None)):
        Referral.objects.create(
            hub=world.hub,
            person=world.assisted,
            referred_by=world.staff,
            consent=consent,
            description="Help with shopping",
            created_at=days_ago(days),
            matched_at=days_ago(days - matched) if matched else None,
        )
    other = bank.other_hub_member
    other_coordinator = Membership.objects.get(hub=world.other_hub, person=world.other_coordinator)
    from coproduce.timebank.services.accounts import account_for_membership

    exchange(world, other, account_for_membership(other_coordinator), 500, 4, hub=world.other_hub)
    today = timezone.localdate()
    return Period(today - datetime.timedelta(days=59), today)
