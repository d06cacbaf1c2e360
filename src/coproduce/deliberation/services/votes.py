"""Votes: cast online, or recorded by a coordinator from paper or the phone; and which
statement to show next."""

import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, F, Func, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Person
from coproduce.idempotency import once, owner_of

from .. import chooser
from ..models import (
    AnalysisResult,
    Conversation,
    Participant,
    Statement,
    StatementStatus,
    Vote,
    VoteValue,
)
from .analysis import analysis_wanted
from .participants import key_owner, participant_for, participant_save
from .statements import _require_open
from .tallies import previous_vote, tally_move


def vote_cast(
    *,
    participant: Participant,
    statement: Statement,
    value: int,
    recorded_by: Person | None = None,
    key: str | None = None,
) -> Vote:
    """Agree, disagree or pass. Voting again adds to the log; the latest vote counts.
    A first vote saves the participant. With a `key`, the same vote sent again gives the
    first one back (nothing added to the log); another vote with that key (Back, then
    another choice) counts: a change of mind. All in one transaction: with a key, the
    one `once` opens for it (not a savepoint inside another), without one, the vote's
    own."""
    if key is None:
        with transaction.atomic():
            return _cast(participant, statement, value, recorded_by)
    return once(
        hub_id=participant.conversation.hub_id,
        owner=key_owner(participant),
        key=key,
        kind="vote",
        content={"statement": statement.pk, "value": value},
        action=lambda: _cast(participant, statement, value, recorded_by),
        latest_wins=True,
    )


def _cast(participant, statement, value, recorded_by) -> Vote:
    if statement.conversation_id != participant.conversation_id:
        raise ApplicationError("That statement is from another conversation.")
    _require_open(statement.conversation)
    if statement.status != StatementStatus.VISIBLE:
        raise ApplicationError("That statement is being reviewed by the moderators.")
    if value not in VoteValue.values or isinstance(value, bool):
        raise ApplicationError("Choose agree, disagree or pass.", field="value")
    # The conversation's lock first: votes in it are counted one at a time (tallies.py).
    analysis_wanted(statement.conversation_id, votes=1)
    participant = participant_save(participant)
    previous = previous_vote(participant.pk, statement.pk)
    vote = Vote.objects.create(
        participant=participant, statement=statement, value=value, recorded_by=recorded_by
    )
    tally_move(statement=statement, role=participant.role, previous=previous, value=value)
    return vote


@transaction.atomic
def vote_record_for(
    *,
    actor: Person,
    person: Person,
    statement: Statement,
    value: int,
    method: str,
    key: str | None = None,
) -> Vote:
    """A coordinator records a paper or phone response for a member who is not online."""
    return once(
        hub_id=statement.conversation.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="vote-for",
        content={"person": person.pk, "statement": statement.pk, "value": value, "m": method},
        action=lambda: _record_for(actor, person, statement, value, method),
        latest_wins=True,
    )


def _record_for(actor, person, statement, value, method) -> Vote:
    conversation = statement.conversation
    access.require_coordinator(actor, conversation.hub)
    if method not in ("paper", "phone", "in person"):
        raise ApplicationError("Say how the response was given.", field="method")
    participant = participant_for(person, conversation)
    vote = vote_cast(participant=participant, statement=statement, value=value, recorded_by=actor)
    audit(
        hub=conversation.hub,
        actor=actor,
        on_behalf_of=person,
        event=AuditKind.VOTE_RECORDED,
        subject=vote,
        new={"statement": statement.pk, "value": value, "method": method},
    )
    return vote


def latest_votes(participant: Participant) -> dict[int, int]:
    """Statement id -> the participant's vote that counts (their latest)."""
    latest = {}
    if participant.pk is None:  # not voted yet
        return latest
    for statement_id, value in (
        Vote.objects.filter(participant=participant)
        .order_by("id")
        .values_list("statement", "value")
    ):
        latest[statement_id] = value
    return latest


@dataclass(frozen=True)
class VotingCard:
    """What the voting card shows: the statement to vote on next (None when none is
    left) and how many of the statements showing the participant has voted on."""

    statement: Statement | None
    voted_count: int


def voting_card(participant: Participant, rng=None) -> VotingCard:
    """The next statement for the participant: one they have not voted on, new, divisive
    and uncertain ones more often (see chooser.py). One query whatever the number of
    votes: a row per statement showing, with its running tally, whether the participant
    has voted on it (`EXISTS` on the vote index), the last analysis's divides (a small
    list, the same on every row) and its predicted share of everyone who would agree
    with its range (that statement's entry only, read from the small copy the analysis
    keeps for this: `AnalysisResult.predicted`)."""
    conversation_id = participant.conversation_id
    last = AnalysisResult.objects.filter(conversation_id=conversation_id)
    # As JSON text, read once (not decoded on each row).
    divides_json = Subquery(last.values("divides")[:1], output_field=TextField())
    predicted_json = Subquery(
        last.values(p=_prediction_of(OuterRef("pk")))[:1], output_field=TextField()
    )
    showing = (
        Statement.objects.filter(conversation_id=conversation_id, status=StatementStatus.VISIBLE)
        .order_by("id")
        .annotate(
            voted=Exists(
                Vote.objects.filter(participant_id=participant.pk, statement_id=OuterRef("pk"))
            )
            if participant.pk is not None
            else Value(False),
            divides=divides_json,
            predicted=predicted_json,
        )
        .values_list(
            "id",
            "text",
            "tally__agree",
            "tally__disagree",
            "tally__passed",
            "voted",
            "divides",
            "predicted",
        )
    )
    texts, candidates, voted_count, divides = {}, [], 0, None
    for pk, text, agree, disagree, passed, voted, row_divides, predicted in showing:
        if divides is None:
            divides = {int(s) for s in json.loads(row_divides or "[]")}
        if voted:
            voted_count += 1
            continue
        agree, disagree, passed = agree or 0, disagree or 0, passed or 0
        texts[pk] = text
        candidates.append(
            chooser.Candidate(
                pk,
                agree + disagree + passed,
                agree,
                disagree,
                pk in divides,
                predicted=_prediction(predicted),
            )
        )
    chosen = chooser.choose(candidates, rng)
    if chosen is None:
        return VotingCard(None, voted_count)
    # The statement as loaded (its other fields load only if something reads them).
    statement = Statement.from_db(
        showing.db,
        ["id", "conversation_id", "text", "status"],
        [chosen, conversation_id, texts[chosen], StatementStatus.VISIBLE],
    )
    statement.conversation = participant.conversation
    return VotingCard(statement, voted_count)


def _prediction_of(statement):
    """The statement's [share, low, high] as JSON text, from the analysis's
    `predicted` ({statement id: [...]}), or NULL."""
    key = Cast(statement, TextField())
    if connection.vendor == "postgresql":
        return Func(
            F("predicted"), key, function="jsonb_extract_path_text", output_field=TextField()
        )
    if connection.vendor == "sqlite":
        path = Concat(Value('$."'), key, Value('"'), output_field=TextField())
        return Func(F("predicted"), path, function="json_extract", output_field=TextField())
    return Value(None, output_field=TextField())


def _prediction(found) -> tuple[float, float, float] | None:
    try:
        share, low, high = json.loads(found) if found else (None, None, None)
        return (float(share), float(low), float(high)) if share is not None else None
    except (TypeError, ValueError):
        return None  # an older result's shape: no prediction yet


def next_statement(participant: Participant, rng=None) -> Statement | None:
    """A visible statement the participant has not voted on (see `voting_card`); None
    when they have voted on them all."""
    return voting_card(participant, rng).statement


@transaction.atomic
def votes_cast(*, participant: Participant, answers: dict[int, int], key: str | None = None) -> int:
    """Several votes at once (the list of statements), all or none. Votes that repeat
    the one that already counts are skipped. Returns how many changed (with a `key`
    sent again: the first answer, as a `Replayed` number)."""
    return once(
        hub_id=participant.conversation.hub_id,
        owner=key_owner(participant),
        key=key,
        kind="votes",
        content={"answers": sorted(answers.items())},
        action=lambda: _cast_all(participant, answers),
        latest_wins=True,
    )


def _cast_all(participant: Participant, answers: dict[int, int]) -> int:
    current = latest_votes(participant)
    changed = {pk: value for pk, value in answers.items() if current.get(pk) != value}
    statements = Statement.objects.filter(conversation=participant.conversation).in_bulk(
        list(changed)
    )
    for pk, value in changed.items():
        if pk not in statements:
            raise ApplicationError(f"No statement {pk} in this conversation.")
        vote_cast(participant=participant, statement=statements[pk], value=value)
    return len(changed)


@transaction.atomic
def responses_record_for(
    *,
    actor: Person,
    person: Person,
    conversation: Conversation,
    answers: dict[int, int],
    method: str,
    key: str | None = None,
) -> int:
    """A coordinator types in a paper or phone response: several votes at once, all or
    none. Returns how many votes were recorded."""
    return once(
        hub_id=conversation.hub_id,
        owner=owner_of(actor),
        key=key,
        kind="responses",
        content={"person": person.pk, "answers": sorted(answers.items()), "m": method},
        action=lambda: _record_responses(actor, person, conversation, answers, method),
    )


def _record_responses(actor, person, conversation, answers, method) -> int:
    access.require_coordinator(actor, conversation.hub)
    statements = Statement.objects.filter(conversation=conversation).in_bulk(list(answers))
    missing = [pk for pk in answers if pk not in statements]
    if missing:
        raise ApplicationError(f"No statement {missing[0]} in this conversation.")
    for pk, value in answers.items():
        vote_record_for(
            actor=actor, person=person, statement=statements[pk], value=value, method=method
        )
    return len(answers)
