"""Every change in a conversation: one function per action, permission checked inside."""

import datetime
import re
import time
import unicodedata

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from coproduce.bulk import insert_rows
from coproduce.errors import ApplicationError
from coproduce.hubs import access
from coproduce.hubs.models import Hub, Membership, Person, Role
from coproduce.hubs.notify import email_after_commit
from coproduce.hubs.services import audit

from . import chooser, engine, polis
from .models import (
    STATEMENT_MAX_LENGTH,
    STORED_MAX_LENGTH,
    AnalysisResult,
    Audience,
    Conversation,
    Flag,
    Moderator,
    Participant,
    ParticipantRole,
    Priority,
    Statement,
    StatementStatus,
    Vote,
    VoteValue,
    side_of,
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
    vote = Vote.objects.create(
        participant=participant, statement=statement, value=value, recorded_by=recorded_by
    )
    analysis_schedule(statement.conversation_id)
    return vote


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
        and statement.reviewed_at is None
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
        analysis_schedule(statement.conversation_id, force=True)
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


# --- taking part ----------------------------------------------------------------------


def may_take_part(person: Person, conversation: Conversation) -> bool:
    membership = access.membership_of(person, conversation.hub)
    if membership is None:
        return False
    return conversation.audience == Audience.HUB or membership.is_staff_or_above


def latest_votes(participant: Participant) -> dict[int, int]:
    """Statement id -> the participant's vote that counts (their latest)."""
    latest = {}
    for statement_id, value in (
        Vote.objects.filter(participant=participant)
        .order_by("id")
        .values_list("statement", "value")
    ):
        latest[statement_id] = value
    return latest


def next_statement(participant: Participant, rng=None) -> Statement | None:
    """A visible statement the participant has not voted on, new and divisive ones more
    often (see chooser.py); None when they have voted on them all."""
    conversation = participant.conversation
    voted = Vote.objects.filter(participant=participant).values("statement")
    tallies = (
        Statement.objects.filter(conversation=conversation, status=StatementStatus.VISIBLE)
        .exclude(pk__in=voted)
        .annotate(
            people=Count("votes__participant", distinct=True),
            agrees=Count("votes", filter=Q(votes__value=VoteValue.AGREE)),
            disagrees=Count("votes", filter=Q(votes__value=VoteValue.DISAGREE)),
        )
        .values_list("pk", "people", "agrees", "disagrees")
    )
    divides = set()
    cached = AnalysisResult.objects.filter(conversation=conversation).first()
    if cached:
        divides = {int(s) for s in cached.result.get("divides", [])}
    chosen = chooser.choose(
        [chooser.Candidate(pk, n, a, d, pk in divides) for pk, n, a, d in tallies], rng
    )
    return Statement.objects.get(pk=chosen) if chosen is not None else None


@transaction.atomic
def votes_cast(*, participant: Participant, answers: dict[int, int]) -> int:
    """Several votes at once (the list of statements), all or none. Votes that repeat
    the one that already counts are skipped. Returns how many changed."""
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
) -> int:
    """A coordinator types in a paper or phone response: several votes at once, all or
    none. Returns how many votes were recorded."""
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


# --- moderation -----------------------------------------------------------------------


def can_moderate(person: Person, hub: Hub) -> bool:
    membership = access.membership_of(person, hub)
    if membership is None:
        return False
    return membership.can_coordinate or Moderator.objects.filter(hub=hub, person=person).exists()


def require_moderator(person: Person, hub: Hub) -> None:
    if not can_moderate(person, hub):
        raise PermissionDenied("Only this hub's moderators can review statements.")


@transaction.atomic
def moderator_appoint(*, actor: Person, hub: Hub, person: Person) -> Moderator:
    """Coordinators choose the hub's moderators from its members."""
    access.require_coordinator(actor, hub)
    if access.membership_of(person, hub) is None:
        raise ApplicationError("Moderators must be members of the hub.", field="person")
    moderator, created = Moderator.objects.get_or_create(
        hub=hub, person=person, defaults={"appointed_by": actor}
    )
    if not created:
        raise ApplicationError(f"{person} is already a moderator.", field="person")
    audit(
        hub=hub,
        actor=actor,
        event="moderator.appointed",
        subject=moderator,
        new={"person": person.pk},
    )
    return moderator


@transaction.atomic
def moderator_remove(*, actor: Person, moderator: Moderator) -> None:
    access.require_coordinator(actor, moderator.hub)
    audit(
        hub=moderator.hub,
        actor=actor,
        event="moderator.removed",
        subject=moderator,
        old={"person": moderator.person_id},
    )
    moderator.delete()


MODERATION_DECISIONS = {
    "keep": StatementStatus.VISIBLE,
    "remove": StatementStatus.REMOVED,
}


@transaction.atomic
def statement_moderate(*, actor: Person, statement: Statement, decision: str, reason: str) -> None:
    """A moderator keeps a flagged statement (it shows again and flags no longer hide it)
    or removes it. Either way the decision and its reason are audited and the author, if
    known, is told by email."""
    conversation = statement.conversation
    require_moderator(actor, conversation.hub)
    if decision not in MODERATION_DECISIONS:
        raise ApplicationError("Choose keep or remove.", field="decision")
    reason = " ".join(reason.split())
    if not reason:
        raise ApplicationError("Say why, in a sentence the author will read.", field="reason")
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    old_status = statement.status
    statement.status = MODERATION_DECISIONS[decision]
    statement.moderation_note = reason[:300]
    statement.reviewed_at = timezone.now()
    statement.save(update_fields=["status", "moderation_note", "reviewed_at"])
    audit(
        hub=conversation.hub,
        actor=actor,
        event=f"statement.{'kept' if decision == 'keep' else 'removed'}",
        subject=statement,
        old={"status": old_status},
        new={"status": statement.status, "reason": statement.moderation_note},
    )
    author = statement.author.person if statement.author_id else None
    if author is not None:
        email_after_commit(
            to=[author.email],
            subject=(
                "Your statement is showing again"
                if decision == "keep"
                else "Your statement was removed"
            ),
            template="deliberation/email/moderated.txt",
            context={
                "person": author,
                "statement": statement,
                "conversation": conversation,
                "kept": decision == "keep",
            },
        )
    analysis_schedule(conversation.pk, force=True)


def moderation_queue(hub: Hub):
    """Statements waiting for a moderator (hidden by flags), then visible ones with
    flags that no moderator has looked at."""
    return (
        Statement.objects.filter(conversation__hub=hub, reviewed_at__isnull=True)
        .filter(Q(status=StatementStatus.HIDDEN) | Q(flags__isnull=False))
        .exclude(status=StatementStatus.REMOVED)
        .annotate(flag_count=Count("flags", distinct=True))
        .select_related("conversation")
        .prefetch_related("flags")
        .order_by("-status", "created_at")
        .distinct()
    )


# --- priorities -----------------------------------------------------------------------


@transaction.atomic
def priority_mark(*, actor: Person, statement: Statement, note: str = "") -> Priority:
    """A coordinator marks common ground as one of the hub's priorities."""
    hub = statement.conversation.hub
    access.require_coordinator(actor, hub)
    if statement.status != StatementStatus.VISIBLE:
        raise ApplicationError("Only a statement that is showing can be a priority.")
    priority, created = Priority.objects.get_or_create(
        statement=statement,
        defaults={"hub": hub, "note": note.strip()[:300], "marked_by": actor},
    )
    if created:
        audit(
            hub=hub,
            actor=actor,
            event="priority.marked",
            subject=priority,
            new={"statement": statement.pk, "text": statement.text},
        )
    return priority


@transaction.atomic
def priority_unmark(*, actor: Person, statement: Statement) -> None:
    hub = statement.conversation.hub
    access.require_coordinator(actor, hub)
    priority = Priority.objects.filter(statement=statement).first()
    if priority is None:
        return
    audit(
        hub=hub,
        actor=actor,
        event="priority.unmarked",
        subject=priority,
        old={"statement": statement.pk},
    )
    priority.delete()


# --- the analysis ---------------------------------------------------------------------


def analysis_schedule(conversation_id: int, *, force: bool = False) -> None:
    """Recompute the analysis once this transaction commits (in the background when a
    task worker runs; see TASKS_BACKEND). `force` when statements were hidden or shown
    again: the votes are the same, but not the ones that count."""
    from .tasks import refresh_analysis

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
