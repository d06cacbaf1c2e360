"""The events that tell someone: an exchange agreed, called off or confirmed; help started
on a referral; being put on a rota by someone else."""

import pytest

from coproduce.notify.models import Kind, Notification
from coproduce.timebank import services as timebank
from coproduce.timebank.models import ListingKind

pytestmark = pytest.mark.django_db


def told(person, kind):
    return list(
        Notification.objects.filter(recipient=person, kind=kind).values_list("subject", flat=True)
    )


def proposed(world, bank):
    listing = timebank.listing_create(
        actor=world.member, account=bank.member, kind=ListingKind.OFFER, title="Help in the garden"
    )
    return timebank.exchange_propose(actor=world.staff, listing=listing)


def test_the_proposer_is_told_when_their_proposal_is_agreed_and_hours_confirmed(world, bank):
    exchange = proposed(world, bank)
    timebank.exchange_agree(actor=world.member, exchange=exchange)
    assert told(world.staff, Kind.EXCHANGE) == ["Help in the garden: agreed"]
    assert told(world.member, Kind.EXCHANGE) == []  # not about their own doing
    timebank.exchange_log_done(actor=world.member, exchange=exchange, minutes=90)
    assert told(world.staff, Kind.CONFIRM) == ["Please confirm 1 h 30 min: Help in the garden"]
    timebank.exchange_confirm(actor=world.staff, exchange=exchange)
    assert told(world.member, Kind.EXCHANGE) == ["Help in the garden: hours confirmed"]


def test_the_other_side_is_told_when_an_exchange_is_called_off(world, bank):
    exchange = proposed(world, bank)
    timebank.exchange_cancel(actor=world.staff, exchange=exchange, reason="Rain")
    assert told(world.member, Kind.EXCHANGE) == ["Help in the garden: called off"]


def test_hours_confirmed_automatically_tell_both_sides(world, bank):
    import datetime

    from django.utils import timezone

    exchange = proposed(world, bank)
    timebank.exchange_agree(actor=world.member, exchange=exchange)
    timebank.exchange_log_done(actor=world.member, exchange=exchange, minutes=60)
    later = timezone.now() + datetime.timedelta(days=60)
    assert timebank.exchanges_auto_confirm(now=later) == 1
    for person in (world.member, world.staff):
        assert "Help in the garden: hours confirmed" in told(person, Kind.EXCHANGE)
