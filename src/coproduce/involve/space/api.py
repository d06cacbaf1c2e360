"""Your Space in the JSON API: rounds that share a resource among projects members
propose and vote for, counted by the Method of Equal Shares (with greedy counting beside
it), under `/api/v1/hubs/{slug}/space/`.

As on the pages: the hub comes from the key (a key for another hub finds nothing: 404);
who may see and do what is in space/access.py, and every change goes through the
services, which check it again. Amounts are whole numbers in the round's unit, named in
`unit` ("minutes" for time, "pounds" for money), with the same amount in words beside
them ("20 h a week", "£1,500").
"""

import datetime
from fractions import Fraction
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from coproduce.api.common import ERRORS, Id, Mapped, Pages, SaneDate, When_, key_header, named_as
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.idempotency import once, owner_of
from coproduce.involve import allocation

from . import access, services
from .models import Ballot, Feasibility, Idea, Phase, Resource, Round, Weighting

router = Router(tags=["your space"])

BASE = "/hubs/{slug}/space/rounds"
ROUND = BASE + "/{round_id}"
# The largest amount a JSON body may carry: more than any round shares (the services say
# so, naming the field), less than a database column holds.
MAX_AMOUNT = 10**9
Amount = Annotated[int, Field(strict=True, ge=1, le=MAX_AMOUNT)]
Small = Annotated[int, Field(strict=True, ge=0, le=1000)]


def _hub(request, slug: str):
    """The key's hub, if that is the hub asked for; any other hub is not found."""
    if slug != request.hub.slug:
        raise Http404("No such hub.")
    return request.hub


def _round(request, slug: str, round_id: int) -> Round:
    return access.round_for(request.membership, _hub(request, slug), round_id)


def _unit(round_: Round) -> str:
    return "pounds" if round_.resource == Resource.MONEY else "minutes"


def _member_of_hub(request, person_id: int, field: str):
    try:
        return hub_access.member_in_hub(request.hub, person_id).person
    except Http404:
        raise ApplicationError("Choose a member of this hub.", field=field) from None


# --- shapes ---------------------------------------------------------------------------------


class RuleOut(Schema):
    min_projects: int | None = Field(None, description="Choose at least this many.")
    max_projects: int | None = Field(None, description="Choose at most this many.")
    min_spend_percent: int | None = Field(
        None, description="Chosen projects together use at least this share of the resource."
    )
    words: str = Field(description="The ballot's rule in plain words.")


class WeightingOut(Schema):
    kind: str = Field(description="none, deprivation or priority.")
    extra_share_percent: int = Field(description="How much larger a favoured voter's share is.")
    most_deprived_deciles: int
    reason: str = Field(description="Why the hub decided so.")
    words: str


class RightsOut(Schema):
    propose: bool
    check: bool
    vote: bool
    coordinate: bool


class RoundOut(Schema):
    id: int
    title: str
    description: str
    resource: str = Field(description="room, money or chest.")
    resource_label: str
    unit: Literal["minutes", "pounds"]
    amount: int = Field(description="What is shared, in `unit`.")
    amount_words: str = Field(description="The same in words, e.g. '20 h a week'.")
    space_name: str
    phase: str = Field(description="ideas, feasibility, vote, result or delivery.")
    phase_label: str
    ideas_close_on: datetime.date | None
    vote_closes_at: datetime.datetime | None
    rule: RuleOut
    weighting: WeightingOut
    counted_at: datetime.datetime | None
    overridden: bool
    you_may: RightsOut = Field(description="What the key's person may do now.")


def _round_out(request, round_: Round) -> dict:
    rights = access.round_rights(request.membership, round_)
    return {
        "id": round_.pk,
        "title": round_.title,
        "description": round_.description,
        "resource": round_.resource,
        "resource_label": round_.get_resource_display(),
        "unit": _unit(round_),
        "amount": round_.amount,
        "amount_words": round_.amount_words,
        "space_name": round_.space_name,
        "phase": round_.phase,
        "phase_label": round_.get_phase_display(),
        "ideas_close_on": round_.ideas_close_on,
        "vote_closes_at": round_.vote_closes_at,
        "rule": {
            "min_projects": round_.min_projects,
            "max_projects": round_.max_projects,
            "min_spend_percent": round_.min_spend_percent,
            "words": access.rule_words(round_),
        },
        "weighting": {
            "kind": round_.weighting,
            "extra_share_percent": round_.extra_share_percent,
            "most_deprived_deciles": round_.most_deprived_deciles,
            "reason": round_.weighting_reason,
            "words": access.weighting_words(round_),
        },
        "counted_at": round_.counted_at,
        "overridden": bool(round_.override_reason),
        "you_may": {
            "propose": rights.propose,
            "check": rights.check,
            "vote": rights.vote,
            "coordinate": rights.coordinate,
        },
    }


class IdeaOut(Schema):
    id: int
    title: str
    description: str
    cost: int = Field(description="In the round's `unit`.")
    cost_words: str
    unit: Literal["minutes", "pounds"]
    run_by: str
    proposer: str
    entered_by: str | None = Field(None, description="The coordinator who entered it.")
    feasibility: str = Field(description="pending, feasible or not_feasible.")
    feasibility_reason: str | None = Field(
        None, description="Why not feasible: for its proposer and staff; else null."
    )
    votes: int | None = Field(None, description="Once counted.")
    funded: bool | None = Field(None, description="Once counted (after any override).")
    funded_by_count: bool | None = None
    funded_by_greedy: bool | None = None
    needed: int | None = Field(None, description="Not funded: more supporters it needed.")
    progress: str


def _idea_out(request, idea: Idea) -> dict:
    round_ = idea.round
    counted = round_.counted_at is not None
    return {
        "id": idea.pk,
        "title": idea.title,
        "description": idea.description,
        "cost": idea.cost,
        "cost_words": round_.words(idea.cost),
        "unit": _unit(round_),
        "run_by": idea.run_by,
        "proposer": idea.proposer.display_name,
        "entered_by": idea.entered_by.display_name if idea.entered_by_id else None,
        "feasibility": idea.feasibility,
        "feasibility_reason": (
            idea.feasibility_reason if access.sees_reason(request.membership, idea) else None
        ),
        "votes": idea.votes if counted else None,
        "funded": idea.funded if counted else None,
        "funded_by_count": idea.funded_by_count if counted else None,
        "funded_by_greedy": idea.funded_by_greedy if counted else None,
        "needed": idea.needed if counted else None,
        "progress": idea.progress,
    }


def _ideas(round_: Round):
    return Idea.objects.filter(round=round_).select_related("round", "proposer", "entered_by")


# --- rounds ---------------------------------------------------------------------------------


@router.get(BASE, response={200: list[RoundOut], **ERRORS})
@paginate(Pages)
def space_rounds(request, slug: str):
    """The hub's rounds, newest first, a page at a time."""
    hub = _hub(request, slug)
    if request.membership is None or not request.membership.is_active:
        raise Http404("No such hub.")
    return Mapped(
        Round.objects.filter(hub=hub).select_related("hub"),
        lambda round_: _round_out(request, round_),
    )


@router.get(ROUND, response={200: RoundOut, **ERRORS})
def space_round(request, slug: str, round_id: int):
    """One round: what it shares (as a number in its unit, and in words), its phase, its
    ballot's rule in words and as numbers, and how shares are set."""
    return _round_out(request, _round(request, slug, round_id))


class RoundIn(Schema):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=3000)
    resource: Literal[tuple(Resource.values)]  # type: ignore[valid-type]
    amount: Amount = Field(description="In minutes for time (room, chest), whole pounds for money.")
    space_name: str = Field("", max_length=120)
    ideas_close_on: SaneDate | None = None
    vote_closes_at: When_ | None = None
    min_projects: Small | None = None
    max_projects: Small | None = None
    min_spend_percent: Small | None = None
    weighting: Literal[tuple(Weighting.values)] = Weighting.NONE  # type: ignore[valid-type]
    extra_share_percent: Small = 0
    most_deprived_deciles: Small = 2
    weighting_reason: str = Field("", max_length=300)


@router.post(BASE, response={201: RoundOut, **ERRORS})
def space_round_create(request, slug: str, data: RoundIn, key: str | None = key_header()):
    """Coordinators: offer a resource for a round (hours a week in a shared space, a
    budget in pounds, or hours from the community chest), with the ballot's rule. Send an
    `Idempotency-Key` to retry safely: the same key gives the first round again."""
    hub = _hub(request, slug)
    if not access.may_create_round(request.membership):
        raise PermissionDenied("Only this hub's coordinators can set up a round.")
    round_ = once(
        hub_id=hub.pk,
        owner=owner_of(request.user),
        key=key,
        kind="space.round_create",
        content=data.dict(),
        action=lambda: services.round_create(actor=request.user, hub=hub, **data.dict()),
    )
    return Status(201, _round_out(request, access.round_for(request.membership, hub, round_.pk)))


class PhaseIn(Schema):
    to: Literal[tuple(Phase.values)] = Field(  # type: ignore[valid-type]
        description="The phase to move on to (the next one); moving to `result` counts."
    )


@router.post(ROUND + "/phase", response={200: RoundOut, **ERRORS})
def space_round_advance(request, slug: str, round_id: int, data: PhaseIn):
    """Coordinators: move a round on to the phase named (the next one). Sent twice, it
    moves on once. Moving from voting to `result` closes the vote and counts it."""
    round_ = _round(request, slug, round_id)
    round_ = services.round_advance(actor=request.user, round_=round_, to=data.to)
    return _round_out(request, access.round_for(request.membership, request.hub, round_.pk))


# --- ideas ----------------------------------------------------------------------------------


@router.get(ROUND + "/ideas", response={200: list[IdeaOut], **ERRORS})
def space_ideas(request, slug: str, round_id: int):
    """The round's ideas. While the vote is open, those on the ballot come in an order of
    their own for each voter (so no project gains by being first)."""
    round_ = _round(request, slug, round_id)
    ideas = list(_ideas(round_))
    if round_.phase == Phase.VOTE:
        order = allocation.draw_order(
            [str(i.pk) for i in ideas], f"{round_.seed}:{request.user.pk}"
        )
        ideas.sort(key=lambda i: order[str(i.pk)])
    return [_idea_out(request, idea) for idea in ideas]


class IdeaIn(Schema):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=2000)
    cost: Amount = Field(description="What it needs, in the round's unit.")
    run_by: str = Field(min_length=1, max_length=200, description="Who will run it.")
    person_id: Id | None = Field(
        None, description="Coordinators: someone who is not online, whose idea it is."
    )


@router.post(ROUND + "/ideas", response={201: IdeaOut, **ERRORS})
def space_idea_propose(
    request, slug: str, round_id: int, data: IdeaIn, key: str | None = key_header()
):
    """Members: propose a project while the round takes ideas, with what it needs and who
    will run it. A coordinator may propose one for someone not online (`person_id`). Send
    an `Idempotency-Key` to retry safely: the same key gives the first idea again."""
    round_ = _round(request, slug, round_id)
    proposer = None
    if data.person_id is not None:
        proposer = _member_of_hub(request, data.person_id, "person_id")
    values = data.dict(exclude={"person_id"})
    with named_as(proposer="person_id"):
        idea = once(
            hub_id=request.hub.pk,
            owner=owner_of(request.user),
            key=key,
            kind="space.idea_propose",
            content={"round": round_.pk, **data.dict()},
            action=lambda: services.idea_propose(
                actor=request.user, round_=round_, proposer=proposer, **values
            ),
        )
    return Status(201, _idea_out(request, _ideas(round_).get(pk=idea.pk)))


class CheckIn(Schema):
    feasible: bool
    reason: str = Field("", max_length=1000, description="Needed when not feasible.")


@router.post(ROUND + "/ideas/{idea_id}/check", response={200: IdeaOut, **ERRORS})
def space_idea_check(request, slug: str, round_id: int, idea_id: int, data: CheckIn):
    """Staff: mark an idea feasible (it goes on the ballot) or not, with a reason its
    proposer is told."""
    round_ = _round(request, slug, round_id)
    idea = access.idea_for(request.membership, round_, idea_id)
    idea = services.idea_check(
        actor=request.user, idea=idea, feasible=data.feasible, reason=data.reason
    )
    return _idea_out(request, _ideas(round_).get(pk=idea.pk))


# --- ballots --------------------------------------------------------------------------------


class BallotOut(Schema):
    round_id: int
    voter: str
    ideas: list[int] = Field(description="The ids of the projects chosen.")
    titles: list[str]
    paper: bool
    entered_by: str | None = None
    cast_at: datetime.datetime
    changed_at: datetime.datetime


def _ballot_out(ballot: Ballot) -> dict:
    chosen = sorted(ballot.ideas.all(), key=lambda i: i.pk)
    return {
        "round_id": ballot.round_id,
        "voter": ballot.voter.display_name if ballot.voter_id else "",
        "ideas": [i.pk for i in chosen],
        "titles": [i.title for i in chosen],
        "paper": ballot.paper,
        "entered_by": ballot.entered_by.display_name if ballot.entered_by_id else None,
        "cast_at": ballot.cast_at,
        "changed_at": ballot.changed_at,
    }


def _ballot_of(round_: Round, voter) -> Ballot | None:
    return (
        Ballot.objects.filter(round=round_, voter=voter)
        .select_related("voter", "entered_by")
        .first()
    )


class BallotIn(Schema):
    ideas: list[Id] = Field(max_length=500, description="Ids of the projects you approve.")
    person_id: Id | None = Field(
        None, description="Coordinators: the member this ballot is for (not online, or paper)."
    )
    paper: bool = Field(False, description="Coordinators: entered from a paper ballot.")


@router.post(ROUND + "/ballot", response={200: BallotOut, **ERRORS})
def space_ballot_cast(request, slug: str, round_id: int, data: BallotIn):
    """Members: cast your approval ballot under the round's rule, or replace it, until the
    vote closes. A coordinator may enter one for a member not online (`person_id`), or
    from a paper ballot (`paper`). Sending the same ballot again changes nothing."""
    round_ = _round(request, slug, round_id)
    voter = None
    if data.person_id is not None:
        voter = _member_of_hub(request, data.person_id, "person_id")
    wanted = set(data.ideas)
    if len(wanted) != len(data.ideas):
        raise ApplicationError("Choose each project once.", field="ideas")
    ideas = list(Idea.objects.filter(round=round_, pk__in=wanted))
    if len(ideas) != len(wanted):
        raise ApplicationError("Choose only projects on this round's ballot.", field="ideas")
    ballot = services.ballot_cast(
        actor=request.user, round_=round_, ideas=ideas, voter=voter, paper=data.paper
    )
    return _ballot_out(_ballot_of(round_, ballot.voter))


@router.get(ROUND + "/ballot", response={200: BallotOut, **ERRORS})
def space_ballot(request, slug: str, round_id: int):
    """Your own ballot in the round (404 if you have not voted)."""
    round_ = _round(request, slug, round_id)
    ballot = _ballot_of(round_, request.user)
    if ballot is None:
        raise Http404("You have not voted in this round.")
    return _ballot_out(ballot)


# --- the result -----------------------------------------------------------------------------


class CountOut(Schema):
    selected: list[int] = Field(description="The ids of the projects this count funds.")
    cost: int
    cost_words: str
    exhaustive: bool | None = None


class ResultIdeaOut(Schema):
    id: int
    title: str
    cost: int
    cost_words: str
    votes: int
    funded: bool = Field(description="Funded, after any override.")
    funded_by_count: bool = Field(description="Funded by the Method of Equal Shares.")
    funded_by_greedy: bool = Field(description="Would be funded by greedy counting.")
    needed: int | None = Field(None, description="Not funded: more supporters it needed.")


class AreaOut(Schema):
    area: str = Field(description="Empty: other areas, small groups or none given, together.")
    voters: int


class OverrideOut(Schema):
    reason: str
    by: str
    at: datetime.datetime


class PaidOut(Schema):
    idea_id: int
    title: str
    amount: int = Field(description="Rounded to a whole unit.")
    amount_words: str
    exact: str = Field(description="Exactly, as a fraction of the unit.")


class ShareOut(Schema):
    share: int = Field(description="Your share of the resource, rounded to a whole unit.")
    share_words: str
    exact: str = Field(description="Exactly, as a fraction of the unit.")
    weight: str = Field(description="Your share relative to an ordinary voter's.")
    paid: list[PaidOut] = Field(description="What your share paid towards.")
    left: int
    left_words: str


class ResultOut(Schema):
    round: RoundOut
    unit: Literal["minutes", "pounds"]
    voters: int
    equal_shares: CountOut
    greedy: CountOut
    ideas: list[ResultIdeaOut]
    funded: list[int] = Field(description="The ids of the projects funded (after any override).")
    areas: list[AreaOut] = Field(description="Who took part, by area.")
    override: OverrideOut | None = None
    my_share: ShareOut | None = Field(None, description="How your share was spent, if you voted.")


def _count(round_: Round, summary: dict) -> dict:
    return {
        "selected": [int(pk) for pk in summary.get("selected", [])],
        "cost": summary.get("cost", 0),
        "cost_words": round_.words(summary.get("cost", 0)),
        "exhaustive": summary.get("exhaustive"),
    }


def _whole(value: Fraction) -> int:
    return round(value)


def _my_share(round_: Round, ballot: Ballot | None, titles: dict[int, str]) -> dict | None:
    if ballot is None or not ballot.spent:
        return None
    share = Fraction(ballot.spent["share"])
    paid = [(pk, Fraction(amount)) for pk, amount in ballot.spent.get("paid", [])]
    left = share - sum((amount for _, amount in paid), Fraction(0))
    return {
        "share": _whole(share),
        "share_words": round_.words(_whole(share)),
        "exact": str(share),
        "weight": ballot.spent.get("weight", "1"),
        "paid": [
            {
                "idea_id": pk,
                "title": titles.get(pk, ""),
                "amount": _whole(amount),
                "amount_words": round_.words(_whole(amount)),
                "exact": str(amount),
            }
            for pk, amount in paid
            if amount
        ],
        "left": _whole(left),
        "left_words": round_.words(_whole(left)),
    }


def _result(request, round_: Round) -> dict:
    result = round_.result or {}
    ideas = list(_ideas(round_).filter(feasibility=Feasibility.FEASIBLE))
    override = None
    if round_.override_reason:
        override = {
            "reason": round_.override_reason,
            "by": round_.overridden_by.display_name if round_.overridden_by_id else "",
            "at": round_.overridden_at,
        }
    return {
        "round": _round_out(request, round_),
        "unit": _unit(round_),
        "voters": result.get("voters", 0),
        "equal_shares": _count(round_, result.get("equal_shares", {})),
        "greedy": _count(round_, result.get("greedy", {})),
        "ideas": [
            {
                "id": idea.pk,
                "title": idea.title,
                "cost": idea.cost,
                "cost_words": round_.words(idea.cost),
                "votes": idea.votes,
                "funded": bool(idea.funded),
                "funded_by_count": bool(idea.funded_by_count),
                "funded_by_greedy": bool(idea.funded_by_greedy),
                "needed": idea.needed,
            }
            for idea in ideas
        ],
        "funded": [idea.pk for idea in ideas if idea.funded],
        "areas": [{"area": area, "voters": n} for area, n in result.get("areas", [])],
        "override": override,
        "my_share": _my_share(
            round_, _ballot_of(round_, request.user), {i.pk: i.title for i in ideas}
        ),
    }


@router.get(ROUND + "/result", response={200: ResultOut, **ERRORS})
def space_result(request, slug: str, round_id: int):
    """Once counted: what the Method of Equal Shares funds and what greedy counting would
    have, each project's votes (and how many more supporters a losing one needed), who
    took part by area, any override with its reason, and how your own share was spent.
    Before the count: 404."""
    round_ = _round(request, slug, round_id)
    if round_.counted_at is None:
        raise Http404("This round is not counted yet.")
    return _result(request, round_)


class OverrideIn(Schema):
    funded: list[Id] = Field(max_length=500, description="Ids of the projects to fund instead.")
    reason: str = Field(max_length=2000, description="Shown publicly beside the count.")


@router.post(ROUND + "/override", response={200: ResultOut, **ERRORS})
def space_override(request, slug: str, round_id: int, data: OverrideIn):
    """Coordinators: change which projects are funded, only with a reason (shown publicly
    beside the count, and kept in the log)."""
    round_ = _round(request, slug, round_id)
    wanted = set(data.funded)
    ideas = list(Idea.objects.filter(round=round_, pk__in=wanted))
    if len(ideas) != len(wanted):
        raise ApplicationError("Choose projects from this round's ballot.", field="funded")
    round_ = services.round_override(
        actor=request.user, round_=round_, funded=ideas, reason=data.reason
    )
    round_ = Round.objects.select_related("hub", "overridden_by").get(pk=round_.pk)
    return _result(request, round_)
