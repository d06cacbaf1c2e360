"""The demo's former member (issue 18, point 11): Derek joined Millbrook, gave and
received hours, then deleted his account. His hours still add up (`coproduce ledger
verify` passes; the hub's ledger shows "Former member XXXX"), and his name is nowhere:
the thank-you note that named him now names his pseudonym.

Called once, at the end of demo/data.py's `_load`. Safe to run again: once Millbrook has
a former member, nothing more is done.
"""

import datetime
import random

from coproduce.hubs import services as hub_services
from coproduce.hubs.models import Hub, Membership, Person
from coproduce.insight.models import FormerMember
from coproduce.insight.services import erasure
from coproduce.timebank import services as timebank

NAME, EMAIL = "Derek Hollis", "derek.hollis@millbrook.example"
PARTNERS = ("irene.8@millbrook.example", "rosa.16@millbrook.example")
# (days ago, Derek gives?, partner, title, minutes)
EXCHANGES = [
    (150, True, 0, "Putting up shelves", 120),
    (120, False, 1, "A lift to the hospital", 60),
    (95, True, 1, "Fixing a bike", 90),
    (70, False, 0, "Help with a benefits form", 45),
]
JOINED, ERASED = 170, 40


def load(hub: Hub, coordinator: Person, clock) -> None:
    if FormerMember.objects.filter(hub=hub).exists():
        return
    clock.ago(JOINED, 10)
    derek = hub_services.person_register(email=EMAIL, display_name=NAME, password=None)
    hub_services.membership_add(actor=coordinator, hub=hub, person=derek)
    hub_services.profile_update(
        actor=derek,
        person=derek,
        changes={"phone": "01632 960 777", "assets": ["DIY", "bikes"], "postcode_district": "MB2"},
    )
    mine = timebank.account_for_membership(Membership.objects.get(hub=hub, person=derek))
    partners = [
        Membership.objects.select_related("person").get(hub=hub, person__email=email)
        for email in PARTNERS
    ]
    last = None
    for days_ago, gives, which, title, minutes in EXCHANGES:
        clock.ago(days_ago, 14)
        theirs = timebank.account_for_membership(partners[which])
        last = timebank.exchange_record_settled(
            actor=coordinator,
            hub=hub,
            giver=mine if gives else theirs,
            receiver=theirs if gives else mine,
            title=title,
            minutes=minutes,
            done_on=clock.now.date() - datetime.timedelta(days=1),
        )
    clock.ago(EXCHANGES[-1][0] - 1, 18)
    timebank.exchange_message_send(
        actor=partners[EXCHANGES[-1][2]].person,
        exchange=last,
        text=f"Thank you {NAME}, the form went in on time.",
    )
    clock.ago(ERASED, 11)
    erasure.person_erase(
        actor=derek, person=derek, route="self", how_asked="", draw=random.Random(18).choice
    )
