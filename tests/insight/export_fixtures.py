"""A member with records across the product, and other people's names planted around
them, for the tests of "Download my data"."""

from dataclasses import dataclass

import pytest

from coproduce.hubs.models import ConsentMethod, ConsentRecord, Person
from coproduce.referrals.models import Referral
from coproduce.timebank import services as timebank

FORMULA = '=HYPERLINK("http://bad.example","Click")'


@dataclass
class Rich:
    person: Person
    exchange_title: str
    message: str
    referral: Referral


@pytest.fixture
def rich(world, bank) -> Rich:
    """Sam Member gave and received time, wrote a message that looks like a formula, was
    referred by a named member of staff; other people wrote around them."""
    exchange = timebank.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.staff,
        receiver=bank.member,
        title=FORMULA,
        minutes=90,
    )
    timebank.exchange_confirm(actor=world.staff, exchange=exchange)
    given = timebank.exchange_record(
        actor=world.member,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.assisted,
        title="Shopping for Ron",
        minutes=45,
    )
    timebank.exchange_confirm(actor=world.coordinator, exchange=given)
    message = "-2+3 thanks for the lift"
    timebank.exchange_message_send(actor=world.member, exchange=exchange, text=message)
    timebank.exchange_message_send(
        actor=world.staff, exchange=exchange, text="Private words from Amir's own pen"
    )
    consent = ConsentRecord.objects.create(
        person=world.member,
        hub=world.hub,
        purpose="To be referred for help",
        given=True,
        method=ConsentMethod.PHONE,
        recorded_by=world.staff,
    )
    referral = Referral.objects.create(
        hub=world.hub,
        person=world.member,
        referred_by=world.staff,
        consent=consent,
        description="Lifts to the clinic on Tuesdays",
    )
    return Rich(world.member, FORMULA, message, referral)
