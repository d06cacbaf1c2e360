"""Statements: added (one idea each, no repeats) and flagged."""

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import Count

from coproduce.audit import AuditKind, audit
from coproduce.errors import ApplicationError
from coproduce.idempotency import SAME_CONTENT_WINDOW, once

from ..models import (
    STATEMENT_MAX_LENGTH,
    Conversation,
    Flag,
    Participant,
    Statement,
    StatementStatus,
    Vote,
    VoteValue,
)
from .analysis import analysis_wanted
from .participants import key_owner, participant_save
from .tallies import tally_move, tally_start


def normalise(text: str) -> str:
    """Lower case, accents, punctuation and spacing removed, for catching duplicates."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", letters).split())


def _add_statement(conversation, text, *, author, is_seed=False) -> Statement:
    text = " ".join(text.split())
    if not text:
        raise ApplicationError("Write your statement.", field="text")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise ApplicationError(
            f"Keep it to {STATEMENT_MAX_LENGTH} characters ({len(text)} now): one idea per "
            "statement.",
            field="text",
        )
    key = normalise(text)
    existing = Statement.objects.filter(conversation=conversation, normalised=key).first()
    if existing:
        raise ApplicationError(
            f"Someone has already said this: \u201c{existing.text}\u201d. Vote on it instead.",
            field="text",
        )
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                conversation=conversation, text=text, normalised=key, author=author, is_seed=is_seed
            )
            tally_start(statement)
            return statement
    except IntegrityError:
        raise ApplicationError(
            "Someone has just said this. Vote on it instead.", field="text"
        ) from None


def _require_open(conversation: Conversation) -> None:
    if not conversation.is_open():
        raise ApplicationError("This conversation is closed.")


@transaction.atomic
def statement_add(*, participant: Participant, text: str, key: str | None = None) -> Statement:
    """Add a statement. With a `key`, sent again it gives the first statement instead of
    "someone has already said this" (see coproduce/idempotency.py)."""
    return once(
        hub_id=participant.conversation.hub_id,
        owner=key_owner(participant),
        key=key,
        kind="statement",
        content={"conversation": participant.conversation_id, "text": " ".join(text.split())},
        action=lambda: _statement_add(participant, text),
        same_content_within=SAME_CONTENT_WINDOW,
    )


def _statement_add(participant: Participant, text: str) -> Statement:
    conversation = participant.conversation
    _require_open(conversation)
    analysis_wanted(conversation.pk, votes=1)  # the author's vote, below
    participant = participant_save(participant)
    statement = _add_statement(conversation, text, author=participant)
    # Saying it is agreeing with it (as in Polis): the author's vote counts, and the
    # statement is never offered back to them.
    Vote.objects.create(participant=participant, statement=statement, value=VoteValue.AGREE)
    tally_move(statement=statement, role=participant.role, previous=None, value=VoteValue.AGREE)
    return statement


@transaction.atomic
def statement_flag(
    *, participant: Participant, statement: Statement, reason: str = "", key: str | None = None
) -> bool:
    """Say a statement breaks the code of conduct. Once enough different people have,
    it is hidden until a moderator looks at it. Returns whether it is now hidden. With a
    `key`, sent again it gives the first answer (as a `Replayed` number) instead of
    "you have already flagged this"."""
    return once(
        hub_id=participant.conversation.hub_id,
        owner=key_owner(participant),
        key=key,
        kind="flag",
        content={"statement": statement.pk, "reason": reason.strip()[:300]},
        action=lambda: _flag(participant, statement, reason),
    )


def _flag(participant: Participant, statement: Statement, reason: str) -> bool:
    if statement.conversation_id != participant.conversation_id:
        raise ApplicationError("That statement is from another conversation.")
    # FOR NO KEY UPDATE: votes on it (which only reference it) are not held up.
    statement = Statement.objects.select_for_update(no_key=True).get(pk=statement.pk)
    participant = participant_save(participant)
    _, created = Flag.objects.get_or_create(
        statement=statement, participant=participant, defaults={"reason": reason.strip()[:300]}
    )
    if not created:
        raise ApplicationError("You have already flagged this statement.")
    flags = statement.flags.aggregate(n=Count("participant", distinct=True))["n"]
    if (
        statement.status == StatementStatus.VISIBLE
        and statement.reviewed_at is None
        and flags >= statement.conversation.flag_threshold
    ):
        statement.status = StatementStatus.HIDDEN
        statement.save(update_fields=["status"])
        audit(
            hub=statement.conversation.hub,
            actor=None,
            event=AuditKind.STATEMENT_HIDDEN,
            subject=statement,
            old={"status": StatementStatus.VISIBLE},
            new={"status": StatementStatus.HIDDEN, "flags": flags},
        )
        analysis_wanted(statement.conversation_id)
    return statement.status == StatementStatus.HIDDEN
