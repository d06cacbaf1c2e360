"""Your Space: Northfield's community room, 20 hours a week, shared among tenants'
projects.

The autumn round is counted. Five ideas went on the ballot: Jean Walker's coffee morning,
Nasra Novak's homework club, a men's shed Wojciech Kowalski (who is not online) asked
Tunde to put forward, the youth club's football session, and a debt-advice drop-in
Shazia Begum proposed with a Citizens Advice volunteer. A band practice was not feasible
(the flats above the room). Twelve tenants of Oak Tower and Beech House voted for the
coffee morning, the homework club, the football and the shed; five, mostly from Cedar
Walk, voted for the debt-advice drop-in (Maureen Hill on a paper ballot, Wojciech through
Tunde on the phone). Counting by votes alone (greedy) fills the room with the three
most popular projects and leaves the drop-in out; the Method of Equal Shares gives those
five voters their share of the room, so the drop-in is funded, and the homework club
needed four more supporters.

The spring round is open for ideas: a baby and toddler group, checked feasible, and a
repair café not checked yet.

Every step goes through the services at its own time on the story's clock, so the audit
log tells it in order.
"""

from django.db import transaction

from coproduce.hubs.models import Hub, Membership, Person
from coproduce.involve.space import services
from coproduce.involve.space.models import Phase, Resource, Round

HOUR = 60
ROOM = "Community room"

# Who voted for what in the autumn round (by idea key; see IDEAS below).
BALLOTS = [
    ("Jean Walker", {"coffee", "homework", "football"}),
    ("Ben Baker", {"coffee", "homework", "football"}),
    ("Dev Doyle", {"homework", "football"}),
    ("Farid Fraser", {"football", "shed"}),
    ("Hassan Hughes", {"coffee", "football"}),
    ("Jamal Jones", {"homework", "football", "shed"}),
    ("Nasra Novak", {"coffee", "homework"}),
    ("Liam Lewis", {"football"}),
    ("Pat Price", {"coffee", "shed", "football"}),
    ("Omar Haddad", {"homework", "football"}),
    ("Usha Taylor", {"coffee", "homework", "football"}),
    ("Shazia Begum", {"debt"}),
    ("Yusuf Ali", {"debt", "coffee"}),
    ("Lena Kowalska", {"debt"}),
    ("Mercy Osei", {"debt", "homework"}),
]
# Entered by the coordinator: Wojciech told Tunde on the phone; Maureen's was on paper.
ASSISTED_BALLOTS = [
    ("Wojciech Kowalski", {"shed", "coffee"}, False),
    ("Maureen Hill", {"debt"}, True),
]

# key: (title, description, hours a week, run by, proposer)
IDEAS = {
    "coffee": (
        "Coffee morning",
        "Tea, coffee and a chat every Tuesday morning, for anyone on the estate who would "
        "like company.",
        3,
        "Jean Walker and two neighbours",
        "Jean Walker",
    ),
    "homework": (
        "Homework club",
        "A quiet room with help for children in years 5 to 9 after school, twice a week.",
        6,
        "Nasra Novak, with two retired teachers from Beech House",
        "Nasra Novak",
    ),
    "shed": (
        "Men's shed",
        "Mending bikes, chairs and anything else brought in, with tools shared; somewhere "
        "to go and something to do.",
        6,
        "Wojciech Kowalski",
        "Wojciech Kowalski",
    ),
    "football": (
        "Youth football session",
        "Indoor five-a-side and a changing room for under-16s on two winter evenings.",
        8,
        "Northfield Youth Club",
        "Liam Lewis",
    ),
    "debt": (
        "Debt-advice drop-in",
        "A private corner for a Citizens Advice volunteer to help with arrears, bills and "
        "benefit forms, one day a week.",
        4,
        "Shazia Begum with a Citizens Advice volunteer",
        "Shazia Begum",
    ),
}


def _member(hub: Hub, name: str) -> Person:
    return Membership.objects.get(hub=hub, person__display_name=name).person


def _propose(hub, coordinator, round_, key: str, *, for_someone=False):
    title, description, hours, run_by, proposer = IDEAS[key]
    person = _member(hub, proposer)
    return services.idea_propose(
        actor=coordinator if for_someone else person,
        proposer=person if for_someone else None,
        round_=round_,
        title=title,
        description=description,
        cost=hours * HOUR,
        run_by=run_by,
    )


def _autumn(hub: Hub, coordinator: Person, officer: Person, clock) -> Round:
    clock.ago(70, 10)
    round_ = services.round_create(
        actor=coordinator,
        hub=hub,
        title="The community room, autumn",
        description="The community room is free for 20 hours a week. Propose a project for "
        "it, and vote for the ones you would be glad to see: every voter has an equal share "
        "of the room to spend on the projects they choose.",
        resource=Resource.ROOM,
        amount=20 * HOUR,
        space_name=ROOM,
    )
    ideas = {}
    for days, key in [(68, "coffee"), (67, "football"), (66, "homework"), (64, "debt")]:
        clock.ago(days, 19)
        ideas[key] = _propose(hub, coordinator, round_, key)
    clock.ago(63, 11)  # Wojciech rang Tunde
    ideas["shed"] = _propose(hub, coordinator, round_, "shed", for_someone=True)
    clock.ago(62, 20)
    band = services.idea_propose(
        actor=_member(hub, "Zara Young"),
        round_=round_,
        title="Band practice",
        description="Somewhere for young bands to rehearse on weekday evenings.",
        cost=4 * HOUR,
        run_by="Zara Young",
    )

    clock.ago(60, 9)
    services.round_advance(actor=coordinator, round_=round_, to=Phase.FEASIBILITY)
    clock.ago(59, 14)
    for key in ("coffee", "homework", "shed", "football", "debt"):
        services.idea_check(actor=officer, idea=ideas[key], feasible=True)
    services.idea_check(
        actor=officer,
        idea=band,
        feasible=False,
        reason="The room is under two flats and sound carries: nothing loud after 7 pm. "
        "Could the youth club's hall take it instead?",
    )
    clock.ago(56, 9)
    services.round_advance(actor=coordinator, round_=round_, to=Phase.VOTE)

    for number, (name, chosen) in enumerate(BALLOTS):
        clock.ago(55 - number // 2, 18 + number % 2)
        services.ballot_cast(
            actor=_member(hub, name), round_=round_, ideas=[ideas[k] for k in sorted(chosen)]
        )
    for number, (name, chosen, paper) in enumerate(ASSISTED_BALLOTS):
        clock.ago(46 - number, 12)
        services.ballot_cast(
            actor=coordinator,
            round_=round_,
            voter=_member(hub, name),
            ideas=[ideas[k] for k in sorted(chosen)],
            paper=paper,
        )
    clock.ago(42, 10)
    return services.round_count(actor=coordinator, round_=round_)


def _spring(hub: Hub, coordinator: Person, officer: Person, clock) -> Round:
    clock.ago(6, 10)
    round_ = services.round_create(
        actor=coordinator,
        hub=hub,
        title="The community room, spring",
        description="20 hours a week again from April: propose what you would run.",
        resource=Resource.ROOM,
        amount=20 * HOUR,
        space_name=ROOM,
        ideas_close_on=clock.moment(-21).date(),
    )
    clock.ago(4, 20)
    toddlers = services.idea_propose(
        actor=_member(hub, "Zara Young"),
        round_=round_,
        title="Baby and toddler group",
        description="Play, songs and a cup of tea for parents and carers of under-fives.",
        cost=3 * HOUR,
        run_by="Zara Young and Chloe Young",
    )
    clock.ago(2, 19)
    services.idea_propose(
        actor=_member(hub, "Gordon Hale"),
        round_=round_,
        title="Repair café",
        description="Bring something broken; volunteers mend it with you.",
        cost=4 * HOUR,
        run_by="Gordon Hale",
    )
    clock.ago(1, 11)
    services.idea_check(actor=officer, idea=toddlers, feasible=True)
    return round_


@transaction.atomic
def northfield(hub: Hub, coordinator: Person, clock) -> None:
    if Round.objects.filter(hub=hub).exists():
        return  # the story is told once
    officer = _member(hub, "Priya Nair")
    _autumn(hub, coordinator, officer, clock)
    _spring(hub, coordinator, officer, clock)
