"""A round already counted, from a pabulib file of approval ballots (open data from
another place, or an earlier round kept on paper)."""

from django.db import transaction

from coproduce.errors import ApplicationError
from coproduce.hubs.models import Hub, Person
from coproduce.involve import pabulib

from ..models import Ballot, Feasibility, Idea, Phase, Resource, Round
from .common import lock
from .counting import BATCH, count_locked
from .rounds import round_create


@transaction.atomic
def round_import(
    *, actor: Person, hub: Hub, text: str, title: str, resource: str, key: str = ""
) -> Round:
    """Read the file (refused whole, naming its lines, if anything is wrong), make a
    round with its projects as feasible ideas and its ballots (no voter: each known by
    its id in the file), and count it. Sent again with the same key: the first round."""
    if key:
        earlier = Round.objects.filter(hub=hub, created_by=actor, key=key[:60]).first()
        if earlier is not None:
            return earlier
    parsed = pabulib.read(text)
    too_dear = sorted(p for p, cost in parsed.costs.items() if cost > parsed.budget)
    if too_dear:
        raise ApplicationError(
            f"Project {too_dear[0]} costs more than the whole budget ({parsed.budget}): "
            "a round must be able to fund each project.",
            field="file",
        )
    if not parsed.costs:
        raise ApplicationError("The file has no projects to count.", field="file")
    # The file says what it counts in: minutes are time, a currency is money.
    unit = parsed.meta.get("currency", "").strip().lower()
    counts_time = unit in ("minutes", "minute", "min")
    if unit and counts_time != (resource != Resource.MONEY):
        raise ApplicationError(
            f"The file counts in {parsed.meta['currency']}: choose "
            f"{'a kind of time' if counts_time else 'a budget in pounds'} for what is shared.",
            field="resource",
        )
    try:
        round_ = round_create(
            actor=actor,
            hub=hub,
            title=title,
            resource=resource,
            amount=parsed.budget,
            description=(
                "Imported from a pabulib file and counted here. "
                + parsed.meta.get("description", "")
            )[:3000],
            key=key,
        )
    except ApplicationError as error:
        if error.field == "amount":  # the file's budget
            error.field = "file"
        raise
    # The draw that breaks full ties: the file's, so anyone counting it gets this result.
    round_.seed = (parsed.meta.get("seed") or parsed.meta.get("description", ""))[:32]
    round_.phase = Phase.VOTE
    round_.save(update_fields=["seed", "phase"])
    ideas = {}
    for project, cost in parsed.costs.items():
        row = parsed.projects[project]
        ideas[project] = Idea(
            round=round_,
            title=(row.get("name") or f"Project {project}")[:120],
            description=(row.get("description") or f"Project {project} in the file.")[:2000],
            cost=cost,
            run_by="Not given in the file",
            proposer=actor,
            feasibility=Feasibility.FEASIBLE,
            checked_by=actor,
        )
    Idea.objects.bulk_create(ideas.values(), batch_size=BATCH)
    ballots = Ballot.objects.bulk_create(
        [Ballot(round=round_, voter=None, imported_id=voter[:60]) for voter, _, _ in parsed.votes],
        batch_size=BATCH,
    )
    through = Ballot.ideas.through
    Ballot.ideas.through.objects.bulk_create(
        [
            through(ballot_id=ballot.pk, idea_id=ideas[project].pk)
            for ballot, (_, chosen, _) in zip(ballots, parsed.votes, strict=True)
            for project in chosen
        ],
        batch_size=BATCH,
    )
    return count_locked(actor, lock(round_))
