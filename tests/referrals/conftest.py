import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from coproduce.hubs import services as hubs
from coproduce.hubs.models import CheckType, ConsentMethod, Person
from coproduce.referrals import services
from coproduce.referrals.models import ProjectKind, Referral
from coproduce.timebank import services as timebank
from tests.conftest import make_person


def consent(**changes) -> services.Consent:
    values = {
        "given": True,
        "given_by": "The person themselves",
        "method": ConsentMethod.IN_PERSON,
        "given_on": timezone.localdate(),
        "purpose": "To be referred to the time bank and rung by a volunteer",
    }
    return services.Consent(**{**values, **changes})


@dataclass
class Scene:
    volunteer: Person  # checked, gives phone calls
    unchecked: Person  # gives phone calls, no check
    phone_calls: object
    referral: Referral


def refer_molly(world, **changes) -> Referral:
    values = {
        "actor": world.staff,
        "hub": world.hub,
        "new_person": {"display_name": "Molly Jenkins", "phone": "01632 960 555"},
        "consent": consent(),
        "category": changes.pop("category", None),
        "description": "Widowed in March, housebound after a fall, low mood.",
        "urgency": "soon",
        "preferred_times": ["tue-am", "thu-am"],
        "postcode_district": "MB2",
        "needs_check": True,
    }
    return services.referral_create(**{**values, **changes})


@pytest.fixture
def scene(world, bank) -> Scene:
    phone_calls = timebank.category_create(
        actor=world.coordinator, hub=world.hub, name="Phone calls"
    )
    volunteer = make_person("vera@example.org", "Vera Volunteer")
    unchecked = make_person("uma@example.org", "Uma Unchecked")
    for person in (volunteer, unchecked):
        hubs.membership_add(actor=world.admin, hub=world.hub, person=person)
        hubs.profile_update(
            actor=person,
            person=person,
            changes={
                "assets": ["friendly phone calls"],
                "availability": ["tue-am"],
                "postcode_district": "MB2",
            },
        )
    today = timezone.localdate()
    hubs.safeguarding_check_add(
        actor=world.coordinator,
        hub=world.hub,
        person=volunteer,
        check_type=CheckType.DBS_ENHANCED,
        reference="DBS123",
        issued_on=today - datetime.timedelta(days=100),
        expires_on=today + datetime.timedelta(days=900),
    )
    referral = refer_molly(world, category=phone_calls)
    return Scene(volunteer, unchecked, phone_calls, referral)


def triage(world, referral, **changes):
    values = {
        "actor": world.coordinator,
        "referral": referral,
        "shared_note": "Molly would love a weekly chat. She is hard of hearing: speak up.",
        "assets": ["knitting", "stories of old Millbrook"],
        "needs_check": True,
    }
    return services.referral_triage(**{**values, **changes})


def friend_on_the_phone(world, **changes):
    values = {
        "actor": world.coordinator,
        "hub": world.hub,
        "name": "Friend on the phone",
        "kind": ProjectKind.PHONE_FRIEND,
        "lead": world.coordinator,
        "roles": ["caller"],
        "organisation": world.hub.host,
        "training": "Listening well (one hour)",
    }
    return services.project_create(**{**values, **changes})
