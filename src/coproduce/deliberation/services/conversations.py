"""Conversations: opened by a coordinator or imported from Polis, and the people taking
part in them."""

import datetime

from django.db import transaction
from django.utils import timezone

from coproduce.audit import AuditKind, audit
from coproduce.bulk import insert_rows
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Person

from .. import polis
from ..models import (
    STORED_MAX_LENGTH,
    Audience,
    Conversation,
    Participant,
    ParticipantRole,
    Statement,
    Vote,
)
from .analysis import analysis_wanted
from .statements import _add_statement, normalise
from .tallies import tallies_rebuild


@transaction.atomic
def conversation_create(
    *,
    actor: Person,
    hub: Hub,
    question: str,
    context: str = "",
    audience: str = Audience.HUB,
    anonymous_link: bool = False,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
    flag_threshold: int = 3,
    seeds: list[str] = (),
) -> Conversation:
    """A coordinator opens a conversation, with seed statements to start the voting."""
    access.require_coordinator(actor, hub)
    question = " ".join(question.split())
    if not question:
        raise ApplicationError("Ask a question.", field="question")
    if audience not in Audience.values:
        raise ApplicationError("Choose who can take part.", field="audience")
    opens_at = opens_at or timezone.now()
    if closes_at is not None and closes_at <= opens_at:
        raise ApplicationError(
            "The closing date must be after the opening date.", field="closes_at"
        )
    if not 1 <= flag_threshold <= 50:
        raise ApplicationError("Choose between 1 and 50 people.", field="flag_threshold")
    conversation = Conversation.objects.create(
        hub=hub,
        question=question,
        context=context.strip(),
        audience=audience,
        link_token=Conversation.new_link_token() if anonymous_link else "",
        opens_at=opens_at,
        closes_at=closes_at,
        flag_threshold=flag_threshold,
        created_by=actor,
    )
    for number, text in enumerate(seeds, start=1):
        try:
            _add_statement(conversation, text, author=None, is_seed=True)
        except ApplicationError as error:
            raise ApplicationError(
                f"Seed statement {number}: {error.message}", field="seeds"
            ) from error
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.CONVERSATION_CREATED,
        subject=conversation,
        new={"question": question, "audience": audience, "seeds": len(seeds)},
    )
    analysis_wanted(conversation.pk)  # the report says "no votes yet", not "wait"
    return conversation


@transaction.atomic
def conversation_import(
    *, actor: Person | None, hub: Hub, export: polis.Export, question: str
) -> Conversation:
    """Load a Polis export as a closed conversation of the hub, so it can be analysed and
    reported here. Voters keep their Polis ids (as anonymous participants); a comment
    that repeats an earlier one (ignoring case and punctuation) joins it. `actor` None is
    the site operator at the command line."""
    if actor is not None:
        access.require_coordinator(actor, hub)
    if not export.votes:
        raise ApplicationError("The export has no votes.")
    times = [cast_at for cast_at in export.times if cast_at is not None]
    opened = min(times) if times else timezone.now()
    conversation = Conversation.objects.create(
        hub=hub,
        question=" ".join(question.split())[:300] or "Imported conversation",
        context="Imported from a Polis export.",
        opens_at=opened,
        closes_at=(max(times) if times else opened) + datetime.timedelta(seconds=1),
        created_by=actor,
    )
    statement_of: dict[str, int] = {}
    by_text: dict[str, int] = {}
    for comment, text in export.comments.items():
        text = " ".join(text.split())[:STORED_MAX_LENGTH] or f"Comment {comment}"
        key = normalise(text) or f"comment {comment}"
        if key not in by_text:
            by_text[key] = Statement.objects.create(
                conversation=conversation, text=text, normalised=key, external_id=comment
            ).pk
        statement_of[comment] = by_text[key]
    for comment in {c for _, c, *_ in export.votes} - statement_of.keys():
        key = f"comment {comment}"
        statement_of[comment] = Statement.objects.create(
            conversation=conversation,
            text=f"Comment {comment}",
            normalised=key,
            external_id=comment,
        ).pk
    voters = sorted({voter for voter, *_ in export.votes}, key=int)
    participant_ids = insert_rows(
        Participant,
        [
            {
                "conversation_id": conversation.pk,
                "external_id": voter,
                "role": ParticipantRole.ANONYMOUS,
                "joined_at": opened,
            }
            for voter in voters
        ],
        returning_ids=True,
    )
    participant_of = dict(zip(voters, participant_ids, strict=True))
    insert_rows(
        Vote,
        [
            {
                "participant_id": participant_of[voter],
                "statement_id": statement_of[comment],
                "value": value,
                "cast_at": cast_at or opened,
            }
            for (voter, comment, value), cast_at in zip(export.votes, export.times, strict=True)
        ],
    )
    audit(
        hub=hub,
        actor=actor,
        event=AuditKind.CONVERSATION_IMPORTED,
        subject=conversation,
        new={"statements": len(by_text), "participants": len(voters), "votes": len(export.votes)},
    )
    tallies_rebuild(conversation)  # counts the votes written in bulk; asks for the analysis
    return conversation
