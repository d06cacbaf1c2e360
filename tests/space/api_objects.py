"""Your Space objects in Millbrook for the permission matrix's API cases
(tests/matrix_objects.py builds them once per module).

Grace (coordinator) set up three rounds sharing the community room: one taking ideas
(Sam's coffee morning not checked yet), one voting (Sam has voted) and one counted.
"""

from dataclasses import dataclass

from coproduce.involve.space import services
from coproduce.involve.space.models import Idea, Phase, Resource, Round

HOUR = 60


@dataclass
class SpaceApi:
    ideas_round: Round  # taking ideas
    idea: Idea  # Sam's coffee morning in it, not checked yet
    voting: Round  # voting: Sam has voted for the first of its two ideas
    on_ballot: Idea  # the second of them, which Sam has not chosen
    counted: Round  # counted: the homework club funded


def _round(world, title: str) -> Round:
    return services.round_create(
        actor=world.coordinator,
        hub=world.hub,
        title=title,
        resource=Resource.ROOM,
        amount=20 * HOUR,
        space_name="Community room",
    )


def _idea(world, round_: Round, title: str, hours: int) -> Idea:
    return services.idea_propose(
        actor=world.member,
        round_=round_,
        title=title,
        description=f"{title}, every week.",
        cost=hours * HOUR,
        run_by="Sam",
    )


def _to_vote(world, round_: Round, ideas) -> Round:
    services.round_advance(actor=world.coordinator, round_=round_, to=Phase.FEASIBILITY)
    for idea in ideas:
        services.idea_check(actor=world.staff, idea=idea, feasible=True)
    return services.round_advance(actor=world.coordinator, round_=round_, to=Phase.VOTE)


def build(world) -> SpaceApi:
    ideas_round = _round(world, "The community room, autumn")
    idea = _idea(world, ideas_round, "Coffee morning", 2)

    voting = _round(world, "The community room, winter")
    on_ballot = [
        _idea(world, voting, "Coffee morning", 2),
        _idea(world, voting, "Homework club", 6),
    ]
    voting = _to_vote(world, voting, on_ballot)
    services.ballot_cast(actor=world.member, round_=voting, ideas=on_ballot[:1])

    counted = _round(world, "The community room, summer")
    both = [_idea(world, counted, "Coffee morning", 2), _idea(world, counted, "Homework club", 6)]
    counted = _to_vote(world, counted, both)
    services.ballot_cast(actor=world.member, round_=counted, ideas=both[1:])
    counted = services.round_count(actor=world.coordinator, round_=counted)
    return SpaceApi(ideas_round, idea, voting, on_ballot[1], counted)
