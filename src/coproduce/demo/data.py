"""The demo's story: a GP-practice time bank and a housing co-design hub.

Millbrook Health Centre hosts a time bank in which patients, neighbours and staff swap
hours; GPs there refer lonely and housebound patients. Northfield Estate is a housing
hub where tenants and housing officers plan repairs and improvements together.

Everything is created through the services, so the audit log tells the same story, and
loading twice changes nothing: each step looks for what it would create first.
"""

import datetime
import random

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import transaction
from django.utils import timezone

from coproduce.deliberation.models import Vote
from coproduce.demo import deliberation as deliberation_story
from coproduce.demo import insight_areas, insight_erased
from coproduce.demo import insight_health as insight_health_story
from coproduce.demo import involve as involve_story
from coproduce.demo import pledges as pledges_story
from coproduce.demo import referrals as referrals_story
from coproduce.demo import space as space_story
from coproduce.demo import timebank as timebank_story
from coproduce.demo.clock import story_time
from coproduce.hubs import services
from coproduce.hubs.models import (
    CheckType,
    ConsentMethod,
    Hub,
    JoinRequest,
    Membership,
    Neighbourhood,
    Organisation,
    OrganisationKind,
    Person,
    Role,
)
from coproduce.involve.models import Opportunity
from coproduce.pledges.models import Pledge, Report
from coproduce.referrals.models import Escalation, Referral, Slot
from coproduce.timebank.models import Transfer

DEMO_PASSWORD = "coproduce-demo"
OPERATOR_EMAIL = "operator@coproduce.example"

HUBS = {
    "millbrook": {
        "name": "Millbrook Health Centre Time Bank",
        "purpose": "Patients, neighbours and staff of Millbrook Health Centre swap help by "
        "the hour: an hour given earns an hour, and every hour is equal. Our GPs refer "
        "people who are lonely, bereaved or stuck at home, and members ring, visit and "
        "help them, and are asked what they can give in return.",
        "code_of_conduct": "Be kind and be reliable. Keep what you learn about each other "
        "private. If you cannot make it, tell the person and the coordinator early.",
        "organisations": [
            (
                "Millbrook Health Centre",
                OrganisationKind.GP_PRACTICE,
                True,
                "The GP practice that hosts the time bank and gives and receives hours.",
            ),
            (
                "Millbrook Primary School",
                OrganisationKind.SCHOOL,
                False,
                "Pupils run a buddy bench; parents give reading time.",
            ),
            (
                "Millbrook Library",
                OrganisationKind.COUNCIL,
                False,
                "Lends its community room for coffee mornings and classes.",
            ),
        ],
        "areas": [],
        "districts": ["MB1", "MB2", "MB3", "MB4"],
    },
    "northfield": {
        "name": "Northfield Estate",
        "purpose": "Tenants and the housing office plan and improve the Northfield estate "
        "together: repairs, rubbish and bins, green spaces and safety. We agree what we "
        "each promise, and check that the promises are kept.",
        "code_of_conduct": "Say what you think and listen to what others think. Talk "
        "about the problem, not the person. Staff and tenants have an equal voice here.",
        "organisations": [
            (
                "Northfield Housing Office",
                OrganisationKind.HOUSING,
                True,
                "The council's housing team for the estate: repairs, caretaking, tenancy.",
            ),
            (
                "Northfield Tenants' and Residents' Association",
                OrganisationKind.CHARITY,
                False,
                "Elected by tenants; meets monthly in the community hall.",
            ),
            (
                "Northfield Youth Club",
                OrganisationKind.CHARITY,
                False,
                "Evenings and holidays for young people on the estate.",
            ),
        ],
        "areas": ["Ash Court", "Beech House", "Cedar Walk", "Oak Tower"],
        "districts": ["NF1", "NF2"],
    },
}

# Personas people sign in as: (email, name, {hub: (role, organisation or None)}).
PERSONAS = [
    (
        "helen@millbrook.example",
        "Helen Brooks",
        {"millbrook": (Role.ADMIN, "Millbrook Health Centre")},
        "Practice manager and hub admin: the hub's settings, people and audit log",
    ),
    (
        "grace@millbrook.example",
        "Grace Okafor",
        {"millbrook": (Role.COORDINATOR, None)},
        "Coordinator: triages referrals, runs three rotas, answers the failsafe",
    ),
    (
        "amir@millbrook.example",
        "Dr Amir Shah",
        {"millbrook": (Role.STAFF, "Millbrook Health Centre")},
        "GP who referred Molly, Stanley, Edna, Arthur and Ron; Arthur's waits for him",
    ),
    (
        "sam@millbrook.example",
        "Sam Patel",
        {"millbrook": (Role.MEMBER, None), "northfield": (Role.MEMBER, None)},
        "Swaps help in Millbrook; cleared Farid's balcony, will do Maureen's shop",
    ),
    (
        "marcus@northfield.example",
        "Marcus Reid",
        {"northfield": (Role.ADMIN, "Northfield Housing Office")},
        "Housing manager and hub admin: signed the repairs pledge; the hub and its audit log",
    ),
    (
        "tunde@northfield.example",
        "Tunde Adeyemi",
        {"northfield": (Role.COORDINATOR, None)},
        "Coordinator: the repairs conversation and the young time bank",
    ),
    (
        "priya@northfield.example",
        "Priya Nair",
        {"northfield": (Role.STAFF, "Northfield Housing Office")},
        "Housing officer: recorded the estate clean-up day",
    ),
    (
        "jean@northfield.example",
        "Jean Walker",
        {"northfield": (Role.MEMBER, None)},
        "Tenant in Oak Tower: signed the repairs pledge for tenants; confirms Ben's time",
    ),
]

# What the personas who give help say about themselves (their hub's districts).
PERSONA_PROFILES = {
    "sam@millbrook.example": {
        "postcode_district": "MB2",
        "assets": ["bike repairs", "DIY and small repairs"],
    },
    "jean@northfield.example": {"postcode_district": "NF1", "assets": ["sewing", "mending"]},
}

FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Carol",
    "Dev",
    "Ellie",
    "Farid",
    "Gwen",
    "Hassan",
    "Irene",
    "Jamal",
    "Kath",
    "Liam",
    "Maya",
    "Nasra",
    "Owen",
    "Pat",
    "Rosa",
    "Stan",
    "Tara",
    "Usha",
    "Vince",
    "Wendy",
    "Yusuf",
    "Zara",
    "Alf",
    "Bea",
    "Colin",
    "Dawn",
    "Eric",
    "Fatima",
    "George",
    "Hana",
    "Ivan",
    "Joan",
    "Kofi",
    "Lucy",
    "Mo",
    "Nell",
    "Oscar",
    "Peggy",
    "Raj",
    "Sue",
    "Tom",
    "Vera",
    "Winston",
    "Amara",
    "Bill",
    "Chloe",
    "Dimitri",
    "Esther",
]
LAST_NAMES = [
    "Ahmed",
    "Baker",
    "Clarke",
    "Doyle",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kaur",
    "Lewis",
    "Murphy",
    "Novak",
    "O'Brien",
    "Price",
    "Quinn",
    "Rahman",
    "Singh",
    "Taylor",
    "Underwood",
    "Vaughan",
    "Ward",
    "Young",
]
ASSETS = [
    "friendly phone calls",
    "gardening",
    "dog walking",
    "shopping trips",
    "cooking",
    "reading with children",
    "IT help",
    "lifts to appointments",
    "DIY and small repairs",
    "knitting",
    "form filling",
    "English conversation",
    "music",
    "baking",
    "sewing",
    "listening",
    "tea and company",
    "bike repairs",
    "translation",
    "first aid",
]
NEEDS = [
    "company",
    "lifts to appointments",
    "help with shopping",
    "help with forms",
    "gardening",
    "someone to ring weekly",
    "IT help",
    "small repairs",
]
LANGUAGES = ["English", "Urdu", "Polish", "Somali", "Punjabi", "Yoruba", "Bengali", "Spanish"]
ASSISTED = {
    "millbrook": [
        ("Ron Ellis", "01632 960 101", "MB2"),
        ("Edna Barker", "01632 960 102", "MB3"),
        ("Stanley Moore", "01632 960 103", "MB1"),
    ],
    "northfield": [
        ("Wojciech Kowalski", "01632 960 201", "NF1"),
        ("Maureen Hill", "01632 960 202", "NF2"),
    ],
}
# Their postal addresses: made-up streets in the demo's made-up towns (MB and NF are no
# real postcode areas). Stanley asked for letters, but nobody has written down his
# address yet: the coordinator's pages say so.
ASSISTED_POST = {
    "Ron Ellis": ("phone", "14 Larkspur Row\nMillbrook\nMB2 4QT"),
    "Edna Barker": ("phone", "Flat 3, Kestrel House\n2 Weaver's Lane\nMillbrook\nMB3 7JD"),
    "Stanley Moore": ("post", ""),
    "Wojciech Kowalski": ("phone", "27 Cedar Walk\nNorthfield\nNF1 2BX"),
    "Maureen Hill": ("phone", "5 Tansy Close\nNorthfield\nNF2 9LP"),
}
JOIN_REQUESTS = [
    (
        "lena@millbrook.example",
        "Lena Fischer",
        "millbrook",
        "I've just moved to MB2 and would love to help with gardening.",
    ),
    (
        "kwame@northfield.example",
        "Kwame Mensah",
        "northfield",
        "I live in Cedar Walk and want to be part of the repairs group.",
    ),
]


def _person(email: str, name: str) -> Person:
    existing = Person.objects.filter(email=email).first()
    if existing:
        return existing
    return services.person_register(email=email, display_name=name, password=None)


def _demo_passwords() -> None:
    """Every demo account with an email signs in with DEMO_PASSWORD. Hashed once for all
    of them (hashing is slow on purpose, and ninety hashes would hold up the demo); only
    the demo shares one salt. People who are not online have no email and no sign-in."""
    Person.objects.filter(
        email__isnull=False, password__startswith=UNUSABLE_PASSWORD_PREFIX
    ).update(password=make_password(DEMO_PASSWORD))


def _ensure_member(actor, hub, person, role, organisation=None) -> Membership:
    membership = Membership.objects.filter(hub=hub, person=person).first()
    if membership:
        return membership
    return services.membership_add(
        actor=actor, hub=hub, person=person, role=role, organisation=organisation
    )


def _profile(rng: random.Random, districts: list[str]) -> dict:
    return {
        "postcode_district": rng.choice(districts),
        "assets": rng.sample(ASSETS, rng.randint(1, 4)),
        "needs": rng.sample(NEEDS, rng.randint(0, 2)),
        "availability": sorted(
            rng.sample(
                [
                    f"{d}-{p}"
                    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                    for p in ("am", "pm", "eve")
                ],
                rng.randint(2, 7),
            )
        ),
        "languages": ["English", *rng.sample(LANGUAGES[1:], rng.randint(0, 1))],
    }


# The story's calendar, in days before the day the demo is loaded (see demo/clock.py).
# Millbrook's time bank opened over a year ago and its members joined in its first
# month, before its year of exchanges; Northfield opened five months ago.
FOUNDED = {"millbrook": 400, "northfield": 150}
CROWD_JOINS = {"millbrook": 398, "northfield": 148}  # then one every half day
ASSISTED_JOIN = {"millbrook": 370, "northfield": 110}
BOTH_HUBS_JOIN = 120  # the crowd members who also join the other hub
JOIN_REQUESTS_DAY = 2


@transaction.atomic
def load(stdout=None) -> dict:
    """Load the demo story. Safe to run again: returns counts of what exists."""
    with story_time(timezone.localdate()) as clock:
        _load(clock)
    _demo_passwords()
    return {
        "people": Person.objects.count(),
        "hubs": Hub.objects.count(),
        "memberships": Membership.objects.count(),
        "organisations": Organisation.objects.count(),
        "areas": Neighbourhood.objects.count(),
        "transfers": Transfer.objects.count(),
        "votes": Vote.objects.count(),
        "referrals": Referral.objects.count(),
        "rota slots": Slot.objects.count(),
        "escalations": Escalation.objects.count(),
        "pledges": Pledge.objects.count(),
        "reports": Report.objects.count(),
        "involvement opportunities": Opportunity.objects.count(),
    }


def _load(clock) -> None:
    rng = random.Random(2026)
    clock.ago(FOUNDED["millbrook"] + 1)
    operator = Person.objects.filter(email=OPERATOR_EMAIL).first()
    if operator is None:
        operator = Person.objects.create_superuser(
            OPERATOR_EMAIL, DEMO_PASSWORD, display_name="Site operator"
        )
    people = {}
    for email, name, roles, _ in PERSONAS:
        clock.ago(max(FOUNDED[slug] for slug in roles) + 1, 8)
        people[email] = _person(email, name)
    first_admin = {
        "millbrook": people["helen@millbrook.example"],
        "northfield": people["marcus@northfield.example"],
    }

    hubs = {}
    for slug, spec in HUBS.items():
        clock.ago(FOUNDED[slug], 9)
        hub = Hub.objects.filter(slug=slug).first() or services.hub_create(
            actor=operator,
            slug=slug,
            name=spec["name"],
            purpose=spec["purpose"],
            admin=first_admin[slug],
        )
        admin = first_admin[slug]
        # The time bank's rules come before its members, so that every member's account
        # opens with the hub's opening hour.
        timebank_story.rules(hub, admin)
        if not hub.code_of_conduct:
            services.hub_update(
                actor=admin, hub=hub, changes={"code_of_conduct": spec["code_of_conduct"]}
            )
        for name, kind, is_host, description in spec["organisations"]:
            if not hub.organisations.filter(name=name).exists():
                services.organisation_create(
                    actor=admin,
                    hub=hub,
                    name=name,
                    kind=kind,
                    description=description,
                    is_host=is_host,
                )
        for area in spec["areas"]:
            if not hub.neighbourhoods.filter(name=area).exists():
                services.neighbourhood_create(actor=admin, hub=hub, name=area)
        hubs[slug] = hub

        # The personas join on the hub's first days.
        for email, _name, roles, _story in PERSONAS:
            if slug not in roles:
                continue
            clock.ago(FOUNDED[slug], 10 + len(hubs))
            role, organisation_name = roles[slug]
            organisation = (
                hub.organisations.get(name=organisation_name) if organisation_name else None
            )
            _ensure_member(first_admin[slug], hub, people[email], role, organisation)
            person = people[email]
            if email in PERSONA_PROFILES and not person.postcode_district:
                services.profile_update(
                    actor=person, person=person, changes=PERSONA_PROFILES[email]
                )
        if slug == "northfield":  # Jean lives in Oak Tower
            jean = Membership.objects.get(hub=hub, person=people["jean@northfield.example"])
            if jean.neighbourhood_id is None:
                services.membership_update(
                    actor=jean.person,
                    membership=jean,
                    changes={"neighbourhood": hub.neighbourhoods.get(name="Oak Tower")},
                )

    # Ordinary members: a deterministic crowd across areas, joining one every half day
    # in their hub's first weeks; a few join the other hub later.
    coordinators = {
        "millbrook": people["grace@millbrook.example"],
        "northfield": people["tunde@northfield.example"],
    }
    for index, first in enumerate(FIRST_NAMES):
        name = f"{first} {LAST_NAMES[index % len(LAST_NAMES)]}"
        slug = "millbrook" if index % 2 == 0 else "northfield"
        email = f"{first.lower()}.{index}@{slug}.example"
        joined = clock.ago(CROWD_JOINS[slug] - index // 4, 10 + index % 2 * 4)
        fresh = not Person.objects.filter(email=email).exists()
        person = _person(email, name)
        profile = _profile(rng, HUBS[slug]["districts"])
        if fresh:
            services.profile_update(actor=person, person=person, changes=profile)
        membership = _ensure_member(coordinators[slug], hubs[slug], person, Role.MEMBER)
        areas = list(hubs[slug].neighbourhoods.all())
        if areas and membership.neighbourhood_id is None:
            services.membership_update(
                actor=person,
                membership=membership,
                changes={"neighbourhood": areas[index % len(areas)]},
            )
        if fresh and index % 4 == 0:
            clock.at(joined + datetime.timedelta(days=2))
            issued = clock.now.date() - datetime.timedelta(days=30 * (index % 10 + 1))
            services.safeguarding_check_add(
                actor=coordinators[slug],
                hub=hubs[slug],
                person=person,
                check_type=CheckType.DBS_ENHANCED,
                reference=f"DBS{100000 + index:06d}",
                issued_on=issued,
                expires_on=issued + datetime.timedelta(days=3 * 365),
            )
    for index, first in enumerate(FIRST_NAMES):
        if index % 9 == 0:  # a few people belong to both hubs
            slug = "millbrook" if index % 2 == 0 else "northfield"
            person = Person.objects.get(email=f"{first.lower()}.{index}@{slug}.example")
            other = "northfield" if slug == "millbrook" else "millbrook"
            clock.ago(BOTH_HUBS_JOIN - index // 9, 11)
            _ensure_member(coordinators[other], hubs[other], person, Role.MEMBER)

    # People who are not online, added by the coordinators on their behalf.
    for slug, entries in ASSISTED.items():
        hub, coordinator = hubs[slug], coordinators[slug]
        for number, (name, phone, district) in enumerate(entries):
            clock.ago(ASSISTED_JOIN[slug] - number, 14)
            if Membership.objects.filter(
                hub=hub, person__display_name=name, person__email__isnull=True
            ).exists():
                continue
            profile = _profile(rng, [district])
            services.person_create_assisted(
                actor=coordinator,
                hub=hub,
                display_name=name,
                phone=phone,
                contact_preference=ASSISTED_POST[name][0],
                postal_address=ASSISTED_POST[name][1],
                consent_purpose="To be a member and for coordinators to keep these details",
                consent_method=ConsentMethod.PHONE,
                **profile,
            )

    timebank_story.load(
        hubs["millbrook"], coordinators["millbrook"], people["amir@millbrook.example"], clock
    )
    timebank_story.northfield(hubs["northfield"], coordinators["northfield"], clock)
    deliberation_story.load(hubs["northfield"], coordinators["northfield"], clock=clock)
    referrals_story.load(
        hubs["millbrook"], coordinators["millbrook"], people["amir@millbrook.example"], clock
    )

    pledges_story.load(hubs, people, operator, clock)
    involve_story.millbrook(
        hubs["millbrook"], coordinators["millbrook"], people["amir@millbrook.example"], clock
    )
    involve_story.northfield(hubs["northfield"], coordinators["northfield"], clock)
    space_story.northfield(hubs["northfield"], coordinators["northfield"], clock)
    insight_areas.load(hubs, people, clock)  # the areas' figures, once the hubs are built
    insight_health_story.northfield(hubs["northfield"], coordinators["northfield"], clock)

    clock.ago(JOIN_REQUESTS_DAY, 19)
    for email, name, slug, message in JOIN_REQUESTS:
        person = _person(email, name)
        if not JoinRequest.objects.filter(person=person, hub=hubs[slug]).exists():
            services.join_request_create(person=person, hub=hubs[slug], message=message)

    # Insight (issue 18): a former member of Millbrook whose hours still add up. Last, so
    # that nothing before it depends on who was erased.
    insight_erased.load(hubs["millbrook"], coordinators["millbrook"], clock)
