"""Casting (and changing) a ballot."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Person

from .. import access
from ..models import Ballot, Idea, Round
from .common import lock


@transaction.atomic
def ballot_cast(
    *,
    actor: Person,
    round_: Round,
    ideas: list[Idea],
    voter: Person | None = None,
    paper: bool = False,
) -> Ballot:
    """A member's approval ballot: the projects they would be glad to see. Sent again, it
    replaces their ballot (until the vote closes). A coordinator may enter one for
    someone not online, or from a paper ballot."""
    round_ = lock(round_)  # the count waits for a ballot being cast, and the other way
    membership = hub_access.membership_of(actor, round_.hub)
    rights = access.round_rights(membership, round_)
    voter = voter or actor
    if not rights.see:
        raise PermissionDenied("Only members of this hub can vote.")
    if not access.may_vote_for(membership, voter):
        raise PermissionDenied("Only a coordinator can enter a ballot for someone else.")
    if paper and not rights.coordinate:
        raise PermissionDenied("Only a coordinator can enter a paper ballot.")
    if not rights.vote:
        closed = round_.counted_at is not None or round_.vote_closes_at is not None
        raise ApplicationError(
            "The vote has closed." if closed else "This round is not voting now.", field="ideas"
        )
    # Read afresh: what is on the ballot is what the database says now.
    wanted = {idea.pk for idea in ideas}
    ideas = list(Idea.objects.filter(pk__in=wanted, round=round_))
    if len(ideas) != len(wanted):
        raise ApplicationError("Choose only projects on this round's ballot.", field="ideas")
    problem = access.ballot_problem(round_, ideas)
    if problem:
        raise ApplicationError(problem, field="ideas")
    voter_membership = hub_access.membership_of(voter, round_.hub)
    ballot = Ballot.objects.select_for_update().filter(round=round_, voter=voter).first()
    refusal = access.entering_refusal(membership, voter, paper=paper, existing=ballot)
    if refusal:
        raise ApplicationError(refusal, field="voter")
    before = sorted(ballot.ideas.values_list("pk", flat=True)) if ballot else None
    after = sorted(idea.pk for idea in ideas)
    if ballot is not None and before == after and ballot.paper == paper:
        return ballot  # the same ballot sent again
    now = timezone.now()
    if ballot is None:
        ballot = Ballot(round=round_, voter=voter, cast_at=now)
    ballot.area = voter_membership.area if voter_membership else ""
    ballot.entered_by = actor if voter.pk != actor.pk else None
    ballot.paper = paper
    ballot.changed_at = now
    ballot.save()
    ballot.ideas.set(ideas)
    audit(
        hub=round_.hub,
        actor=actor,
        on_behalf_of=voter,
        event=AuditKind.SPACE_BALLOT_RECORDED,
        subject=ballot,
        # Which projects, never: a ballot is secret from the log's readers too.
        new={"round": round_.pk, "changed": before is not None, "paper": paper},
    )
    return ballot
