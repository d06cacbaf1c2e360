"""Running tallies: the votes that count on each statement, kept with every vote.

The vote log is the record (changing your mind adds a vote; the latest counts). Pages
need only the counts, so each vote moves them in its own transaction: the previous vote
that counted (if any) is taken off and the new one added, with `F()` updates. Votes in
one conversation take its row lock first (`analysis.analysis_wanted`), so two votes at
once cannot both read the same previous vote, and locks are always taken in the same
order (conversation, then tallies).

`tallies_recount` counts the log again; `tallies_check` compares (run by
`coproduce opinion check-tallies`); `tallies_rebuild` writes the recount (after votes
were written in bulk, e.g. an import).
"""

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import F

from ..models import Conversation, Participant, Statement, StatementTally, Vote, side_of

COUNT_OF = {1: "agree", -1: "disagree", 0: "passed"}
SIDE_COUNT_OF = {1: "agree", -1: "disagree"}  # a pass counts for no side


def _names(value: int, side: str | None) -> list[str]:
    names = [COUNT_OF[value]]
    if side and value in SIDE_COUNT_OF:
        names.append(f"{side}_{SIDE_COUNT_OF[value]}")
    return names


def tally_move(*, statement: Statement, role: str, previous: int | None, value: int) -> None:
    """Move the statement's counts from the participant's `previous` vote (None: their
    first on it) to `value`. Call inside the vote's transaction."""
    side = side_of(role)
    change: dict[str, int] = defaultdict(int)
    if previous is not None:
        for name in _names(previous, side):
            change[name] -= 1
    for name in _names(value, side):
        change[name] += 1
    change = {name: n for name, n in change.items() if n}
    if not change:
        return  # the same vote again: nothing moves
    updates = {name: F(name) + n for name, n in change.items()}
    if StatementTally.objects.filter(pk=statement.pk).update(**updates):
        return
    # A statement made before tallies were kept, or written without the services:
    # count it once from the log (which already holds this vote).
    try:
        with transaction.atomic():
            StatementTally.objects.create(
                statement=statement,
                conversation_id=statement.conversation_id,
                **_recount_statements([statement.pk])[statement.pk],
            )
    except IntegrityError:  # made by another transaction just now
        StatementTally.objects.filter(pk=statement.pk).update(**updates)


def tally_start(statement: Statement) -> StatementTally:
    """The empty tally of a new statement."""
    return StatementTally.objects.create(statement=statement, conversation=statement.conversation)


def previous_vote(participant_id: int, statement_id: int) -> int | None:
    """The participant's vote that counts on the statement, before this one."""
    return (
        Vote.objects.filter(participant_id=participant_id, statement_id=statement_id)
        .order_by("-id")
        .values_list("value", flat=True)
        .first()
    )


def _empty() -> dict:
    return dict.fromkeys(StatementTally.COUNTS, 0)


def _count(latest: dict, roles: dict, statement_ids) -> dict[int, dict]:
    counts = {pk: _empty() for pk in statement_ids}
    for (participant_id, statement_id), value in latest.items():
        row = counts.setdefault(statement_id, _empty())
        for name in _names(value, side_of(roles.get(participant_id, ""))):
            row[name] += 1
    return counts


def _recount_statements(statement_ids: list[int]) -> dict[int, dict]:
    latest = {}
    for participant_id, statement_id, value in (
        Vote.objects.filter(statement_id__in=statement_ids)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value")
    ):
        latest[participant_id, statement_id] = value
    roles = dict(
        Participant.objects.filter(pk__in={p for p, _ in latest}).values_list("pk", "role")
    )
    return _count(latest, roles, statement_ids)


def tallies_recount(conversation: Conversation) -> dict[int, dict]:
    """Statement id -> its counts, from the whole vote log (slow: for checks)."""
    latest = {}
    for participant_id, statement_id, value in (
        Vote.objects.filter(statement__conversation=conversation)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value")
    ):
        latest[participant_id, statement_id] = value
    roles = dict(Participant.objects.filter(conversation=conversation).values_list("pk", "role"))
    statement_ids = Statement.objects.filter(conversation=conversation).values_list("pk", flat=True)
    return _count(latest, roles, statement_ids)


def tallies_kept(conversation: Conversation) -> dict[int, dict]:
    """Statement id -> the counts kept (statements without a tally count as zero)."""
    kept = {pk: _empty() for pk in conversation.statements.values_list("pk", flat=True)}
    for tally in StatementTally.objects.filter(conversation=conversation):
        kept[tally.statement_id] = tally.as_dict()
    return kept


def tallies_check(conversation: Conversation) -> list[str]:
    """Where the kept counts differ from a recount of the log (none when all agree),
    including the conversation's count of votes cast."""
    problems = []
    recount, kept = tallies_recount(conversation), tallies_kept(conversation)
    for pk in sorted(recount.keys() | kept.keys()):
        expected, found = recount.get(pk, _empty()), kept.get(pk, _empty())
        if expected != found:
            wrong = ", ".join(
                f"{name} {found[name]} (should be {expected[name]})"
                for name in StatementTally.COUNTS
                if found[name] != expected[name]
            )
            problems.append(f"Conversation {conversation.pk}, statement {pk}: {wrong}.")
    cast = Vote.objects.filter(statement__conversation=conversation).count()
    conversation.refresh_from_db(fields=["votes_cast"])
    if conversation.votes_cast != cast:
        problems.append(
            f"Conversation {conversation.pk}: {conversation.votes_cast} votes cast kept, "
            f"{cast} in the log."
        )
    return problems


@transaction.atomic
def tallies_rebuild(conversation: Conversation) -> int:
    """Write a recount of the log as the conversation's tallies (after votes were
    written in bulk). Returns how many statements' counts changed."""
    from .analysis import analysis_wanted

    analysis_wanted(conversation.pk)  # takes the conversation's lock: no vote meanwhile
    recount, kept = tallies_recount(conversation), tallies_kept(conversation)
    existing = set(StatementTally.objects.filter(conversation=conversation).values_list("pk"))
    existing = {pk for (pk,) in existing}
    changed = 0
    for pk, counts in recount.items():
        if pk not in existing:
            StatementTally.objects.create(statement_id=pk, conversation=conversation, **counts)
            changed += 1
        elif kept[pk] != counts:
            StatementTally.objects.filter(pk=pk).update(**counts)
            changed += 1
    cast = Vote.objects.filter(statement__conversation=conversation).count()
    Conversation.objects.filter(pk=conversation.pk).update(votes_cast=cast)
    return changed
