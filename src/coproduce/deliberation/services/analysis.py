"""The analysis: the opinion engine run over a conversation's votes, in the background.

When it runs
------------
A change the analysis must see (a vote, a new statement, one hidden or shown again)
calls `analysis_wanted` inside its own transaction. That takes the conversation's row
lock and, if no refresh is already waiting, marks one as wanted (`analysis_wanted_at`)
and asks for it once the change commits. Every later change finds the mark and asks for
nothing more, so at most one refresh per conversation is waiting at any time, however
many people vote. A refresh begins by clearing the mark under the same lock: every change
that committed before it is in the votes it reads, and the first change after it asks
for the next refresh. So the report is never more than one refresh behind.

A refresh is asked to run no sooner than ANALYSIS_MIN_INTERVAL_SECONDS after the last
one began (settings.py), so a busy conversation is analysed at most every few seconds,
and no sooner than three times as long as the last refresh took after it began (on a
large conversation the engine then has at most a third of a core, the voters the rest).
With TASKS_BACKEND=database it is a task with `run_after`, run by `coproduce db_worker`.
With the default `immediate` backend there is no worker: the refresh runs in the web
process once the response to the request that asked for it has been sent (later.py), so
the voter never waits for the engine; outside a request (commands, the demo) it runs as
the change commits, interval or not.
"""

from __future__ import annotations

import datetime
import time
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import polis
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
from ..rules import MIN_VOTERS

if TYPE_CHECKING:
    from .. import engine

# Results written in an older shape are due again (the report says the groups are being
# worked out). 2: group and side counts; 3: sub-groups, the predicted view of everyone,
# `min_voters`, and common ground ranked by evidence; 4: `surely` and `role_surely`, the
# figure each common-ground statement is ranked by, so the report needs no SciPy.
RESULT_FORMAT = 4
# Older formats the report can still show while the next analysis is awaited: format 3
# lacks only `surely`, so its report just leaves out "We are 90% sure that at least...".
# A new version stays readable across the upgrade; the next vote, or `coproduce opinion
# refresh`, brings the result to the current format.
READABLE_FORMATS = (3, RESULT_FORMAT)


def _interval() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ANALYSIS_MIN_INTERVAL_SECONDS)


# A refresh waits at least this many times as long as the last one took, so that on a
# large conversation the engine has at most a third of a core and voters the rest
# (100,000 votes take a few seconds to analyse: refreshed every ten or so instead of
# every five). Still at most one refresh waiting, so the report stays one refresh behind.
SPACING_PER_SECOND_OF_WORK = 3


def _spacing(conversation_id: int) -> datetime.timedelta:
    if not settings.ANALYSIS_MIN_INTERVAL_SECONDS:
        return _interval()  # after every change (tests)
    took = (
        AnalysisResult.objects.filter(conversation_id=conversation_id)
        .values_list("seconds", flat=True)
        .first()
    )
    work = datetime.timedelta(seconds=SPACING_PER_SECOND_OF_WORK * (took or 0))
    return max(_interval(), work)


def _lost_after() -> datetime.timedelta:
    # A refresh asked for this long ago that never began was lost (a worker stopped,
    # a web process ended before its timer): the next change asks again.
    return max(datetime.timedelta(minutes=10), 4 * _interval())


def vote_log(conversation: Conversation):
    """(participant id, statement id, vote) in the order cast, for the opinion engine."""
    return (
        Vote.objects.filter(statement__conversation=conversation)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value")
    )


def analysis_wanted(conversation_id: int, *, votes: int = 0) -> None:
    """Inside a change's transaction: count its `votes` and ask for a refresh unless one
    is already waiting. Takes the conversation's row lock, so call it before the change
    writes its tallies (see tallies.py)."""
    now = timezone.now()
    if votes and (
        Conversation.objects.filter(
            pk=conversation_id,
            analysis_wanted_at__isnull=False,
            analysis_wanted_at__gte=now - _lost_after(),
        ).update(votes_cast=F("votes_cast") + votes)
    ):
        # The usual case on a busy conversation: a refresh is already waiting, so the
        # vote is counted in one statement (which takes the same row lock; PostgreSQL
        # checks the condition again once it holds it).
        return
    state = (
        Conversation.objects.select_for_update(no_key=True)
        .filter(pk=conversation_id)
        .values("analysis_wanted_at", "analysis_started_at")
        .first()
    )
    if state is None:
        return
    updates = {}
    if votes:
        updates["votes_cast"] = F("votes_cast") + votes
    wanted, started = state["analysis_wanted_at"], state["analysis_started_at"]
    if wanted is None or wanted < now - _lost_after():
        updates["analysis_wanted_at"] = now
        run_after = max(now, started + _spacing(conversation_id)) if started else now
        transaction.on_commit(partial(_dispatch, conversation_id, run_after))
    if updates:
        Conversation.objects.filter(pk=conversation_id).update(**updates)


def analysis_schedule(conversation_id: int, *, force: bool = False) -> None:
    """Ask for a refresh (the same as `analysis_wanted` with no votes). `force` is kept
    for callers from before: a refresh that was asked for always runs."""
    analysis_wanted(conversation_id)


def _dispatch(conversation_id: int, run_after: datetime.datetime) -> None:
    from .. import later
    from ..tasks import refresh_analysis

    if refresh_analysis.get_backend().supports_defer:
        task = refresh_analysis
        if run_after > timezone.now():
            task = refresh_analysis.using(run_after=run_after)
        task.enqueue(conversation_id)
    else:
        later.after_response(conversation_id, run_after)


def analysis_refresh(conversation: Conversation, *, force: bool = False) -> AnalysisResult | None:
    """Run the opinion engine over the conversation's votes and keep the result. Skips
    the work when nothing asked for a refresh and no vote came since the last result."""
    cached = AnalysisResult.objects.filter(conversation=conversation).first()
    with transaction.atomic():
        state = (
            Conversation.objects.select_for_update(no_key=True)
            .filter(pk=conversation.pk)
            .values("votes_cast", "analysis_wanted_at")
            .first()
        )
        if state is None:
            return None
        last_vote = (
            Vote.objects.filter(statement__conversation=conversation)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        ) or 0
        due = (
            force
            or state["analysis_wanted_at"] is not None
            or cached is None
            or cached.last_vote_id != last_vote
            or cached.result.get("format") != RESULT_FORMAT
        )
        if not due:
            return cached
        started_at = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(
            analysis_wanted_at=None, analysis_started_at=started_at
        )
    return _refresh(conversation, cached, state["votes_cast"], started_at)


def _refresh(conversation, cached, votes_cast, started_at) -> AnalysisResult:
    from .. import engine

    started = time.perf_counter()
    visible = set(
        Statement.objects.filter(
            conversation=conversation, status=StatementStatus.VISIBLE
        ).values_list("pk", flat=True)
    )
    last_vote_id, log = 0, []
    for vote_id, *row in (
        Vote.objects.filter(statement__conversation=conversation)
        .order_by("id")
        .values_list("id", "participant_id", "statement_id", "value")
    ):
        last_vote_id = vote_id
        if row[1] in visible:
            log.append(row)
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
    result = analysis_as_json(analysis, sides)
    values = {
        "last_vote_id": last_vote_id,
        # What choosing the next statement reads on each vote: see votes.py.
        "divides": result["divides"],
        "predicted": result["predicted"],
        "votes_cast": votes_cast,
        "votes": len(votes.values),
        "participants": len(votes.participants),
        "result": result,
        "computed_at": started_at,
        "seconds": round(time.perf_counter() - started, 3),
    }
    with transaction.atomic():
        current = AnalysisResult.objects.select_for_update().filter(conversation=conversation)
        current = current.first()
        if current is not None and current.votes_cast > votes_cast:
            return current  # a refresh that began later has already finished
        stored, _ = AnalysisResult.objects.update_or_create(
            conversation=conversation, defaults=values
        )
    return stored


def analysis_as_json(analysis: engine.Analysis, sides: dict | None = None) -> dict:
    """The engine's result as JSON: the command line's output, plus the number of groups,
    the common ground and splits across roles, and what the report reads instead of the
    votes: each statement's agrees and decided votes per group (`tallies`), each group's
    staff and service users, which participants on the map are staff, and `min_voters`,
    the fewest people in a group or role who must take a side before its share is shown
    (fewer: "too few votes"). `surely` and `role_surely` give each common-ground
    statement's score (see polis.as_json)."""
    sides = sides or {}
    result = {
        **polis.as_json(analysis),
        "format": RESULT_FORMAT,
        "min_voters": MIN_VOTERS,
        "k": analysis.k,
        "role_consensus": [str(s) for s in analysis.role_consensus],
        "role_surely": polis.surely_percent(analysis.role_surely),
        "role_divides": [str(s) for s in analysis.role_divides],
        "tallies": {
            str(statement): [list(counts) for counts in per_group]
            for statement, per_group in analysis.group_tallies.items()
        },
        "staff": sorted(str(p) for p in analysis.map if sides.get(p) == "staff"),
    }
    # Which sub-group each person is in is for the command line; the report reads sizes.
    result.pop("subgroup_of", None)
    for group, card in zip(analysis.groups, result["groups"], strict=True):
        members = [sides.get(p) for p in group.members]
        card["staff"] = members.count("staff")
        card["users"] = members.count("users")
    return result
