"""The analysis: the opinion engine run over a conversation's votes, after each change."""

import time

from django.db import transaction
from django.utils import timezone

from .. import engine, polis
from ..models import (
    AnalysisResult,
    Conversation,
    Participant,
    ParticipantRole,
    Statement,
    StatementStatus,
    Vote,
    side_of,
)


def vote_log(conversation: Conversation):
    """(participant id, statement id, vote) in the order cast, for the opinion engine."""
    return (
        Vote.objects.filter(statement__conversation=conversation)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value")
    )


def analysis_schedule(conversation_id: int, *, force: bool = False) -> None:
    """Recompute the analysis once this transaction commits (in the background when a
    task worker runs; see TASKS_BACKEND). `force` when statements were hidden or shown
    again: the votes are the same, but not the ones that count."""
    from ..tasks import refresh_analysis

    transaction.on_commit(lambda: refresh_analysis.enqueue(conversation_id, force=force))


def analysis_refresh(conversation: Conversation, *, force: bool = False) -> AnalysisResult:
    """Run the opinion engine over the conversation's votes and keep the result. Skips
    the work when no vote has been cast since the last result (tasks can pile up)."""
    last_vote = Vote.objects.filter(statement__conversation=conversation).order_by("-id").first()
    last_vote_id = last_vote.pk if last_vote else 0
    cached = AnalysisResult.objects.filter(conversation=conversation).first()
    if cached and cached.last_vote_id == last_vote_id and not force:
        return cached
    started = time.perf_counter()
    visible = set(
        Statement.objects.filter(
            conversation=conversation, status=StatementStatus.VISIBLE
        ).values_list("pk", flat=True)
    )
    log = [row for row in vote_log(conversation) if row[1] in visible]
    votes = engine.Votes.from_log(log)
    sides = {
        pk: side_of(role)
        for pk, role in Participant.objects.filter(conversation=conversation)
        .exclude(role=ParticipantRole.ANONYMOUS)
        .values_list("pk", "role")
    }
    # Keep the number of groups people have seen unless the votes clearly call for another.
    previous_k = cached.result.get("k") if cached else None
    analysis = engine.analyse(votes, roles=sides, previous_k=previous_k or None)
    result = analysis_as_json(analysis)
    values = {
        "last_vote_id": last_vote_id,
        "votes": len(votes.values),
        "participants": len(votes.participants),
        "result": result,
        "computed_at": timezone.now(),
        "seconds": round(time.perf_counter() - started, 3),
    }
    stored, _ = AnalysisResult.objects.update_or_create(conversation=conversation, defaults=values)
    return stored


def analysis_as_json(analysis: engine.Analysis) -> dict:
    """The engine's result as JSON: the command line's output, plus the number of groups
    and the common ground and splits across roles."""
    return {
        **polis.as_json(analysis),
        "k": analysis.k,
        "role_consensus": [str(s) for s in analysis.role_consensus],
        "role_divides": [str(s) for s in analysis.role_divides],
    }
