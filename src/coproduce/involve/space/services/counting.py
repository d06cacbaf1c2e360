"""Counting a round (the Method of Equal Shares, with greedy counting beside it), and
overriding a result with a reason."""

from collections import Counter
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Membership, Person
from coproduce.involve import allocation

from .. import access
from ..models import Ballot, Feasibility, Idea, Phase, Round
from .common import idea_url, lock, tell_about

BATCH = 2000
# Ballots times ideas up to which each losing idea's supporters needed are found by counting
# again (a few whole counts each, well under a second in all); larger rounds estimate.
RECOUNT_WORK = 5000


def fraction_text(value: Fraction) -> str:
    return str(Fraction(value))


def election_of(round_: Round) -> tuple[allocation.Election, list[int]]:
    """The round's ballots as an election (ideas by id as text), with the ballot ids in
    the same order. Each voter's weight is read from where they live now."""
    ideas = {
        idea.pk: idea.cost
        for idea in Idea.objects.filter(round=round_, feasibility=Feasibility.FEASIBLE)
    }
    ballots = list(Ballot.objects.filter(round=round_).order_by("pk").values_list("pk", "voter"))
    chosen: dict[int, set[str]] = {pk: set() for pk, _ in ballots}
    through = Ballot.ideas.through.objects.filter(ballot__round=round_)
    for ballot_id, idea_id in through.values_list("ballot_id", "idea_id").iterator(
        chunk_size=BATCH
    ):
        if idea_id in ideas:
            chosen[ballot_id].add(str(idea_id))
    weights = None
    if round_.weighting != "none" and round_.extra_share_percent:
        weights = _weights(round_, [voter for _, voter in ballots])
    election = allocation.Election(
        budget=round_.amount,
        costs={str(pk): cost for pk, cost in ideas.items()},
        ballots=[frozenset(chosen[pk]) for pk, _ in ballots],
        weights=weights,
        seed=round_.seed,
    )
    return election, [pk for pk, _ in ballots]


def _weights(round_: Round, voters: list[int | None]) -> list[Fraction]:
    from coproduce.involve.models import InvolvementPolicy

    where = dict(
        Membership.objects.filter(
            hub=round_.hub, person_id__in=[v for v in voters if v]
        ).values_list("person_id", "neighbourhood_id")
    )
    deciles = dict(round_.hub.neighbourhoods.values_list("pk", "deprivation_decile"))
    policy = InvolvementPolicy.objects.filter(hub=round_.hub).first()
    priority = set(policy.priority_areas.values_list("pk", flat=True)) if policy else set()
    weights = []
    for voter in voters:
        area = where.get(voter)
        weights.append(access.weight(round_, deciles.get(area), area in priority))
    return weights


def _summary(outcome: allocation.Outcome) -> dict:
    return {
        "selected": list(outcome.selected),
        "cost": outcome.cost,
        "step": outcome.step,
        "exhaustive": outcome.exhaustive,
        "shares_total": fraction_text(outcome.shares_total),
        "payments": {project: fraction_text(rho) for project, rho in outcome.payments},
        "ties": [
            {"chosen": tie.chosen, "rivals": list(tie.rivals), "decided_by": tie.decided_by}
            for tie in outcome.tie_breaks
        ],
        "needed": dict(outcome.needed),
    }


def _areas(round_: Round) -> list[list]:
    """Who took part, by area: areas with fewer than five voters counted together."""
    counts = Counter(Ballot.objects.filter(round=round_).values_list("area", flat=True))
    shown, other = [], 0
    for area, number in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if area and number >= access.SMALL_GROUP:
            shown.append([area, number])
        else:
            other += number
    if other:
        shown.append(["", other])  # other areas, or none given
    return shown


def count_locked(actor: Person | None, round_: Round) -> Round:
    """Close the vote and count it (the round's row is locked by the caller). No actor:
    the hub counted it itself when the vote's closing time passed."""
    election, ballot_ids = election_of(round_)
    shares = allocation.equal_shares(election)
    greedy = allocation.greedy(election)
    by_count, by_greedy = set(shares.selected), set(greedy.selected)
    ideas = list(Idea.objects.filter(round=round_, feasibility=Feasibility.FEASIBLE))
    # How many more supporters each losing project needed: counted again, supporter by
    # supporter, where the round is small enough to do it at once; else the estimate.
    recount = len(ballot_ids) * max(1, len(ideas)) <= RECOUNT_WORK
    for idea in ideas:
        key = str(idea.pk)
        idea.votes = shares.votes.get(key, 0)
        idea.funded = idea.funded_by_count = key in by_count
        idea.funded_by_greedy = key in by_greedy
        idea.needed = None if idea.funded else shares.needed.get(key)
        if recount and not idea.funded and idea.needed:
            idea.needed = allocation.supporters_needed(election, key, limit=4 * idea.needed)
            idea.needed = idea.needed or shares.needed.get(key)
    Idea.objects.bulk_update(
        ideas,
        ["votes", "funded", "funded_by_count", "funded_by_greedy", "needed"],
        batch_size=BATCH,
    )
    _store_spending(election, shares, ballot_ids)
    round_.phase = Phase.RESULT
    round_.counted_at = timezone.now()
    round_.result = {
        "equal_shares": _summary(shares),
        "greedy": _summary(greedy),
        "voters": len(ballot_ids),
        "areas": _areas(round_),
        "weighted": election.weights is not None,
        "needed_counted": recount,
    }
    round_.save(update_fields=["phase", "counted_at", "result"])
    audit(
        hub=round_.hub,
        actor=actor,
        event=AuditKind.SPACE_ROUND_COUNTED,
        subject=round_,
        new={"voters": len(ballot_ids), "funded": len(by_count), "cost": shares.cost},
    )
    for idea in ideas:
        tell_about(
            [idea.proposer],
            round_,
            f"{idea.title}: {'funded' if idea.funded else 'not funded this time'}",
            "counted",
            idea_url(idea),
            actor,
            idea=idea,
        )
    return round_


def _store_spending(election, shares, ballot_ids) -> None:
    """Each ballot's share and how it was spent, for its voter to see."""
    weights = election.weights or [1] * len(ballot_ids)
    total_weight = sum(Fraction(w) for w in weights)
    ballots = []
    for position, pk in enumerate(ballot_ids):
        share = shares.shares_total * Fraction(weights[position]) / total_weight
        left, paid = share, []
        for project, rho in shares.payments:
            if project in election.ballots[position]:
                amount = min(left, rho)
                paid.append([int(project), fraction_text(amount)])
                left -= amount
        ballots.append(
            Ballot(
                pk=pk,
                spent={
                    "share": fraction_text(share),
                    "weight": fraction_text(Fraction(weights[position])),
                    "paid": paid,
                },
            )
        )
    Ballot.objects.bulk_update(ballots, ["spent"], batch_size=BATCH)


@transaction.atomic
def round_count(*, actor: Person, round_: Round) -> Round:
    """Close the vote and count it: moving a round from voting to its result."""
    from .rounds import round_advance

    return round_advance(actor=actor, round_=round_, to=Phase.RESULT)


@transaction.atomic
def round_override(*, actor: Person, round_: Round, funded: list[Idea], reason: str) -> Round:
    """A coordinator changes which projects are funded. Only with a reason, which the
    public result page shows beside the count, and the log keeps."""
    round_ = lock(round_)
    if not access.round_rights(hub_access.membership_of(actor, round_.hub), round_).coordinate:
        raise PermissionDenied("Only this hub's coordinators can override a result.")
    if round_.counted_at is None:
        raise ApplicationError("The votes are not counted yet.", field="funded")
    reason = reason.strip()
    if len(reason) < 10:
        raise ApplicationError(
            "Say why, in a sentence: everyone sees the reason beside the count.", field="reason"
        )
    ideas = {
        idea.pk: idea
        for idea in Idea.objects.filter(round=round_, feasibility=Feasibility.FEASIBLE)
    }
    if any(idea.pk not in ideas for idea in funded):
        raise ApplicationError("Choose projects from this round's ballot.", field="funded")
    chosen = {idea.pk for idea in funded}
    cost = sum(ideas[pk].cost for pk in chosen)
    if cost > round_.amount:
        raise ApplicationError(
            f"Those projects need {round_.words(cost)}, more than the {round_.amount_words} "
            "shared.",
            field="funded",
        )
    before = sorted(pk for pk, idea in ideas.items() if idea.funded)
    dropped = [ideas[pk] for pk in before if pk not in chosen]
    for idea in dropped:
        if idea.project_id or idea.bookings.exists():
            raise ApplicationError(
                f"{idea.title} is already set up to run (a project or bookings of the space): "
                "end those first, then change the result.",
                field="funded",
            )
    changed = [idea for pk, idea in ideas.items() if bool(idea.funded) != (pk in chosen)]
    for pk, idea in ideas.items():
        idea.funded = pk in chosen
    Idea.objects.bulk_update(list(ideas.values()), ["funded"])
    round_.override_reason = reason
    round_.overridden_by, round_.overridden_at = actor, timezone.now()
    round_.save(update_fields=["override_reason", "overridden_by", "overridden_at"])
    audit(
        hub=round_.hub,
        actor=actor,
        event=AuditKind.SPACE_ROUND_OVERRIDDEN,
        subject=round_,
        old={"funded": before},
        new={"funded": sorted(chosen), "reason": reason},
    )
    for idea in changed:
        tell_about(
            [idea.proposer],
            round_,
            f"{idea.title}: {'now funded' if idea.funded else 'no longer funded'}",
            "overridden",
            idea_url(idea),
            actor,
            idea=idea,
        )
    return round_


def closed_rounds_count(now=None) -> int:
    """Count every round whose vote's closing time has passed (the hourly tick), so a
    result never waits for someone to remember. Each in its own transaction."""
    now = now or timezone.now()
    counted = 0
    due = Round.objects.filter(phase=Phase.VOTE, vote_closes_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            round_ = lock(Round(pk=pk))
            if (
                round_.phase == Phase.VOTE
                and round_.vote_closes_at
                and round_.vote_closes_at <= now
            ):
                count_locked(None, round_)
                counted += 1
    return counted
