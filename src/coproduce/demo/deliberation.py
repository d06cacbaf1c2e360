"""The Northfield Estate conversation: tenants and housing staff on repairs and the
estate. Deterministic, loaded once.

Opinions are drawn from three outlooks, so the analysis has something real to find:
families with children, longer-standing (often older) tenants, and housing staff. All
three agree on repair timescales, bins and being kept informed; they divide on cars,
cameras, the youth club, dogs and rent; staff and tenants differ on how well the office
listens and on closing the office to catch up.
"""

import datetime
import random

from django.db import transaction
from django.db.models import F

from coproduce.deliberation import services
from coproduce.deliberation.models import Conversation
from coproduce.hubs import services as hub_services
from coproduce.hubs.models import Hub, Membership, Person, Role

QUESTION = "What would make repairs and the estate better?"
CONTEXT = (
    "Last year tenants reported over 2,000 repairs. Many waited weeks with no date. "
    "The housing office wants to plan the next two years with tenants: say what matters "
    "to you, and vote on what others say."
)

# (statement, chance of agreeing for families, older tenants, staff); None: a seed.
STATEMENTS = [
    # Common ground across everyone.
    ("Every repair should get a date within a week of being reported.", 0.92, 0.95, 0.85),
    ("If a repair will be late, tell the tenant before the day, not after.", 0.95, 0.93, 0.9),
    ("Emergency repairs like no heating or water must be fixed within 24 hours.", 0.96, 0.97, 0.9),
    ("The bin stores should be emptied twice a week, not once.", 0.9, 0.88, 0.8),
    ("Fly-tipping should be cleared within two days of being reported.", 0.88, 0.92, 0.85),
    ("Broken lights in stairwells and walkways should be fixed first.", 0.9, 0.95, 0.88),
    (
        "Tenants should be able to check on a repair by phone, online or at the office.",
        0.9,
        0.85,
        0.88,
    ),
    ("The tenants' association should see the repairs figures every month.", 0.85, 0.9, 0.8),
    (
        "Damp and mould should be treated as urgent, especially where there are children.",
        0.97,
        0.9,
        0.82,
    ),
    ("The same repair should not need to be reported three times.", 0.95, 0.95, 0.85),
    ("Contractors should leave the place clean when they finish.", 0.92, 0.96, 0.9),
    # Divides between the groups of tenants.
    ("Cars should be kept out of the inner courtyards.", 0.9, 0.2, 0.55),
    ("There should be CCTV cameras in every block.", 0.25, 0.9, 0.5),
    ("The youth club should stay open until 10pm.", 0.9, 0.15, 0.6),
    ("Dogs should not be allowed in the play areas.", 0.92, 0.3, 0.6),
    ("Ball games should be allowed on the green.", 0.9, 0.2, 0.5),
    ("Parking spaces should go to long-standing tenants first.", 0.15, 0.88, 0.3),
    ("The community room should be used mostly for children's activities.", 0.88, 0.2, 0.5),
    ("Quiet hours after 9pm should be enforced.", 0.2, 0.92, 0.55),
    ("More of the green should be turned into allotments.", 0.3, 0.85, 0.5),
    ("A rent rise would be acceptable if it paid for faster repairs.", 0.25, 0.4, 0.7),
    # Where staff and tenants differ.
    ("The housing office listens to tenants.", 0.2, 0.25, 0.88),
    ("The office should close on Fridays so staff can catch up on repairs.", 0.15, 0.2, 0.8),
    ("Tenants who cause damage should pay for the repair.", 0.5, 0.7, 0.92),
    (
        "Repairs should be booked online first, with phone calls for those who need them.",
        0.4,
        0.15,
        0.9,
    ),
    ("Most delays are caused by contractors, not the office.", 0.3, 0.3, 0.9),
    ("Tenants should be able to choose a local tradesperson and be refunded.", 0.8, 0.75, 0.15),
    # Mixed or mild views.
    ("The estate needs more benches.", 0.6, 0.8, 0.6),
    ("Caretakers should have a fixed rota that tenants can see.", 0.8, 0.85, 0.65),
    ("Residents should be paid in time credits for helping keep the estate tidy.", 0.7, 0.6, 0.6),
    ("The estate newsletter is useful.", 0.4, 0.6, 0.75),
    ("There should be a repairs surgery in each block once a month.", 0.7, 0.75, 0.55),
    ("Graffiti should be removed within a week.", 0.6, 0.9, 0.75),
    ("Window repairs should come before kitchen replacements.", 0.55, 0.65, 0.6),
    ("Tenants should help choose which contractors the council uses.", 0.75, 0.7, 0.35),
    ("There should be more play equipment for older children.", 0.92, 0.35, 0.6),
    ("Lifts should be checked every week.", 0.85, 0.95, 0.7),
    (
        "Tenants should be able to do small repairs themselves with materials from the office.",
        0.6,
        0.45,
        0.5,
    ),
    ("More trees should be planted along Cedar Walk.", 0.7, 0.75, 0.65),
    ("Every block should have a named housing officer.", 0.85, 0.9, 0.6),
]
SEED_COUNT = 12  # the first few are the coordinator's starting statements
EXTRA_TENANTS = [
    "Rita Boyle", "Omar Haddad", "Lena Kowalska", "Dave Pritchard", "Mercy Osei",
    "Tom Fenwick", "Shazia Begum", "Gordon Hale", "Chloe Dunn", "Patrick Byrne",
    "Yusuf Ali", "Irene Nolan", "Kayla Brooks", "Stan Wozniak", "Fatima Noor",
    "Jackie Moss", "Ade Balogun", "Nora Quinn",
]  # fmt: skip
EXTRA_STAFF = [
    "Helen Marsh", "Raj Kapoor", "Bev Collins", "Luke Dawson", "Anita Sharma", "Gary Lowe",
]  # fmt: skip


def _member(actor, hub, email, name, role, organisation=None) -> Person:
    person = Person.objects.filter(email=email).first() or hub_services.person_register(
        email=email, display_name=name, password=None
    )
    if not Membership.objects.filter(hub=hub, person=person).exists():
        hub_services.membership_add(
            actor=actor, hub=hub, person=person, role=role, organisation=organisation
        )
    return person


# The story's days (before the day the demo is loaded): the extra tenants and staff join
# in Northfield's first weeks; the conversation opens after every member has joined, is
# busy for its first three weeks, and its common ground becomes the repairs pledge
# (demo/pledges.py).
JOINS = 145
OPENS = 108
VOTING_DAYS = 20


@transaction.atomic
def load(hub: Hub, coordinator: Person, seed: int = 11, *, clock) -> Conversation:
    existing = Conversation.objects.filter(hub=hub, question=QUESTION).first()
    if existing:
        return existing
    rng = random.Random(seed)
    office = hub.host
    areas = list(hub.neighbourhoods.all())
    domain = f"{hub.slug}.example"
    for index, name in enumerate(EXTRA_STAFF):
        clock.ago(JOINS, 9 + index)
        _member(coordinator, hub, f"housing.{index}@{domain}", name, Role.STAFF, office)
    for index, name in enumerate(EXTRA_TENANTS):
        clock.ago(JOINS - 1 - index // 3, 10 + index % 3 * 3)
        person = _member(coordinator, hub, f"tenant.{index}@{domain}", name, Role.MEMBER)
        membership = Membership.objects.get(hub=hub, person=person)
        if areas and membership.neighbourhood_id is None:
            membership.neighbourhood = areas[index % len(areas)]
            membership.save(update_fields=["neighbourhood"])

    clock.ago(OPENS + 1, 10)
    conversation = services.conversation_create(
        actor=coordinator,
        hub=hub,
        question=QUESTION,
        context=CONTEXT,
        anonymous_link=True,
        opens_at=clock.moment(OPENS, 9),
        seeds=[text for text, *_ in STATEMENTS[:SEED_COUNT]],
    )
    memberships = list(
        Membership.objects.filter(hub=hub, is_active=True)
        .select_related("person")
        # The same order on every database (they sort missing emails differently).
        .order_by(F("person__email").asc(nulls_last=True), "person__display_name")
    )
    outlooks = []
    for membership in memberships:
        if membership.is_staff_or_above:
            outlooks.append(2)
        else:
            outlooks.append(rng.choices([0, 1], weights=[0.55, 0.45])[0])
    # Tenants add the rest of the statements, a few a day in the first ten days; each
    # person comes to vote on a day of their own, on what has been said by then.
    tenants = [index for index, outlook in enumerate(outlooks) if outlook < 2]
    added = STATEMENTS[SEED_COUNT:]

    def written(number: int) -> datetime.datetime:
        return clock.moment(OPENS - number // 3, 10 + number % 3 * 3)

    def comes(index: int) -> datetime.datetime:
        return clock.moment(OPENS - 1 - index % VOTING_DAYS, 18)

    first = {index: comes(index) for index in range(len(memberships))}
    for number in range(len(added)):
        author = tenants[number % len(tenants)]
        first[author] = min(first[author], written(number))
    voters = []
    for index, membership in enumerate(memberships):
        clock.at(first[index] - datetime.timedelta(minutes=5))
        participant = services.participant_for(membership.person, conversation)
        voters.append((participant, outlooks[index]))
    statements = list(conversation.statements.order_by("id"))
    times = [conversation.created_at] * len(statements)
    for number, (text, *_) in enumerate(added):
        participant, _outlook = voters[tenants[number % len(tenants)]]
        clock.at(written(number))
        statements.append(services.statement_add(participant=participant, text=text))
        times.append(statements[-1].created_at)
    chances = [chance for _, *chance in STATEMENTS]
    for voter, (participant, outlook) in enumerate(voters):
        is_staff = outlook == 2
        how_many = rng.randint(28, 38) if is_staff else rng.randint(26, 36)
        for index in rng.sample(range(len(statements)), how_many):
            if rng.random() < 0.08:
                value = 0
            else:
                value = 1 if rng.random() < chances[index][outlook] else -1
            clock.at(max(comes(voter), times[index] + datetime.timedelta(hours=1)))
            services.vote_cast(participant=participant, statement=statements[index], value=value)
    # A statement that names a member of staff: reported, and hidden for the moderators.
    clock.ago(3, 20)
    first_tenant = voters[tenants[0]][0]
    named = services.statement_add(
        participant=first_tenant, text="The caretaker at Beech House is lazy and rude."
    )
    for number, index in enumerate(tenants[1:4]):
        clock.ago(3, 21 + number)
        services.statement_flag(
            participant=voters[index][0], statement=named, reason="It is about one person."
        )
    clock.ago(2, 9)
    services.moderator_appoint(actor=coordinator, hub=hub, person=voters[tenants[1]][0].person)
    return conversation
