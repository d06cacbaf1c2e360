"""Every change in a conversation: one function per action, permission checked inside."""

import datetime
import re
import unicodedata

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from coproduce.bulk import insert_rows
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Membership, Person, Role
from coproduce.hubs.services import audit

from . import polis
from .models import (
    STATEMENT_MAX_LENGTH,
    STORED_MAX_LENGTH,
    Audience,
    Conversation,
    Flag,
    Participant,
    ParticipantRole,
    Statement,
    StatementStatus,
    Vote,
    VoteValue,
)

ROLE_OF = {
    Role.MEMBER: ParticipantRole.USER,
    Role.STAFF: ParticipantRole.STAFF,
    Role.COORDINATOR: ParticipantRole.COORDINATOR,
    Role.ADMIN: ParticipantRole.COORDINATOR,
}


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
        event="conversation.created",
        subject=conversation,
        new={"question": question, "audience": audience, "seeds": len(seeds)},
    )
    return conversation


def participant_for(person: Person, conversation: Conversation) -> Participant:
    """The person's place in the conversation, made on first use. Only members of the hub
    (and, for a staff conversation, its staff) take part."""
    membership = access.require_member(person, conversation.hub)
    if conversation.audience == Audience.STAFF and not membership.is_staff_or_above:
        raise PermissionDenied("This conversation is for staff.")
    participant, _ = Participant.objects.get_or_create(
        conversation=conversation,
        person=person,
        defaults={"role": ROLE_OF[membership.role], "area": _area(membership)},
    )
    return participant


def anonymous_participant(conversation: Conversation, token: str, key: str) -> Participant:
    """Someone without an account who came by the conversation's link."""
    if not conversation.link_token or token != conversation.link_token:
        raise PermissionDenied("This link does not open the conversation.")
    if not key:
        raise ApplicationError("Your browser did not keep your place. Try again.")
    try:
        with transaction.atomic():
            participant, _ = Participant.objects.get_or_create(
                conversation=conversation,
                anonymous_key=key,
                defaults={"role": ParticipantRole.ANONYMOUS},
            )
    except IntegrityError:
        participant = Participant.objects.get(conversation=conversation, anonymous_key=key)
    return participant


def _area(membership: Membership) -> str:
    if membership.neighbourhood_id:
        return membership.neighbourhood.name
    return membership.person.postcode_district


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
            return Statement.objects.create(
                conversation=conversation, text=text, normalised=key, author=author, is_seed=is_seed
            )
    except IntegrityError:
        raise ApplicationError(
            "Someone has just said this. Vote on it instead.", field="text"
        ) from None


def _require_open(conversation: Conversation) -> None:
    if not conversation.is_open():
        raise ApplicationError("This conversation is closed.")


@transaction.atomic
def statement_add(*, participant: Participant, text: str) -> Statement:
    conversation = participant.conversation
    _require_open(conversation)
    statement = _add_statement(conversation, text, author=participant)
    return statement


@transaction.atomic
def vote_cast(
    *, participant: Participant, statement: Statement, value: int, recorded_by: Person | None = None
) -> Vote:
    """Agree, disagree or pass. Voting again adds to the log; the latest vote counts."""
    if statement.conversation_id != participant.conversation_id:
        raise ApplicationError("That statement is from another conversation.")
    _require_open(statement.conversation)
    if statement.status != StatementStatus.VISIBLE:
        raise ApplicationError("That statement is being reviewed by the moderators.")
    if value not in VoteValue.values or isinstance(value, bool):
        raise ApplicationError("Choose agree, disagree or pass.", field="value")
    return Vote.objects.create(
        participant=participant, statement=statement, value=value, recorded_by=recorded_by
    )


@transaction.atomic
def vote_record_for(
    *, actor: Person, person: Person, statement: Statement, value: int, method: str
) -> Vote:
    """A coordinator records a paper or phone response for a member who is not online."""
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
        event="vote.recorded",
        subject=vote,
        new={"statement": statement.pk, "value": value, "method": method},
    )
    return vote


@transaction.atomic
def statement_flag(*, participant: Participant, statement: Statement, reason: str = "") -> bool:
    """Say a statement breaks the code of conduct. Once enough different people have,
    it is hidden until a moderator looks at it. Returns whether it is now hidden."""
    if statement.conversation_id != participant.conversation_id:
        raise ApplicationError("That statement is from another conversation.")
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    _, created = Flag.objects.get_or_create(
        statement=statement, participant=participant, defaults={"reason": reason.strip()[:300]}
    )
    if not created:
        raise ApplicationError("You have already flagged this statement.")
    flags = statement.flags.aggregate(n=Count("participant", distinct=True))["n"]
    if (
        statement.status == StatementStatus.VISIBLE
        and flags >= statement.conversation.flag_threshold
    ):
        statement.status = StatementStatus.HIDDEN
        statement.save(update_fields=["status"])
        audit(
            hub=statement.conversation.hub,
            actor=None,
            event="statement.hidden",
            subject=statement,
            old={"status": StatementStatus.VISIBLE},
            new={"status": StatementStatus.HIDDEN, "flags": flags},
        )
    return statement.status == StatementStatus.HIDDEN


def vote_log(conversation: Conversation):
    """(participant id, statement id, vote) in the order cast, for the opinion engine."""
    return (
        Vote.objects.filter(statement__conversation=conversation)
        .order_by("id")
        .values_list("participant_id", "statement_id", "value")
    )


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
        event="conversation.imported",
        subject=conversation,
        new={"statements": len(by_text), "participants": len(voters), "votes": len(export.votes)},
    )
    return conversation
